"""Consumable stock: receive, issue, adjust. Balance = sum of the ledger, never negative.

A decrease is `UPDATE … SET quantity = quantity - :n WHERE quantity >= :n`, checked by its
row count, with the ledger row written in the same transaction. Services flush, never commit.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from depot.auth.models import User
from depot.catalogue.models import Product
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.organisations.models import Depot, utcnow
from depot.stock.models import StockLevel, StockMovement

MAX_QUANTITY = 1_000_000
MAX_BALANCE = 2_000_000_000  # below the integer column's limit


def stock_level(*, depot_id: int, product_id: int) -> StockLevel:
    """The stock line of a consumable in a depot, created at zero if missing (race-safe)."""
    level = db.session.scalar(
        select(StockLevel).where(
            StockLevel.depot_id == depot_id, StockLevel.product_id == product_id
        )
    )
    if level is not None:
        return level
    product = db.session.get(Product, product_id)
    if product is None:
        raise DomainError(_l("Unknown product."))
    if product.reusable:
        raise DomainError(
            _l("%(name)s is a reusable device: receive it as items.", name=product.name)
        )
    if db.session.get(Depot, depot_id) is None:
        raise DomainError(_l("Unknown depot."))
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(StockLevel)
        .values(depot_id=depot_id, product_id=product_id, quantity=0, reorder_point=0)
        .on_conflict_do_nothing(index_elements=["depot_id", "product_id"])
    )
    return db.session.scalar(
        select(StockLevel).where(
            StockLevel.depot_id == depot_id, StockLevel.product_id == product_id
        )
    )


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or quantity <= 0:
        raise DomainError(_l("The quantity must be a whole number above 0."))
    if quantity > MAX_QUANTITY:
        raise DomainError(_l("The quantity is too large."))


def _move(
    *, level: StockLevel, delta: int, kind: str, user: User | None, reason: str | None
) -> StockMovement:
    statement = update(StockLevel).where(StockLevel.id == level.id)
    if delta < 0:
        statement = statement.where(StockLevel.quantity >= -delta)
    else:
        statement = statement.where(StockLevel.quantity <= MAX_BALANCE - delta)
    result = db.session.execute(
        statement.values(quantity=StockLevel.quantity + delta)
        .returning(StockLevel.quantity)
        .execution_options(synchronize_session=False)
    )
    balance = result.scalar_one_or_none()
    if balance is None and delta > 0:
        raise DomainError(_l("The balance would become too large."))
    if balance is None:
        current = db.session.scalar(select(StockLevel.quantity).where(StockLevel.id == level.id))
        raise Conflict(
            _l("Only %(n)d in stock: %(wanted)d cannot be taken.", n=current or 0, wanted=-delta)
        )
    movement = StockMovement(
        stock_level_id=level.id,
        kind=kind,
        quantity=delta,
        balance_after=balance,
        at=utcnow(),
        user_id=user.id if user else None,
        reason=reason,
    )
    db.session.add(movement)
    db.session.flush()
    db.session.refresh(level)
    return movement


def receive_stock(
    *, depot_id: int, product_id: int, quantity: int, user: User | None, reason: str | None = None
) -> StockMovement:
    """Add received units of a consumable to a depot's stock."""
    _check_quantity(quantity)
    level = stock_level(depot_id=depot_id, product_id=product_id)
    return _move(level=level, delta=quantity, kind="receive", user=user, reason=reason)


def issue_stock(
    *, depot_id: int, product_id: int, quantity: int, user: User | None, reason: str | None = None
) -> StockMovement:
    """Take units out of stock; refused (409) if fewer are left."""
    _check_quantity(quantity)
    level = stock_level(depot_id=depot_id, product_id=product_id)
    return _move(level=level, delta=-quantity, kind="issue", user=user, reason=reason)


def transfer_out_stock(
    *, depot_id: int, product_id: int, quantity: int, user: User | None, reason: str | None = None
) -> StockMovement:
    """Take units out of a depot's stock to send them to another depot; 409 if fewer are left."""
    _check_quantity(quantity)
    level = stock_level(depot_id=depot_id, product_id=product_id)
    return _move(level=level, delta=-quantity, kind="transfer_out", user=user, reason=reason)


def transfer_in_stock(
    *, depot_id: int, product_id: int, quantity: int, user: User | None, reason: str | None = None
) -> StockMovement:
    """Add units received from another depot to a depot's stock."""
    _check_quantity(quantity)
    level = stock_level(depot_id=depot_id, product_id=product_id)
    return _move(level=level, delta=quantity, kind="transfer_in", user=user, reason=reason)


