"""Distribution runs: prepare, queue for the optimizer, accept into transfer orders.

The inputs (stock, demand with the service level, volumes, transport) are read from the
depots by depot.distribution.inputs when the job runs; the job (depot.distribution.jobs)
stores the optimizer's plan and the what-if comparison as JSON on the run.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select, update

from depot.auth.models import User
from depot.distribution.inputs import build_inputs
from depot.distribution.models import DistributionRun, TransferOrder
from depot.distribution.schemas import DistributionInstanceSchema
from depot.distribution.transfer_orders import (
    TransferLineDraft,
    cancel_order,
    create_transfer_orders,
)
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.organisations.models import Depot, utcnow
from depot.requests.models import BasicPackage
from depot.web import job_rows, numbering
from procurement.optimizer.distribute import plan_to_dict

ACCEPT_LOCK = 0x4143  # "AC": accepting distribution plans, one at a time
RUNNABLE_FROM = ("draft", "solved", "failed")
COST_PER_KM_MAX = Decimal("1000")
PENALTY_FACTOR_MAX = 100.0


def create_run(
    *,
    title: str,
    organisation_id: int,
    horizon_months: int,
    cost_per_km: Decimal,
    shortage_penalty_factor: float,
    service_package_id: int | None,
    service_sets: int,
    what_if_hub_id: int | None,
    time_limit_seconds: int,
    user: User | None,
) -> DistributionRun:
    """A new distribution run in draft, ready to be run."""
    title = (title or "").strip()
    if not title:
        raise DomainError(_l("Give the run a title."))
    if not 1 <= horizon_months <= 24:
        raise DomainError(_l("The horizon must be between 1 and 24 months."))
    if not (cost_per_km.is_finite() and 0 <= cost_per_km <= COST_PER_KM_MAX):
        raise DomainError(_l("The cost per km must be between 0 and 1000 kr."))
    if not 0 <= shortage_penalty_factor <= PENALTY_FACTOR_MAX:
        raise DomainError(_l("The shortage penalty must be between 0 and 100 times the price."))
    if not 0 <= service_sets <= 50:
        raise DomainError(_l("The number of basic-package sets must be between 0 and 50."))
    if not 5 <= time_limit_seconds <= 3600:
        raise DomainError(_l("The time limit must be between 5 and 3600 seconds."))
    if service_package_id is not None:
        package = db.session.get(BasicPackage, service_package_id)
        if package is None or not package.active:
            raise DomainError(_l("Unknown basic package."))
    if what_if_hub_id is not None:
        hub = db.session.get(Depot, what_if_hub_id)
        if hub is None or not hub.active:
            raise DomainError(_l("Unknown depot."))
        if hub.latitude is None or hub.longitude is None:
            raise DomainError(_l("The shared depot must be active and have coordinates."))
    run = DistributionRun(
        title=title[:200],
        status="draft",
        organisation_id=organisation_id,
        created_by_id=user.id if user else None,
        horizon_months=horizon_months,
        cost_per_km=cost_per_km,
        shortage_penalty_factor=shortage_penalty_factor,
        service_package_id=service_package_id,
        service_sets=service_sets,
        what_if_hub_id=what_if_hub_id,
        time_limit_seconds=time_limit_seconds,
    )
    db.session.add(run)
    db.session.flush()
    return run


def request_run(*, run: DistributionRun) -> None:
    """Queue the run for the optimizer (the caller starts the job after commit)."""
    if run.status in ("queued", "running") and not is_stale(run):
        raise Conflict(_l("The optimizer is already running for this run."))
    if run.status not in (*RUNNABLE_FROM, "queued", "running"):
        raise Conflict(_l("The run can no longer be changed."))
    if not job_rows.mark_queued(run):
        raise Conflict(_l("Someone else started or changed the run at the same time."))


is_stale = job_rows.is_stale


def cancel_run(*, run: DistributionRun) -> None:
    """Give up a run that has not been accepted."""
    if not job_rows.mark_cancelled(run, from_statuses=(*RUNNABLE_FROM, "queued", "running")):
        raise Conflict(_l("The run was accepted or cancelled already."))


def stored_result(run: DistributionRun) -> dict | None:
    return json.loads(run.result) if run.result else None


def current_instance(*, run: DistributionRun, today) -> dict:
    """The instance the run would solve today, in the command line's contract."""
    return DistributionInstanceSchema().dump(build_inputs(run=run, today=today).instance)


