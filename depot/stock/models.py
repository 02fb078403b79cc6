"""Consumable stock per depot and product, with an append-only movement ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.auth.models import User
from depot.catalogue.models import Product
from depot.extensions import db
from depot.organisations.models import Depot, utcnow

MOVEMENT_KINDS = ("receive", "issue", "adjust", "transfer_out", "transfer_in")


class StockLevel(db.Model):
    """The balance of one consumable product in one depot; never negative."""

    __tablename__ = "stock_level"
    __table_args__ = (
        UniqueConstraint("depot_id", "product_id"),
        CheckConstraint("quantity >= 0", name="quantity_nonneg"),
        CheckConstraint("reorder_point >= 0", name="reorder_point_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    reorder_point: Mapped[int] = mapped_column(default=0)

    depot: Mapped[Depot] = relationship()
    product: Mapped[Product] = relationship()

    @property
    def below_reorder_point(self) -> bool:
        return self.quantity <= self.reorder_point and self.reorder_point > 0


class StockMovement(db.Model):
    """One change of a stock balance. Append-only; the balance equals their sum."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('receive', 'issue', 'adjust', 'transfer_out', 'transfer_in')", name="kind"
        ),
        CheckConstraint("quantity <> 0", name="quantity_nonzero"),
        CheckConstraint("balance_after >= 0", name="balance_nonneg"),
        Index("ix_stock_movement_level_id", "stock_level_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_level_id: Mapped[int] = mapped_column(ForeignKey("stock_level.id"))
    kind: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int]  # signed: + in, - out
    balance_after: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    stock_level: Mapped[StockLevel] = relationship()
    user: Mapped[User | None] = relationship()
