"""Delivery and pick-up runs: a depot's driver's day, as ordered stops with items."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.auth.models import User
from depot.citizens.models import Citizen
from depot.extensions import db
from depot.organisations.models import Depot, utcnow

RUN_STATES = ("planned", "done")
STOP_KINDS = ("delivery", "pickup")
STOP_STATES = ("planned", "done", "failed")


class DeliveryRun(db.Model):
    """One driver's run from one depot on one day."""

    __tablename__ = "delivery_run"
    __table_args__ = (
        UniqueConstraint("depot_id", "run_date", "driver"),
        CheckConstraint("status IN ('planned', 'done')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"), index=True)
    run_date: Mapped[date] = mapped_column(index=True)
    driver: Mapped[str] = mapped_column(String(120))
    vehicle: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    # Straight-line kilometres depot → stops → depot in the current order.
    total_km: Mapped[float | None] = mapped_column(Numeric(9, 2, asdecimal=False))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    depot: Mapped[Depot] = relationship()
    created_by: Mapped[User | None] = relationship()
    stops: Mapped[list[RunStop]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RunStop.position"
    )


class RunStop(db.Model):
    """A stop at a citizen's address: deliver a request's items or pick loaned items up."""

    __tablename__ = "run_stop"
    __table_args__ = (
        CheckConstraint("kind IN ('delivery', 'pickup')", name="kind"),
        CheckConstraint("status IN ('planned', 'done', 'failed')", name="status"),
        CheckConstraint("position >= 0", name="position_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("delivery_run.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("device_request.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(4))
    town: Mapped[str | None] = mapped_column(String(80))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="planned")
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    run: Mapped[DeliveryRun] = relationship(back_populates="stops")
    citizen: Mapped[Citizen] = relationship()
    request = relationship("DeviceRequest")
    items: Mapped[list[RunStopItem]] = relationship(
        back_populates="stop", cascade="all, delete-orphan", order_by="RunStopItem.id"
    )


class RunStopItem(db.Model):
    """An item to hand over (a reservation) or to fetch (a loan) at a stop."""

    __tablename__ = "run_stop_item"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'done', 'failed')", name="status"),
        CheckConstraint(
            "(reservation_id IS NULL) <> (loan_id IS NULL)", name="reservation_xor_loan"
        ),
        # An item is on at most one planned stop.
        Index(
            "uq_run_stop_item_planned_item",
            "item_id",
            unique=True,
            sqlite_where=db.text("status = 'planned'"),
            postgresql_where=db.text("status = 'planned'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("run_stop.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("request_reservation.id"))
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loan.id"))
    status: Mapped[str] = mapped_column(String(10), default="planned")

    stop: Mapped[RunStop] = relationship(back_populates="items")
    item = relationship("Item")
    reservation = relationship("Reservation")
    loan = relationship("Loan")
