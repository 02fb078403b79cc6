"""Routes of the depot's item pages: everyone views; depot staff act in their own depots.

The world's items belong to Herning and sit in Herning's depots. Herning's depot staff may act
on them; Holstebro's and the region's depot staff get 403, as do all other roles. Each POST
to an action gets an item of its own in the right state, so the matrix can run them in any
order.
"""

from datetime import date

from depot.citizens.services import create_citizen
from depot.extensions import db
from depot.items import services
from tests.access.route import Route, only


def extend_world(world: dict, make) -> None:
    app = make.app
    herning = world["herning"]
    depot = make.depot(owner=herning, name="Herning Hjælpemidler (items)")
    other = make.depot(owner=herning, name="Herning Nord (items)")
    product = make.product(name="Plejeseng Opus (items)")
    with app.app_context():
        citizen = create_citizen(cpr="111111-1118", name="Karen Matrix", municipality_id=herning.id)
        db.session.commit()
        citizen_id = citizen.id

    def item_in(status: str) -> int:
        with app.app_context():
            (item,) = services.receive_items(
                product_id=product.id,
                depot_id=depot.id,
                owner_id=herning.id,
                serials=[None],
                user=None,
            )
            if status in ("reserved", "on_loan", "inspection"):
                services.reserve_item(item_id=item.id, user=None)
            if status in ("on_loan", "inspection"):
                services.lend_item(
                    item_id=item.id,
                    citizen_id=citizen_id,
                    lender_id=herning.id,
                    user=None,
                    expected_end=date(2030, 1, 1),
                )
            if status == "inspection":
                services.take_back_item(item_id=item.id, user=None)
                services.apply_step(item_id=item.id, step_name="start_cleaning", user=None)
                services.finish_cleaning(item_id=item.id, user=None)
            if status == "in_transit":
                services.send_transfer(item_id=item.id, to_depot_id=other.id, user=None)
            db.session.commit()
            return item.id

    world["items_item_in"] = item_in
    world["items_item"] = item_in("on_loan")


def _action(path: str, status: str) -> Route:
    """A POST on a fresh Herning item: Herning's depot staff only."""
    return only(
        "depot_staff",
        url=lambda w: f"/depot/items/{w['items_item_in'](status)}{path}",
        other_tenant=403,
        region=403,
        post=True,
        get=False,
    )


ROUTES: dict[str, Route] = {
    "items.home": Route(url=lambda w: "/depot/"),
    "items.scan": Route(url=lambda w: f"/depot/scan?code=HM{w['items_item']:07d}"),
    "items.receive": only("depot_staff", url=lambda w: "/depot/receive", post=True),
    "items.items": Route(url=lambda w: "/depot/items?q=HM"),
    "items.item": Route(url=lambda w: f"/depot/items/{w['items_item']}"),
    "items.step": _action("/steps/reserve", "available"),
    "items.lend": _action("/lend", "reserved"),
    "items.transfer": _action("/transfer", "available"),
    "items.receive_transfer": _action("/receive-transfer", "in_transit"),
    "items.inspect": _action("/inspection", "inspection"),
    "items.transfers": Route(url=lambda w: "/depot/transfers"),
    "items.inspections": Route(url=lambda w: "/depot/inspections"),
    # Everyone views the plans; depot staff and admins save them.
    "items.inspection_plans": Route(
        url=lambda w: "/depot/inspection-plans",
        post=True,
        post_roles=frozenset({"depot_staff", "admin"}),
    ),
    "items.labels": Route(url=lambda w: f"/depot/labels?ids={w['items_item']}", post=True),
}
