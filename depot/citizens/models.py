"""Citizens: the people devices are lent to. Health data under GDPR art. 9."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.extensions import db
from depot.organisations.models import Organisation, utcnow


class Citizen(db.Model):
    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    cpr: Mapped[str] = mapped_column(String(11), unique=True)  # DDMMYY-SSSS
    name: Mapped[str] = mapped_column(String(120), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(4))
    town: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(30))
    # The municipality responsible for the citizen: the tenant boundary.
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:  # never the CPR: reprs end up in logs
        return f"<Citizen {self.id}>"
