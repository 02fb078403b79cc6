"""Loan services: overdue returns and pick-up requests."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from depot.auth.models import User
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.loans.models import Loan
from depot.organisations.models import utcnow


class LoanNotFound(DomainError):
    status_code = 404


def request_pickup(*, loan_id: int, user: User | None) -> Loan:
    """Ask the depot to fetch a loaned item from the citizen."""
    loan = db.session.get(Loan, loan_id, populate_existing=True)
    if loan is None:
        raise LoanNotFound(_l("No such loan."))
    if loan.returned_at is not None:
        raise Conflict(_l("The loan has ended."))
    if loan.pickup_requested_at is None:
        loan.pickup_requested_at = utcnow()
        loan.pickup_requested_by_id = user.id if user else None
        db.session.flush()
    return loan


def cancel_pickup(*, loan_id: int) -> Loan:
    """Withdraw a pick-up request (the citizen still needs the device)."""
    loan = db.session.get(Loan, loan_id, populate_existing=True)
    if loan is None:
        raise LoanNotFound(_l("No such loan."))
    if loan.returned_at is not None:
        raise Conflict(_l("The loan has ended."))
    loan.pickup_requested_at = None
    loan.pickup_requested_by_id = None
    db.session.flush()
    return loan


def overdue_condition(today: date):
    """Open loans whose expected end has passed."""
    return (Loan.returned_at.is_(None)) & (Loan.expected_end < today)
