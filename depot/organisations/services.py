"""Organisation and depot services, and who may manage which. They flush, never commit."""

from collections.abc import Iterable
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from depot.auth.models import User
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.organisations.models import ORGANISATION_KINDS, Depot, DepotShare, Organisation


def is_cluster_admin(user: User) -> bool:
    """The region's administrators run the shared system for the whole cluster."""
    return user.role == "admin" and user.organisation.kind == "region"


def can_manage_organisation(user: User, organisation: Organisation) -> bool:
    """Cluster admins manage every organisation; other admins only their own."""
    return user.role == "admin" and (
        is_cluster_admin(user) or user.organisation_id == organisation.id
    )


def can_manage_depot(user: User, depot: Depot) -> bool:
    """Shared depots belong to the cluster; an owned depot to its owner's admins."""
    if user.role != "admin":
        return False
    return is_cluster_admin(user) or (
        depot.owner_id is not None and depot.owner_id == user.organisation_id
    )


def organisation_choices() -> list[Organisation]:
    """All organisations, region first, then by name."""
    return list(
        db.session.scalars(
            select(Organisation).order_by(Organisation.kind.desc(), Organisation.name)
        )
    )


def _check_unique_name(model, name: str, exclude_id: int | None) -> None:
    query = select(model.id).where(func.lower(model.name) == name.strip().lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict(_l("The name %(name)s is already in use.", name=name.strip()))


def save_organisation(
    *,
    organisation: Organisation | None = None,
    name: str,
    kind: str,
    town: str | None,
    population: int | None,
    latitude: float | None,
    longitude: float | None,
    active: bool = True,
) -> Organisation:
    """Create an organisation, or update the given one."""
    if kind not in ORGANISATION_KINDS:
        raise DomainError(_l("Unknown kind of organisation."))
    _check_unique_name(Organisation, name, organisation.id if organisation else None)
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
    organisation.name, organisation.kind, organisation.town = name.strip(), kind, town
    organisation.population = population
    organisation.latitude, organisation.longitude = latitude, longitude
    organisation.active = active
    db.session.flush()
    return organisation


def _validated_shares(
    owner_id: int | None, shares: Iterable[tuple[int, Decimal]]
) -> list[tuple[int, Decimal]]:
    shares = [(org_id, Decimal(str(pct))) for org_id, pct in shares]
    if owner_id is not None:
        if shares:
            raise DomainError(_l("A depot with an owner has no ownership shares."))
        return []
    if not shares:
        raise DomainError(_l("A shared depot needs ownership shares that add up to 100%."))
    ids = [org_id for org_id, _pct in shares]
    if len(set(ids)) != len(ids):
        raise DomainError(_l("Each organisation can hold only one share."))
    if any(pct <= 0 or pct > 100 for _id, pct in shares):
        raise DomainError(_l("Each share must be above 0% and at most 100%."))
    if sum(pct for _id, pct in shares) != Decimal(100):
        raise DomainError(_l("The ownership shares must add up to exactly 100%."))
    found = db.session.scalar(select(func.count(Organisation.id)).where(Organisation.id.in_(ids)))
    if found != len(ids):
        raise DomainError(_l("Unknown organisation in the shares."))
    return shares


def save_depot(
    *,
    depot: Depot | None = None,
    name: str,
    address: str,
    postcode: str | None,
    town: str | None,
    latitude: float | None,
    longitude: float | None,
    capacity_m3: int | None,
    opening_hours: str | None,
    owner_id: int | None,
    shares: Iterable[tuple[int, Decimal]] = (),
    active: bool = True,
) -> Depot:
    """Create a depot, or update the given one: owned by one organisation or shared."""
    if owner_id is not None and db.session.get(Organisation, owner_id) is None:
        raise DomainError(_l("Unknown owner organisation."))
    validated = _validated_shares(owner_id, shares)
    _check_unique_name(Depot, name, depot.id if depot else None)
    if depot is None:
        depot = Depot()
        db.session.add(depot)
    depot.name, depot.address, depot.postcode, depot.town = name.strip(), address, postcode, town
    depot.latitude, depot.longitude = latitude, longitude
    depot.capacity_m3, depot.opening_hours = capacity_m3, opening_hours
    depot.owner_id, depot.active = owner_id, active
    depot.shares.clear()
    db.session.flush()  # old shares go before new ones take their (depot, organisation) slot
    for org_id, pct in validated:
        depot.shares.append(DepotShare(organisation_id=org_id, percent=float(pct)))
    db.session.flush()
    return depot
