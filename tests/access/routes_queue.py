"""Routes of the depot's request queue: depot staff only, for requests their depots handle.

The world's requests are Herning's, handled by a Herning depot. Holstebro's and the region's
depot staff get 404 for them (and see an empty queue); every other role gets 403. Each POST
gets a request line or reservation of its own, so the matrix can run in any order. The
matrix posts empty forms: reserve and forward then answer 400 (no item, no depot chosen).
"""

from depot.extensions import db
from depot.requests import services
from tests.access.route import OK, only

STAFF_ONLY = frozenset({"depot_staff"})


def extend_world(world: dict, make) -> None:
    app = make.app
    herning = world["herning"]
    depot = make.depot(owner=herning, name="Herning Hjælpemidler (queue)")
    product_type = make.product_type(title_da="Kørestol (queue)", measurement_fields="")
    product = make.product(product_type=product_type, name="Rolli (queue)")
    citizen = make.citizen(municipality=herning, name="Inge Matrix")

    def new_request() -> int:
        return make.request(
            citizen=citizen, organisation=herning, depot=depot, product_type=product_type
        ).id

    def new_line() -> int:
        with app.app_context():
            from depot.requests.models import DeviceRequest

            return db.session.get(DeviceRequest, new_request()).lines[0].id

    def new_reservation() -> int:
        (item,) = make.items(product=product, depot=depot, owner=herning)
        line_id = new_line()
        with app.app_context():
            reservation = services.reserve_for_line(line_id=line_id, item_id=item.id, user=None)
            db.session.commit()
            return reservation.id

    world["queue_request"] = new_request()
    world["queue_new_request"] = new_request
    world["queue_new_line"] = new_line
    world["queue_new_reservation"] = new_reservation


def _post(path, herning_status: frozenset) -> object:
    """A POST on a fresh Herning object: Herning's depot staff act, others get 404."""

    def expect(role: str, actor: str) -> frozenset:
        if role not in STAFF_ONLY:
            return frozenset({403})
        return herning_status if actor == "herning" else frozenset({404})

    return only("depot_staff", url=path, post=True, get=False, expect=expect)


ROUTES = {
    "queue.queue": only("depot_staff", url=lambda w: "/depot/requests/?status=open"),
    "queue.request": only(
        "depot_staff",
        url=lambda w: f"/depot/requests/{w['queue_request']}",
        other_tenant=404,
        region=404,
    ),
    "queue.reserve": _post(
        lambda w: f"/depot/requests/lines/{w['queue_new_line']()}/reserve", frozenset({400})
    ),
    # No item of the type is in stock: the line is back-ordered.
    "queue.back_order": _post(
        lambda w: f"/depot/requests/lines/{w['queue_new_line']()}/back-order", OK
    ),
    "queue.release": _post(
        lambda w: f"/depot/requests/reservations/{w['queue_new_reservation']()}/release", OK
    ),
    "queue.forward": _post(
        lambda w: f"/depot/requests/{w['queue_new_request']()}/forward", frozenset({400})
    ),
}
