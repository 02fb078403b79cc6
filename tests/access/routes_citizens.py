"""Routes of the citizen pages: therapists and depot staff; their own municipality's citizens.

The world's citizen belongs to Herning and has an open loan. Holstebro's and the region's
therapists and depot staff get 404 for her (the region has no request for her). The access
log extract is for Herning's admins and the region's (cluster) admins; Holstebro's get 404.
Asking twice for the same pick-up changes nothing, so one loan serves every actor.
"""

from datetime import date

from depot.citizens.services import create_citizen
from depot.extensions import db
from depot.items import services
from tests.access.route import only

CITIZEN_ROLES = ("therapist", "depot_staff")


def extend_world(world: dict, make) -> None:
    app = make.app
    herning = world["herning"]
    depot = make.depot(owner=herning, name="Herning Hjælpemidler (citizens)")
    product = make.product(name="Badestol Etac (citizens)")
    with app.app_context():
        citizen = create_citizen(
            cpr="230471-3919",
            name="Karla Matrix",
            municipality_id=herning.id,
            address="Torvet 1",
            postcode="7400",
            town="Herning",
        )
        (item,) = services.receive_items(
            product_id=product.id, depot_id=depot.id, owner_id=herning.id, serials=[None], user=None
        )
        services.reserve_item(item_id=item.id, user=None)
        loan = services.lend_item(
            item_id=item.id,
            citizen_id=citizen.id,
            lender_id=herning.id,
            user=None,
            expected_end=date(2030, 1, 1),
        )
        db.session.commit()
        world["citizens_citizen"] = citizen.id
        world["citizens_loan"] = loan.id


def _citizen(path: str = "", **kwargs):
    return only(
        *CITIZEN_ROLES,
        url=lambda w: f"/citizens/{w['citizens_citizen']}{path}",
        other_tenant=404,
        region=404,
        **kwargs,
    )


ROUTES = {
    # POST with an empty form: the page again with its messages.
    "citizens.search": only(*CITIZEN_ROLES, url=lambda w: "/citizens/", post=True),
    "citizens.new": only(*CITIZEN_ROLES, url=lambda w: "/citizens/new", post=True),
    "citizens.citizen": _citizen(),
    "citizens.edit": _citizen("/edit", post=True),
    "citizens.request_pickup": only(
        *CITIZEN_ROLES,
        url=lambda w: f"/citizens/{w['citizens_citizen']}/loans/{w['citizens_loan']}/pickup",
        other_tenant=404,
        region=404,
        post=True,
        get=False,
    ),
    # Herning's admins and the region's cluster admins; Holstebro's admins get 404.
    # An empty POST re-shows the form with its message.
    "citizens.access_log_lookup": only("admin", url=lambda w: "/citizens/access-log", post=True),
    "citizens.access_log": only(
        "admin",
        url=lambda w: f"/citizens/{w['citizens_citizen']}/access-log.csv",
        other_tenant=404,
    ),
}
