"""Routes of the purchase rounds: procurement officers and admins only (others 403).

The world's rounds are run by Herning with Herning as the only participant: Herning's
procurement officers and admins and the region-wide roles (the region's procurement officers,
cluster admins) use them; Holstebro takes no part and gets 404. The matrix's empty POSTs:
a new round is a form error (400), empty demand and participant forms save nothing (302),
running a round without demand is refused (400), accepting an unsolved round is a conflict
(409); the second round is cancelled by the first actor let in (302) and then 409.
"""

from datetime import date

from depot.extensions import db
from depot.purchasing import services
from tests.access.route import OK, Route, only

ROLES = ("procurement", "admin")


def extend_world(world: dict, make) -> None:
    herning = world["herning"]
    shared = make.depot(name="Fælles depot (purchasing)")
    product = make.product(name="Plejeseng (purchasing)")
    contract = make.contract(products=[product], breaks=((1, "100.00"), (10, "80.00")))
    with make.app.app_context():
        rounds = []
        for title in ("Runde (matrix)", "Runde der aflyses (matrix)"):
            purchase_round = services.create_round(
                title=title,
                organisation_id=herning.id,
                participant_ids=[herning.id],
                contract_ids=[contract.id],
                horizon_months=12,
                needed_by=None,
                delivery="shared",
                delivery_depot_id=shared.id,
                time_limit_seconds=30,
                with_shapley=True,
                user=None,
                today=date(2026, 11, 1),
            )
            rounds.append(purchase_round.id)
        db.session.commit()
    world["purchase_round"], world["purchase_round_to_cancel"] = rounds
    world["purchase_round_product"] = product.id


def _expect(statuses, *, holstebro=frozenset({404})):
    def expect(role: str, actor: str) -> frozenset:
        if role not in ROLES:
            return frozenset({403})
        if actor == "holstebro":
            return holstebro
        return frozenset(statuses)

    return expect


def _url(suffix: str = ""):
    return lambda w: f"/procurement/rounds/{w['purchase_round']}{suffix}"


ROUTES = {
    "purchasing.rounds": only(*ROLES, url=lambda w: "/procurement/rounds/"),
    "purchasing.new": Route(
        url=lambda w: "/procurement/rounds/new",
        post=True,
        expect=_expect({200, 400}, holstebro=frozenset({200, 400})),
    ),
    "purchasing.round": Route(url=_url(), expect=_expect(OK)),
    "purchasing.demand": Route(url=_url("/demand"), post=True, expect=_expect(OK)),
    "purchasing.participants": Route(
        url=_url("/participants"), get=False, post=True, expect=_expect(OK)
    ),
    "purchasing.product": Route(
        url=lambda w: (
            f"/procurement/rounds/{w['purchase_round']}/products/{w['purchase_round_product']}"
        ),
        expect=_expect(OK),
    ),
    "purchasing.refresh": Route(url=_url("/forecast"), get=False, post=True, expect=_expect(OK)),
    "purchasing.run": Route(url=_url("/run"), get=False, post=True, expect=_expect({400})),
    "purchasing.status": Route(url=_url("/status"), expect=_expect(OK)),
    "purchasing.instance": Route(url=_url("/instance.json"), expect=_expect(OK)),
    "purchasing.accept": Route(url=_url("/accept"), get=False, post=True, expect=_expect({409})),
    "purchasing.cancel": Route(
        url=lambda w: f"/procurement/rounds/{w['purchase_round_to_cancel']}/cancel",
        get=False,
        post=True,
        expect=_expect({302, 409}),
    ),
}
