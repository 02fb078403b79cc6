"""The distribution run's background job (RQ or a thread, as the purchase rounds').

It claims the run (queued → running), reads the depots' data into the optimizer's instance,
solves it, compares with one shared depot when the run names one, and stores everything as
JSON; progress is written in short transactions the run's page polls.
"""

from __future__ import annotations

import logging

from flask import Flask

from depot.distribution import services
from depot.distribution.models import DistributionRun
from depot.errors import DomainError
from depot.extensions import db
from depot.web import jobs as background
from depot.web.i18n import local_today
from depot.web.job_rows import JobProgress, JobStopped, TimeLimitExceeded
from procurement.optimizer.distribute import plan_distribution

log = logging.getLogger(__name__)

FAILURES = ("infeasible", "not_solved", "time_limit", "crashed", "hub_unplaced")
# Share of the progress bar: reading the depots, the solve, the what-if.
INPUTS_DONE, SOLVE_DONE = 5, 90


def start(*, app: Flask, run_id: int, time_limit: int) -> str:
    """Hand the run to a worker (call after the queued state is committed)."""
    return background.start(app=app, job=run_distribution, object_id=run_id, time_limit=time_limit)


wait_for_local_jobs = background.wait_for_local_jobs


def run_distribution(run_id: int) -> None:
    """Solve one queued run and store its plan; a cancelled or taken run is left alone."""
    job = JobProgress(DistributionRun, run_id)
    if not job.claim():
        return
    run = db.session.get(DistributionRun, run_id)
    limit = run.time_limit_seconds

    def solve_progress(done: int, steps: int) -> None:
        share = (SOLVE_DONE - INPUTS_DONE) * done // max(steps, 1)
        job.report(INPUTS_DONE + share, f"solve {done}/{steps}")

    from depot.distribution import inputs as distribution_inputs
    from depot.distribution import what_if

    try:
        job.report(2, "inputs")
        today = local_today()
        data = distribution_inputs.build_inputs(run=run, today=today)
        hub_id, horizon = run.what_if_hub_id, run.horizon_months
        db.session.commit()  # don't hold a read transaction through the solve
        job.report(INPUTS_DONE, "solve")
        plan = plan_distribution(data.instance, time_limit=float(limit), progress=solve_progress)
        current = shared = None
        if hub_id is not None and plan.status in ("optimal", "feasible"):
            job.report(SOLVE_DONE, "what_if")
            current, shared = what_if.compare(
                inputs=data, hub_id=hub_id, current_plan=plan, horizon_months=horizon
            )
        result = services.result_json(plan=plan, inputs=data, current=current, shared=shared)
    except TimeLimitExceeded:
        db.session.rollback()
        job.finish(status="failed", error="time_limit")
        return
    except JobStopped:
        db.session.rollback()
        return
    except DomainError:
        # The what-if's shared depot lost its position or was closed after the run was made.
        db.session.rollback()
        job.finish(status="failed", error="hub_unplaced")
        return
    except Exception:
        db.session.rollback()
        log.exception("distribution run %s failed", run_id)
        job.finish(status="failed", error="crashed")
        return
    if plan.status not in ("optimal", "feasible"):
        job.finish(status="failed", error=plan.status)
        return
    job.finish(status="solved", result=result)
