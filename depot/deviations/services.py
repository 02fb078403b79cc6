"""Deviation case services: open (automatically or by hand), assess, discuss, conclude."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from depot.auth.models import User
from depot.catalogue.models import ProductType
from depot.clarification.models import PARTIES
from depot.deviations.models import CAUSES, SETTLEMENTS, DeviationCase
from depot.deviations.quarters import app_timezone
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.handovers.models import Handover, HandoverDevice
from depot.organisations.models import Organisation, utcnow

AMOUNT_MAX = Decimal("10000000.00")  # DKK, the catalogue's highest price
MINUTES_MAX = 100000


class CaseNotFound(DomainError):
    status_code = 404


def open_case_for_device(*, device: HandoverDevice, user: User | None) -> DeviationCase | None:
    """Open the automatic case for a needed device delivered by the other party (at most one)."""
    existing = db.session.scalar(
        select(DeviationCase).where(DeviationCase.handover_device_id == device.id)
    )
    if existing is not None:
        return existing
    if not device.suggested_party or device.actual_party in (None, device.suggested_party):
        return None
    case = DeviationCase(
        status="open",
        municipality_id=device.handover.citizen.municipality_id,
        handover_id=device.handover_id,
        handover_device_id=device.id,
        product_type_id=device.product_type_id,
        delivered_by=device.actual_party,
        should_have_been=device.suggested_party,
        minutes_spent=0,
        settlement="none",
        opened_automatically=True,
        opened_at=utcnow(),
        opened_by_id=user.id if user else None,
    )
    db.session.add(case)
    db.session.flush()
    return case


def _check_assessment(
    *, cause: str | None, minutes_spent: int, settlement: str, settlement_amount: Decimal | None
) -> None:
    if cause is not None and cause not in CAUSES:
        raise DomainError(_l("Unknown cause."))
    if not 0 <= minutes_spent <= MINUTES_MAX:
        raise DomainError(_l("The minutes spent must be between 0 and 100000."))
    if settlement not in SETTLEMENTS:
        raise DomainError(_l("Unknown settlement."))
    if settlement_amount is not None:
        if not settlement_amount.is_finite() or settlement_amount < 0:
            raise DomainError(_l("The amount cannot be negative."))
        if settlement_amount > AMOUNT_MAX:
            raise DomainError(_l("The amount can be at most %(max)s.", max=AMOUNT_MAX))
        if settlement_amount != settlement_amount.quantize(Decimal("0.01")):
            raise DomainError(_l("Use at most two decimals."))


def open_case(
    *,
    municipality_id: int,
    product_type_id: int,
    delivered_by: str,
    should_have_been: str,
    user: User | None,
    handover_id: int | None = None,
    cause: str | None = None,
    cause_note: str | None = None,
    minutes_spent: int = 0,
    at: datetime | None = None,
) -> DeviationCase:
    """Open a case by hand (a coordinator who learned of a deviation outside the system)."""
    municipality = db.session.get(Organisation, municipality_id)
    if municipality is None or municipality.kind != "municipality":
        raise DomainError(_l("Choose a municipality."))
    if db.session.get(ProductType, product_type_id) is None:
        raise DomainError(_l("Unknown product type."))
    if delivered_by not in PARTIES or should_have_been not in PARTIES:
        raise DomainError(_l("Unknown party."))
    if delivered_by == should_have_been:
        raise DomainError(_l("A deviation needs two different parties."))
    if handover_id is not None:
        handover = db.session.get(Handover, handover_id)
        if handover is None or handover.status == "draft":
            raise DomainError(_l("No sent handover has that number."))
        if handover.citizen.municipality_id != municipality_id:
            raise DomainError(_l("The handover concerns a citizen of another municipality."))
    _check_assessment(
        cause=cause, minutes_spent=minutes_spent, settlement="none", settlement_amount=None
    )
    case = DeviationCase(
        status="open",
        municipality_id=municipality_id,
        handover_id=handover_id,
        product_type_id=product_type_id,
        delivered_by=delivered_by,
        should_have_been=should_have_been,
        cause=cause,
        cause_note=cause_note or None,
        minutes_spent=minutes_spent,
        settlement="none",
        opened_automatically=False,
        opened_at=at or utcnow(),
        opened_by_id=user.id if user else None,
    )
    db.session.add(case)
    db.session.flush()
    return case


def _for_update(case: DeviationCase) -> DeviationCase:
    db.session.refresh(case)
    if case.status == "concluded":
        raise Conflict(_l("The case is concluded and can no longer be changed."))
    return case


def _change(case: DeviationCase, *, statuses: tuple[str, ...], message, **values) -> None:
    """UPDATE the case only while it is in one of `statuses` (a double submit or a colleague
    who got there first changes no row: Conflict), then reload it."""
    result = db.session.execute(
        update(DeviationCase)
        .where(DeviationCase.id == case.id, DeviationCase.status.in_(statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(case)
        raise Conflict(message)
    db.session.refresh(case)


def opened_on(case: DeviationCase) -> date:
    """The local (Copenhagen) date the case was opened: the date the statistics count."""
    return utc_to_local(case.opened_at).date()


def utc_to_local(moment: datetime) -> datetime:
    """A naive UTC time as a naive local time."""
    return moment.replace(tzinfo=UTC).astimezone(app_timezone()).replace(tzinfo=None)


def assess_case(
    *,
    case: DeviationCase,
    cause: str | None,
    cause_note: str | None,
    minutes_spent: int,
    settlement: str,
    settlement_amount: Decimal | None,
    user: User | None,
) -> None:
    """Record the cause, the minutes spent on clarification and the settlement."""
    _for_update(case)
    _check_assessment(
        cause=cause,
        minutes_spent=minutes_spent,
        settlement=settlement,
        settlement_amount=settlement_amount,
    )
    if cause is None and case.status == "discussed":
        raise DomainError(_l("A discussed case keeps its cause: choose one."))
    _change(
        case,
        statuses=("open",) if cause is None else ("open", "discussed"),
        message=_l("The case was changed meanwhile. Check it and try again."),
        cause=cause,
        cause_note=cause_note or None,
        minutes_spent=minutes_spent,
        settlement=settlement,
        settlement_amount=settlement_amount if settlement != "none" else None,
    )


def mark_discussed(
    *, case: DeviationCase, meeting_date: date, user: User | None, at: datetime | None = None
) -> None:
    """The case was discussed at the coordinators' meeting of `meeting_date`."""
    _for_update(case)
    if case.status != "open":
        raise Conflict(_l("Only an open case can be marked as discussed."))
    if case.cause is None:
        raise DomainError(_l("Give the cause before the case is discussed."))
    if meeting_date < opened_on(case):
        raise DomainError(_l("The meeting cannot be before the case was opened."))
    _change(
        case,
        statuses=("open",),
        message=_l("Only an open case can be marked as discussed."),
        status="discussed",
        meeting_date=meeting_date,
        discussed_at=at or utcnow(),
    )


def conclude_case(
    *, case: DeviationCase, conclusion: str, user: User | None, at: datetime | None = None
) -> None:
    """Conclude a discussed case with the meeting's conclusion."""
    _for_update(case)
    if case.status != "discussed":
        raise Conflict(_l("Only a discussed case can be concluded."))
    if not conclusion or not conclusion.strip():
        raise DomainError(_l("Write the conclusion."))
    _change(
        case,
        statuses=("discussed",),
        message=_l("Only a discussed case can be concluded."),
        status="concluded",
        conclusion=conclusion.strip(),
        concluded_at=at or utcnow(),
        concluded_by_id=user.id if user else None,
    )
