"""Deviation cases: a device delivered by another party than the one responsible.

Opened automatically when a handover's device is delivered by another party than the
clarification catalogue suggests, or by hand by a coordinator. Reviewed at the coordinators'
meetings: open → discussed → concluded. No personal data: a case names the municipality,
the product type and the handover's number, never the citizen.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.auth.models import User
from depot.catalogue.models import ProductType
from depot.clarification.models import PARTIES
from depot.extensions import db
from depot.organisations.models import Organisation, utcnow

CASE_STATES = ("open", "discussed", "concluded")
CAUSES = ("catalogue_unclear", "handover_error", "municipality_late", "after_hours", "other")
SETTLEMENTS = ("none", "returned", "taken_over")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class DeviationCase(db.Model):
    __tablename__ = "deviation_case"
    __table_args__ = (
        CheckConstraint(_in("status", CASE_STATES), name="status"),
        CheckConstraint(_in("delivered_by", PARTIES), name="delivered_by"),
        CheckConstraint(_in("should_have_been", PARTIES), name="should_have_been"),
        CheckConstraint("delivered_by <> should_have_been", name="parties_differ"),
        CheckConstraint(f"cause IS NULL OR {_in('cause', CAUSES)}", name="cause"),
        CheckConstraint(_in("settlement", SETTLEMENTS), name="settlement"),
        CheckConstraint("minutes_spent BETWEEN 0 AND 100000", name="minutes_range"),
        CheckConstraint(
            "settlement_amount IS NULL OR settlement_amount >= 0", name="amount_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    # The municipality the case concerns: the unit of the quarterly statistics.
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handover.id"), index=True)
    # One automatic case per handover device at most.
    handover_device_id: Mapped[int | None] = mapped_column(
        ForeignKey("handover_device.id"), unique=True
    )
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_type.id"))
    delivered_by: Mapped[str] = mapped_column(String(12))
    should_have_been: Mapped[str] = mapped_column(String(12))
    cause: Mapped[str | None] = mapped_column(String(20))  # None until the case is assessed
    cause_note: Mapped[str | None] = mapped_column(Text)
    minutes_spent: Mapped[int] = mapped_column(default=0)
    settlement: Mapped[str] = mapped_column(String(12), default="none")
    settlement_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    meeting_date: Mapped[date | None]
    conclusion: Mapped[str | None] = mapped_column(Text)
    opened_automatically: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    discussed_at: Mapped[datetime | None]
    concluded_at: Mapped[datetime | None]
    concluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    municipality: Mapped[Organisation] = relationship()
    product_type: Mapped[ProductType] = relationship()
    handover = relationship("Handover")
    handover_device = relationship("HandoverDevice")
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    concluded_by: Mapped[User | None] = relationship(foreign_keys=[concluded_by_id])

    def __repr__(self) -> str:
        return f"<DeviationCase {self.id} {self.status}>"
