"""Admission notices (municipality → hospital) and discharge handovers (hospital → municipality).

A handover is written as a draft by the sending organisation, sent to the receiving
organisation's inbox, read and acknowledged there. `version` is the optimistic lock: two
people saving the same draft cannot both win (the second gets a conflict, nothing is lost).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from depot.auth.models import User
from depot.catalogue.models import ProductType
from depot.citizens.models import Citizen
from depot.clarification.models import PARTIES
from depot.extensions import db
from depot.organisations.models import Organisation, utcnow

KINDS = ("admission", "discharge")
STATES = ("draft", "sent", "acknowledged")
SECTIONS = ("in_use", "needed")
DELAY_CAUSES = (
    "device_not_ready",
    "device_wrong",
    "measurements_missing",
    "responsibility_unclear",
    "delivery_capacity",
    "other",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Handover(db.Model):
    __tablename__ = "handover"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("status", STATES), name="status"),
        CheckConstraint(
            f"delay_cause IS NULL OR {_in('delay_cause', DELAY_CAUSES)}", name="delay_cause"
        ),
        CheckConstraint("delay_hours IS NULL OR delay_hours BETWEEN 0 AND 8760", name="delay"),
        CheckConstraint(
            "door_width_cm IS NULL OR door_width_cm BETWEEN 30 AND 300", name="door_width"
        ),
        CheckConstraint("stairs_steps IS NULL OR stairs_steps BETWEEN 0 AND 500", name="stairs"),
        Index("ix_handover_receiver_status", "receiver_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    receiver_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))

    # The hospital side (both directions): ward and the therapist to call.
    department: Mapped[str | None] = mapped_column(String(120))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    admitted_at: Mapped[datetime | None]  # UTC
    expected_discharge_at: Mapped[datetime | None]  # UTC

    # The home: what the depot and the drivers need to know.
    home_situation: Mapped[str | None] = mapped_column(Text)
    floor: Mapped[str | None] = mapped_column(String(40))
    stairs_steps: Mapped[int | None]
    has_lift: Mapped[bool | None]
    door_width_cm: Mapped[int | None]  # the narrowest door on the way in
    has_key_box: Mapped[bool | None]
    access_note: Mapped[str | None] = mapped_column(Text)
    consent_to_contact: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    read_at: Mapped[datetime | None]  # first opened in the receiver's inbox
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    # After discharge: did the citizen wait for a device? (the figure the pilot lacked)
    discharged_at: Mapped[datetime | None]
    delay_hours: Mapped[int | None]
    delay_cause: Mapped[str | None] = mapped_column(String(24))
    delay_note: Mapped[str | None] = mapped_column(Text)

    citizen: Mapped[Citizen] = relationship()
    sender: Mapped[Organisation] = relationship(foreign_keys=[sender_id])
    receiver: Mapped[Organisation] = relationship(foreign_keys=[receiver_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    devices: Mapped[list[HandoverDevice]] = relationship(
        back_populates="handover", cascade="all, delete-orphan", order_by="HandoverDevice.id"
    )
    contacts: Mapped[list[HandoverContact]] = relationship(
        back_populates="handover", cascade="all, delete-orphan", order_by="HandoverContact.id"
    )

    # The ORM checks the version on every UPDATE: a stale write raises StaleDataError (409).
    __mapper_args__ = {"version_id_col": version}

    @property
    def devices_in_use(self) -> list[HandoverDevice]:
        return [d for d in self.devices if d.section == "in_use"]

    @property
    def devices_needed(self) -> list[HandoverDevice]:
        return [d for d in self.devices if d.section == "needed"]

    def __repr__(self) -> str:
        return f"<Handover {self.id} {self.kind} {self.status}>"


class HandoverDevice(db.Model):
    """A device the citizen has (`in_use`) or needs (`needed`), with its measurements.

    For a needed device the catalogue's suggestion is kept with its reason; `delivered_by` is
    who is to deliver (the suggestion unless overridden with a reason) and `actual_party` who
    did deliver, once known: when they differ from the suggestion a deviation case opens.
    """

    __tablename__ = "handover_device"
    __table_args__ = (
        CheckConstraint(_in("section", SECTIONS), name="section"),
        CheckConstraint("quantity BETWEEN 1 AND 20", name="quantity_range"),
        CheckConstraint(
            "expected_duration_days IS NULL OR expected_duration_days BETWEEN 1 AND 3650",
            name="duration_range",
        ),
        CheckConstraint(
            f"delivered_by IS NULL OR {_in('delivered_by', PARTIES)}", name="delivered_by"
        ),
        CheckConstraint(
            f"suggested_party IS NULL OR {_in('suggested_party', PARTIES)}",
            name="suggested_party",
        ),
        CheckConstraint(
            f"actual_party IS NULL OR {_in('actual_party', PARTIES)}", name="actual_party"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(
        ForeignKey("handover.id", ondelete="CASCADE"), index=True
    )
    section: Mapped[str] = mapped_column(String(8))
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_type.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    # JSON object: measurement name → integer (as on request lines, requests.measurements).
    measurements: Mapped[str] = mapped_column(Text, default="{}")
    note: Mapped[str | None] = mapped_column(String(200))
    # In use: the item on loan it was pre-filled from, if any.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    # Needed:
    needed_by: Mapped[datetime | None]  # UTC
    expected_duration_days: Mapped[int | None]  # None: a lasting need
    suggested_party: Mapped[str | None] = mapped_column(String(12))  # None: the rules can't say
    suggestion_reason: Mapped[str | None] = mapped_column(Text)
    delivered_by: Mapped[str | None] = mapped_column(String(12))
    override_reason: Mapped[str | None] = mapped_column(String(300))
    # The request line the need was turned into; its delivery records `actual_party`.
    request_line_id: Mapped[int | None] = mapped_column(ForeignKey("request_line.id"), index=True)
    actual_party: Mapped[str | None] = mapped_column(String(12))
    delivered_at: Mapped[datetime | None]

    handover: Mapped[Handover] = relationship(back_populates="devices")
    product_type: Mapped[ProductType] = relationship()
    item = relationship("Item")
    request_line = relationship("RequestLine")

    @property
    def overridden(self) -> bool:
        return bool(self.delivered_by and self.delivered_by != self.suggested_party)


class HandoverContact(db.Model):
    """A relative or neighbour to call (with the citizen's consent), and whether they hold a key."""

    __tablename__ = "handover_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(
        ForeignKey("handover.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(30))
    has_key: Mapped[bool] = mapped_column(default=False)

    handover: Mapped[Handover] = relationship(back_populates="contacts")
