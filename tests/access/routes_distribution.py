"""Routes of the distribution runs: the stock is the cluster's and carries no personal data.

Procurement officers, administrators and depot staff of every organisation look at runs;
only the region's procurement officers and cluster admins create, run, accept and cancel
(403 for the rest). The world's run is cancelled, so the matrix's empty POSTs to run,
accept and cancel it are conflicts (409) and no job starts; an empty new-run form is 400.
"""

from decimal import Decimal

from depot.distribution import services
from depot.extensions import db
from tests.access.route import OK, Route

VIEWERS = ("procurement", "admin", "depot_staff")
EDITORS = ("procurement", "admin")


def extend_world(world: dict, make) -> None:
    with make.app.app_context():
        run = services.create_run(
            title="Fordeling (matrix)",
            organisation_id=world["region"].id,
            horizon_months=3,
            cost_per_km=Decimal("2.00"),
            shortage_penalty_factor=0.2,
            service_package_id=None,
            service_sets=1,
            what_if_hub_id=None,
            time_limit_seconds=30,
            user=None,
        )
        services.cancel_run(run=run)
        db.session.commit()
        world["distribution_run"] = run.id


def _view(role: str, actor: str) -> frozenset:
    return OK if role in VIEWERS else frozenset({403})


def _edit(statuses):
    def expect(role: str, actor: str) -> frozenset:
        if role not in EDITORS or actor != "region":
            return frozenset({403})
        return frozenset(statuses)

    return expect


def _url(suffix: str = ""):
    return lambda w: f"/procurement/distribution/{w['distribution_run']}{suffix}"


ROUTES = {
    "distribution.runs": Route(url=lambda w: "/procurement/distribution/", expect=_view),
    "distribution.new": Route(
        url=lambda w: "/procurement/distribution/new", post=True, expect=_edit({200, 400})
    ),
    "distribution.run": Route(url=_url(), expect=_view),
    "distribution.status": Route(url=_url("/status"), expect=_view),
    "distribution.instance": Route(url=_url("/instance.json"), expect=_view),
    "distribution.start": Route(url=_url("/run"), get=False, post=True, expect=_edit({409})),
    "distribution.accept": Route(url=_url("/accept"), get=False, post=True, expect=_edit({409})),
    "distribution.cancel": Route(url=_url("/cancel"), get=False, post=True, expect=_edit({409})),
}
