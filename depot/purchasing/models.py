"""Purchase rounds (forecast demand, the joint-purchase optimizer's result) and purchase orders.

A round is prepared by a procurement officer: participants with budgets and delivery depots,
contracts, horizon; the forecast demand per organisation and product is stored as editable
lines; the optimizer runs as a background job and leaves its plan as JSON on the round.
Accepting the plan creates one purchase order per supplier; receiving an order's lines
creates the items (reusable) or stock movements (consumables) in the depots.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.auth.models import User
from depot.catalogue.models import Contract, ContractLine, Product, Supplier
from depot.db import Money
from depot.extensions import db
from depot.organisations.models import Depot, Organisation, utcnow

ROUND_STATES = ("draft", "queued", "running", "solved", "failed", "accepted", "cancelled")
DELIVERY_MODES = ("shared", "each")  # to one shared depot, or to each participant's depot
FORECAST_METHODS = ("croston", "sba", "ses", "mean", "none", "manual")
ORDER_STATES = ("draft", "sent", "partly_received", "received", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PurchaseRound(db.Model):
    __tablename__ = "purchase_round"
    __table_args__ = (
        CheckConstraint(_in("status", ROUND_STATES), name="status"),
        CheckConstraint(_in("delivery", DELIVERY_MODES), name="delivery"),
        CheckConstraint("horizon_months BETWEEN 1 AND 24", name="horizon_range"),
        CheckConstraint("time_limit_seconds BETWEEN 5 AND 3600", name="time_limit_range"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    # The organisation that runs the round; its procurement officers edit and accept it.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    horizon_months: Mapped[int] = mapped_column(default=12)
    # Offers whose lead time can't deliver by this date are left out of the round.
    needed_by: Mapped[date | None]
    delivery: Mapped[str] = mapped_column(String(8), default="shared")
    delivery_depot_id: Mapped[int | None] = mapped_column(ForeignKey("depot.id"))
    # The day the demand was forecast: the history's months end the month before.
    forecast_on: Mapped[date | None]
    time_limit_seconds: Mapped[int] = mapped_column(default=60)
    with_shapley: Mapped[bool] = mapped_column(default=True)
    # The background job's progress, written by the job in its own transactions.
    progress: Mapped[int] = mapped_column(default=0)
    progress_note: Mapped[str | None] = mapped_column(String(200))
    job_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)  # the plan as JSON
    error: Mapped[str | None] = mapped_column(Text)
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    delivery_depot: Mapped[Depot | None] = relationship()
    participants: Mapped[list[PurchaseRoundParticipant]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="PurchaseRoundParticipant.id"
    )
    contracts: Mapped[list[PurchaseRoundContract]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="PurchaseRoundContract.id"
    )
    demand_lines: Mapped[list[PurchaseRoundDemand]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="PurchaseRoundDemand.id"
    )


class PurchaseRoundParticipant(db.Model):
    __tablename__ = "purchase_round_participant"
    __table_args__ = (
        UniqueConstraint("round_id", "organisation_id"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("purchase_round.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    # Where this participant's units are delivered when the round delivers to each depot.
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depot.id"))

    round: Mapped[PurchaseRound] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship()
    depot: Mapped[Depot | None] = relationship()


class PurchaseRoundContract(db.Model):
    __tablename__ = "purchase_round_contract"
    __table_args__ = (UniqueConstraint("round_id", "contract_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("purchase_round.id", ondelete="CASCADE"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)

    round: Mapped[PurchaseRound] = relationship(back_populates="contracts")
    contract: Mapped[Contract] = relationship()


class PurchaseRoundDemand(db.Model):
    """One organisation's demand for one product in a round: the forecast and the edit."""

    __tablename__ = "purchase_round_demand"
    __table_args__ = (
        UniqueConstraint("round_id", "organisation_id", "product_id"),
        CheckConstraint(_in("method", FORECAST_METHODS), name="method"),
        CheckConstraint("quantity BETWEEN 0 AND 1000000", name="quantity_range"),
        CheckConstraint("forecast_quantity >= 0", name="forecast_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("purchase_round.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    # Expected gross demand over the horizon, before returns and stock (one decimal).
    gross_demand: Mapped[float] = mapped_column(default=0.0)
    expected_returns: Mapped[int] = mapped_column(default=0)
    usable_stock: Mapped[int] = mapped_column(default=0)
    on_order: Mapped[int] = mapped_column(default=0)  # on open purchase orders already
    forecast_quantity: Mapped[int] = mapped_column(default=0)  # net, rounded up
    quantity: Mapped[int] = mapped_column(default=0)  # what the optimizer buys for; editable
    # The monthly history the forecast came from, oldest first, as comma-separated counts.
    history: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[PurchaseRound] = relationship(back_populates="demand_lines")
    organisation: Mapped[Organisation] = relationship()
    product: Mapped[Product] = relationship()


class PurchaseOrder(db.Model):
    """An order to one supplier, from an accepted round (or written by hand)."""

    __tablename__ = "purchase_order"
    __table_args__ = (
        CheckConstraint(_in("status", ORDER_STATES), name="status"),
        CheckConstraint("order_cost >= 0", name="order_cost_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # "IO-2026-00012"
    round_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_round.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    # The organisation that places the order on behalf of the participants.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    order_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime | None]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    expected_delivery: Mapped[date | None]
    received_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    round: Mapped[PurchaseRound | None] = relationship()
    supplier: Mapped[Supplier] = relationship()
    contract: Mapped[Contract | None] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="PurchaseOrderLine.id"
    )


class PurchaseOrderLine(db.Model):
    """Units of one product for one organisation, delivered to one depot."""

    __tablename__ = "purchase_order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_nonneg"),
        CheckConstraint(
            "received_quantity >= 0 AND received_quantity <= quantity", name="received_range"
        ),
        Index("ix_purchase_order_line_depot", "depot_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    contract_line_id: Mapped[int | None] = mapped_column(ForeignKey("contract_line.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    received_quantity: Mapped[int] = mapped_column(default=0)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    contract_line: Mapped[ContractLine | None] = relationship()
    organisation: Mapped[Organisation] = relationship()
    depot: Mapped[Depot] = relationship()
    receipts: Mapped[list[PurchaseReceipt]] = relationship(
        back_populates="line", order_by="PurchaseReceipt.id", viewonly=True
    )


class PurchaseReceipt(db.Model):
    """One delivery received against an order line: who, when, how many. Append-only."""

    __tablename__ = "purchase_receipt"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_order_line.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)

    line: Mapped[PurchaseOrderLine] = relationship(back_populates="receipts")
    by: Mapped[User | None] = relationship()