def adjust_stock(
    *, depot_id: int, product_id: int, delta: int, reason: str, user: User | None
) -> StockMovement:
    """Correct a balance after a count, up or down, with a reason."""
    if not reason or not reason.strip():
        raise DomainError(_l("An adjustment needs a reason."))
    if not isinstance(delta, int) or delta == 0:
        raise DomainError(_l("The adjustment must be a whole number other than 0."))
    _check_quantity(abs(delta))
    level = stock_level(depot_id=depot_id, product_id=product_id)
    return _move(level=level, delta=delta, kind="adjust", user=user, reason=reason.strip())


def set_reorder_point(*, depot_id: int, product_id: int, reorder_point: int) -> StockLevel:
    """Set the balance at or below which the product shows on the low-stock list."""
    if not isinstance(reorder_point, int) or not 0 <= reorder_point <= MAX_QUANTITY:
        raise DomainError(_l("The reorder point must be a whole number from 0."))
    level = stock_level(depot_id=depot_id, product_id=product_id)
    level.reorder_point = reorder_point
    db.session.flush()
    return level


def ledger_sum(*, stock_level_id: int) -> int:
    """The sum of the ledger of one stock line (equals its balance)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(
            StockMovement.stock_level_id == stock_level_id
        )
    )


def low_stock(*, depot_id: int | None = None):
    """Stock lines at or below their reorder point."""
    query = select(StockLevel).where(
        StockLevel.reorder_point > 0, StockLevel.quantity <= StockLevel.reorder_point
    )
    if depot_id is not None:
        query = query.where(StockLevel.depot_id == depot_id)
    return query.order_by(StockLevel.depot_id, StockLevel.product_id)


# --- queries for the stock pages ----------------------------------------------------------


def low_condition():
    """SQL condition: the line is at or below a reorder point above 0 (as `low_stock`)."""
    return (StockLevel.reorder_point > 0) & (StockLevel.quantity <= StockLevel.reorder_point)


def stock_levels_query(
    *,
    depot_id: int | None = None,
    search: str | None = None,
    product_type_id: int | None = None,
    low_only: bool = False,
):
    """Stock lines of consumables (one depot or all), with depot and product loaded."""
    query = (
        select(StockLevel)
        .join(StockLevel.product)
        .join(StockLevel.depot)
        .options(
            joinedload(StockLevel.product).joinedload(Product.product_type),
            joinedload(StockLevel.depot),
        )
    )
    if depot_id is not None:
        query = query.where(StockLevel.depot_id == depot_id)
    if search:
        query = query.where(
            Product.name.icontains(search, autoescape=True)
            | Product.hmi_number.icontains(search, autoescape=True)
        )
    if product_type_id is not None:
        query = query.where(Product.product_type_id == product_type_id)
    if low_only:
        query = query.where(low_condition())
    return query.order_by(Product.name, Depot.name, StockLevel.id)


def low_stock_query(*, depot_id: int | None = None):
    """Stock lines at or below their reorder point, biggest shortfall first, with relations."""
    query = (
        select(StockLevel)
        .join(StockLevel.product)
        .join(StockLevel.depot)
        .options(
            joinedload(StockLevel.product).joinedload(Product.product_type),
            joinedload(StockLevel.depot),
        )
        .where(low_condition())
    )
    if depot_id is not None:
        query = query.where(StockLevel.depot_id == depot_id)
    shortfall = StockLevel.reorder_point - StockLevel.quantity
    return query.order_by(shortfall.desc(), Product.name, Depot.name, StockLevel.id)


def last_movements(*, level_ids) -> dict:
    """The time of the newest ledger row per stock line, for the given lines, in one query."""
    ids = list(level_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(StockMovement.stock_level_id, func.max(StockMovement.at))
        .where(StockMovement.stock_level_id.in_(ids))
        .group_by(StockMovement.stock_level_id)
    ).all()
    return dict(rows)


def ledger_query(*, stock_level_id: int):
    """The ledger of one stock line, newest first, with the users loaded."""
    return (
        select(StockMovement)
        .options(joinedload(StockMovement.user))
        .where(StockMovement.stock_level_id == stock_level_id)
        .order_by(StockMovement.id.desc())
    )


def consumable_products() -> list[Product]:
    """Active consumable products (reusable=False), for the receive form."""
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.active, Product.reusable.is_(False))
            .order_by(Product.name, Product.id)
        )
    )
