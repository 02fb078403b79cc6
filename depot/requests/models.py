"""Device requests, their lines and reservations, and the basic packages therapists request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.auth.models import User
from depot.catalogue.models import Product, ProductType
from depot.citizens.models import Citizen
from depot.extensions import db
from depot.organisations.models import Depot, Organisation, utcnow

URGENCIES = ("normal", "urgent", "after_hours")
PURPOSES = ("treatment", "training", "compensation")
# A request's status follows from its lines (see services.refresh_request_status).
REQUEST_STATES = ("open", "back_ordered", "reserved", "delivered", "cancelled")
LINE_STATES = ("open", "back_ordered", "reserved", "delivered", "cancelled")
RESERVATION_STATES = ("reserved", "delivered", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class BasicPackage(db.Model):
    """A named set of product types that a therapist requests in one step."""

    __tablename__ = "basic_package"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[BasicPackageLine]] = relationship(
        back_populates="package", cascade="all, delete-orphan", order_by="BasicPackageLine.id"
    )

    def __str__(self) -> str:
        return self.name


class BasicPackageLine(db.Model):
    __tablename__ = "basic_package_line"
    __table_args__ = (
        UniqueConstraint("package_id", "product_type_id"),
        CheckConstraint("quantity BETWEEN 1 AND 20", name="quantity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("basic_package.id", ondelete="CASCADE"))
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_type.id"))
    quantity: Mapped[int] = mapped_column(default=1)

    package: Mapped[BasicPackage] = relationship(back_populates="lines")
    product_type: Mapped[ProductType] = relationship()


class DeviceRequest(db.Model):
    """A therapist's request for devices for one citizen, handled by one depot."""

    __tablename__ = "device_request"
    __table_args__ = (
        CheckConstraint(_in("status", REQUEST_STATES), name="status"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency"),
        CheckConstraint(_in("purpose", PURPOSES), name="purpose"),
        CheckConstraint(
            "expected_duration_days IS NULL OR expected_duration_days BETWEEN 1 AND 3650",
            name="duration_range",
        ),
        Index("ix_device_request_depot_status", "depot_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    # The organisation that asks (and pays): the therapist's organisation.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The depot that handles the request: its staff see it in their queue.
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("basic_package.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    urgency: Mapped[str] = mapped_column(String(12), default="normal")
    legal_basis: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(12))
    # None: a lasting need (no expected end).
    expected_duration_days: Mapped[int | None]
    needed_by: Mapped[datetime]  # UTC
    delivery_address: Mapped[str] = mapped_column(String(200))
    delivery_postcode: Mapped[str | None] = mapped_column(String(4))
    delivery_town: Mapped[str | None] = mapped_column(String(80))
    # Where the stop is on the map; approximate (postcode or municipality centre) when typed.
    delivery_latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    delivery_longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The first answer from the depot (a reservation or a back-order): the response time.
    responded_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    citizen: Mapped[Citizen] = relationship()
    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User | None] = relationship()
    depot: Mapped[Depot] = relationship()
    package: Mapped[BasicPackage | None] = relationship()
    lines: Mapped[list[RequestLine]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestLine.id"
    )

    def __repr__(self) -> str:
        return f"<DeviceRequest {self.id}>"


class RequestLine(db.Model):
    """One device need: a product type (or a specific product), a quantity, measurements."""

    __tablename__ = "request_line"
    __table_args__ = (
        CheckConstraint(_in("status", LINE_STATES), name="status"),
        CheckConstraint("quantity BETWEEN 1 AND 20", name="quantity_range"),
        CheckConstraint("allocated BETWEEN 0 AND quantity", name="allocated_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("device_request.id", ondelete="CASCADE"), index=True
    )
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_type.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    # Items reserved or delivered for the line. Claimed by a conditional UPDATE before an item
    # is reserved, so that two people reserving different items for the last unit of a line
    # cannot both succeed.
    allocated: Mapped[int] = mapped_column(default=0)
    # JSON object: measurement name → integer value (see requests.measurements).
    measurements: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(12), default="open")
    back_ordered_at: Mapped[datetime | None]

    request: Mapped[DeviceRequest] = relationship(back_populates="lines")
    product_type: Mapped[ProductType] = relationship()
    product: Mapped[Product | None] = relationship()
    reservations: Mapped[list[Reservation]] = relationship(
        back_populates="line", order_by="Reservation.id"
    )


class Reservation(db.Model):
    """An item reserved for a request line, until it is delivered (a loan) or released."""

    __tablename__ = "request_reservation"
    __table_args__ = (
        CheckConstraint(_in("status", RESERVATION_STATES), name="status"),
        # An item is reserved for at most one line at a time.
        Index(
            "uq_request_reservation_active_item",
            "item_id",
            unique=True,
            sqlite_where=db.text("status = 'reserved'"),
            postgresql_where=db.text("status = 'reserved'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("request_line.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="reserved")
    reserved_at: Mapped[datetime] = mapped_column(default=utcnow)
    reserved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loan.id"))
    closed_at: Mapped[datetime | None]

    line: Mapped[RequestLine] = relationship(back_populates="reservations")
    item = relationship("Item")
    loan = relationship("Loan")
