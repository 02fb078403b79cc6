"""JSON forms of a distribution run: the optimizer's instance in the command line's contract."""

from __future__ import annotations

from marshmallow import Schema, fields


class _DepotSchema(Schema):
    id = fields.Raw()
    capacity = fields.Float()


class _ProductSchema(Schema):
    id = fields.Raw()
    volume = fields.Float()
    shortage_penalty = fields.Float()
    handling = fields.Float()


class _TransportSchema(Schema):
    from_ = fields.Raw(data_key="from")
    to = fields.Raw()
    cost_per_unit = fields.Float()


class DistributionInstanceSchema(Schema):
    """`python -m procurement.optimizer distribute FILE.json` reads exactly this."""

    depots = fields.List(fields.Nested(_DepotSchema))
    products = fields.List(fields.Nested(_ProductSchema))
    stock = fields.Method("_stock")
    demand = fields.Method("_demand")
    transport = fields.List(fields.Nested(_TransportSchema))

    def _stock(self, instance):
        return _quantities(instance.stock)

    def _demand(self, instance):
        return _quantities(instance.demand)


def _quantities(by_pair: dict) -> list[dict]:
    return [
        {"depot": depot, "product": product, "quantity": quantity}
        for (depot, product), quantity in sorted(by_pair.items(), key=lambda kv: str(kv[0]))
    ]