def result_json(*, plan, inputs, current=None, shared=None) -> str:
    """What a solved run keeps: the plan, names, the what-if and the input as solved."""
    what_if = {"current": asdict(current), "shared": asdict(shared)} if current else None
    return json.dumps(
        {
            "plan": plan_to_dict(plan),
            "labels": inputs.labels,
            "depots": {str(k): v for k, v in inputs.depot_names.items()},
            "what_if": what_if,
            "left_out": inputs.left_out,
            # The command line's contract, so the run can be solved again outside the app.
            "instance": DistributionInstanceSchema().dump(inputs.instance),
        }
    )


def _key_target(key: str) -> tuple[int | None, int | None]:
    """An instance product key as (product type id, product id)."""
    kind, _, number = str(key).partition(":")
    if not number.isdigit():
        kind, number = str(key)[:1], str(key)[1:]
    if kind == "t" and number.isdigit():
        return int(number), None
    if kind == "p" and number.isdigit():
        return None, int(number)
    raise DomainError(_l("The stored plan names an unknown product."))


def open_orders_of_other_runs(*, run: DistributionRun) -> list[TransferOrder]:
    """Transfer orders of other runs not yet picked: accepting this plan too would move the
    same stock twice."""
    return list(
        db.session.scalars(
            select(TransferOrder)
            .where(
                TransferOrder.run_id.is_not(None),
                TransferOrder.run_id != run.id,
                TransferOrder.status == "open",
            )
            .order_by(TransferOrder.id)
        )
    )


def accept_run(
    *, run: DistributionRun, user: User | None, replace: list[tuple[int, int]] | None = None
) -> list:
    """Accept the solved plan: one open transfer order per pair of depots. While other runs'
    orders are open it is refused (409), unless `replace` names exactly those orders (id,
    version, as the user saw them): then they are cancelled."""
    # One accept at a time: two plans accepted at once would both see no open orders.
    numbering.serialise(ACCEPT_LOCK)
    result = stored_result(run)
    if run.status == "accepted":
        raise Conflict(_l("The run has been accepted already; its transfer orders are below."))
    if run.status != "solved" or result is None:
        raise Conflict(_l("Only a solved run can be accepted."))
    transfers = result["plan"].get("transfers") or []
    if not transfers:
        raise DomainError(_l("The plan moves nothing: there is nothing to accept."))
    active = set(db.session.scalars(select(Depot.id).where(Depot.active)))
    drafts = []
    for transfer in transfers:
        source, target = int(transfer["from"]), int(transfer["to"])
        if source not in active or target not in active:
            raise Conflict(_l("A depot of the plan is no longer active. Run the optimizer again."))
        product_type_id, product_id = _key_target(transfer["product"])
        drafts.append(
            TransferLineDraft(
                from_depot_id=source,
                to_depot_id=target,
                product_type_id=product_type_id,
                product_id=product_id,
                quantity=int(transfer["quantity"]),
            )
        )
    earlier = open_orders_of_other_runs(run=run)
    if earlier and replace is None:
        raise Conflict(
            lazy_ngettext(
                "%(num)s transfer order of another run is still open (%(numbers)s): accepting "
                "this plan too would move the same stock twice. Tick the box to cancel it, or "
                "cancel it first.",
                "%(num)s transfer orders of other runs are still open (%(numbers)s): accepting "
                "this plan too would move the same stock twice. Tick the box to cancel them, or "
                "cancel them first.",
                len(earlier),
                numbers=", ".join(o.number for o in earlier[:5])
                + (" …" if len(earlier) > 5 else ""),
            )
        )
    if earlier and {o.id for o in earlier} != {order_id for order_id, _version in replace}:
        raise Conflict(_l("The open transfer orders of other runs changed meanwhile: look again."))
    done = db.session.execute(
        update(DistributionRun)
        .where(DistributionRun.id == run.id, DistributionRun.status == "solved")
        .values(
            status="accepted",
            accepted_at=utcnow(),
            accepted_by_id=user.id if user else None,
            version_id=DistributionRun.version_id + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise Conflict(_l("The run was accepted or changed by someone else at the same time."))
    db.session.expire(run)
    # Orders picked or cancelled since the page was shown are no longer in the way.
    for order_id, version in replace if earlier else []:
        cancel_order(
            order_id=order_id,
            user=user,
            reason=str(_l("replaced by distribution run %(n)s", n=run.id)),
            expected_version=version,
        )
    return create_transfer_orders(drafts=drafts, user=user, run_id=run.id)
