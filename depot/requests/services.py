"""Request services: create, reserve for, back-order, release, deliver, cancel.

A request's lines carry the state; the request's status follows from them
(`refresh_request`). Reserving goes through the item state machine (a conditional UPDATE), so
two people reserving the same item for two requests cannot both succeed. Services flush,
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from depot.auth.models import User
from depot.catalogue.models import Product, ProductType
from depot.citizens.models import Citizen
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items import services as items
from depot.items.models import Item
from depot.loans.models import LEGAL_BASES, Loan
from depot.organisations.models import Depot, DepotShare, utcnow
from depot.requests import measurements
from depot.requests.models import (
    PURPOSES,
    URGENCIES,
    BasicPackage,
    DeviceRequest,
    RequestLine,
    Reservation,
)

MAX_LINES = 20


class RequestNotFound(DomainError):
    status_code = 404


@dataclass
class LineSpec:
    """One device need as a form or the API gives it."""

    product_type_id: int
    quantity: int = 1
    product_id: int | None = None
    measurements: dict[str, int] = field(default_factory=dict)


def serving_depots(*, organisation_id: int) -> list[Depot]:
    """The depots that handle an organisation's requests: its own, then shared ones it shares."""
    shared = select(DepotShare.depot_id).where(DepotShare.organisation_id == organisation_id)
    depots = list(
        db.session.scalars(
            select(Depot)
            .where(Depot.active, or_(Depot.owner_id == organisation_id, Depot.id.in_(shared)))
            .order_by(Depot.owner_id.is_(None), Depot.name)
        )
    )
    return depots or list(
        db.session.scalars(select(Depot).where(Depot.active).order_by(Depot.name))
    )


def _check_line(spec: LineSpec) -> tuple[ProductType, Product | None]:
    product_type = db.session.get(ProductType, spec.product_type_id)
    if product_type is None:
        raise DomainError(_l("Unknown product type."))
    if not product_type.reusable:
        raise DomainError(
            _l("%(type)s is a consumable: it is not lent.", type=product_type.title_da)
        )
    product = None
    if spec.product_id is not None:
        product = db.session.get(Product, spec.product_id)
        if product is None or not product.active:
            raise DomainError(_l("Unknown or inactive product."))
        if product.product_type_id != product_type.id:
            raise DomainError(_l("The product is not of the chosen type."))
    if not 1 <= spec.quantity <= 20:
        raise DomainError(_l("The quantity must be between 1 and 20."))
    allowed = {rule.name: rule for rule in measurements.fields_for(product_type.measurement_list)}
    for name, value in spec.measurements.items():
        rule = allowed.get(name)
        if rule is None:
            raise DomainError(_l("%(field)s does not apply to this type.", field=name))
        if not rule.minimum <= value <= rule.maximum:
            raise DomainError(
                _l(
                    "%(field)s must be between %(min)s and %(max)s.",
                    field=rule.label,
                    min=rule.minimum,
                    max=rule.maximum,
                )
            )
    return product_type, product


