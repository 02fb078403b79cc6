"""Item services: receive, move through the state machine, transfer, inspect.

Every state change is one conditional UPDATE (`… WHERE status IN (allowed)`) checked by its
row count, so two people acting on the same item at once cannot both succeed; the loser gets
a Conflict (409). Each change appends an ItemEvent. Services flush, never commit.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from depot.auth.models import User
from depot.catalogue.models import Product
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items.models import Inspection, InspectionPlan, Item, ItemCount, ItemEvent, Transfer
from depot.loans.models import Loan
from depot.organisations.models import Depot, utcnow

ASSET_TAG_PREFIX = "HM"


class ItemNotFound(DomainError):
    status_code = 404


@dataclass(frozen=True)
class Step:
    """A named step of the state machine: the states it starts from and where it leads."""

    name: str
    from_states: frozenset[str]
    to_state: str
    label: object


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("reserve", frozenset({"available"}), "reserved", _l("Reserve")),
        Step("cancel_reservation", frozenset({"reserved"}), "available", _l("Cancel reservation")),
        Step("lend", frozenset({"reserved"}), "on_loan", _l("Lend out")),
        Step("take_back", frozenset({"on_loan"}), "returned", _l("Take back")),
        Step("start_cleaning", frozenset({"returned"}), "cleaning", _l("Start cleaning")),
        Step("finish_cleaning", frozenset({"cleaning"}), "inspection", _l("Cleaning done")),
        Step(
            "pass_inspection",
            frozenset({"inspection", "available"}),
            "available",
            _l("Inspection passed"),
        ),
        Step(
            "fail_inspection",
            frozenset({"inspection", "available"}),
            "repair",
            _l("Inspection failed"),
        ),
        Step(
            "send_to_repair",
            frozenset({"available", "returned", "cleaning", "inspection"}),
            "repair",
            _l("Send to repair"),
        ),
        Step("repaired", frozenset({"repair"}), "inspection", _l("Repaired")),
        Step(
            "scrap",
            frozenset({"available", "returned", "cleaning", "inspection", "repair"}),
            "scrapped",
            _l("Scrap"),
        ),
        Step("send_transfer", frozenset({"available"}), "in_transit", _l("Send to another depot")),
        Step("receive_transfer", frozenset({"in_transit"}), "available", _l("Receive transfer")),
    )
}

STATE_LABELS = {
    "available": _l("Available"),
    "reserved": _l("Reserved"),
    "on_loan": _l("On loan"),
    "returned": _l("Returned"),
    "cleaning": _l("Cleaning"),
    "inspection": _l("Awaiting inspection"),
    "repair": _l("In repair"),
    "in_transit": _l("In transit"),
    "scrapped": _l("Scrapped"),
}

# Steps a user picks from the item page; the others happen through their own forms.
MANUAL_STEPS = (
    "reserve",
    "cancel_reservation",
    "take_back",
    "start_cleaning",
    "finish_cleaning",
    "send_to_repair",
    "repaired",
    "scrap",
)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def today_utc() -> date:
    return utcnow().date()


def available_steps(item: Item) -> list[Step]:
    """The manual steps the item's current state allows."""
    return [STEPS[name] for name in MANUAL_STEPS if item.status in STEPS[name].from_states]


def find_item_by_code(*, code: str) -> Item | None:
    """The item whose asset tag or serial number is the scanned or typed code."""
    code = code.strip()
    if not code or len(code) > 60:
        return None
    item = db.session.scalar(select(Item).where(Item.asset_tag == code.upper()))
    if item is None:
        item = db.session.scalar(select(Item).where(Item.serial == code))
    return item


def _plan_for(product_id: int) -> InspectionPlan | None:
    return db.session.scalar(
        select(InspectionPlan)
        .join(Product, Product.product_type_id == InspectionPlan.product_type_id)
        .where(Product.id == product_id)
    )


def receive_items(
    *,
    product_id: int,
    depot_id: int,
    owner_id: int,
    serials: Sequence[str | None],
    user: User | None,
    note: str | None = None,
    at: datetime | None = None,
) -> list[Item]:
    """Receive reusable items (one per serial; None for no serial) into a depot."""
    product = db.session.get(Product, product_id)
    if product is None or not product.active:
        raise DomainError(_l("Unknown or inactive product."))
    if not product.reusable:
        raise DomainError(_l("%(name)s is a consumable: receive it as stock.", name=product.name))
    if db.session.get(Depot, depot_id) is None:
        raise DomainError(_l("Unknown depot."))
    cleaned = [s.strip() if s and s.strip() else None for s in serials]
    given = [s for s in cleaned if s]
    if len(set(given)) != len(given):
        raise DomainError(_l("The same serial number appears twice."))
    if given:
        taken = db.session.scalars(select(Item.serial).where(Item.serial.in_(given))).all()
        if taken:
            raise Conflict(
                _l(
                    "Serial numbers already registered: %(serials)s",
                    serials=", ".join(sorted(taken)),
                )
            )
    if not cleaned:
        raise DomainError(_l("Receive at least one item."))
    at = at or utcnow()
    plan = _plan_for(product_id)
    due = add_months(at.date(), plan.interval_months) if plan and plan.interval_months else None
    items = []
    for serial in cleaned:
        # A unique placeholder until the id (and with it the tag) is known.
        item = Item(
            asset_tag=uuid4().hex[:20],
            serial=serial,
            product_id=product_id,
            owner_id=owner_id,
            depot_id=depot_id,
            status="available",
            status_changed_at=at,
            received_at=at,
            next_inspection_due=due,
            note=note,
        )
        db.session.add(item)
        items.append(item)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("A serial number is already registered.")) from exc
    for item in items:
        item.asset_tag = f"{ASSET_TAG_PREFIX}{item.id:07d}"
        db.session.add(
            ItemEvent(
                item_id=item.id,
                at=at,
                user_id=user.id if user else None,
                kind="received",
                from_status=None,
                to_status="available",
                depot_id=depot_id,
                note=note,
            )
        )
    db.session.flush()
    return items


