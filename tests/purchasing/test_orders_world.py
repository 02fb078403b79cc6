"""The world the purchase order tests share (no tests of its own).

Two suppliers, each with a framework contract: Invacare offers a reusable wheelchair (21 days'
lead time) and consumable gloves (10 days); Etac a care bed. Herning and Holstebro each own a
depot, and they share a third. `draft` builds an OrderLineDraft with the contract line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import has_app_context
from sqlalchemy import select, update

from depot.auth.models import User
from depot.catalogue.models import ContractLine, Supplier
from depot.extensions import db
from depot.purchasing.orders import OrderLineDraft


def _end_the_tests_transaction() -> None:
    """Commit the test's own session first: SQLite lets one writer in at a time."""
    if has_app_context():
        db.session.commit()


@dataclass
class OrderWorld:
    app: object
    make: object
    herning: object
    holstebro: object
    region: object
    supplier: object
    contract: object
    chair: object
    gloves: object
    other_supplier: object
    other_contract: object
    bed: object
    depot_h: object
    depot_s: object
    shared: object
    offers: dict  # (contract id, product id) → contract line id

    def draft(self, product, organisation, depot, quantity, price="1000.00", contract=None):
        contract = contract or (self.other_contract if product is self.bed else self.contract)
        return OrderLineDraft(
            supplier_id=contract.supplier_id,
            contract_id=contract.id,
            contract_line_id=self.offers.get((contract.id, product.id)),
            product_id=product.id,
            organisation_id=organisation.id,
            depot_id=depot.id,
            quantity=quantity,
            unit_price=Decimal(price) if isinstance(price, str) else price,
        )

    def order(self, lines, *, organisation=None, send=False, user=None):
        """A committed order of `lines` [(product, organisation, depot, qty, price)]."""
        _end_the_tests_transaction()
        return self.make.purchase_order(
            organisation=organisation or self.herning,
            lines=lines,
            contract=self.other_contract if lines[0][0] is self.bed else self.contract,
            send=send,
            user=user,
        )

    def user(self, role, organisation) -> User:
        """A user, to be loaded again inside the test's app context (`db.session.get`)."""
        _end_the_tests_transaction()
        return self.make.user(organisation=organisation, role=role)


def build_world(make, herning, holstebro, region) -> OrderWorld:
    app = make.app
    supplier = make.supplier(name="Invacare Danmark A/S", order_cost=Decimal("750.00"))
    chair = make.product(name="Kørestol Action 3", supplier=supplier)
    gloves = make.product(name="Engangshandsker nitril", supplier=supplier, reusable=False)
    contract = make.contract(
        supplier=supplier, products=[chair, gloves], reference="RK-HJ-2026-01", breaks=((1, "1"),)
    )
    other_supplier = make.supplier(name="Etac A/S", order_cost=Decimal("0"))
    bed = make.product(name="Plejeseng Opus", supplier=other_supplier)
    other_contract = make.contract(supplier=other_supplier, products=[bed], reference="RK-SE-7")
    depot_h = make.depot(owner=herning, name="Herning Hjælpemiddeldepot")
    depot_s = make.depot(owner=holstebro, name="Holstebro Hjælpemiddeldepot")
    shared = make.depot(name="Fællesdepot Midt", shares=[(herning, 50), (holstebro, 50)])
    with app.app_context():
        lead_times = {chair.id: 21, gloves.id: 10, bed.id: 30}
        for product_id, days in lead_times.items():
            db.session.execute(
                update(ContractLine)
                .where(ContractLine.product_id == product_id)
                .values(lead_time_days=days)
            )
        db.session.execute(
            update(Supplier).where(Supplier.id == supplier.id).values(phone="70 20 30 40")
        )
        offers = {
            (line.contract_id, line.product_id): line.id
            for line in db.session.scalars(select(ContractLine))
        }
        db.session.commit()
    return OrderWorld(
        app=app,
        make=make,
        herning=herning,
        holstebro=holstebro,
        region=region,
        supplier=supplier,
        contract=contract,
        chair=chair,
        gloves=gloves,
        other_supplier=other_supplier,
        other_contract=other_contract,
        bed=bed,
        depot_h=depot_h,
        depot_s=depot_s,
        shared=shared,
        offers=offers,
    )
