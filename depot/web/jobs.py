"""Background jobs: on RQ when REDIS_URL is set, in a thread of this process otherwise.

A job is a function taking one id; it runs inside an app context and is its own unit of work
(it commits). RQ workers run `flask purchase-worker` (a SimpleWorker in this app); without
Redis, or when Redis can't be reached, a small thread pool in the web process runs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask, has_app_context

from depot.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAME = "procurement"

# Two jobs at a time per web process; jobs check for cancellation as they report progress.
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="background-job")
_futures: list[Future] = []


def start(*, app: Flask, job: Callable[[int], None], object_id: int, time_limit: int) -> str:
    """Hand `job(object_id)` to a worker (call after the queued state is committed)."""
    url = app.config.get("REDIS_URL")
    if url:
        try:
            from redis import Redis
            from redis.exceptions import RedisError
            from rq import Queue

            queue = Queue(
                app.config.get("PURCHASE_QUEUE", QUEUE_NAME), connection=Redis.from_url(url)
            )
            enqueued = queue.enqueue(
                run_job,
                f"{job.__module__}:{job.__qualname__}",
                object_id,
                job_timeout=time_limit * 2 + 120,
                result_ttl=3600,
                failure_ttl=86400,
            )
            return enqueued.id
        except RedisError:
            log.warning("Redis unreachable; running job %s(%s) here", job.__name__, object_id)
    _futures[:] = [f for f in _futures if not f.done()]
    _futures.append(_executor.submit(_in_app, app, job, object_id))
    return "in-process"


def wait_for_local_jobs(timeout: float = 120.0) -> None:
    """Block until the in-process jobs have finished (tests and the demo use it)."""
    wait(list(_futures), timeout=timeout)


def _in_app(app: Flask, job: Callable[[int], None], object_id: int) -> None:
    with app.app_context():
        try:
            job(object_id)
        finally:
            db.session.remove()


def _resolve(path: str) -> Callable[[int], None]:
    import importlib

    module, _, name = path.partition(":")
    allowed = ("depot.purchasing.jobs", "depot.distribution.jobs")
    if module not in allowed:  # a queue entry names only our own jobs
        raise ValueError(f"unknown job {path}")
    return getattr(importlib.import_module(module), name)


def run_job(path: str, object_id: int) -> None:
    """The RQ entry point: in the worker's app (`flask purchase-worker`) or a new one."""
    job = _resolve(path)
    if has_app_context():
        try:
            job(object_id)
        finally:
            db.session.remove()
        return
    from depot.app import create_app

    _in_app(create_app(), job, object_id)


def worker(*, burst: bool = False) -> None:
    """Run an RQ worker for the background jobs in this app (`flask purchase-worker`)."""
    from flask import current_app
    from redis import Redis
    from rq import Queue, SimpleWorker

    app = current_app._get_current_object()
    connection = Redis.from_url(app.config["REDIS_URL"])
    queue = Queue(app.config.get("PURCHASE_QUEUE", QUEUE_NAME), connection=connection)
    # SimpleWorker runs jobs in this process, inside this app: no fork, no second app.
    SimpleWorker([queue], connection=connection).work(burst=burst)
