"""Routes of the purchase orders: procurement officers, admins and depot staff, per order.

The world's order is Herning's, sent, with one line for Herning delivered to a Herning depot.
Herning's procurement officers and admins see and manage it; the region's procurement officers
and cluster admins see and manage every order; Herning's depot staff see and receive it but do
not send or cancel it (403); Holstebro's users and the region's depot staff do not see it
(404). Therapists and coordinators are refused everywhere (403). The matrix's empty POSTs are
invalid forms (400: the order's version, the reason or the quantities are missing), so the
order stays sent and the routes can run in any order.
"""

from decimal import Decimal

from tests.access.route import OK, Route, only

VIEWERS = ("procurement", "admin", "depot_staff")
MANAGERS = ("procurement", "admin")


def extend_world(world: dict, make) -> None:
    herning = world["herning"]
    depot = make.depot(owner=herning, name="Herning Hjælpemidler (orders)")
    product = make.product(name="Rollator (orders)")
    order = make.purchase_order(
        organisation=herning,
        lines=[(product, herning, depot, 4, Decimal("1250.00"))],
        send=True,
    )
    world["purchase_order"] = order.id


def _sees(role: str, actor: str) -> bool:
    if role in MANAGERS:
        return actor in ("herning", "region")
    return role == "depot_staff" and actor == "herning"


def _viewers(role: str, actor: str) -> frozenset:
    if role not in VIEWERS:
        return frozenset({403})
    return OK if _sees(role, actor) else frozenset({404})


def _managers(role: str, actor: str) -> frozenset:
    """Send and cancel: an empty POST is an invalid form (400) for those who manage it."""
    if role not in VIEWERS:
        return frozenset({403})
    if not _sees(role, actor):
        return frozenset({404})
    return frozenset({400}) if role in MANAGERS else frozenset({403})


def _receivers(role: str, actor: str) -> frozenset:
    """The receive form: GET 200 and the empty POST 400 for whoever may receive."""
    if role not in VIEWERS:
        return frozenset({403})
    return frozenset({200, 400}) if _sees(role, actor) else frozenset({404})


def _order(w: dict) -> str:
    return f"/procurement/orders/{w['purchase_order']}"


ROUTES: dict[str, Route] = {
    "purchase_orders.orders": only(*VIEWERS, url=lambda w: "/procurement/orders/"),
    "purchase_orders.order": Route(url=_order, expect=_viewers),
    "purchase_orders.pdf": Route(url=lambda w: _order(w) + "/pdf", expect=_viewers),
    "purchase_orders.send": Route(
        url=lambda w: _order(w) + "/send", post=True, get=False, expect=_managers
    ),
    "purchase_orders.cancel": Route(
        url=lambda w: _order(w) + "/cancel", post=True, get=False, expect=_managers
    ),
    "purchase_orders.receive": Route(
        url=lambda w: _order(w) + "/receive", post=True, expect=_receivers
    ),
}
