"""Read-only queries behind the depot's loan list: open loans of the depots, with filters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from depot.deliveries.models import DeliveryRun, RunStop, RunStopItem
from depot.extensions import db
from depot.items.models import Item
from depot.loans.models import Loan
from depot.loans.services import overdue_condition


def open_loans_query(
    *,
    depot_ids: Sequence[int],
    today: date,
    overdue: bool = False,
    pickup_requested: bool = False,
):
    """Open loans of items that went out from the depots; the longest overdue first."""
    stmt = (
        select(Loan)
        .join(Item, Item.id == Loan.item_id)
        .where(Loan.returned_at.is_(None), Item.depot_id.in_(list(depot_ids)))
        .options(
            joinedload(Loan.item).options(joinedload(Item.product), joinedload(Item.depot)),
            joinedload(Loan.lender),
            joinedload(Loan.citizen),
        )
        .order_by(Loan.expected_end.is_(None), Loan.expected_end, Loan.started_at, Loan.id)
    )
    if overdue:
        stmt = stmt.where(overdue_condition(today))
    if pickup_requested:
        stmt = stmt.where(Loan.pickup_requested_at.is_not(None))
    return stmt


def planned_pickup_runs(loan_ids: Sequence[int]) -> dict[int, DeliveryRun]:
    """The run each of the loans is on as a planned pick-up, if any."""
    if not loan_ids:
        return {}
    rows = db.session.execute(
        select(RunStopItem.loan_id, DeliveryRun)
        .join(RunStop, RunStop.id == RunStopItem.stop_id)
        .join(DeliveryRun, DeliveryRun.id == RunStop.run_id)
        .where(RunStopItem.loan_id.in_(list(loan_ids)), RunStopItem.status == "planned")
    ).all()
    return {loan_id: run for loan_id, run in rows}
