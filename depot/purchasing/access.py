"""Who may see and change purchase rounds and purchase orders.

Rounds and orders concern several organisations. The region's procurement officers and
cluster admins see them all; a municipality's procurement officers and admins see the
rounds their organisation runs or takes part in and the orders with a line for it. Only the
organisation that runs a round (or the region-wide roles) edit, run and accept it, and send
or cancel its orders. Depot staff receive the orders delivered to depots they work in.
"""

from __future__ import annotations

from depot.auth.models import User
from depot.items.access import can_operate_depot
from depot.organisations.services import is_cluster_admin
from depot.purchasing.models import PurchaseOrder, PurchaseRound

ROUND_ROLES = ("procurement", "admin")
ORDER_VIEW_ROLES = ("procurement", "admin", "depot_staff")


def sees_all(user: User) -> bool:
    """The region's procurement officers and cluster admins run the cluster's joint rounds."""
    return is_cluster_admin(user) or (
        user.role == "procurement" and user.organisation.kind == "region"
    )


def can_view_round(user: User, purchase_round: PurchaseRound) -> bool:
    if user.role not in ROUND_ROLES:
        return False
    if sees_all(user) or purchase_round.organisation_id == user.organisation_id:
        return True
    return any(p.organisation_id == user.organisation_id for p in purchase_round.participants)


def can_edit_round(user: User, purchase_round: PurchaseRound) -> bool:
    return user.role in ROUND_ROLES and (
        sees_all(user) or purchase_round.organisation_id == user.organisation_id
    )


def can_view_order(user: User, order: PurchaseOrder) -> bool:
    if user.role in ROUND_ROLES:
        return (
            sees_all(user)
            or order.organisation_id == user.organisation_id
            or any(line.organisation_id == user.organisation_id for line in order.lines)
        )
    if user.role == "depot_staff":
        return any(can_operate_depot(user, line.depot) for line in order.lines)
    return False


def can_manage_order(user: User, order: PurchaseOrder) -> bool:
    """Send and cancel: the ordering organisation's procurement officers and admins."""
    return user.role in ROUND_ROLES and (
        sees_all(user) or order.organisation_id == user.organisation_id
    )


def can_receive_order(user: User, order: PurchaseOrder) -> bool:
    """Depot staff at a delivery depot, or whoever manages the order, record receipts."""
    if user.role == "depot_staff":
        return any(can_operate_depot(user, line.depot) for line in order.lines)
    return can_manage_order(user, order)
