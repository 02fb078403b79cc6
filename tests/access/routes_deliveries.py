"""Routes of the delivery and pick-up runs: depot staff of the run's depot only.

The world's runs go out from a Herning depot. Herning's depot staff use them; Holstebro's and
the region's depot staff get 404 (the run is not theirs) and an empty list of runs; every
other role gets 403. Each POST that changes a stop gets a run of its own with a planned
delivery stop, so the matrix can run in any order. The matrix posts empty forms: adding a stop
or marking one not made shows the page again with the message (200), moving one is 400, and
optimising, removing and completing need no input (302).
"""

import itertools
from datetime import date

from depot.deliveries import services
from depot.extensions import db
from tests.access.route import OK, only
from tests.deliveries.helpers import new_run, reserved_request

STAFF_ONLY = frozenset({"depot_staff"})
_drivers = itertools.count(1)


def extend_world(world: dict, make) -> None:
    app = make.app
    herning = world["herning"]
    depot = make.depot(owner=herning, name="Herning Hjælpemidler (runs)")
    product_type = make.product_type(title_da="Kørestol (runs)", measurement_fields="")
    product = make.product(product_type=product_type, name="Rolli (runs)")
    citizen = make.citizen(municipality=herning, name="Ove Matrix")

    def run_with_stop() -> tuple[int, int]:
        (item,) = make.items(product=product, depot=depot, owner=herning)
        request_id = reserved_request(
            app,
            citizen=citizen,
            organisation=herning,
            depot=depot,
            product_type=product_type,
            item_ids=[item.id],
        )
        run_id = new_run(
            app, depot=depot, driver=f"Chauffør {next(_drivers)}", run_date=date.today()
        )
        with app.app_context():
            stop = services.add_delivery_stop(run_id=run_id, request_id=request_id).stop
            db.session.commit()
            return run_id, stop.id

    world["runs_run"], world["runs_stop"] = run_with_stop()
    world["runs_new"] = run_with_stop


def _herning(ok: frozenset):
    def expect(role: str, actor: str) -> frozenset:
        if role not in STAFF_ONLY:
            return frozenset({403})
        return ok if actor == "herning" else frozenset({404})

    return expect


def _any_staff(ok: frozenset):
    def expect(role: str, actor: str) -> frozenset:
        return ok if role in STAFF_ONLY else frozenset({403})

    return expect


def _on_run(path: str, ok: frozenset):
    """A POST on the world's run (adding stops, optimising)."""
    return only(
        "depot_staff",
        url=lambda w: f"/depot/runs/{w['runs_run']}{path}",
        post=True,
        get=False,
        expect=_herning(ok),
    )


def _on_new_stop(action: str, ok: frozenset):
    """A POST on a fresh run's planned stop."""

    def url(w: dict) -> str:
        run_id, stop_id = w["runs_new"]()
        return f"/depot/runs/{run_id}/stops/{stop_id}/{action}"

    return only("depot_staff", url=url, post=True, get=False, expect=_herning(ok))


ROUTES = {
    "deliveries.runs": only(
        "depot_staff", url=lambda w: "/depot/runs/", post=True, expect=_any_staff(OK | {400})
    ),
    "deliveries.run": only(
        "depot_staff", url=lambda w: f"/depot/runs/{w['runs_run']}", expect=_herning(OK)
    ),
    "deliveries.run_sheet": only(
        "depot_staff",
        url=lambda w: f"/depot/runs/{w['runs_run']}/run-sheet.pdf",
        expect=_herning(OK),
    ),
    "deliveries.add_delivery": _on_run("/deliveries", frozenset({200})),
    "deliveries.add_pickup": _on_run("/pickups", frozenset({200})),
    "deliveries.optimise": _on_run("/optimise", frozenset({302})),
    "deliveries.move_stop": _on_new_stop("move", frozenset({400})),
    "deliveries.remove_stop": _on_new_stop("remove", frozenset({302})),
    "deliveries.complete_stop": _on_new_stop("done", frozenset({302})),
    "deliveries.fail_stop": _on_new_stop("failed", frozenset({200})),
}
