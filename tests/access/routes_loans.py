"""Routes of the depot's loan list: depot staff, for loans from the depots they work in.

The world's loans are of items from a Herning depot. Holstebro's and the region's depot staff
see their own (empty) list and get 404 for Herning's loans; every other role gets 403.
Requesting and withdrawing a pick-up need no input (302) and can be repeated.
"""

from tests.access.route import OK, only
from tests.deliveries.helpers import open_loan

STAFF_ONLY = frozenset({"depot_staff"})


def extend_world(world: dict, make) -> None:
    herning = world["herning"]
    depot = make.depot(owner=herning, name="Herning Hjælpemidler (loans)")
    product = make.product(name="Rollator (loans)")
    citizen = make.citizen(municipality=herning, name="Eva Matrix")
    (item,) = make.items(product=product, depot=depot, owner=herning)
    world["loans_loan"] = open_loan(make.app, citizen=citizen, item_id=item.id, lender=herning)


def _herning(role: str, actor: str) -> frozenset:
    if role not in STAFF_ONLY:
        return frozenset({403})
    return frozenset({302}) if actor == "herning" else frozenset({404})


def _any_staff(role: str, actor: str) -> frozenset:
    return OK if role in STAFF_ONLY else frozenset({403})


ROUTES = {
    "loans.loans": only("depot_staff", url=lambda w: "/depot/loans/", expect=_any_staff),
    "loans.request_pickup": only(
        "depot_staff",
        url=lambda w: f"/depot/loans/{w['loans_loan']}/pickup",
        post=True,
        get=False,
        expect=_herning,
    ),
    "loans.cancel_pickup": only(
        "depot_staff",
        url=lambda w: f"/depot/loans/{w['loans_loan']}/pickup/cancel",
        post=True,
        get=False,
        expect=_herning,
    ),
}
