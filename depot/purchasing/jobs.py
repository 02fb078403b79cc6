"""The purchase round's background job: RQ when REDIS_URL is set, a thread otherwise.

The job is its own unit of work, like a request: it claims the round (queued → running),
writes its progress in short transactions the round's page polls, and stores the plan or
the reason it failed. A wall-clock guard stops it well past the round's time limit even if
a solve overruns. Failure reasons are stored as codes and translated when shown.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask, current_app, has_app_context
from sqlalchemy import update

from depot.extensions import db
from depot.organisations.models import utcnow
from depot.purchasing import services
from depot.purchasing.models import PurchaseRound
from depot.web.i18n import local_today
from procurement.optimizer.sharing import plan_purchase

log = logging.getLogger(__name__)

QUEUE_NAME = "procurement"
PROGRESS_EVERY = 0.5  # seconds between progress writes
# Codes stored in PurchaseRound.error; the pages translate them.
FAILURES = ("infeasible", "not_solved", "time_limit", "crashed")

# Two rounds at a time per web process; a cancelled round stops at its next progress report.
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="purchase-round")
_futures: list[Future] = []


class TimeLimitExceeded(Exception):
    pass


class RoundCancelled(Exception):
    pass


def start(*, app: Flask, round_id: int, time_limit: int) -> str:
    """Hand the round to a worker (call after the queued state is committed); the job id."""
    url = app.config.get("REDIS_URL")
    if url:
        try:
            from redis import Redis
            from redis.exceptions import RedisError
            from rq import Queue

            queue = Queue(
                app.config.get("PURCHASE_QUEUE", QUEUE_NAME), connection=Redis.from_url(url)
            )
            job = queue.enqueue(
                run_round_job,
                round_id,
                job_timeout=time_limit * 2 + 120,
                result_ttl=3600,
                failure_ttl=86400,
            )
            return job.id
        except RedisError:
            log.warning("Redis unreachable; solving round %s in this process", round_id)
    _futures[:] = [f for f in _futures if not f.done()]
    _futures.append(_executor.submit(_run_in_app, app, round_id))
    return "in-process"


def wait_for_local_jobs(timeout: float = 120.0) -> None:
    """Block until the in-process jobs have finished (tests and the demo use it)."""
    wait(list(_futures), timeout=timeout)


def _run_in_app(app: Flask, round_id: int) -> None:
    with app.app_context():
        try:
            run_round(round_id)
        finally:
            db.session.remove()


def run_round_job(round_id: int) -> None:
    """The RQ entry point: in the worker's app (`flask purchase-worker`) or a new one."""
    if has_app_context():
        run_round(round_id)
        db.session.remove()
        return
    from depot.app import create_app

    _run_in_app(create_app(), round_id)


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


def worker(*, burst: bool = False) -> None:
    """Run an RQ worker for purchase rounds in this app (`flask purchase-worker`)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    app = current_app._get_current_object()
    connection = Redis.from_url(app.config["REDIS_URL"])
    queue = Queue(app.config.get("PURCHASE_QUEUE", QUEUE_NAME), connection=connection)
    # SimpleWorker runs jobs in this process, inside this app: no fork, no second app.
    SimpleWorker([queue], connection=connection).work(burst=burst)
