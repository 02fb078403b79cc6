"""Loans of items to citizens."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.citizens.models import Citizen
from depot.db import Money
from depot.extensions import db
from depot.organisations.models import Organisation, utcnow

# The legal bases a loan or request is made under; stored as written (Danish law names).
LEGAL_BASES = (
    "Serviceloven §112",
    "Serviceloven §113",
    "Serviceloven §113b",
    "Sundhedsloven (behandlingsredskab)",
    "Rehabilitering",
    "Arbejdsmiljø",
)


class Loan(db.Model):
    __tablename__ = "loan"
    __table_args__ = (
        # The database itself refuses a second open loan of the same item.
        Index(
            "uq_loan_open_item",
            "item_id",
            unique=True,
            sqlite_where=db.text("returned_at IS NULL"),
            postgresql_where=db.text("returned_at IS NULL"),
        ),
        CheckConstraint("returned_at IS NULL OR returned_at >= started_at", name="return_order"),
        Index("ix_loan_open_started", "returned_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    # The organisation that lends (pays for) the loan; differs from the owner when borrowed.
    lender_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # The item's owner when it was lent: lender ≠ owner is settled between the two.
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    legal_basis: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expected_end: Mapped[date | None]
    returned_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    # A therapist or depot staff asked for the item to be fetched from the citizen.
    pickup_requested_at: Mapped[datetime | None]
    pickup_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    citizen: Mapped[Citizen] = relationship()
    lender: Mapped[Organisation] = relationship(foreign_keys=[lender_id])
    owner: Mapped[Organisation] = relationship(foreign_keys=[owner_id])
    item = relationship("Item")

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class OwnershipTransfer(db.Model):
    """An item changes owner, e.g. to settle a long loan of another organisation's item."""

    __tablename__ = "ownership_transfer"
    __table_args__ = (
        CheckConstraint("from_organisation_id <> to_organisation_id", name="different_owners"),
        CheckConstraint("amount >= 0", name="amount_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    from_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    to_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loan.id"))
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)

    item = relationship("Item")
    from_organisation: Mapped[Organisation] = relationship(foreign_keys=[from_organisation_id])
    to_organisation: Mapped[Organisation] = relationship(foreign_keys=[to_organisation_id])
    loan: Mapped[Loan | None] = relationship()
