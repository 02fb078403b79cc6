"""The background job's hold on its row: claim once, progress, stop when cancelled or overdue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from depot.distribution import services
from depot.distribution.models import DistributionRun
from depot.extensions import db
from depot.organisations.models import utcnow
from depot.web import job_rows
from depot.web.job_rows import JobProgress, JobStopped, TimeLimitExceeded


@pytest.fixture
def run_id(app, region):
    with app.app_context():
        run = services.create_run(
            title="Fordeling",
            organisation_id=region.id,
            horizon_months=3,
            cost_per_km=Decimal("2"),
            shortage_penalty_factor=0.2,
            service_package_id=None,
            service_sets=1,
            what_if_hub_id=None,
            time_limit_seconds=10,
            user=None,
        )
        assert job_rows.mark_queued(run)
        db.session.commit()
        return run.id


def _row(run_id: int) -> DistributionRun:
    db.session.expire_all()
    return db.session.get(DistributionRun, run_id)


def test_a_row_is_claimed_once_and_reports_progress_and_its_result(app, run_id, monkeypatch):
    with app.app_context():
        job = JobProgress(DistributionRun, run_id)
        assert job.claim()
        assert not JobProgress(DistributionRun, run_id).claim()  # a second worker
        clock = [job.started]
        monkeypatch.setattr(job_rows.time, "perf_counter", lambda: clock[0])
        job.report(40, "solve 3/12")
        assert (_row(run_id).progress, _row(run_id).progress_note) == (40, "solve 3/12")
        clock[0] += job_rows.PROGRESS_EVERY / 2
        job.report(45, "solve 4/12")  # the same stage within half a second: not written
        assert _row(run_id).progress == 40
        job.report(120, "what_if")  # a new stage is written at once, capped below 100
        assert (_row(run_id).progress, _row(run_id).progress_note) == (99, "what_if")
        job.finish(status="solved", result="{}")
        row = _row(run_id)
        assert (row.status, row.progress, row.result) == ("solved", 100, "{}")
        assert row.finished_at is not None


def test_a_cancelled_row_stops_the_job_and_keeps_its_state(app, run_id):
    with app.app_context():
        job = JobProgress(DistributionRun, run_id)
        assert job.claim()
        assert job_rows.mark_cancelled(_row(run_id), from_statuses=("running",))
        db.session.commit()
        with pytest.raises(JobStopped):
            job.report(50, "solve")
        job.finish(status="solved", result="{}")
        assert _row(run_id).status == "cancelled" and _row(run_id).result is None
        assert not job_rows.mark_cancelled(_row(run_id), from_statuses=("running",))


def test_a_job_far_past_its_time_limit_stops_itself(app, run_id, monkeypatch):
    with app.app_context():
        job = JobProgress(DistributionRun, run_id)
        assert job.claim()
        over = 10 * job_rows.GUARD_FACTOR + job_rows.GUARD_SLACK + 1
        monkeypatch.setattr(job_rows.time, "perf_counter", lambda: job.started + over)
        with pytest.raises(TimeLimitExceeded):
            job.report(50, "solve")


def test_a_row_is_stale_only_long_after_its_time_limit(app, run_id):
    with app.app_context():
        row = _row(run_id)
        assert row.status == "queued" and not job_rows.is_stale(row)
        # The job's own guard stops it at 1.5 × 10 + 30 s; stale only 10 minutes after that.
        guard = timedelta(seconds=10 * job_rows.GUARD_FACTOR + job_rows.GUARD_SLACK)
        row.started_at = utcnow() - guard - job_rows.STALE_AFTER + timedelta(seconds=5)
        assert not job_rows.is_stale(row)
        row.started_at -= timedelta(seconds=10)
        assert job_rows.is_stale(row)
        row.status = "solved"
        assert not job_rows.is_stale(row)


def test_queueing_a_row_that_moved_meanwhile_is_refused(app, run_id):
    with app.app_context():
        row = _row(run_id)  # queued, as the page showed it
        db.session.execute(
            update(DistributionRun)
            .where(DistributionRun.id == run_id)
            .values(status="running")
            .execution_options(synchronize_session=False)  # another worker's change
        )
        assert not job_rows.mark_queued(row)
        row = _row(run_id)
        assert row.status == "running" and row.progress == 0


@pytest.mark.parametrize(
    "note, text",
    [
        (None, None),
        ("", None),
        ("inputs", "Reading stock, history and contracts"),
        ("solve 2/4", "Optimising (2/4)"),
        ("solve 52/100", "Optimising (52 %)"),
        ("what_if", "Comparing with one shared depot"),
        ("3/5", "Step 3/5"),
    ],
)
def test_progress_notes_read_as_sentences(app, note, text):
    with app.test_request_context():
        app.config["BABEL_DEFAULT_LOCALE"] = "en"
        assert job_rows.progress_text(note) == text
