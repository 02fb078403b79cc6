"""Organisations (the region and the municipalities) and their depots."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.extensions import db

ORGANISATION_KINDS = ("region", "municipality")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("kind IN ('region', 'municipality')", name="kind"),
        CheckConstraint("population IS NULL OR population >= 0", name="population_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    town: Mapped[str | None] = mapped_column(String(80))
    population: Mapped[int | None]
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    depots: Mapped[list[Depot]] = relationship(back_populates="owner")

    def __str__(self) -> str:
        return self.name


class Depot(db.Model):
    """A depot: owned by one organisation, or shared (owner is empty) with ownership shares."""

    __tablename__ = "depot"
    __table_args__ = (
        CheckConstraint("capacity_m3 IS NULL OR capacity_m3 >= 0", name="capacity_nonneg"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(4))
    town: Mapped[str | None] = mapped_column(String(80))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    capacity_m3: Mapped[int | None]
    opening_hours: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[Organisation | None] = relationship(back_populates="depots")
    shares: Mapped[list[DepotShare]] = relationship(
        back_populates="depot", cascade="all, delete-orphan", order_by="DepotShare.id"
    )

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None

    def __str__(self) -> str:
        return self.name


class DepotShare(db.Model):
    """An organisation's ownership share (in percent) of a shared depot."""

    __tablename__ = "depot_share"
    __table_args__ = (
        UniqueConstraint("depot_id", "organisation_id"),
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    percent: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False))

    depot: Mapped[Depot] = relationship(back_populates="shares")
    organisation: Mapped[Organisation] = relationship()