def create_request(
    *,
    citizen_id: int,
    organisation_id: int,
    depot_id: int,
    user: User | None,
    lines: list[LineSpec],
    legal_basis: str,
    purpose: str,
    needed_by: datetime,
    delivery_address: str,
    urgency: str = "normal",
    expected_duration_days: int | None = None,
    delivery_postcode: str | None = None,
    delivery_town: str | None = None,
    delivery_latitude: float | None = None,
    delivery_longitude: float | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    note: str | None = None,
    package_id: int | None = None,
    at: datetime | None = None,
) -> DeviceRequest:
    """Register a request for devices for a citizen, handled by the given depot."""
    if db.session.get(Citizen, citizen_id) is None:
        raise DomainError(_l("Unknown citizen."))
    depot = db.session.get(Depot, depot_id)
    if depot is None or not depot.active:
        raise DomainError(_l("Unknown depot."))
    if urgency not in URGENCIES:
        raise DomainError(_l("Unknown urgency."))
    if purpose not in PURPOSES:
        raise DomainError(_l("Unknown purpose."))
    if legal_basis not in LEGAL_BASES:
        raise DomainError(_l("Unknown legal basis."))
    if expected_duration_days is not None and not 1 <= expected_duration_days <= 3650:
        raise DomainError(_l("The expected duration must be between 1 and 3650 days."))
    if not delivery_address or not delivery_address.strip():
        raise DomainError(_l("A delivery address is required."))
    if not lines:
        raise DomainError(_l("Request at least one device."))
    if len(lines) > MAX_LINES:
        raise DomainError(_l("At most %(n)s devices in one request.", n=MAX_LINES))
    checked = [(spec, *_check_line(spec)) for spec in lines]
    request = DeviceRequest(
        citizen_id=citizen_id,
        organisation_id=organisation_id,
        requested_by_id=user.id if user else None,
        depot_id=depot_id,
        package_id=package_id,
        status="open",
        urgency=urgency,
        legal_basis=legal_basis,
        purpose=purpose,
        expected_duration_days=expected_duration_days,
        needed_by=needed_by,
        delivery_address=delivery_address.strip(),
        delivery_postcode=delivery_postcode,
        delivery_town=delivery_town,
        delivery_latitude=delivery_latitude,
        delivery_longitude=delivery_longitude,
        contact_name=contact_name,
        contact_phone=contact_phone,
        note=note,
        created_at=at or utcnow(),
    )
    for spec, product_type, product in checked:
        request.lines.append(
            RequestLine(
                product_type_id=product_type.id,
                product_id=product.id if product else None,
                quantity=spec.quantity,
                measurements=measurements.dump(spec.measurements),
                status="open",
            )
        )
    db.session.add(request)
    db.session.flush()
    return request


def package_lines(*, package_id: int) -> list[LineSpec]:
    """The device needs of a basic package, one line per product type."""
    package = db.session.get(BasicPackage, package_id)
    if package is None or not package.active:
        raise DomainError(_l("Unknown basic package."))
    return [
        LineSpec(product_type_id=line.product_type_id, quantity=line.quantity)
        for line in package.lines
    ]


def _line_for_update(line_id: int) -> RequestLine:
    line = db.session.get(RequestLine, line_id, populate_existing=True)
    if line is None:
        raise RequestNotFound(_l("No such request."))
    return line


def _counts(line: RequestLine) -> tuple[int, int]:
    """Active and delivered reservations of a line."""
    rows = db.session.execute(
        select(Reservation.status, func.count())
        .where(Reservation.line_id == line.id)
        .group_by(Reservation.status)
    ).all()
    by_status = dict(rows)
    return by_status.get("reserved", 0), by_status.get("delivered", 0)


def refresh_line(line: RequestLine) -> None:
    """Set a line's status from its reservations."""
    if line.status == "cancelled":
        return
    active, delivered = _counts(line)
    if delivered >= line.quantity:
        line.status = "delivered"
    elif active + delivered >= line.quantity:
        line.status = "reserved"
    elif line.back_ordered_at is not None:
        line.status = "back_ordered"
    else:
        line.status = "open"


def refresh_request(request: DeviceRequest, *, at: datetime | None = None) -> None:
    """Set a request's status from its lines."""
    states = [line.status for line in request.lines if line.status != "cancelled"]
    if not states:
        request.status = "cancelled"
    elif all(s == "delivered" for s in states):
        request.status = "delivered"
        # The last hand-over, also when the rest of the request was cancelled later.
        last = db.session.scalar(
            select(func.max(Reservation.closed_at))
            .join(RequestLine, RequestLine.id == Reservation.line_id)
            .where(RequestLine.request_id == request.id, Reservation.status == "delivered")
        )
        request.delivered_at = request.delivered_at or last or at or utcnow()
    elif all(s in ("reserved", "delivered") for s in states):
        request.status = "reserved"
    elif "back_ordered" in states:
        request.status = "back_ordered"
    else:
        request.status = "open"
    db.session.flush()


