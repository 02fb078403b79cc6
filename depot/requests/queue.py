"""The depot's request queue: which requests wait, in what order, how long they have waited,
and handing a request over to another depot.

Queries return statements (the views paginate them); services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from depot.auth.models import User
from depot.deliveries.models import DeliveryRun, RunStop
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.organisations.models import Depot
from depot.requests.models import DeviceRequest, RequestLine
from depot.requests.services import RequestNotFound

# Open: waits for an answer; back-ordered: waits for stock; reserved: ready to plan a delivery.
QUEUE_STATES = ("open", "back_ordered", "reserved")
URGENT = ("urgent", "after_hours")


def queue_query(
    *,
    depot_ids: Iterable[int],
    depot_id: int | None = None,
    status: str | None = None,
    urgency: str | None = None,
):
    """Requests waiting in these depots, urgent and after-hours first, then by needed-by."""
    depot_ids = list(depot_ids)
    if depot_id is not None:
        depot_ids = [d for d in depot_ids if d == depot_id]
    statuses = [status] if status in QUEUE_STATES else list(QUEUE_STATES)
    stmt = (
        select(DeviceRequest)
        .where(DeviceRequest.depot_id.in_(depot_ids), DeviceRequest.status.in_(statuses))
        .options(
            selectinload(DeviceRequest.organisation),
            selectinload(DeviceRequest.depot),
            selectinload(DeviceRequest.lines).selectinload(RequestLine.product_type),
        )
        .order_by(
            case((DeviceRequest.urgency.in_(URGENT), 0), else_=1),
            DeviceRequest.needed_by,
            DeviceRequest.created_at,
            DeviceRequest.id,
        )
    )
    if urgency is not None:
        stmt = stmt.where(DeviceRequest.urgency == urgency)
    return stmt


@dataclass(frozen=True)
class Waiting:
    """How long a request waited (or has waited so far) for the depot's answer."""

    waited: timedelta
    target: timedelta | None
    answered: bool

    @property
    def over_target(self) -> bool:
        return self.target is not None and self.waited > self.target


def waiting(request: DeviceRequest, *, now: datetime, target_hours: dict[str, float]) -> Waiting:
    """Time from the request to the depot's first answer, or to now while unanswered."""
    answered = request.responded_at is not None
    end = request.responded_at if answered else now
    hours = target_hours.get(request.urgency)
    return Waiting(
        waited=max(end - request.created_at, timedelta(0)),
        target=timedelta(hours=hours) if hours is not None else None,
        answered=answered,
    )


def line_still_open(line: RequestLine) -> bool:
    """The line needs (more) items: nothing or not enough reserved yet."""
    return line.status in ("open", "back_ordered") and line.request.status in QUEUE_STATES


def forward_request(*, request_id: int, depot_id: int, user: User | None) -> DeviceRequest:
    """Hand a waiting request to another depot, whose staff then see it in their queue."""
    request = db.session.get(DeviceRequest, request_id, populate_existing=True)
    if request is None:
        raise RequestNotFound(_l("No such request."))
    if request.status not in QUEUE_STATES:
        raise Conflict(_l("The request is closed."))
    depot = db.session.get(Depot, depot_id)
    if depot is None or not depot.active:
        raise DomainError(_l("Choose an active depot."))
    if depot.id == request.depot_id:
        raise DomainError(_l("The request is already handled by %(depot)s.", depot=depot.name))
    request.depot_id = depot.id
    request.depot = depot
    db.session.flush()
    return request


def planned_runs(*, request_ids: list[int]) -> dict[int, DeliveryRun]:
    """The planned run each request's delivery is on (the latest, if several)."""
    if not request_ids:
        return {}
    rows = db.session.execute(
        select(RunStop.request_id, DeliveryRun)
        .join(DeliveryRun, DeliveryRun.id == RunStop.run_id)
        .where(RunStop.request_id.in_(request_ids), RunStop.status == "planned")
        .order_by(DeliveryRun.run_date)
    ).all()
    return {request_id: run for request_id, run in rows}
