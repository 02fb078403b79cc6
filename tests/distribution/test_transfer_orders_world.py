"""The world the transfer order tests share (no tests of its own).

Herning and Holstebro each own a depot, and they share a third. The catalogue has a wheelchair
type with two products, a care bed type, and consumable gloves. `w.items(...)` receives items,
`w.order(...)` makes an open order, `w.user(...)` a user.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import has_app_context

from depot.auth.models import User
from depot.extensions import db


def _end_the_tests_transaction() -> None:
    """Commit the test's own session first: SQLite lets one writer in at a time."""
    if has_app_context():
        db.session.commit()


@dataclass
class TransferWorld:
    app: object
    make: object
    herning: object
    holstebro: object
    region: object
    chair_type: object
    bed_type: object
    chair: object
    chair_light: object
    bed: object
    gloves: object
    depot_h: object
    depot_s: object
    shared: object

    def items(self, product=None, depot=None, count=1, status="available") -> list[int]:
        """Item ids received into a depot (Herning's by default), owned by Herning."""
        _end_the_tests_transaction()
        items = self.make.items(
            product=product or self.chair,
            depot=depot or self.depot_h,
            owner=self.herning,
            count=count,
            status=status,
        )
        return [item.id for item in items]

    def stock(self, quantity, depot=None, product=None) -> int:
        _end_the_tests_transaction()
        return self.make.stock(
            depot=depot or self.depot_h, product=product or self.gloves, quantity=quantity
        )

    def order(self, lines=None, *, source=None, target=None, user=None, note=None):
        """A committed open order, Herning → Holstebro by default, of 2 wheelchairs."""
        _end_the_tests_transaction()
        return self.make.transfer_order(
            from_depot=source or self.depot_h,
            to_depot=target or self.depot_s,
            lines=lines or [(self.chair_type, 2)],
            user=user,
            note=note,
        )

    def user(self, role, organisation) -> User:
        """A user, to be loaded again inside the test's app context (`db.session.get`)."""
        _end_the_tests_transaction()
        return self.make.user(organisation=organisation, role=role)


def build_world(make, herning, holstebro, region) -> TransferWorld:
    chair_type = make.product_type(iso_code="12 22 03", title_da="Manuelle kørestole")
    bed_type = make.product_type(iso_code="18 12 10", title_da="Plejesenge")
    glove_type = make.product_type(iso_code="04 33 06", title_da="Handsker", reusable=False)
    return TransferWorld(
        app=make.app,
        make=make,
        herning=herning,
        holstebro=holstebro,
        region=region,
        chair_type=chair_type,
        bed_type=bed_type,
        chair=make.product(name="Kørestol Action 3", product_type=chair_type),
        chair_light=make.product(name="Kørestol Küschall", product_type=chair_type),
        bed=make.product(name="Plejeseng Opus", product_type=bed_type),
        gloves=make.product(name="Engangshandsker nitril", product_type=glove_type, reusable=False),
        depot_h=make.depot(owner=herning, name="Herning Hjælpemiddeldepot"),
        depot_s=make.depot(owner=holstebro, name="Holstebro Hjælpemiddeldepot"),
        shared=make.depot(name="Fællesdepot Midt", shares=[(herning, 50), (holstebro, 50)]),
    )
