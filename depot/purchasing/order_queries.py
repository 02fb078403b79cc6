"""Read-only queries of the purchase order pages: who sees which orders, totals, receipts.

Visibility follows depot.purchasing.access: the region's procurement officers and cluster
admins see every order; other procurement officers and admins the orders of their organisation
and those with units for it; depot staff the orders delivered to depots they work in.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from depot.auth.models import User
from depot.catalogue.models import Supplier
from depot.extensions import db
from depot.items.access import can_operate_depot
from depot.organisations.models import Depot, DepotShare
from depot.purchasing.access import ROUND_ROLES, can_manage_order, sees_all
from depot.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseReceipt
from depot.purchasing.orders import CENT, OPEN_STATES


def _operated_depot_ids(user: User):
    """The ids of the depots the user works in (as depot staff), as a subquery."""
    shared = select(DepotShare.depot_id).where(DepotShare.organisation_id == user.organisation_id)
    return select(Depot.id).where(
        or_(
            Depot.owner_id == user.organisation_id,
            and_(Depot.owner_id.is_(None), Depot.id.in_(shared)),
        )
    )


def visible_orders(user: User):
    """A WHERE clause: the orders the user may see (see depot.purchasing.access)."""
    if user.role in ROUND_ROLES:
        if sees_all(user):
            return true()
        return or_(
            PurchaseOrder.organisation_id == user.organisation_id,
            exists().where(
                PurchaseOrderLine.order_id == PurchaseOrder.id,
                PurchaseOrderLine.organisation_id == user.organisation_id,
            ),
        )
    if user.role == "depot_staff":
        return exists().where(
            PurchaseOrderLine.order_id == PurchaseOrder.id,
            PurchaseOrderLine.depot_id.in_(_operated_depot_ids(user)),
        )
    return false()


def order_list_query(
    *,
    user: User,
    status: str | None = None,
    supplier_id: int | None = None,
    to_receive: bool = False,
) -> Select:
    """The orders the user sees, newest first; `to_receive`: open ones, soonest delivery first."""
    stmt = (
        select(PurchaseOrder)
        .where(visible_orders(user))
        .options(
            joinedload(PurchaseOrder.supplier),
            joinedload(PurchaseOrder.organisation),
            selectinload(PurchaseOrder.lines),
        )
    )
    if status:
        stmt = stmt.where(PurchaseOrder.status == status)
    if supplier_id is not None:
        stmt = stmt.where(PurchaseOrder.supplier_id == supplier_id)
    if not to_receive:
        return stmt.order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc())
    stmt = stmt.where(PurchaseOrder.status.in_(OPEN_STATES))
    if user.role == "depot_staff":
        stmt = stmt.where(
            exists().where(
                PurchaseOrderLine.order_id == PurchaseOrder.id,
                PurchaseOrderLine.depot_id.in_(_operated_depot_ids(user)),
                PurchaseOrderLine.received_quantity < PurchaseOrderLine.quantity,
            )
        )
    return stmt.order_by(
        PurchaseOrder.expected_delivery.is_(None),
        PurchaseOrder.expected_delivery,
        PurchaseOrder.id,
    )


def order_suppliers(*, user: User) -> list[Supplier]:
    """The suppliers of the orders the user sees, for the list's filter."""
    ids = select(PurchaseOrder.supplier_id).where(visible_orders(user))
    return list(
        db.session.scalars(select(Supplier).where(Supplier.id.in_(ids)).order_by(Supplier.name))
    )


def receivable_lines(user: User, order: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The lines the user may receive: at their depots (depot staff), or all (the orderer)."""
    if user.role == "depot_staff":
        return [line for line in order.lines if can_operate_depot(user, line.depot)]
    return list(order.lines) if can_manage_order(user, order) else []


def line_amount(line: PurchaseOrderLine) -> Decimal:
    return (line.unit_price * line.quantity).quantize(CENT)


def goods_total(order: PurchaseOrder) -> Decimal:
    return sum((line_amount(line) for line in order.lines), Decimal("0.00"))


def order_total(order: PurchaseOrder) -> Decimal:
    """What the order costs: its lines plus the supplier's order cost."""
    return goods_total(order) + order.order_cost


def receipts_of(order: PurchaseOrder) -> list[PurchaseReceipt]:
    """The order's receipts, oldest first, with their lines and who received them."""
    return list(
        db.session.scalars(
            select(PurchaseReceipt)
            .join(PurchaseOrderLine, PurchaseReceipt.line_id == PurchaseOrderLine.id)
            .where(PurchaseOrderLine.order_id == order.id)
            .options(joinedload(PurchaseReceipt.by), joinedload(PurchaseReceipt.line))
            .order_by(PurchaseReceipt.at, PurchaseReceipt.id)
        )
    )
