"""The purchase round's background job: RQ when REDIS_URL is set, a thread otherwise.

The job is its own unit of work, like a request: it claims the round (queued → running),
writes its progress in short transactions the round's page polls, and stores the plan or
the reason it failed. A wall-clock guard stops it well past the round's time limit even if
a solve overruns. Failure reasons are stored as codes and translated when shown.
"""

from __future__ import annotations

import logging

from flask import Flask

from depot.extensions import db
from depot.purchasing import services
from depot.purchasing.models import PurchaseRound
from depot.web import jobs as background
from depot.web.i18n import local_today
from depot.web.job_rows import JobProgress, JobStopped, TimeLimitExceeded
from procurement.optimizer.sharing import plan_purchase

log = logging.getLogger(__name__)

# Codes stored in PurchaseRound.error; the pages translate them.
FAILURES = ("infeasible", "not_solved", "time_limit", "crashed")


def start(*, app: Flask, round_id: int, time_limit: int) -> str:
    """Hand the round to a worker (call after the queued state is committed); the job id."""
    return background.start(app=app, job=run_round, object_id=round_id, time_limit=time_limit)


wait_for_local_jobs = background.wait_for_local_jobs


def run_round(round_id: int) -> None:
    """Solve one queued round and store its plan; a cancelled or taken round is left alone."""
    job = JobProgress(PurchaseRound, round_id)
    if not job.claim():
        return
    purchase_round = db.session.get(PurchaseRound, round_id)
    limit = purchase_round.time_limit_seconds

    def progress(done: int, steps: int) -> None:
        job.report(100 * done // max(steps, 1), f"solve {done}/{steps}")

    try:
        today = local_today()
        instance = services.build_instance(purchase_round=purchase_round, today=today)
        _usable, late = services.eligible_lines(purchase_round, today)
        with_shapley = purchase_round.with_shapley
        db.session.commit()  # don't hold a read transaction through the solve
        plan = plan_purchase(
            instance, time_limit=float(limit), with_shapley=with_shapley, progress=progress
        )
    except TimeLimitExceeded:
        db.session.rollback()
        job.finish(status="failed", error="time_limit")
        return
    except JobStopped:
        db.session.rollback()
        return
    except Exception:
        db.session.rollback()
        log.exception("purchase round %s failed", round_id)
        job.finish(status="failed", error="crashed")
        return
    if plan.status not in ("optimal", "feasible"):
        job.finish(status="failed", error=plan.status)
        return
    wanted = set(instance.products)
    result = services.plan_to_json(
        plan, instance=instance, late_lines=[line.id for line in late if line.product_id in wanted]
    )
    job.finish(status="solved", result=result)


worker = background.worker
