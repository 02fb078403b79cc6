"""The distribution run's background job (RQ or a thread, as the purchase rounds').

It claims the run (queued → running), reads the depots' data into the optimizer's instance,
solves it, compares with one shared depot when the run names one, and stores everything as
JSON; progress is written in short transactions the run's page polls.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict

from flask import Flask
from sqlalchemy import update

from depot.distribution.models import DistributionRun
from depot.extensions import db
from depot.organisations.models import utcnow
from depot.web import jobs as background
from depot.web.i18n import local_today
from procurement.optimizer.distribute import plan_distribution, plan_to_dict

log = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5
FAILURES = ("infeasible", "not_solved", "time_limit", "crashed")


class RunCancelled(Exception):
    pass


class TimeLimitExceeded(Exception):
    pass


def start(*, app: Flask, run_id: int, time_limit: int) -> str:
    """Hand the run to a worker (call after the queued state is committed)."""
    return background.start(app=app, job=run_distribution, object_id=run_id, time_limit=time_limit)


wait_for_local_jobs = background.wait_for_local_jobs


def _set(run_id: int, *, only_if: tuple[str, ...], **values) -> bool:
    done = db.session.execute(
        update(DistributionRun)
        .where(DistributionRun.id == run_id, DistributionRun.status.in_(only_if))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return done == 1


def _finish(run_id: int, *, status: str, error: str | None = None, result=None) -> None:
    _set(
        run_id,
        only_if=("running",),
        status=status,
        error=error,
        result=result,
        progress=100,
        finished_at=utcnow(),
        version_id=DistributionRun.version_id + 1,
    )


def run_distribution(run_id: int) -> None:
    """Solve one queued run and store its plan; a cancelled or taken run is left alone."""
    if not _set(run_id, only_if=("queued",), status="running", progress=1):
        return
    run = db.session.get(DistributionRun, run_id)
    limit = run.time_limit_seconds
    started = time.perf_counter()
    last_write = 0.0

    def progress(done: int, steps: int) -> None:
        nonlocal last_write
        elapsed = time.perf_counter() - started
        if elapsed > limit * 1.5 + 30:
            raise TimeLimitExceeded
        if elapsed - last_write < PROGRESS_EVERY and done < steps:
            return
        last_write = elapsed
        if not _set(
            run_id,
            only_if=("running",),
            progress=max(1, min(99, 100 * done // max(steps, 1))),
            progress_note=f"{done}/{steps}",
        ):
            raise RunCancelled

    from depot.distribution import inputs as distribution_inputs
    from depot.distribution import what_if

    try:
        today = local_today()
        data = distribution_inputs.build_inputs(run=run, today=today)
        hub_id, horizon = run.what_if_hub_id, run.horizon_months
        db.session.commit()  # don't hold a read transaction through the solve
        progress(1, 5)
        plan = plan_distribution(
            data.instance,
            time_limit=float(limit),
            progress=lambda done, steps: progress(1 + done * 3 // max(steps, 1), 5),
        )
        comparison = None
        if hub_id is not None and plan.status in ("optimal", "feasible"):
            current, shared = what_if.compare(
                inputs=data, hub_id=hub_id, current_plan=plan, horizon_months=horizon
            )
            comparison = {"current": asdict(current), "shared": asdict(shared)}
        progress(5, 5)
    except TimeLimitExceeded:
        db.session.rollback()
        _finish(run_id, status="failed", error="time_limit")
        return
    except RunCancelled:
        db.session.rollback()
        return
    except Exception:
        db.session.rollback()
        log.exception("distribution run %s failed", run_id)
        _finish(run_id, status="failed", error="crashed")
        return
    if plan.status not in ("optimal", "feasible"):
        _finish(run_id, status="failed", error=plan.status)
        return
    result = {
        "plan": plan_to_dict(plan),
        "labels": data.labels,
        "depots": {str(k): v for k, v in data.depot_names.items()},
        "what_if": comparison,
    }
    _finish(run_id, status="solved", result=json.dumps(result))
