"""JSON boundaries of the purchase rounds: the job's status and the optimizer's instance."""

from marshmallow import Schema, fields


class RoundStatusSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    progress = fields.Integer()
    step = fields.String(attribute="progress_note", allow_none=True)
    elapsed_seconds = fields.Integer(allow_none=True)
    time_limit_seconds = fields.Integer()
    finished = fields.Boolean()
    stale = fields.Boolean()


class _Supplier(Schema):
    id = fields.Raw()
    order_cost = fields.Float()


class _PriceBreak(Schema):
    min_qty = fields.Integer()
    unit_price = fields.Float()


class _Offer(Schema):
    id = fields.Raw()
    supplier = fields.Raw()
    product = fields.Raw()
    pack_size = fields.Integer()
    moq = fields.Integer()
    price_breaks = fields.List(fields.Nested(_PriceBreak))


class _Demand(Schema):
    organisation = fields.Raw()
    product = fields.Raw()
    quantity = fields.Integer()


class InstanceSchema(Schema):
    """The command line's JSON contract (`python -m procurement.optimizer purchase`)."""

    organisations = fields.Method("_organisations")
    suppliers = fields.List(fields.Nested(_Supplier))
    products = fields.Method("_products")
    offers = fields.List(fields.Nested(_Offer))
    demand = fields.List(fields.Nested(_Demand))

    def _organisations(self, instance):
        return [{"id": o} for o in instance.organisations]

    def _products(self, instance):
        return [{"id": p} for p in instance.products]
