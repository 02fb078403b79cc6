"""The harmonised catalogue: product types (ISO 9999), products, suppliers, framework contracts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.db import Money
from depot.extensions import db
from depot.organisations.models import utcnow

# Measurements a product can carry, in the catalogue's units; labels live in the views.
MEASUREMENTS = (
    "seat_width_cm",
    "seat_depth_cm",
    "seat_height_cm",
    "length_cm",
    "width_cm",
    "height_cm",
    "max_user_weight_kg",
    "weight_kg",
)


class ProductType(db.Model):
    """A kind of device, identified by its ISO 9999 code in a given edition."""

    __tablename__ = "product_type"
    __table_args__ = (
        UniqueConstraint("iso_code", "iso_edition"),
        CheckConstraint("iso_edition BETWEEN 1990 AND 2100", name="edition_range"),
        CheckConstraint("daily_rate IS NULL OR daily_rate >= 0", name="daily_rate_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    iso_code: Mapped[str] = mapped_column(String(8))  # "12 22 03"
    iso_edition: Mapped[int]
    title_da: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    reusable: Mapped[bool] = mapped_column(default=True)
    # Comma-separated names from MEASUREMENTS that matter when requesting this type.
    measurement_fields: Mapped[str] = mapped_column(String(200), default="")
    # Rent per day when one organisation lends another's item (internal settlement).
    daily_rate: Mapped[Decimal | None] = mapped_column(Money)
    # Stock distribution: the space one unit takes in a depot, and how much dearer it is to
    # move than a standard unit (a bed or a hoist needs two people and the lift).
    volume_m3: Mapped[float | None]
    handling_factor: Mapped[float] = mapped_column(default=1.0, server_default="1.0")

    products: Mapped[list[Product]] = relationship(back_populates="product_type")

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_da

    @property
    def measurement_list(self) -> list[str]:
        return [f for f in self.measurement_fields.split(",") if f]

    def __str__(self) -> str:
        return f"{self.iso_code} {self.title_da}"


class Supplier(db.Model):
    __tablename__ = "supplier"
    __table_args__ = (CheckConstraint("order_cost >= 0", name="order_cost_nonneg"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    cvr: Mapped[str | None] = mapped_column(String(8), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    # Fixed cost of placing one order with this supplier (freight, handling).
    order_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    active: Mapped[bool] = mapped_column(default=True)

    products: Mapped[list[Product]] = relationship(back_populates="supplier")
    contracts: Mapped[list[Contract]] = relationship(back_populates="supplier")

    def __str__(self) -> str:
        return self.name


class Product(db.Model):
    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("list_price >= 0", name="list_price_nonneg"),
        *(CheckConstraint(f"{m} IS NULL OR {m} > 0", name=f"{m}_positive") for m in MEASUREMENTS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hmi_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_type.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    reusable: Mapped[bool] = mapped_column(default=True)
    list_price: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str | None] = mapped_column(Text)
    seat_width_cm: Mapped[int | None]
    seat_depth_cm: Mapped[int | None]
    seat_height_cm: Mapped[int | None]
    length_cm: Mapped[int | None]
    width_cm: Mapped[int | None]
    height_cm: Mapped[int | None]
    max_user_weight_kg: Mapped[int | None]
    weight_kg: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product_type: Mapped[ProductType] = relationship(back_populates="products")
    supplier: Mapped[Supplier] = relationship(back_populates="products")

    def measurements(self) -> dict[str, int]:
        return {m: getattr(self, m) for m in MEASUREMENTS if getattr(self, m) is not None}

    def __str__(self) -> str:
        return self.name


class Contract(db.Model):
    """A framework contract with one supplier, valid for a period."""

    __tablename__ = "contract"
    __table_args__ = (CheckConstraint("valid_to >= valid_from", name="validity_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    notes: Mapped[str | None] = mapped_column(Text)

    supplier: Mapped[Supplier] = relationship(back_populates="contracts")
    lines: Mapped[list[ContractLine]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractLine.id"
    )

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class ContractLine(db.Model):
    """One product offered on a contract: pack size, minimum order, lead time, price breaks."""

    __tablename__ = "contract_line"
    __table_args__ = (
        UniqueConstraint("contract_id", "product_id"),
        CheckConstraint("pack_size >= 1", name="pack_size_positive"),
        CheckConstraint("moq >= 0", name="moq_nonneg"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    pack_size: Mapped[int] = mapped_column(default=1)
    moq: Mapped[int] = mapped_column(default=0)
    lead_time_days: Mapped[int] = mapped_column(default=14)

    contract: Mapped[Contract] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    price_breaks: Mapped[list[PriceBreak]] = relationship(
        back_populates="line", cascade="all, delete-orphan", order_by="PriceBreak.min_qty"
    )

    def unit_price_for(self, quantity: int) -> Decimal | None:
        """All-units price: the highest break whose min_qty is at most the quantity."""
        price = None
        for br in self.price_breaks:
            if br.min_qty <= quantity:
                price = br.unit_price
        return price


class PriceBreak(db.Model):
    __tablename__ = "price_break"
    __table_args__ = (
        UniqueConstraint("line_id", "min_qty"),
        CheckConstraint("min_qty >= 1", name="min_qty_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("contract_line.id", ondelete="CASCADE"))
    min_qty: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)

    line: Mapped[ContractLine] = relationship(back_populates="price_breaks")
