"""Read-only queries behind the handover pages: the inbox, the unread count, search, lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from depot.auth.models import User
from depot.catalogue.models import ProductType
from depot.citizens.models import Citizen
from depot.deviations.models import DeviationCase
from depot.extensions import db
from depot.handovers.models import Handover
from depot.items.models import Item
from depot.loans.models import Loan

BOXES = ("inbox", "sent", "drafts")
SEARCH_RESULTS_MAX = 100
CITIZEN_HANDOVERS_MAX = 50


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def box_query(
    *,
    organisation_id: int,
    box: str,
    name: str | None = None,
    citizen_id: int | None = None,
) -> Select:
    """The handovers of one box of an organisation, newest first.

    inbox: received and sent to it (not drafts); sent: its own sent ones; drafts: its own
    drafts. `name` filters by a part of the citizen's name, `citizen_id` by the citizen.
    """
    if box == "inbox":
        where = and_(Handover.receiver_id == organisation_id, Handover.status != "draft")
        order = (Handover.sent_at.desc(), Handover.id.desc())
    elif box == "sent":
        where = and_(Handover.sender_id == organisation_id, Handover.status != "draft")
        order = (Handover.sent_at.desc(), Handover.id.desc())
    else:
        where = and_(Handover.sender_id == organisation_id, Handover.status == "draft")
        order = (Handover.updated_at.desc(), Handover.id.desc())
    stmt = (
        select(Handover)
        .join(Citizen, Citizen.id == Handover.citizen_id)
        .where(where)
        .options(
            joinedload(Handover.citizen),
            joinedload(Handover.sender),
            joinedload(Handover.receiver),
        )
        .order_by(*order)
    )
    if name:
        # lower() on both sides: SQLite's lower() is replaced by a Unicode-aware one.
        stmt = stmt.where(
            func.lower(Citizen.name).like(func.lower(_like_pattern(name)), escape="\\")
        )
    if citizen_id is not None:
        stmt = stmt.where(Handover.citizen_id == citizen_id)
    return stmt


def unread_count_condition(organisation_id: int):
    return and_(
        Handover.receiver_id == organisation_id,
        Handover.status != "draft",
        Handover.read_at.is_(None),
    )


def unread_handover_count(user: User | None) -> int:
    """Handovers received by the user's organisation that nobody there has opened yet."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(
        select(func.count(Handover.id)).where(unread_count_condition(user.organisation_id))
    )


def box_counts(*, organisation_id: int) -> dict[str, int]:
    """How many handovers each box holds, and how many of the inbox are unread."""
    counts = {}
    for box in BOXES:
        stmt = box_query(organisation_id=organisation_id, box=box)
        counts[box] = db.session.scalar(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        )
    counts["unread"] = db.session.scalar(
        select(func.count(Handover.id)).where(unread_count_condition(organisation_id))
    )
    return counts


def visible_condition(organisation_id: int):
    """SQL: the handovers `may_view_handover` lets a therapist of this organisation see."""
    return or_(
        Handover.sender_id == organisation_id,
        and_(Handover.receiver_id == organisation_id, Handover.status != "draft"),
    )


def handovers_of_citizen(*, organisation_id: int, citizen_id: int) -> Sequence[Handover]:
    """The citizen's handovers the organisation's therapists may see, newest first."""
    return db.session.scalars(
        select(Handover)
        .where(Handover.citizen_id == citizen_id, visible_condition(organisation_id))
        .options(joinedload(Handover.sender), joinedload(Handover.receiver))
        .order_by(Handover.created_at.desc(), Handover.id.desc())
        .limit(CITIZEN_HANDOVERS_MAX)
    ).all()


def open_draft(*, organisation_id: int, citizen_id: int, kind: str) -> Handover | None:
    """The organisation's latest draft of this kind for the citizen, if any."""
    return db.session.scalar(
        select(Handover)
        .where(
            Handover.citizen_id == citizen_id,
            Handover.sender_id == organisation_id,
            Handover.kind == kind,
            Handover.status == "draft",
        )
        .order_by(Handover.id.desc())
        .limit(1)
    )


def cases_of_handover(*, handover_id: int) -> Sequence[DeviationCase]:
    return db.session.scalars(
        select(DeviationCase)
        .where(DeviationCase.handover_id == handover_id)
        .options(joinedload(DeviationCase.product_type))
        .order_by(DeviationCase.id)
    ).all()


def items_on_loan(*, citizen_id: int) -> Sequence[Item]:
    """The items the citizen has on loan: a new handover lists them as devices in use."""
    return db.session.scalars(
        select(Item)
        .join(Loan, Item.id == Loan.item_id)
        .where(Loan.citizen_id == citizen_id, Loan.returned_at.is_(None))
        .options(joinedload(Item.product))
        .order_by(Loan.started_at)
    ).all()


def device_types(*, include_ids=()) -> Sequence[ProductType]:
    """The product types a handover's device rows may name: reusable ones, plus any a row
    already names (a consumable from an older draft stays choosable)."""
    ids = {i for i in include_ids if i is not None}
    condition = ProductType.reusable
    if ids:
        condition = or_(condition, ProductType.id.in_(ids))
    return db.session.scalars(
        select(ProductType)
        .where(condition)
        .order_by(ProductType.iso_code, ProductType.iso_edition.desc())
    ).all()
