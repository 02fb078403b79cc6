"""Settlement between organisations: monthly rent for borrowed items, and ownership transfers.

When an organisation (the lender of a loan) lends a citizen an item that another organisation
owns, the lender owes the owner rent: the loan's days in the month (see settlement_days) × the
daily rate of the item's product type (or the configured DEFAULT_DAILY_RATE). Instead of paying
rent for good, the owner can transfer the item's ownership to the lender for an amount; rent
stops then.

The report is computed in SQL (a handful of queries, grouped by pair and product type) and
carries no personal data: asset tags and products only, never citizens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Select, and_, cast, func, literal, or_, select
from sqlalchemy import update as sql_update

from depot.auth.models import User
from depot.catalogue.models import Product, ProductType
from depot.catalogue.validation import PRICE_MAX
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items.models import Item, ItemEvent
from depot.loans.models import Loan, OwnershipTransfer
from depot.loans.services import LoanNotFound
from depot.loans.settlement_days import (
    Month,
    day_columns,
    epoch_seconds,
    least,
    loan_days,
    utc_seconds,
)
from depot.organisations.models import Organisation, utcnow
from depot.organisations.services import is_cluster_admin

VIEW_ROLES = ("procurement", "coordinator", "admin")
TRANSFER_ROLES = ("procurement", "admin")
EVENT_KIND = "ownership_transferred"


# --- the report -----------------------------------------------------------------------------


def default_rate() -> Decimal:
    """The daily rate for product types without one (config DEFAULT_DAILY_RATE, DKK)."""
    try:
        rate = Decimal(str(current_app.config["DEFAULT_DAILY_RATE"]).replace(",", "."))
    except (InvalidOperation, KeyError):
        raise DomainError(_l("The default daily rate is not set up correctly.")) from None
    if not rate.is_finite() or rate < 0:
        raise DomainError(_l("The default daily rate is not set up correctly."))
    return rate.quantize(Decimal("0.01"))


def sees_all_pairs(user: User) -> bool:
    """Coordinators, the region's procurement officers and cluster admins see every pair."""
    return (
        user.role == "coordinator"
        or is_cluster_admin(user)
        or (user.role == "procurement" and user.organisation.kind == "region")
    )


def visible_organisation(user: User) -> int | None:
    """The organisation whose pairs the user sees; None: all pairs."""
    return None if sees_all_pairs(user) else user.organisation_id


def can_view_loan(user: User, loan: Loan) -> bool:
    return user.has_role(*VIEW_ROLES) and (
        sees_all_pairs(user) or user.organisation_id in (loan.lender_id, loan.owner_id)
    )


def can_transfer_for(user: User, owner_id: int) -> bool:
    """The owner's procurement officers and admins, and cluster admins, transfer ownership."""
    return user.has_role(*TRANSFER_ROLES) and (
        user.organisation_id == owner_id or is_cluster_admin(user)
    )


def can_transfer(user: User, loan: Loan) -> bool:
    return can_transfer_for(user, loan.owner_id)


@dataclass
class Pair:
    """What the lender owes the owner for one month."""

    lender_id: int
    owner_id: int
    lender: str = ""
    owner: str = ""
    loans: int = 0
    days: int = 0
    rent: Decimal = Decimal("0.00")
    transfers: int = 0
    transfer_amount: Decimal = Decimal("0.00")

    @property
    def key(self) -> tuple[int, int]:
        return self.lender_id, self.owner_id

    @property
    def total(self) -> Decimal:
        return self.rent + self.transfer_amount


@dataclass
class Report:
    month: Month
    pairs: list[Pair] = field(default_factory=list)
    default_rate: Decimal = Decimal("0.00")

    def pair(self, lender_id: int, owner_id: int) -> Pair | None:
        return next((p for p in self.pairs if p.key == (lender_id, owner_id)), None)

    @property
    def totals(self) -> Pair:
        total = Pair(lender_id=0, owner_id=0)
        for p in self.pairs:
            total.loans += p.loans
            total.days += p.days
            total.rent += p.rent
            total.transfers += p.transfers
            total.transfer_amount += p.transfer_amount
        return total


@dataclass(frozen=True)
class Line:
    """One loan's rent in the month; no citizen data."""

    loan_id: int
    lender_id: int
    owner_id: int
    item_id: int
    asset_tag: str
    product: str
    iso_code: str
    days: int
    rate: Decimal
    # Whether the owner can still transfer the item to the lender on this loan.
    transferable: bool

    @property
    def amount(self) -> Decimal:
        return self.days * self.rate


