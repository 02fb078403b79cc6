"""Routes of the transfer orders: depot staff per depot, the region-wide roles see all.

The world's order is open, from a Herning depot to a Holstebro depot. Procurement officers,
coordinators and admins of every organisation see it (the shared stock has no personal data);
Herning's depot staff see it and pick and send it; Holstebro's depot staff see it and would
receive it; the region's depot staff do not see it (404). Only the region's procurement
officers and admins cancel it. Therapists are refused everywhere (403). The matrix's empty
POSTs are invalid forms (400: the order's version or the reason is missing), so the order
stays open and the routes can run in any order.
"""

from collections.abc import Callable

from tests.access.route import Route, only

VIEWERS = ("depot_staff", "procurement", "coordinator", "admin")


def extend_world(world: dict, make) -> None:
    source = make.depot(owner=world["herning"], name="Herning Hjælpemidler (transfers)")
    target = make.depot(owner=world["holstebro"], name="Holstebro Hjælpemidler (transfers)")
    chair_type = make.product_type(title_da="Kørestole (transfers)")
    order = make.transfer_order(from_depot=source, to_depot=target, lines=[(chair_type, 2)])
    world["transfer_order"] = order.id


def _sees(role: str, actor: str) -> bool:
    if role == "depot_staff":
        return actor in ("herning", "holstebro")
    return role in VIEWERS


def _viewers(role: str, actor: str) -> frozenset:
    if role not in VIEWERS:
        return frozenset({403})
    return frozenset({200}) if _sees(role, actor) else frozenset({404})


def _acting(allowed) -> Callable[[str, str], frozenset]:
    """Who sees the order but may not act: 403; who may: the form (200) or its errors (400)."""

    def expect(role: str, actor: str) -> frozenset:
        if role not in VIEWERS:
            return frozenset({403})
        if not _sees(role, actor):
            return frozenset({404})
        return frozenset({200, 400}) if allowed(role, actor) else frozenset({403})

    return expect


def _order(w: dict) -> str:
    return f"/depot/transfer-orders/{w['transfer_order']}"


ROUTES: dict[str, Route] = {
    "transfer_orders.orders": only(*VIEWERS, url=lambda w: "/depot/transfer-orders/"),
    "transfer_orders.order": Route(url=_order, expect=_viewers),
    "transfer_orders.pick_list": Route(url=lambda w: _order(w) + "/pick-list", expect=_viewers),
    "transfer_orders.send": Route(
        url=lambda w: _order(w) + "/send",
        post=True,
        expect=_acting(lambda role, actor: role == "depot_staff" and actor == "herning"),
    ),
    "transfer_orders.receive": Route(
        url=lambda w: _order(w) + "/receive",
        post=True,
        get=False,
        expect=_acting(lambda role, actor: role == "depot_staff" and actor == "holstebro"),
    ),
    "transfer_orders.cancel": Route(
        url=lambda w: _order(w) + "/cancel",
        post=True,
        get=False,
        expect=_acting(lambda role, actor: role in ("procurement", "admin") and actor == "region"),
    ),
}
