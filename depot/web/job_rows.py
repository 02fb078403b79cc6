"""The row a background job works on: a purchase round or a distribution run.

Both carry status, progress, progress_note, result, error, started_at, finished_at,
time_limit_seconds and version_id. Every state change is a conditional UPDATE on the status
it expects, so a double click, a cancel during the solve or a second worker changes nothing
and the caller can answer 409. The job itself (`JobProgress`) is its own unit of work: it
writes progress in short transactions the page polls.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import update

from depot.extensions import db
from depot.organisations.models import utcnow

STALE_AFTER = timedelta(minutes=10)  # past the time limit: the worker has died
PROGRESS_EVERY = 0.5  # seconds between progress writes within one stage
GUARD_FACTOR, GUARD_SLACK = 1.5, 30  # the job stops itself this far past its time limit


class JobStopped(Exception):
    """The row was cancelled or taken by someone else while the job ran."""


class TimeLimitExceeded(Exception):
    pass


def _update(model, row_id: int, only_if: tuple[str, ...], **values) -> bool:
    done = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status.in_(only_if))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return done == 1


def is_stale(row) -> bool:
    """A queued or running job that should long have finished (its worker died): later than
    a live job's own guard would have stopped it, so a new run never races a live one."""
    if row.status not in ("queued", "running") or row.started_at is None:
        return False
    guard = timedelta(seconds=row.time_limit_seconds * GUARD_FACTOR + GUARD_SLACK)
    return utcnow() - row.started_at > guard + STALE_AFTER


def status_payload(row, *, step: str | None) -> dict:
    """What a round's or run's page polls: progress, elapsed time, finished or stale."""
    elapsed = None
    if row.started_at is not None:
        elapsed = int(((row.finished_at or utcnow()) - row.started_at).total_seconds())
    return {
        "id": row.id,
        "status": row.status,
        "progress": row.progress,
        "progress_note": step,
        "elapsed_seconds": elapsed,
        "time_limit_seconds": row.time_limit_seconds,
        "finished": row.status not in ("queued", "running"),
        "stale": is_stale(row),
    }


def mark_queued(row) -> bool:
    """Queue `row` from the status it has now, clearing the last result; False if it moved."""
    model = type(row)
    done = _update(
        model,
        row.id,
        (row.status,),
        status="queued",
        progress=0,
        progress_note=None,
        result=None,
        error=None,
        started_at=utcnow(),
        finished_at=None,
        version_id=model.version_id + 1,
    )
    db.session.expire(row)
    return done


def mark_cancelled(row, *, from_statuses: tuple[str, ...]) -> bool:
    """Cancel `row` if it is in one of `from_statuses`; False if it was not."""
    model = type(row)
    done = _update(
        model, row.id, from_statuses, status="cancelled", version_id=model.version_id + 1
    )
    db.session.expire(row)
    return done


class JobProgress:
    """A running job's hold on its row: claim, report progress, finish. Commits each write."""

    def __init__(self, model, row_id: int) -> None:
        self.model, self.row_id = model, row_id
        self.time_limit = 0.0
        self.started = time.perf_counter()
        self._last_write, self._last_stage = float("-inf"), None

    def _set(self, only_if: tuple[str, ...], **values) -> bool:
        done = _update(self.model, self.row_id, only_if, **values)
        db.session.commit()
        return done

    def claim(self) -> bool:
        """queued → running; False when the row was cancelled or another worker took it."""
        if not self._set(("queued",), status="running", progress=1):
            return False
        self.time_limit = float(db.session.get(self.model, self.row_id).time_limit_seconds)
        self.started = time.perf_counter()
        return True

    def report(self, percent: int, note: str) -> None:
        """Write progress (at most every PROGRESS_EVERY seconds within a stage); raise when the
        row was cancelled or the job runs far past its time limit."""
        elapsed = time.perf_counter() - self.started
        if elapsed > self.time_limit * GUARD_FACTOR + GUARD_SLACK:
            raise TimeLimitExceeded
        stage = note.partition(" ")[0]
        if stage == self._last_stage and elapsed - self._last_write < PROGRESS_EVERY:
            return
        self._last_write, self._last_stage = elapsed, stage
        if not self._set(("running",), progress=max(1, min(99, percent)), progress_note=note):
            raise JobStopped

    def finish(self, *, status: str, error: str | None = None, result: str | None = None):
        """running → solved/failed with the result or the failure's code."""
        self._set(
            ("running",),
            status=status,
            error=error,
            result=result,
            progress=100,
            finished_at=utcnow(),
            version_id=self.model.version_id + 1,
        )


def progress_text(note: str | None) -> str | None:
    """The stored progress note ("solve 3/12") as a sentence for the page."""
    if not note:
        return None
    from flask_babel import gettext as _

    stage, _sep, count = note.partition(" ")
    labels = {
        "inputs": _("Reading stock, history and contracts"),
        "solve": _("Optimising"),
        "what_if": _("Comparing with one shared depot"),
    }
    if stage not in labels:
        return _("Step %(s)s", s=note)
    done, _slash, steps = count.partition("/")
    if done.isdigit() and steps.isdigit() and int(steps) >= 20:
        # Many small steps (the distribution optimizer's): a share reads better than a count.
        return f"{labels[stage]} ({100 * int(done) // int(steps)} %)"
    return f"{labels[stage]} ({count})" if count else labels[stage]
