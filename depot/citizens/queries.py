"""Read-only queries of the citizen pages: search, loans, requests, the access log."""

from __future__ import annotations

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from depot.auth.models import User
from depot.citizens.models import AccessLogEntry, Citizen
from depot.extensions import db
from depot.items.models import Item
from depot.loans.models import Loan
from depot.organisations.models import Organisation
from depot.requests.models import BasicPackage, DeviceRequest, RequestLine

NAME_RESULTS_MAX = 50
HISTORY_MAX = 50
REQUESTS_MAX = 100


def visible_condition(user: User):
    """SQL: the citizens `can_view_citizen` lets the user see (for lists and searches)."""
    return or_(
        Citizen.municipality_id == user.organisation_id,
        exists().where(
            DeviceRequest.citizen_id == Citizen.id,
            DeviceRequest.organisation_id == user.organisation_id,
        ),
    )


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_by_name(*, user: User, text: str, limit: int = NAME_RESULTS_MAX + 1) -> list[Citizen]:
    """Visible citizens whose name contains `text`, case-insensitively, sorted by name."""
    stmt = (
        select(Citizen)
        .where(
            visible_condition(user),
            # lower() on both sides: SQLite's lower() is replaced by a Unicode-aware one.
            func.lower(Citizen.name).like(func.lower(_like_pattern(text)), escape="\\"),
        )
        .options(selectinload(Citizen.municipality))
        .order_by(Citizen.name, Citizen.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def municipality_choices() -> list[Organisation]:
    """The active municipalities, by name: where a region user registers a citizen."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == "municipality", Organisation.active)
            .order_by(Organisation.name)
        )
    )


def _loans(citizen_id: int):
    return (
        select(Loan)
        .where(Loan.citizen_id == citizen_id)
        .options(selectinload(Loan.item).selectinload(Item.product), selectinload(Loan.lender))
    )


def open_loans(*, citizen_id: int) -> list[Loan]:
    """The citizen's open loans, oldest first."""
    stmt = _loans(citizen_id).where(Loan.returned_at.is_(None)).order_by(Loan.started_at, Loan.id)
    return list(db.session.scalars(stmt))


def loan_history(*, citizen_id: int, limit: int = HISTORY_MAX) -> list[Loan]:
    """The citizen's ended loans, latest return first."""
    stmt = (
        _loans(citizen_id)
        .where(Loan.returned_at.is_not(None))
        .order_by(Loan.returned_at.desc(), Loan.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def requests_of_citizen(*, user: User, citizen: Citizen) -> list[DeviceRequest]:
    """The citizen's requests the user may see: all of them in the citizen's municipality,
    elsewhere only those the user's own organisation made."""
    stmt = select(DeviceRequest).where(DeviceRequest.citizen_id == citizen.id)
    if user.organisation_id != citizen.municipality_id:
        stmt = stmt.where(DeviceRequest.organisation_id == user.organisation_id)
    stmt = (
        stmt.options(
            selectinload(DeviceRequest.organisation),
            selectinload(DeviceRequest.package),
            selectinload(DeviceRequest.depot),
            selectinload(DeviceRequest.lines).selectinload(RequestLine.product_type),
        )
        .order_by(DeviceRequest.created_at.desc(), DeviceRequest.id.desc())
        .limit(REQUESTS_MAX)
    )
    return list(db.session.scalars(stmt))


def active_packages() -> list[BasicPackage]:
    return list(
        db.session.scalars(
            select(BasicPackage).where(BasicPackage.active).order_by(BasicPackage.name)
        )
    )


def access_log_of_citizen(*, citizen_id: int) -> list[AccessLogEntry]:
    """Every access-log row about the citizen, oldest first, with its user."""
    return list(
        db.session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.citizen_id == citizen_id)
            .order_by(AccessLogEntry.at, AccessLogEntry.id)
        )
    )


def users_by_id(ids) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
