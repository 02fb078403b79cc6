"""Routes of the deviation cases: coordinators work the cases, administrators may read them.

Cases concern all organisations and carry no personal data, so there is no tenant: every
coordinator (and every administrator, for reading) gets the same answers, whatever their
organisation. The matrix's empty POSTs are invalid forms (400), so the world's open case
stays open and the routes can run in any order.
"""

from depot.deviations import services
from depot.extensions import db
from tests.access.route import OK, only

READERS = ("coordinator", "admin")


def extend_world(world: dict, make) -> None:
    product_type = make.product_type(title_da="Toiletstol (deviations)")
    with make.app.app_context():
        case = services.open_case(
            municipality_id=world["herning"].id,
            product_type_id=product_type.id,
            delivered_by="region",
            should_have_been="municipality",
            user=None,
        )
        db.session.commit()
        world["deviations_case"] = case.id


def _coordinators(statuses: frozenset):
    return lambda role, actor: statuses if role == "coordinator" else frozenset({403})


def _case_action(action: str):
    return only(
        "coordinator",
        url=lambda w: f"/deviations/{w['deviations_case']}/{action}",
        post=True,
        get=False,
        expect=_coordinators(frozenset({400})),
    )


ROUTES = {
    "deviations.cases": only(*READERS, url=lambda w: "/deviations/"),
    # GET: the form (200); the empty POST: the form with its errors (400).
    "deviations.new": only(
        "coordinator",
        url=lambda w: "/deviations/new",
        post=True,
        expect=_coordinators(OK | {400}),
    ),
    "deviations.case": only(*READERS, url=lambda w: f"/deviations/{w['deviations_case']}"),
    "deviations.assess": _case_action("assess"),
    "deviations.discuss": _case_action("discuss"),
    "deviations.conclude": _case_action("conclude"),
    "deviations.stats": only(*READERS, url=lambda w: "/deviations/stats?year=2026&quarter=1"),
    "deviations.stats_csv": only(
        *READERS, url=lambda w: "/deviations/stats.csv?year=2026&quarter=1"
    ),
}
