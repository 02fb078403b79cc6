"""Loans of items to citizens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.citizens.models import Citizen
from depot.extensions import db
from depot.organisations.models import Organisation, utcnow


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
    legal_basis: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expected_end: Mapped[date | None]
    returned_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)

    citizen: Mapped[Citizen] = relationship()
    lender: Mapped[Organisation] = relationship()
    item = relationship("Item")

    @property
    def is_open(self) -> bool:
        return self.returned_at is None