def _refuse(item_id: int, step: Step, today: date) -> None:
    item = db.session.get(Item, item_id, populate_existing=True)
    if item is None:
        raise ItemNotFound(_l("No such item."))
    if step.name in ("reserve", "lend") and item.inspection_overdue(today):
        raise Conflict(
            _l(
                "%(tag)s is overdue for inspection and cannot be reserved or lent.",
                tag=item.asset_tag,
            )
        )
    raise Conflict(
        _l(
            "%(tag)s is %(state)s: “%(step)s” is not possible now.",
            tag=item.asset_tag,
            state=STATE_LABELS[item.status],
            step=step.label,
        )
    )


def apply_step(
    *,
    item_id: int,
    step_name: str,
    user: User | None,
    note: str | None = None,
    depot_id: int | None = None,
    loan_id: int | None = None,
    at: datetime | None = None,
    to_state: str | None = None,
) -> Item:
    """Move an item one step, atomically; refuse with a Conflict if its state does not allow."""
    step = STEPS[step_name]
    at = at or utcnow()
    current = db.session.scalar(select(Item.status).where(Item.id == item_id))
    if current is None:
        raise ItemNotFound(_l("No such item."))
    if current not in step.from_states:
        _refuse(item_id, step, at.date())
    # The state we saw must still be the state we change: whoever changes it first wins.
    conditions = [Item.id == item_id, Item.status == current]
    if step.name in ("reserve", "lend"):
        conditions.append(
            or_(Item.next_inspection_due.is_(None), Item.next_inspection_due >= at.date())
        )
    values = {"status": to_state or step.to_state, "status_changed_at": at}
    if depot_id is not None:
        values["depot_id"] = depot_id
    result = db.session.execute(
        update(Item)
        .where(*conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        _refuse(item_id, step, at.date())
    item = db.session.get(Item, item_id, populate_existing=True)
    db.session.add(
        ItemEvent(
            item_id=item_id,
            at=at,
            user_id=user.id if user else None,
            kind=step.name,
            from_status=current,
            to_status=item.status,
            depot_id=item.depot_id,
            loan_id=loan_id,
            note=note,
        )
    )
    db.session.flush()
    return item


def reserve_item(*, item_id: int, user: User | None, note: str | None = None) -> Item:
    """Reserve an available item that is not overdue for inspection."""
    return apply_step(item_id=item_id, step_name="reserve", user=user, note=note)


def finish_cleaning(*, item_id: int, user: User | None, note: str | None = None) -> Item:
    """Cleaning done: to inspection when the type is inspected after every loan, else available."""
    item = db.session.get(Item, item_id)
    if item is None:
        raise ItemNotFound(_l("No such item."))
    plan = _plan_for(item.product_id)
    target = "inspection" if plan is None or plan.after_every_loan else "available"
    return apply_step(
        item_id=item_id, step_name="finish_cleaning", user=user, note=note, to_state=target
    )


def lend_item(
    *,
    item_id: int,
    citizen_id: int,
    lender_id: int,
    user: User | None,
    legal_basis: str | None = None,
    expected_end: date | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Loan:
    """Lend a reserved item to a citizen: a loan is opened and the item goes on loan."""
    at = at or utcnow()
    owner_id = db.session.scalar(select(Item.owner_id).where(Item.id == item_id))
    if owner_id is None:
        raise ItemNotFound(_l("No such item."))
    loan = Loan(
        item_id=item_id,
        citizen_id=citizen_id,
        lender_id=lender_id,
        owner_id=owner_id,
        legal_basis=legal_basis,
        started_at=at,
        expected_end=expected_end,
        note=note,
    )
    db.session.add(loan)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the partial unique index on open loans
        raise Conflict(_l("The item is already on loan.")) from exc
    # Refused steps raise; the request's rollback then removes the loan row as well.
    apply_step(item_id=item_id, step_name="lend", user=user, note=note, at=at, loan_id=loan.id)
    return loan


def take_back_item(
    *,
    item_id: int,
    user: User | None,
    depot_id: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Item:
    """An item comes back from a citizen: its open loan is closed."""
    at = at or utcnow()
    loan = db.session.scalar(
        select(Loan).where(Loan.item_id == item_id, Loan.returned_at.is_(None))
    )
    item = apply_step(
        item_id=item_id,
        step_name="take_back",
        user=user,
        note=note,
        depot_id=depot_id,
        loan_id=loan.id if loan else None,
        at=at,
    )
    if loan is not None:
        loan.returned_at = max(at, loan.started_at)
        db.session.flush()
    return item


def send_transfer(
    *, item_id: int, to_depot_id: int, user: User | None, note: str | None = None
) -> Transfer:
    """Send an available item to another depot; it is in transit until received."""
    item = db.session.get(Item, item_id)
    if item is None:
        raise ItemNotFound(_l("No such item."))
    if db.session.get(Depot, to_depot_id) is None:
        raise DomainError(_l("Unknown depot."))
    if item.depot_id == to_depot_id:
        raise DomainError(_l("The item is already in that depot."))
    from_depot_id = item.depot_id
    apply_step(item_id=item_id, step_name="send_transfer", user=user, note=note)
    transfer = Transfer(
        item_id=item_id,
        from_depot_id=from_depot_id,
        to_depot_id=to_depot_id,
        sent_by_id=user.id if user else None,
    )
    db.session.add(transfer)
    db.session.flush()
    return transfer


def receive_transfer(*, item_id: int, user: User | None, note: str | None = None) -> Item:
    """Receive an item in transit at its destination depot."""
    transfer = db.session.scalar(
        select(Transfer).where(Transfer.item_id == item_id, Transfer.received_at.is_(None))
    )
    if transfer is None:
        raise Conflict(_l("The item is not in transit."))
    item = apply_step(
        item_id=item_id,
        step_name="receive_transfer",
        user=user,
        note=note,
        depot_id=transfer.to_depot_id,
    )
    transfer.received_at = utcnow()
    transfer.received_by_id = user.id if user else None
    db.session.flush()
    return item


def record_inspection(
    *,
    item_id: int,
    passed: bool,
    user: User | None,
    note: str | None = None,
    at: datetime | None = None,
) -> Inspection:
    """Record an inspection: passed → available with a new due date; failed → repair."""
    at = at or utcnow()
    item = db.session.get(Item, item_id)
    if item is None:
        raise ItemNotFound(_l("No such item."))
    apply_step(
        item_id=item_id,
        step_name="pass_inspection" if passed else "fail_inspection",
        user=user,
        note=note,
        at=at,
    )
    if passed:
        plan = _plan_for(item.product_id)
        item.next_inspection_due = (
            add_months(at.date(), plan.interval_months) if plan and plan.interval_months else None
        )
    inspection = Inspection(
        item_id=item_id, at=at, user_id=user.id if user else None, passed=passed, note=note
    )
    db.session.add(inspection)
    db.session.flush()
    return inspection


def save_inspection_plan(
    *,
    product_type_id: int,
    interval_months: int | None,
    after_every_loan: bool,
    instructions: str | None = None,
) -> InspectionPlan:
    """Create or change the inspection plan of a product type."""
    if interval_months is None and not after_every_loan:
        raise DomainError(_l("Give an interval, or inspect after every loan, or both."))
    if interval_months is not None and not 1 <= interval_months <= 120:
        raise DomainError(_l("The interval is 1 to 120 months."))
    plan = db.session.scalar(
        select(InspectionPlan).where(InspectionPlan.product_type_id == product_type_id)
    )
    if plan is None:
        plan = InspectionPlan(product_type_id=product_type_id)
        db.session.add(plan)
    plan.interval_months, plan.after_every_loan = interval_months, after_every_loan
    plan.instructions = instructions
    db.session.flush()
    return plan


def inspections_due(*, depot_id: int | None, today: date, within_days: int = 30):
    """Items due for inspection within the horizon (overdue first), and those awaiting one."""
    horizon = date.fromordinal(today.toordinal() + within_days)
    query = (
        select(Item)
        .where(
            Item.status != "scrapped",
            or_(Item.next_inspection_due <= horizon, Item.status == "inspection"),
        )
        .order_by(Item.next_inspection_due.is_(None), Item.next_inspection_due, Item.id)
    )
    if depot_id is not None:
        query = query.where(Item.depot_id == depot_id)
    return query


def count_by_state(*, depot_id: int | None = None) -> dict[str, int]:
    """How many items are in each state (all depots, or one)."""
    query = select(Item.status, func.count()).group_by(Item.status)
    if depot_id is not None:
        query = query.where(Item.depot_id == depot_id)
    return dict(db.session.execute(query).all())


def rebuild_item_counts() -> None:
    """Recount item_count from the items (after bulk loads that bypass the triggers)."""
    db.session.execute(delete(ItemCount))
    db.session.execute(
        insert(ItemCount).from_select(
            ["depot_id", "product_id", "owner_id", "status", "n"],
            select(
                Item.depot_id, Item.product_id, Item.owner_id, Item.status, func.count()
            ).group_by(Item.depot_id, Item.product_id, Item.owner_id, Item.status),
        )
    )
    db.session.flush()
