"""Rules of the clarification catalogue (afklaringskatalog), one per ISO 9999 code or class."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from depot.extensions import db
from depot.organisations.models import utcnow

PARTIES = ("region", "municipality")
RULE_PARTIES = (*PARTIES, "depends")
RULE_PURPOSES = ("treatment", "training", "compensation")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ClarificationRule(db.Model):
    """Who provides devices of an ISO 9999 code (or of a whole class, by a shorter code).

    The longest code that prefixes a product type's code applies. A need expected to last
    fewer days than `duration_threshold_days` goes to `short_term_party` (e.g. a wheelchair
    for a few weeks after surgery: the region), otherwise to `responsible_party`.
    """

    __tablename__ = "clarification_rule"
    __table_args__ = (
        CheckConstraint(_in("purpose", RULE_PURPOSES), name="purpose"),
        CheckConstraint(_in("responsible_party", RULE_PARTIES), name="responsible_party"),
        CheckConstraint(
            f"short_term_party IS NULL OR {_in('short_term_party', PARTIES)}",
            name="short_term_party",
        ),
        CheckConstraint(
            "duration_threshold_days IS NULL OR duration_threshold_days BETWEEN 1 AND 3650",
            name="threshold_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "12 22 03" (a type) or "12 22" / "12" (a class): digits in pairs separated by spaces.
    iso_code: Mapped[str] = mapped_column(String(8), unique=True)
    purpose: Mapped[str] = mapped_column(String(12))
    responsible_party: Mapped[str] = mapped_column(String(12))
    duration_threshold_days: Mapped[int | None]
    short_term_party: Mapped[str | None] = mapped_column(String(12))
    guidance: Mapped[str | None] = mapped_column(Text)
    # One link or reference per line: decisions and cases that settled similar needs.
    precedents: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @property
    def precedent_list(self) -> list[str]:
        return [line.strip() for line in (self.precedents or "").splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<ClarificationRule {self.iso_code}>"
