"""Read-only queries behind the therapists' request pages and the basic-package pages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from depot.catalogue.models import Product, ProductType
from depot.citizens.models import Citizen
from depot.deliveries.models import RunStop
from depot.extensions import db
from depot.items.models import Item
from depot.requests.models import (
    BasicPackage,
    BasicPackageLine,
    DeviceRequest,
    RequestLine,
    Reservation,
)

# The status filter "active": requests still waiting for something.
ACTIVE_STATES = ("open", "back_ordered", "reserved")


def request_list_query(
    *, organisation_id: int, status: str | None = None, requested_by_id: int | None = None
) -> Select:
    """Requests a therapist's organisation may see: its own, and others' for its citizens.

    The same rule as access.can_view_request, as SQL. Newest first.
    """
    stmt = (
        select(DeviceRequest)
        .join(Citizen, Citizen.id == DeviceRequest.citizen_id)
        .where(
            or_(
                DeviceRequest.organisation_id == organisation_id,
                Citizen.municipality_id == organisation_id,
            )
        )
        .options(joinedload(DeviceRequest.citizen), joinedload(DeviceRequest.depot))
        .order_by(DeviceRequest.created_at.desc(), DeviceRequest.id.desc())
    )
    if status == "active":
        stmt = stmt.where(DeviceRequest.status.in_(ACTIVE_STATES))
    elif status:
        stmt = stmt.where(DeviceRequest.status == status)
    if requested_by_id is not None:
        stmt = stmt.where(DeviceRequest.requested_by_id == requested_by_id)
    return stmt


def reservations_by_line(*, request_id: int) -> dict[int, list[Reservation]]:
    """Every reservation of the request's lines (also closed ones), with item, product, depot."""
    rows = db.session.scalars(
        select(Reservation)
        .join(RequestLine, RequestLine.id == Reservation.line_id)
        .where(RequestLine.request_id == request_id)
        .options(
            joinedload(Reservation.item).joinedload(Item.product),
            joinedload(Reservation.item).joinedload(Item.depot),
        )
        .order_by(Reservation.id)
    )
    by_line: dict[int, list[Reservation]] = defaultdict(list)
    for reservation in rows:
        by_line[reservation.line_id].append(reservation)
    return by_line


def delivery_stops(*, request_id: int) -> Sequence[RunStop]:
    """The runs that deliver (or delivered) the request, earliest first."""
    return db.session.scalars(
        select(RunStop)
        .where(RunStop.request_id == request_id)
        .options(joinedload(RunStop.run))
        .order_by(RunStop.id)
    ).all()


def requestable_types() -> Sequence[ProductType]:
    """The product types a request may ask for: reusable ones (consumables are not lent)."""
    return db.session.scalars(
        select(ProductType)
        .where(ProductType.reusable)
        .order_by(ProductType.iso_code, ProductType.iso_edition.desc())
    ).all()


def products_by_type(*, type_ids) -> dict[int, list[tuple[int, str]]]:
    """Active reusable products of the given types as (id, name), per type."""
    ids = {i for i in type_ids if i is not None}
    by_type: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if not ids:
        return by_type
    rows = db.session.execute(
        select(Product.product_type_id, Product.id, Product.name)
        .where(Product.product_type_id.in_(ids), Product.active, Product.reusable)
        .order_by(Product.name, Product.id)
    )
    for type_id, product_id, name in rows:
        by_type[type_id].append((product_id, name))
    return by_type


def package_query(*, active_only: bool = False) -> Select:
    """Basic packages by name, with their lines and types loaded."""
    stmt = (
        select(BasicPackage)
        .options(selectinload(BasicPackage.lines).joinedload(BasicPackageLine.product_type))
        .order_by(BasicPackage.name)
    )
    if active_only:
        stmt = stmt.where(BasicPackage.active)
    return stmt


def active_packages() -> Sequence[BasicPackage]:
    return db.session.scalars(package_query(active_only=True)).all()