@dataclass(frozen=True)
class TransferLine:
    """An ownership transfer in the month."""

    id: int
    lender_id: int
    owner_id: int
    item_id: int
    asset_tag: str
    product: str
    iso_code: str
    at: datetime
    amount: Decimal


def _ore(amount: Decimal) -> int:
    return int(amount * 100)


def _kroner(ore) -> Decimal:
    return (Decimal(int(ore or 0)) / 100).quantize(Decimal("0.01"))


def _in_pairs(lender_col, owner_col, organisation_id, lender_id, owner_id) -> list:
    conditions = []
    if organisation_id is not None:
        conditions.append(or_(lender_col == organisation_id, owner_col == organisation_id))
    if lender_id is not None:
        conditions.append(lender_col == lender_id)
    if owner_id is not None:
        conditions.append(owner_col == owner_id)
    return conditions


def _lines_subquery(
    month: Month,
    *,
    now: datetime,
    organisation_id: int | None,
    lender_id: int | None = None,
    owner_id: int | None = None,
):
    """Cross-organisation loans touching the month, with their days in it (maybe 0)."""
    start_dt, end_dt = month.window()
    # The first transfer of the item to the lender on this loan ends the rent.
    transfers = (
        select(
            OwnershipTransfer.loan_id,
            OwnershipTransfer.to_organisation_id,
            func.min(OwnershipTransfer.at).label("at"),
        )
        .where(OwnershipTransfer.loan_id.is_not(None))
        .group_by(OwnershipTransfer.loan_id, OwnershipTransfer.to_organisation_id)
        .subquery("first_transfer")
    )
    start = epoch_seconds(Loan.started_at)
    run_end = func.coalesce(epoch_seconds(Loan.returned_at), literal(utc_seconds(now), BigInteger))
    end = least(func.coalesce(epoch_seconds(transfers.c.at), run_end), run_end)
    base = (
        select(
            Loan.id.label("loan_id"),
            Loan.lender_id,
            Loan.owner_id,
            Loan.item_id,
            start.label("s"),
            end.label("e"),
            transfers.c.at.label("transferred_at"),
        )
        .outerjoin(
            transfers,
            and_(transfers.c.loan_id == Loan.id, transfers.c.to_organisation_id == Loan.lender_id),
        )
        .where(
            Loan.lender_id != Loan.owner_id,
            Loan.started_at < end_dt,
            or_(Loan.returned_at.is_(None), Loan.returned_at >= start_dt),
            *_in_pairs(Loan.lender_id, Loan.owner_id, organisation_id, lender_id, owner_id),
        )
        .subquery("base")
    )
    clamped, days = day_columns(base, utc_seconds(start_dt), utc_seconds(end_dt))
    return select(
        clamped.c.loan_id,
        clamped.c.lender_id,
        clamped.c.owner_id,
        clamped.c.item_id,
        clamped.c.transferred_at,
        days.label("days"),
    ).subquery("lines")


def _rate_ore(default_ore: int):
    """The product type's daily rate in øre, or the default."""
    return func.coalesce(cast(ProductType.daily_rate, BigInteger), literal(default_ore, BigInteger))


