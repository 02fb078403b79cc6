"""Citizens: the people devices are lent to. Health data under GDPR art. 9."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Numeric, String
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
    # The home on the map, for ordering delivery stops; None: use the postcode's centre.
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    # The municipality responsible for the citizen: the tenant boundary.
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:  # never the CPR: reprs end up in logs
        return f"<Citizen {self.id}>"


class AccessLogEntry(db.Model):
    """Who read, searched, changed or exported a citizen's data, and when (UTC). Append-only.

    For searches the criterion names what was searched by, never a CPR number itself.
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id"), index=True)
    criterion: Mapped[str | None] = mapped_column(String(200))
