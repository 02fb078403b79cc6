"""What the front page shows each role: the work waiting for them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from depot.auth.models import User
from depot.deliveries.models import DeliveryRun
from depot.extensions import db
from depot.items.access import operable_depots
from depot.items.models import Item
from depot.loans.models import Loan
from depot.loans.services import overdue_condition
from depot.requests.models import DeviceRequest


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def therapist_counts(*, user: User) -> dict[str, int]:
    """The organisation's requests by status."""
    rows = db.session.execute(
        select(DeviceRequest.status, func.count())
        .where(DeviceRequest.organisation_id == user.organisation_id)
        .group_by(DeviceRequest.status)
    ).all()
    return dict(rows)


def depot_counts(*, user: User, today: date) -> dict[str, int]:
    """Requests waiting in the user's depots, today's runs, overdue loans and pick-ups."""
    depot_ids = [d.id for d in operable_depots(user)]
    if not depot_ids:
        return {}
    waiting = (
        select(DeviceRequest.urgency, func.count())
        .where(
            DeviceRequest.depot_id.in_(depot_ids),
            DeviceRequest.status.in_(("open", "back_ordered")),
        )
        .group_by(DeviceRequest.urgency)
    )
    by_urgency = dict(db.session.execute(waiting).all())
    loans_here = select(Loan.id).join(Item, Item.id == Loan.item_id)
    loans_here = loans_here.where(Item.depot_id.in_(depot_ids))
    return {
        "waiting": sum(by_urgency.values()),
        "urgent": by_urgency.get("urgent", 0) + by_urgency.get("after_hours", 0),
        "ready": db.session.scalar(
            select(func.count(DeviceRequest.id)).where(
                DeviceRequest.depot_id.in_(depot_ids), DeviceRequest.status == "reserved"
            )
        ),
        "runs_today": db.session.scalar(
            select(func.count(DeliveryRun.id)).where(
                DeliveryRun.depot_id.in_(depot_ids), DeliveryRun.run_date == today
            )
        ),
        "overdue": _count(loans_here.where(overdue_condition(today))),
        "pickups": _count(
            loans_here.where(Loan.returned_at.is_(None), Loan.pickup_requested_at.is_not(None))
        ),
    }
