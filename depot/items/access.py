"""Who may work in which depot. Shared with the stock and overview pages."""

from sqlalchemy import or_, select

from depot.auth.models import User
from depot.extensions import db
from depot.organisations.models import Depot, DepotShare

# Everyone may look at the shared stock; only depot staff change it.
VIEW_ROLES = ("depot_staff", "therapist", "procurement", "coordinator", "admin")
OPERATE_ROLES = ("depot_staff",)


def can_operate_depot(user: User, depot: Depot) -> bool:
    """Depot staff work in their organisation's depots and in shared depots it has a share of."""
    if user.role not in OPERATE_ROLES:
        return False
    if depot.owner_id is not None:
        return depot.owner_id == user.organisation_id
    return any(share.organisation_id == user.organisation_id for share in depot.shares)


def operable_depots(user: User) -> list[Depot]:
    """The active depots the user may work in, own depots first."""
    if user.role not in OPERATE_ROLES:
        return []
    shared_with_me = select(DepotShare.depot_id).where(
        DepotShare.organisation_id == user.organisation_id
    )
    query = (
        select(Depot)
        .where(
            Depot.active,
            or_(Depot.owner_id == user.organisation_id, Depot.id.in_(shared_with_me)),
        )
        .order_by(Depot.owner_id.is_(None), Depot.name)
    )
    return list(db.session.scalars(query))


def all_depots() -> list[Depot]:
    """Every active depot, for filters and transfer destinations."""
    return list(db.session.scalars(select(Depot).where(Depot.active).order_by(Depot.name)))
