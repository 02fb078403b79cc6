"""Routes of the consumable stock: everyone looks; Herning's depot staff act on Herning's line.

Objects belong to Herning. An empty POST from staff who may act is invalid input (400);
everyone else is refused (403) before the form is read, Holstebro's depot staff included.
"""

from flask import Flask

from depot.extensions import db
from depot.stock import services
from tests.access.route import Route

STAFF = "depot_staff"


def extend_world(world: dict, make) -> None:
    depot = make.depot(owner=world["herning"], name="Herning Forbrugslager")
    product = make.product(name="Engangshandsker", reusable=False)
    world["stock_depot"], world["consumable"] = depot, product
    world["stock_level_id"] = make_level(make.app, depot, product)


def make_level(app: Flask, depot, product) -> int:
    """Receive some units through the service and return the stock line's id."""
    with app.app_context():
        movement = services.receive_stock(
            depot_id=depot.id, product_id=product.id, quantity=50, user=None
        )
        db.session.commit()
        return movement.stock_level_id


def _herning_staff_act(role: str, actor: str) -> frozenset:
    """The action answers 400 (empty form) to Herning's depot staff and 403 to all others."""
    return frozenset({400}) if role == STAFF and actor == "herning" else frozenset({403})


def _any_depot_staff(role: str, actor: str) -> frozenset:
    """The receive form: GET 200 and empty POST 400 for depot staff of any tenant, else 403."""
    return frozenset({200, 400}) if role == STAFF else frozenset({403})


def _level(w: dict) -> str:
    return f"/depot/stock/{w['stock_level_id']}"


ROUTES: dict[str, Route] = {
    "stock.levels": Route(url=lambda w: "/depot/stock"),
    "stock.low": Route(url=lambda w: "/depot/stock/low"),
    "stock.level": Route(url=_level),
    "stock.receive": Route(
        url=lambda w: "/depot/stock/receive", post=True, expect=_any_depot_staff
    ),
    "stock.issue": Route(
        url=lambda w: _level(w) + "/issue", post=True, get=False, expect=_herning_staff_act
    ),
    "stock.adjust": Route(
        url=lambda w: _level(w) + "/adjust", post=True, get=False, expect=_herning_staff_act
    ),
    "stock.reorder_point": Route(
        url=lambda w: _level(w) + "/reorder-point",
        post=True,
        get=False,
        expect=_herning_staff_act,
    ),
}
