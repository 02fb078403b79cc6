"""Who may see and act on transfer orders, and the list queries that follow from it.

The shared stock is the cluster's and the orders carry no personal data, so procurement
officers, coordinators and admins see every order. Depot staff see the orders that touch a
depot they work in: they pick and send an order from such a depot and receive one to it. Only
the region's procurement officers and the cluster admins cancel an open order (they run the
distribution). Therapists have no business here (403); an order the user may not see is not
found (404).
"""

from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from depot.auth.models import User
from depot.distribution.models import TransferOrder
from depot.extensions import db
from depot.items.access import can_operate_depot
from depot.organisations.models import Depot, DepotShare
from depot.organisations.services import is_cluster_admin

VIEW_ROLES = ("depot_staff", "procurement", "coordinator", "admin")
# Who may open the distribution runs' pages (the runs carry no personal data).
RUN_VIEW_ROLES = ("procurement", "admin", "depot_staff")
SEE_ALL_ROLES = ("procurement", "coordinator", "admin")
DIRECTIONS = ("pick", "receive", "all")


def sees_all(user: User) -> bool:
    return user.role in SEE_ALL_ROLES


def can_view_order(user: User, order: TransferOrder) -> bool:
    if sees_all(user):
        return True
    return user.role == "depot_staff" and (
        can_operate_depot(user, order.from_depot) or can_operate_depot(user, order.to_depot)
    )


def can_send_order(user: User, order: TransferOrder) -> bool:
    """Pick and send: depot staff of the depot the units leave."""
    return can_operate_depot(user, order.from_depot)


def can_receive_order(user: User, order: TransferOrder) -> bool:
    """Receive: depot staff of the depot the units go to."""
    return can_operate_depot(user, order.to_depot)


def can_cancel_order(user: User, order: TransferOrder) -> bool:
    """Cancel: the region's procurement officers and the cluster admins."""
    return is_cluster_admin(user) or (
        user.role == "procurement" and user.organisation.kind == "region"
    )


def operated_depot_ids(user: User):
    """The ids of the depots the user works in (as depot staff), as a subquery."""
    shared = select(DepotShare.depot_id).where(DepotShare.organisation_id == user.organisation_id)
    return select(Depot.id).where(
        or_(
            Depot.owner_id == user.organisation_id,
            and_(Depot.owner_id.is_(None), Depot.id.in_(shared)),
        )
    )


def visible_orders(user: User):
    """A WHERE clause: the transfer orders the user may see."""
    if sees_all(user):
        return true()
    if user.role == "depot_staff":
        mine = operated_depot_ids(user)
        return or_(TransferOrder.from_depot_id.in_(mine), TransferOrder.to_depot_id.in_(mine))
    return false()


def order_list_query(
    *,
    user: User,
    status: str | None = None,
    depot_id: int | None = None,
    direction: str = "all",
) -> Select:
    """The orders the user sees. 'pick': open ones from the user's depots (all open ones for
    those who see all), oldest first; 'receive': sent ones to them, the longest in transit
    first; 'all': newest first."""
    stmt = (
        select(TransferOrder)
        .where(visible_orders(user))
        .options(
            joinedload(TransferOrder.from_depot),
            joinedload(TransferOrder.to_depot),
            selectinload(TransferOrder.lines),
        )
    )
    if status:
        stmt = stmt.where(TransferOrder.status == status)
    if depot_id is not None:
        stmt = stmt.where(
            or_(TransferOrder.from_depot_id == depot_id, TransferOrder.to_depot_id == depot_id)
        )
    mine = None if sees_all(user) else operated_depot_ids(user)
    if direction == "pick":
        stmt = stmt.where(TransferOrder.status == "open")
        if mine is not None:
            stmt = stmt.where(TransferOrder.from_depot_id.in_(mine))
        return stmt.order_by(TransferOrder.created_at, TransferOrder.id)
    if direction == "receive":
        stmt = stmt.where(TransferOrder.status == "sent")
        if mine is not None:
            stmt = stmt.where(TransferOrder.to_depot_id.in_(mine))
        return stmt.order_by(TransferOrder.sent_at, TransferOrder.id)
    return stmt.order_by(TransferOrder.created_at.desc(), TransferOrder.id.desc())


def order_depots(*, user: User) -> list[Depot]:
    """The depots of the orders the user sees, for the list's filter."""
    visible = visible_orders(user)
    from_ids = select(TransferOrder.from_depot_id).where(visible)
    to_ids = select(TransferOrder.to_depot_id).where(visible)
    return list(
        db.session.scalars(
            select(Depot)
            .where(or_(Depot.id.in_(from_ids), Depot.id.in_(to_ids)))
            .order_by(Depot.name, Depot.id)
        )
    )
