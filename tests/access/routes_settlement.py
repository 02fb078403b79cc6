"""Routes of the settlement between organisations.

Procurement officers, coordinators and admins see the report and its CSV (each sees the pairs
of their own organisation, or all: the pages answer 200 for everyone let in). The world's loan
is a Herning item borrowed by a fourth organisation: Herning's procurement officers and admins
and the region's admins (cluster admins) may open its transfer form; the region's procurement
officers see the loan but do not own it (403); Holstebro is no party (404). The matrix's
empty POST is a form error (200), so the loan stays transferable.
"""

from datetime import datetime

from depot.citizens.services import create_citizen
from depot.extensions import db
from depot.items import services
from tests.access.route import OK, Route, only

VIEWERS = ("procurement", "coordinator", "admin")


def extend_world(world: dict, make) -> None:
    app = make.app
    herning = world["herning"]
    borrower = make.organisation(name="Ikast-Brande Kommune (settlement)")
    depot = make.depot(owner=herning, name="Herning Hjælpemidler (settlement)")
    product = make.product(name="Kørestol (settlement)")
    with app.app_context():
        citizen = create_citizen(
            cpr="121212-1212", name="Karen Afregning", municipality_id=borrower.id
        )
        (item,) = services.receive_items(
            product_id=product.id, depot_id=depot.id, owner_id=herning.id, serials=[None], user=None
        )
        services.reserve_item(item_id=item.id, user=None)
        loan = services.lend_item(
            item_id=item.id,
            citizen_id=citizen.id,
            lender_id=borrower.id,
            user=None,
            at=datetime(2025, 3, 3, 9),
        )
        db.session.commit()
        world["settlement_loan"] = loan.id


def _transfer_expectation(role: str, actor: str) -> frozenset:
    if role not in ("procurement", "admin"):
        return frozenset({403})
    if actor == "herning":
        return OK
    if actor == "holstebro":
        return frozenset({404})
    return OK if role == "admin" else frozenset({403})  # the region


ROUTES: dict[str, Route] = {
    "settlement.report": only(*VIEWERS, url=lambda w: "/settlement/?month=2025-03"),
    "settlement.export": only(*VIEWERS, url=lambda w: "/settlement/export.csv?month=2025-03"),
    "settlement.transfer_ownership": Route(
        url=lambda w: f"/settlement/loans/{w['settlement_loan']}/transfer-ownership",
        post=True,
        expect=_transfer_expectation,
    ),
}