def _answered(request: DeviceRequest, at: datetime) -> None:
    if request.responded_at is None:
        request.responded_at = at


def _check_open(line: RequestLine) -> None:
    if line.request.status in ("cancelled", "delivered") or line.status in (
        "cancelled",
        "delivered",
    ):
        raise Conflict(_l("The request is closed."))


def item_fits_line(item: Item, line: RequestLine) -> bool:
    """The item is of the line's product (or of its type when no product was asked for)."""
    if line.product_id is not None:
        return item.product_id == line.product_id
    return item.product.product_type_id == line.product_type_id


def reserve_for_line(
    *, line_id: int, item_id: int, user: User | None, at: datetime | None = None
) -> Reservation:
    """Reserve an available item for a request line."""
    at = at or utcnow()
    line = _line_for_update(line_id)
    _check_open(line)
    item = db.session.get(Item, item_id)
    if item is None:
        raise items.ItemNotFound(_l("No such item."))
    if not item_fits_line(item, line):
        raise DomainError(_l("%(tag)s is not of the requested kind.", tag=item.asset_tag))
    # Claim a unit of the line first: whoever claims the last unit wins, the others get 409.
    claimed = db.session.execute(
        update(RequestLine)
        .where(
            RequestLine.id == line.id,
            RequestLine.allocated < RequestLine.quantity,
            RequestLine.status.not_in(("cancelled", "delivered")),
        )
        .values(allocated=RequestLine.allocated + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict(_l("All devices of this line are already reserved."))
    items.apply_step(
        item_id=item_id,
        step_name="reserve",
        user=user,
        note=str(_l("Request %(id)s", id=line.request_id)),
        at=at,
    )
    reservation = Reservation(
        line_id=line.id,
        item_id=item_id,
        status="reserved",
        reserved_at=at,
        reserved_by_id=user.id if user else None,
    )
    db.session.add(reservation)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("%(tag)s is already reserved.", tag=item.asset_tag)) from exc
    db.session.refresh(line)
    _answered(line.request, at)
    refresh_line(line)
    refresh_request(line.request, at=at)
    return reservation


def back_order_line(*, line_id: int, user: User | None, at: datetime | None = None) -> RequestLine:
    """Nothing fitting is available: the line waits for stock, and the therapist sees so."""
    at = at or utcnow()
    line = _line_for_update(line_id)
    _check_open(line)
    if line.status == "reserved":
        raise Conflict(_l("All devices of this line are already reserved."))
    line.back_ordered_at = line.back_ordered_at or at
    _answered(line.request, at)
    refresh_line(line)
    refresh_request(line.request, at=at)
    return line


def release_reservation(
    *, reservation_id: int, user: User | None, note: str | None = None
) -> Reservation:
    """Give a reserved item back to the shelf; its line needs an item again."""
    reservation = db.session.get(Reservation, reservation_id, populate_existing=True)
    if reservation is None:
        raise RequestNotFound(_l("No such reservation."))
    if reservation.status != "reserved":
        raise Conflict(_l("The reservation is no longer active."))
    items.apply_step(
        item_id=reservation.item_id, step_name="cancel_reservation", user=user, note=note
    )
    reservation.status = "cancelled"
    reservation.closed_at = utcnow()
    db.session.execute(
        update(RequestLine)
        .where(RequestLine.id == reservation.line_id)
        .values(allocated=RequestLine.allocated - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    _unplan(reservation.id)
    db.session.refresh(reservation.line)
    refresh_line(reservation.line)
    refresh_request(reservation.line.request)
    return reservation


def _unplan(reservation_id: int) -> None:
    """Take a released item off the planned run stop it was on (and drop an emptied stop)."""
    from depot.deliveries.models import RunStop, RunStopItem

    stop_ids = db.session.scalars(
        select(RunStopItem.stop_id).where(
            RunStopItem.reservation_id == reservation_id, RunStopItem.status == "planned"
        )
    ).all()
    if not stop_ids:
        return
    db.session.execute(
        delete(RunStopItem).where(
            RunStopItem.reservation_id == reservation_id, RunStopItem.status == "planned"
        )
    )
    db.session.flush()
    for stop in db.session.scalars(select(RunStop).where(RunStop.id.in_(stop_ids))).all():
        db.session.refresh(stop)
        if stop.status == "planned" and not stop.items:
            db.session.delete(stop)
    db.session.flush()


def active_reservation_of_item(*, item_id: int) -> Reservation | None:
    """The reservation an item is held under for a request, if any."""
    return db.session.scalar(
        select(Reservation).where(Reservation.item_id == item_id, Reservation.status == "reserved")
    )


def expected_end(request: DeviceRequest, start: date) -> date | None:
    if request.expected_duration_days is None:
        return None
    return start + timedelta(days=request.expected_duration_days)


def deliver_reservation(
    *, reservation_id: int, user: User | None, at: datetime | None = None
) -> Loan:
    """The reserved item is handed over at the citizen's home: the loan starts."""
    at = at or utcnow()
    reservation = db.session.get(Reservation, reservation_id, populate_existing=True)
    if reservation is None:
        raise RequestNotFound(_l("No such reservation."))
    if reservation.status != "reserved":
        raise Conflict(_l("The reservation is no longer active."))
    request = reservation.line.request
    loan = items.lend_item(
        item_id=reservation.item_id,
        citizen_id=request.citizen_id,
        lender_id=request.organisation_id,
        user=user,
        legal_basis=request.legal_basis,
        expected_end=expected_end(request, at.date()),
        note=str(_l("Request %(id)s", id=request.id)),
        at=at,
    )
    reservation.status = "delivered"
    reservation.loan_id = loan.id
    reservation.closed_at = at
    db.session.flush()
    refresh_line(reservation.line)
    refresh_request(request, at=at)
    if reservation.line.status == "delivered":
        # A need from a handover: who delivered it is now known (may open a deviation case).
        from depot.handovers.services import record_line_delivered

        record_line_delivered(line_id=reservation.line_id, at=at)
    return loan


def cancel_request(
    *, request_id: int, user: User | None, reason: str | None = None
) -> DeviceRequest:
    """Withdraw a request: reserved items go back to the shelf; delivered ones stay on loan."""
    request = db.session.get(DeviceRequest, request_id, populate_existing=True)
    if request is None:
        raise RequestNotFound(_l("No such request."))
    # Lock the lines first: a reservation being made right now finishes before we read them
    # (its claim UPDATE holds the line), and any later one finds the line cancelled.
    lines = db.session.scalars(
        select(RequestLine)
        .where(RequestLine.request_id == request_id)
        .order_by(RequestLine.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    db.session.refresh(request)
    if request.status in ("cancelled", "delivered"):
        raise Conflict(_l("The request is closed."))
    for reservation in active_reservations(request_id=request_id):
        release_reservation(reservation_id=reservation.id, user=user, note=reason)
    for line in lines:
        db.session.refresh(line)
        _active, delivered = _counts(line)
        if delivered == 0:
            line.status = "cancelled"
        else:
            # What was delivered stays; the rest is withdrawn.
            line.quantity = line.allocated = delivered
            refresh_line(line)
    request.cancelled_at = utcnow()
    request.cancel_reason = reason
    refresh_request(request)
    return request


def active_reservations(*, request_id: int) -> list[Reservation]:
    """The request's reservations waiting to be delivered."""
    return list(
        db.session.scalars(
            select(Reservation)
            .join(RequestLine, RequestLine.id == Reservation.line_id)
            .where(RequestLine.request_id == request_id, Reservation.status == "reserved")
            .order_by(Reservation.id)
            .execution_options(populate_existing=True)
        )
    )
