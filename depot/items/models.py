"""Reusable items: individual devices with an asset tag, a state and an append-only history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.auth.models import User
from depot.catalogue.models import Product, ProductType
from depot.extensions import db
from depot.organisations.models import Depot, Organisation, utcnow

# The item's life: available → reserved → on_loan → returned → cleaning → inspection →
# available, plus repair, scrapped, and in_transit between depots.
ITEM_STATES = (
    "available",
    "reserved",
    "on_loan",
    "returned",
    "cleaning",
    "inspection",
    "repair",
    "in_transit",
    "scrapped",
)
_STATE_LIST = ", ".join(f"'{s}'" for s in ITEM_STATES)


class Item(db.Model):
    __tablename__ = "item"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATE_LIST})", name="status"),
        # Prefix search on tags and serials (PostgreSQL's LIKE 'x%' needs pattern ops).
        Index(
            "ix_item_asset_tag_pattern",
            "asset_tag",
            postgresql_ops={"asset_tag": "text_pattern_ops"},
        ),
        Index("ix_item_serial_pattern", "serial", postgresql_ops={"serial": "text_pattern_ops"}),
        Index("ix_item_depot_status_product", "depot_id", "status", "product_id"),
        Index("ix_item_product_status", "product_id", "status"),
        Index("ix_item_status_changed", "status", "status_changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_tag: Mapped[str] = mapped_column(String(20), unique=True)
    serial: Mapped[str | None] = mapped_column(String(60), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Where the item is, or was last (on loan: the depot it went out from).
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
    status: Mapped[str] = mapped_column(String(12), default="available")
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_inspection_due: Mapped[date | None] = mapped_column(index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    product: Mapped[Product] = relationship()
    owner: Mapped[Organisation] = relationship()
    depot: Mapped[Depot] = relationship()
    events: Mapped[list[ItemEvent]] = relationship(
        back_populates="item", order_by="ItemEvent.id", viewonly=True
    )

    def inspection_overdue(self, today: date) -> bool:
        return self.next_inspection_due is not None and self.next_inspection_due < today

    def __str__(self) -> str:
        return self.asset_tag


class ItemEvent(db.Model):
    """One change of an item: who, when, where, from which state to which, why. Append-only."""

    __tablename__ = "item_event"
    __table_args__ = (
        Index("ix_item_event_item_id_id", "item_id", "id"),
        # The forecast's refurbish rate reads the returns of a period.
        Index("ix_item_event_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depot.id"))
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loan.id"))
    note: Mapped[str | None] = mapped_column(Text)

    item: Mapped[Item] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()
    depot: Mapped[Depot | None] = relationship()


class Transfer(db.Model):
    """An item on its way from one depot to another."""

    __tablename__ = "transfer"
    __table_args__ = (
        CheckConstraint("from_depot_id <> to_depot_id", name="different_depots"),
        # At most one open transfer per item.
        Index(
            "uq_transfer_open_item",
            "item_id",
            unique=True,
            sqlite_where=db.text("received_at IS NULL"),
            postgresql_where=db.text("received_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    from_depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
    to_depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    received_at: Mapped[datetime | None]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    item: Mapped[Item] = relationship()
    from_depot: Mapped[Depot] = relationship(foreign_keys=[from_depot_id])
    to_depot: Mapped[Depot] = relationship(foreign_keys=[to_depot_id])


class InspectionPlan(db.Model):
    """Inspections for a product type: every N months, and/or after every loan."""

    __tablename__ = "inspection_plan"
    __table_args__ = (
        UniqueConstraint("product_type_id"),
        CheckConstraint(
            "interval_months IS NULL OR interval_months BETWEEN 1 AND 120", name="interval"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_type.id"))
    interval_months: Mapped[int | None]
    after_every_loan: Mapped[bool] = mapped_column(default=False)
    instructions: Mapped[str | None] = mapped_column(Text)

    product_type: Mapped[ProductType] = relationship()


class Inspection(db.Model):
    """A recorded inspection of one item."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    passed: Mapped[bool]
    note: Mapped[str | None] = mapped_column(Text)

    item: Mapped[Item] = relationship()
    user: Mapped[User | None] = relationship()


class ItemCount(db.Model):
    """How many items there are per depot, product, owner and state.

    Kept in step with `item` by database triggers (migration 0003), so that the overview
    sums a few thousand rows instead of counting a million items on every request.
    """

    __tablename__ = "item_count"
    __table_args__ = (
        UniqueConstraint("depot_id", "product_id", "owner_id", "status"),
        CheckConstraint("n >= 0", name="n_nonneg"),
        Index("ix_item_count_product_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str] = mapped_column(String(12))
    n: Mapped[int] = mapped_column(default=0)