def settlement_report(
    *, month: Month, organisation_id: int | None, now: datetime | None = None
) -> Report:
    """Per (lender → owner) pair: loans, days, rent and ownership transfers in the month.

    `organisation_id` limits the report to pairs involving that organisation (None: all).
    """
    now = now or utcnow()
    rate = default_rate()
    default_ore = _ore(rate)
    lines = _lines_subquery(month, now=now, organisation_id=organisation_id)
    rate_ore = _rate_ore(default_ore)
    rent_rows = db.session.execute(
        select(
            lines.c.lender_id,
            lines.c.owner_id,
            rate_ore.label("rate"),
            func.count().label("loans"),
            func.sum(lines.c.days).label("days"),
        )
        .join(Item, Item.id == lines.c.item_id)
        .join(Product, Product.id == Item.product_id)
        .join(ProductType, ProductType.id == Product.product_type_id)
        .where(lines.c.days > 0)
        .group_by(lines.c.lender_id, lines.c.owner_id, ProductType.id, ProductType.daily_rate)
    ).all()
    pairs: dict[tuple[int, int], Pair] = {}
    for lender_id, owner_id, rate_value, loans, days in rent_rows:
        pair = pairs.setdefault((lender_id, owner_id), Pair(lender_id, owner_id))
        pair.loans += loans
        pair.days += int(days)
        pair.rent += _kroner(int(days) * int(rate_value))
    start_dt, end_dt = month.window()
    transfer_rows = db.session.execute(
        select(
            OwnershipTransfer.to_organisation_id,
            OwnershipTransfer.from_organisation_id,
            func.count(),
            func.sum(cast(OwnershipTransfer.amount, BigInteger)),
        )
        .where(
            OwnershipTransfer.at >= start_dt,
            OwnershipTransfer.at < end_dt,
            *_in_pairs(
                OwnershipTransfer.to_organisation_id,
                OwnershipTransfer.from_organisation_id,
                organisation_id,
                None,
                None,
            ),
        )
        .group_by(OwnershipTransfer.to_organisation_id, OwnershipTransfer.from_organisation_id)
    ).all()
    for lender_id, owner_id, count, amount in transfer_rows:
        pair = pairs.setdefault((lender_id, owner_id), Pair(lender_id, owner_id))
        pair.transfers += count
        pair.transfer_amount += _kroner(amount)
    names = _organisation_names({i for key in pairs for i in key})
    for pair in pairs.values():
        pair.lender, pair.owner = names.get(pair.lender_id, "?"), names.get(pair.owner_id, "?")
    ordered = sorted(pairs.values(), key=lambda p: (p.lender.lower(), p.owner.lower()))
    return Report(month=month, pairs=ordered, default_rate=rate)


def _organisation_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )


def _lines_query(month: Month, *, now: datetime, organisation_id, lender_id, owner_id) -> Select:
    lines = _lines_subquery(
        month, now=now, organisation_id=organisation_id, lender_id=lender_id, owner_id=owner_id
    )
    return (
        select(
            lines.c.loan_id,
            lines.c.lender_id,
            lines.c.owner_id,
            lines.c.item_id,
            Item.asset_tag,
            Product.name,
            ProductType.iso_code,
            lines.c.days,
            _rate_ore(_ore(default_rate())).label("rate"),
            and_(
                lines.c.transferred_at.is_(None),
                Item.owner_id == lines.c.owner_id,
                Item.status != "scrapped",
            ).label("transferable"),
        )
        .join(Item, Item.id == lines.c.item_id)
        .join(Product, Product.id == Item.product_id)
        .join(ProductType, ProductType.id == Product.product_type_id)
        .where(lines.c.days > 0)
        .order_by(lines.c.lender_id, lines.c.owner_id, Item.asset_tag, lines.c.loan_id)
    )


def settlement_lines(
    *,
    month: Month,
    organisation_id: int | None,
    lender_id: int | None = None,
    owner_id: int | None = None,
    now: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Line]:
    """The loans behind the rent of the month (of one pair, if given), by asset tag."""
    stmt = _lines_query(
        month,
        now=now or utcnow(),
        organisation_id=organisation_id,
        lender_id=lender_id,
        owner_id=owner_id,
    )
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return [
        Line(
            loan_id=row[0],
            lender_id=row[1],
            owner_id=row[2],
            item_id=row[3],
            asset_tag=row[4],
            product=row[5],
            iso_code=row[6],
            days=int(row[7]),
            rate=_kroner(row[8]),
            transferable=bool(row[9]),
        )
        for row in db.session.execute(stmt)
    ]


def transfer_lines(
    *,
    month: Month,
    organisation_id: int | None,
    lender_id: int | None = None,
    owner_id: int | None = None,
) -> list[TransferLine]:
    """The ownership transfers of the month (of one pair, if given), oldest first."""
    start_dt, end_dt = month.window()
    rows = db.session.execute(
        select(
            OwnershipTransfer.id,
            OwnershipTransfer.to_organisation_id,
            OwnershipTransfer.from_organisation_id,
            Item.id,
            Item.asset_tag,
            Product.name,
            ProductType.iso_code,
            OwnershipTransfer.at,
            OwnershipTransfer.amount,
        )
        .join(Item, Item.id == OwnershipTransfer.item_id)
        .join(Product, Product.id == Item.product_id)
        .join(ProductType, ProductType.id == Product.product_type_id)
        .where(
            OwnershipTransfer.at >= start_dt,
            OwnershipTransfer.at < end_dt,
            *_in_pairs(
                OwnershipTransfer.to_organisation_id,
                OwnershipTransfer.from_organisation_id,
                organisation_id,
                lender_id,
                owner_id,
            ),
        )
        .order_by(OwnershipTransfer.at, OwnershipTransfer.id)
    ).all()
    return [TransferLine(*row) for row in rows]


