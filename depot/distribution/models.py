"""Stock distribution: where the shared stock should sit, and the transfer orders that move it.

A distribution run reads every depot's stock, its forecast demand and the basic-package
service level, and leaves the optimizer's proposal (and, in what-if mode, the comparison with
one shared depot) as JSON. Accepting it creates transfer orders between depots that depot
staff pick, send (the items pass `in transit`) and receive.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.auth.models import User
from depot.catalogue.models import Product, ProductType
from depot.db import Money
from depot.extensions import db
from depot.items.models import Item, Transfer
from depot.organisations.models import Depot, Organisation, utcnow
from depot.requests.models import BasicPackage

RUN_STATES = ("draft", "queued", "running", "solved", "failed", "accepted", "cancelled")
TRANSFER_ORDER_STATES = ("open", "sent", "received", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class DistributionRun(db.Model):
    __tablename__ = "distribution_run"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATES), name="status"),
        CheckConstraint("horizon_months BETWEEN 1 AND 24", name="horizon_range"),
        CheckConstraint("time_limit_seconds BETWEEN 5 AND 3600", name="time_limit_range"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint("service_sets BETWEEN 0 AND 50", name="service_sets_range"),
        CheckConstraint("cost_per_km >= 0", name="cost_per_km_nonneg"),
        CheckConstraint("shortage_penalty_factor >= 0", name="penalty_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    horizon_months: Mapped[int] = mapped_column(default=3)
    # Transport: cost per unit = km × cost per km × the product type's handling factor.
    cost_per_km: Mapped[Decimal] = mapped_column(Money, default=Decimal("2.00"))
    # A shortage costs this many times the product's list price (per unit short).
    shortage_penalty_factor: Mapped[float] = mapped_column(default=0.2)
    # The basic package every hand-out depot keeps ready, and how many sets of it.
    service_package_id: Mapped[int | None] = mapped_column(ForeignKey("basic_package.id"))
    service_sets: Mapped[int] = mapped_column(default=1)
    # What-if: the shared depot that would hold the stock, the others only hand-out points.
    what_if_hub_id: Mapped[int | None] = mapped_column(ForeignKey("depot.id"))
    time_limit_seconds: Mapped[int] = mapped_column(default=60)
    progress: Mapped[int] = mapped_column(default=0)
    progress_note: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)  # the plans as JSON
    error: Mapped[str | None] = mapped_column(Text)
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    service_package: Mapped[BasicPackage | None] = relationship()
    what_if_hub: Mapped[Depot | None] = relationship()


class TransferOrder(db.Model):
    """Units to move from one depot to another: picked, sent (in transit), received."""

    __tablename__ = "transfer_order"
    __table_args__ = (
        CheckConstraint(_in("status", TRANSFER_ORDER_STATES), name="status"),
        CheckConstraint("from_depot_id <> to_depot_id", name="different_depots"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # "OF-2026-00012"
    run_id: Mapped[int | None] = mapped_column(ForeignKey("distribution_run.id"), index=True)
    from_depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"), index=True)
    to_depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime | None]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    received_at: Mapped[datetime | None]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    run: Mapped[DistributionRun | None] = relationship()
    from_depot: Mapped[Depot] = relationship(foreign_keys=[from_depot_id])
    to_depot: Mapped[Depot] = relationship(foreign_keys=[to_depot_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    lines: Mapped[list[TransferOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="TransferOrderLine.id"
    )


class TransferOrderLine(db.Model):
    """Units of a product type (reusable items) or of a consumable product."""

    __tablename__ = "transfer_order_line"
    __table_args__ = (
        CheckConstraint(
            "(product_type_id IS NULL) <> (product_id IS NULL)", name="type_or_product"
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("sent_quantity BETWEEN 0 AND quantity", name="sent_range"),
        CheckConstraint("received_quantity BETWEEN 0 AND sent_quantity", name="received_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("transfer_order.id", ondelete="CASCADE"))
    product_type_id: Mapped[int | None] = mapped_column(ForeignKey("product_type.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))  # consumables
    quantity: Mapped[int]
    sent_quantity: Mapped[int] = mapped_column(default=0)
    received_quantity: Mapped[int] = mapped_column(default=0)

    order: Mapped[TransferOrder] = relationship(back_populates="lines")
    product_type: Mapped[ProductType | None] = relationship()
    product: Mapped[Product | None] = relationship()
    items: Mapped[list[TransferOrderItem]] = relationship(
        back_populates="line", order_by="TransferOrderItem.id", viewonly=True
    )


class TransferOrderItem(db.Model):
    """An item picked and sent on a transfer order line (its in-transit record)."""

    __tablename__ = "transfer_order_item"
    __table_args__ = (UniqueConstraint("transfer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("transfer_order_line.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"))

    line: Mapped[TransferOrderLine] = relationship(back_populates="items")
    item: Mapped[Item] = relationship()
    transfer: Mapped[Transfer] = relationship()
