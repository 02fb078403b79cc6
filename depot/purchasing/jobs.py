"""The purchase round's background job: RQ when REDIS_URL is set, a thread otherwise.

The job is its own unit of work, like a request: it claims the round (queued → running),
writes its progress in short transactions the round's page polls, and stores the plan or
the reason it failed. A wall-clock guard stops it well past the round's time limit even if
a solve overruns. Failure reasons are stored as codes and translated when shown.
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from sqlalchemy import update

from depot.extensions import db
from depot.organisations.models import utcnow
from depot.purchasing import services
from depot.purchasing.models import PurchaseRound
from depot.web import jobs as background
from depot.web.i18n import local_today
from procurement.optimizer.sharing import plan_purchase

log = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between progress writes
# Codes stored in PurchaseRound.error; the pages translate them.
FAILURES = ("infeasible", "not_solved", "time_limit", "crashed")


class TimeLimitExceeded(Exception):
    pass


class RoundCancelled(Exception):
    pass


def start(*, app: Flask, round_id: int, time_limit: int) -> str:
    """Hand the round to a worker (call after the queued state is committed); the job id."""
    return background.start(app=app, job=run_round, object_id=round_id, time_limit=time_limit)


wait_for_local_jobs = background.wait_for_local_jobs


def _set(round_id: int, *, only_if: tuple[str, ...], **values) -> bool:
    done = db.session.execute(
        update(PurchaseRound)
        .where(PurchaseRound.id == round_id, PurchaseRound.status.in_(only_if))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return done == 1


def run_round(round_id: int) -> None:
    """Solve one queued round and store its plan; a cancelled or taken round is left alone."""
    if not _set(round_id, only_if=("queued",), status="running", progress=1):
        return
    purchase_round = db.session.get(PurchaseRound, round_id)
    limit = purchase_round.time_limit_seconds
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
            round_id,
            only_if=("running",),
            progress=max(1, min(99, 100 * done // max(steps, 1))),
            progress_note=f"{done}/{steps}",
        ):
            raise RoundCancelled

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
        _finish(round_id, status="failed", error="time_limit")
        return
    except RoundCancelled:
        db.session.rollback()
        return
    except Exception:
        db.session.rollback()
        log.exception("purchase round %s failed", round_id)
        _finish(round_id, status="failed", error="crashed")
        return
    if plan.status not in ("optimal", "feasible"):
        _finish(round_id, status="failed", error=plan.status)
        return
    wanted = set(instance.products)
    result = services.plan_to_json(
        plan, instance=instance, late_lines=[line.id for line in late if line.product_id in wanted]
    )
    _finish(round_id, status="solved", result=result)


def _finish(round_id: int, *, status: str, error: str | None = None, result=None) -> None:
    _set(
        round_id,
        only_if=("running",),
        status=status,
        error=error,
        result=result,
        progress=100,
        finished_at=utcnow(),
        version_id=PurchaseRound.version_id + 1,
    )


worker = background.worker
