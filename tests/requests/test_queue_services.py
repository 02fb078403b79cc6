"""The queue's queries and services: order, filters, waiting time, handing a request over."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.organisations.models import Depot, utcnow
from depot.requests import queue, services
from depot.requests.models import DeviceRequest
from depot.requests.services import RequestNotFound
from depot.requests.views_queue import duration

TARGETS = {"normal": 48, "urgent": 4, "after_hours": 2}


@pytest.fixture
def s(make, herning, holstebro):
    class S:
        pass

    s = S()
    s.herning, s.holstebro = herning, holstebro
    s.home = make.depot(owner=herning, name="Herning depot")
    s.other = make.depot(owner=holstebro, name="Holstebro depot")
    s.type = make.product_type(measurement_fields="")
    s.citizen = make.citizen(municipality=herning)

    def request(**kwargs):
        kwargs.setdefault("depot", s.home)
        return make.request(
            citizen=s.citizen, organisation=herning, product_type=s.type, **kwargs
        ).id

    s.request = request
    return s


def ids(stmt) -> list[int]:
    return [r.id for r in db.session.scalars(stmt)]


def test_queue_order(app_ctx, s):
    day = utcnow() + timedelta(days=1)
    normal_early = s.request(needed_by=day)
    normal_late = s.request(needed_by=day + timedelta(hours=5))
    urgent_late = s.request(urgency="urgent", needed_by=day + timedelta(hours=9))
    after_hours = s.request(urgency="after_hours", needed_by=day + timedelta(hours=1))
    assert ids(queue.queue_query(depot_ids=[s.home.id])) == [
        after_hours,
        urgent_late,
        normal_early,
        normal_late,
    ]


def test_queue_filters(app_ctx, s):
    urgent = s.request(urgency="urgent")
    normal = s.request()
    elsewhere = s.request(depot=s.other)
    both = [s.home.id, s.other.id]
    assert ids(queue.queue_query(depot_ids=[s.home.id])) == [urgent, normal]
    assert ids(queue.queue_query(depot_ids=both, urgency="normal")) == [normal, elsewhere]
    assert ids(queue.queue_query(depot_ids=both, depot_id=s.other.id)) == [elsewhere]
    # A depot outside the user's own is not a way in.
    assert ids(queue.queue_query(depot_ids=[s.home.id], depot_id=s.other.id)) == []
    assert ids(queue.queue_query(depot_ids=[])) == []
    services.back_order_line(line_id=db.session.get(DeviceRequest, normal).lines[0].id, user=None)
    assert ids(queue.queue_query(depot_ids=both, status="back_ordered")) == [normal]
    # A status outside the queue means the whole queue.
    assert ids(queue.queue_query(depot_ids=both, status="delivered")) == [urgent, normal, elsewhere]


def test_closed_requests_leave_the_queue(app_ctx, s):
    cancelled = s.request()
    services.cancel_request(request_id=cancelled, user=None)
    assert ids(queue.queue_query(depot_ids=[s.home.id])) == []


def _request_at(created: datetime, responded: datetime | None = None, urgency="urgent"):
    return DeviceRequest(created_at=created, responded_at=responded, urgency=urgency)


def test_waiting_until_answered():
    now = datetime(2030, 1, 1, 12, 0)
    waiting = queue.waiting(_request_at(now - timedelta(hours=5)), now=now, target_hours=TARGETS)
    assert (waiting.waited, waiting.target, waiting.answered) == (
        timedelta(hours=5),
        timedelta(hours=4),
        False,
    )
    assert waiting.over_target
    answered = queue.waiting(
        _request_at(now - timedelta(days=3), now - timedelta(days=3) + timedelta(hours=1)),
        now=now,
        target_hours=TARGETS,
    )
    assert (answered.waited, answered.answered, answered.over_target) == (
        timedelta(hours=1),
        True,
        False,
    )
    normal = queue.waiting(
        _request_at(now - timedelta(hours=5), urgency="normal"), now=now, target_hours=TARGETS
    )
    assert not normal.over_target
    unknown = queue.waiting(
        _request_at(now - timedelta(hours=5), urgency="normal"), now=now, target_hours={}
    )
    assert unknown.target is None and not unknown.over_target
    future = queue.waiting(_request_at(now + timedelta(hours=1)), now=now, target_hours=TARGETS)
    assert future.waited == timedelta(0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(minutes=7), "7 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(hours=2, minutes=5), "2 h 5 min"),
        (timedelta(days=3, hours=4, minutes=59), "3 d 4 h"),
        (timedelta(seconds=-30), "0 min"),
    ],
)
def test_duration(app, value, expected):
    with app.test_request_context():
        from flask import session

        session["lang"] = "en"
        assert duration(value) == expected


def test_forward_request(app_ctx, s):
    request_id = s.request()
    forwarded = queue.forward_request(request_id=request_id, depot_id=s.other.id, user=None)
    assert forwarded.depot_id == s.other.id
    assert forwarded.status == "open"


def test_forward_refusals(app_ctx, s):
    request_id = s.request()
    with pytest.raises(DomainError):
        queue.forward_request(request_id=request_id, depot_id=s.home.id, user=None)
    with pytest.raises(DomainError):
        queue.forward_request(request_id=request_id, depot_id=987654, user=None)
    db.session.execute(update(Depot).where(Depot.id == s.other.id).values(active=False))
    with pytest.raises(DomainError):
        queue.forward_request(request_id=request_id, depot_id=s.other.id, user=None)
    with pytest.raises(RequestNotFound):
        queue.forward_request(request_id=987654, depot_id=s.home.id, user=None)
    services.cancel_request(request_id=request_id, user=None)
    with pytest.raises(Conflict):
        queue.forward_request(request_id=request_id, depot_id=s.home.id, user=None)