def rent_so_far(loan: Loan, *, now: datetime | None = None) -> tuple[int, Decimal]:
    """Days and rent of a whole loan until now (or its return / transfer), for one loan."""
    now = now or utcnow()
    ended = loan.returned_at or now
    transferred = db.session.scalar(
        select(func.min(OwnershipTransfer.at)).where(
            OwnershipTransfer.loan_id == loan.id,
            OwnershipTransfer.to_organisation_id == loan.lender_id,
        )
    )
    if transferred is not None:
        ended = min(ended, transferred)
    days = loan_days(
        started_at=loan.started_at,
        ended_at=ended,
        window_start=loan.started_at,
        window_end=max(ended, loan.started_at) + timedelta(days=1),
    )
    rate = loan.item.product.product_type.daily_rate
    return days, days * (rate if rate is not None else default_rate())


# --- ownership transfer ---------------------------------------------------------------------


def _clean_amount(amount) -> Decimal:
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(_l("Enter an amount in DKK.")) from None
    if not value.is_finite() or value < 0 or value > PRICE_MAX:
        raise DomainError(_l("Enter an amount from 0 to %(max)s.", max=PRICE_MAX))
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(_l("Use at most two decimals."))
    return value.quantize(Decimal("0.01"))


def transfer_refusal(loan: Loan) -> object | None:
    """Why the loan's item cannot be transferred to the lender now (a message), or None."""
    if loan.lender_id == loan.owner_id:
        return _l("The loan is not between two organisations.")
    item = loan.item
    if item.status == "scrapped":
        return _l("%(tag)s is scrapped and cannot change owner.", tag=item.asset_tag)
    if item.owner_id != loan.owner_id:
        return _l(
            "%(tag)s is no longer owned by %(owner)s: its ownership was transferred already.",
            tag=item.asset_tag,
            owner=loan.owner.name,
        )
    other = db.session.scalar(
        select(Loan.id).where(
            Loan.item_id == loan.item_id, Loan.returned_at.is_(None), Loan.id != loan.id
        )
    )
    if other is not None:
        return _l("%(tag)s is on another loan now.", tag=item.asset_tag)
    return None


def transfer_ownership(
    *,
    loan_id: int,
    amount: Decimal,
    user: User | None,
    note: str | None = None,
    at: datetime | None = None,
) -> OwnershipTransfer:
    """Transfer the item of a cross-organisation loan to the lender, for an amount."""
    at = at or utcnow()
    loan = db.session.get(Loan, loan_id, populate_existing=True)
    if loan is None:
        raise LoanNotFound(_l("No such loan."))
    if loan.lender_id == loan.owner_id:
        raise DomainError(transfer_refusal(loan))
    amount = _clean_amount(amount)
    note = (note or "").replace("\x00", "").strip() or None
    db.session.refresh(loan.item)
    refusal = transfer_refusal(loan)
    if refusal is not None:
        raise Conflict(refusal)
    # Whoever changes the owner first wins; a second attempt finds another owner: 409.
    result = db.session.execute(
        sql_update(Item)
        .where(
            Item.id == loan.item_id,
            Item.owner_id == loan.owner_id,
            Item.status != "scrapped",
        )
        .values(owner_id=loan.lender_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(loan.item)
        raise Conflict(
            transfer_refusal(loan) or _l("The item changed meanwhile. Reload and try again.")
        )
    item = db.session.get(Item, loan.item_id, populate_existing=True)
    transfer = OwnershipTransfer(
        item_id=item.id,
        from_organisation_id=loan.owner_id,
        to_organisation_id=loan.lender_id,
        loan_id=loan.id,
        amount=amount,
        at=at,
        by_id=user.id if user else None,
        note=note,
    )
    db.session.add(transfer)
    owners = f"{loan.owner.name} → {loan.lender.name}"
    db.session.add(
        ItemEvent(
            item_id=item.id,
            at=at,
            user_id=user.id if user else None,
            kind=EVENT_KIND,
            from_status=item.status,
            to_status=item.status,
            depot_id=item.depot_id,
            loan_id=loan.id,
            note=f"{owners}: {note}" if note else owners,
        )
    )
    db.session.flush()
    return transfer
