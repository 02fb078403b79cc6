"""Handover services: start, save a draft (optimistic locking), send, read, acknowledge,
turn needs into requests, record who delivered and the discharge delay. Flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from depot.auth.models import User
from depot.catalogue.models import ProductType
from depot.citizens.models import Citizen
from depot.clarification.models import PARTIES
from depot.clarification.services import LEGAL_BASIS_BY_PURPOSE, find_rule, suggest_party
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.handovers.models import (
    DELAY_CAUSES,
    KINDS,
    SECTIONS,
    Handover,
    HandoverContact,
    HandoverDevice,
)
from depot.items.models import Item
from depot.loans.models import Loan
from depot.organisations.models import Organisation, utcnow
from depot.requests import measurements
from depot.requests import services as requests

MAX_DEVICES = 60
# Room left for the needed devices when the devices in use are pre-filled from loans.
MAX_PREFILLED = 40
MAX_CONTACTS = 10
# The scalar fields a draft's form may set (see `save_draft`).
FIELDS = (
    "department",
    "contact_name",
    "contact_phone",
    "admitted_at",
    "expected_discharge_at",
    "home_situation",
    "floor",
    "stairs_steps",
    "has_lift",
    "door_width_cm",
    "has_key_box",
    "access_note",
    "consent_to_contact",
    "note",
)


class HandoverNotFound(DomainError):
    status_code = 404


class HandoverConflict(Conflict):
    """Someone saved the handover after the editor loaded it: their version is newer."""

    def __init__(self, message, *, current: Handover):
        super().__init__(message)
        self.current = current


@dataclass
class DeviceSpec:
    """One device row as the form or the API gives it."""

    section: str
    product_type_id: int
    quantity: int = 1
    measurements: dict[str, int] = field(default_factory=dict)
    note: str | None = None
    item_id: int | None = None
    needed_by: datetime | None = None
    expected_duration_days: int | None = None
    delivered_by: str | None = None  # None: follow the catalogue's suggestion
    override_reason: str | None = None


@dataclass
class ContactSpec:
    name: str
    relation: str | None = None
    phone: str | None = None
    has_key: bool = False


def start_handover(
    *, kind: str, citizen_id: int, sender_id: int, user: User | None, receiver_id: int | None = None
) -> Handover:
    """Open a draft; the devices in use are pre-filled from the citizen's open loans."""
    if kind not in KINDS:
        raise DomainError(_l("Unknown kind of handover."))
    citizen = db.session.get(Citizen, citizen_id)
    sender = db.session.get(Organisation, sender_id)
    if citizen is None or sender is None:
        raise DomainError(_l("Unknown citizen or organisation."))
    if kind == "discharge":
        if sender.kind != "region":
            raise DomainError(_l("Discharge handovers are sent by the hospital (the region)."))
        receiver_id = citizen.municipality_id
    else:
        if sender.id != citizen.municipality_id:
            raise DomainError(_l("Admission notices are sent by the citizen's municipality."))
        receiver = db.session.get(Organisation, receiver_id) if receiver_id else None
        if receiver is None:
            receiver = db.session.scalar(
                select(Organisation)
                .where(Organisation.kind == "region", Organisation.active)
                .order_by(Organisation.id)
            )
        if receiver is None or receiver.kind != "region":
            raise DomainError(_l("Admission notices go to a region."))
        receiver_id = receiver.id
    now = utcnow()
    handover = Handover(
        kind=kind,
        status="draft",
        citizen_id=citizen.id,
        sender_id=sender.id,
        receiver_id=receiver_id,
        contact_name=user.name if user and sender.kind == "region" else None,
        created_at=now,
        created_by_id=user.id if user else None,
        updated_at=now,
        updated_by_id=user.id if user else None,
    )
    for item in _items_on_loan(citizen.id)[:MAX_PREFILLED]:
        handover.devices.append(
            HandoverDevice(
                section="in_use",
                product_type_id=item.product.product_type_id,
                quantity=1,
                item_id=item.id,
                note=f"{item.product.name} ({item.asset_tag})"[:200],
            )
        )
    db.session.add(handover)
    db.session.flush()
    return handover


def _items_on_loan(citizen_id: int) -> list[Item]:
    return list(
        db.session.scalars(
            select(Item)
            .join(Loan, Item.id == Loan.item_id)
            .where(Loan.citizen_id == citizen_id, Loan.returned_at.is_(None))
            .order_by(Loan.started_at)
        )
    )


def _check_device(spec: DeviceSpec) -> ProductType:
    if spec.section not in SECTIONS:
        raise DomainError(_l("Unknown device section."))
    product_type = db.session.get(ProductType, spec.product_type_id)
    if product_type is None:
        raise DomainError(_l("Unknown product type."))
    if not 1 <= spec.quantity <= 20:
        raise DomainError(_l("The quantity must be between 1 and 20."))
    if spec.expected_duration_days is not None and not 1 <= spec.expected_duration_days <= 3650:
        raise DomainError(_l("The expected duration must be between 1 and 3650 days."))
    if spec.delivered_by is not None and spec.delivered_by not in PARTIES:
        raise DomainError(_l("Unknown party."))
    allowed = {r.name: r for r in measurements.fields_for(product_type.measurement_list)}
    for name, value in spec.measurements.items():
        rule = allowed.get(name)
        if rule is None:
            raise DomainError(
                _l("%(field)s does not apply to %(type)s.", field=name, type=product_type.title_da)
            )
        if not rule.minimum <= value <= rule.maximum:
            raise DomainError(
                _l(
                    "%(field)s must be between %(min)s and %(max)s.",
                    field=rule.label,
                    min=rule.minimum,
                    max=rule.maximum,
                )
            )
    return product_type


def _device_row(spec: DeviceSpec, product_type: ProductType) -> HandoverDevice:
    row = HandoverDevice(
        section=spec.section,
        product_type_id=product_type.id,
        quantity=spec.quantity,
        measurements=measurements.dump(spec.measurements),
        note=(spec.note or None) and spec.note[:200],
        item_id=spec.item_id if spec.section == "in_use" else None,
    )
    if spec.section == "needed":
        suggestion = suggest_party(
            product_type=product_type, expected_duration_days=spec.expected_duration_days
        )
        row.needed_by = spec.needed_by
        row.expected_duration_days = spec.expected_duration_days
        row.suggested_party = suggestion.party
        row.suggestion_reason = suggestion.reason
        row.delivered_by = spec.delivered_by or suggestion.party
        overridden = row.delivered_by and row.delivered_by != suggestion.party
        row.override_reason = (spec.override_reason or None) if overridden else None
    return row


def check_version(handover: Handover, expected_version: int | None) -> None:
    """Refuse a write based on an older version than the one saved (optimistic locking)."""
    if expected_version is not None and expected_version != handover.version:
        who = handover.updated_by.name if handover.updated_by else "?"
        raise HandoverConflict(
            _l(
                "%(name)s saved this handover while you were editing it. Your changes were "
                "not saved: they are still in the form. Check the saved version and save again.",
                name=who,
            ),
            current=handover,
        )


def save_draft(
    *,
    handover: Handover,
    expected_version: int | None,
    user: User | None,
    fields: dict,
    devices: list[DeviceSpec],
    contacts: list[ContactSpec],
) -> Handover:
    """Replace a draft's content; refused (409) when someone saved it meanwhile."""
    db.session.refresh(handover)
    if handover.status != "draft":
        raise Conflict(_l("The handover has been sent and can no longer be changed."))
    check_version(handover, expected_version)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise DomainError(_l("Unknown fields: %(names)s", names=", ".join(sorted(unknown))))
    if len(devices) > MAX_DEVICES:
        raise DomainError(_l("At most %(n)s devices in one handover.", n=MAX_DEVICES))
    if len(contacts) > MAX_CONTACTS:
        raise DomainError(_l("At most %(n)s relatives and neighbours.", n=MAX_CONTACTS))
    _check_dates(fields)
    rows = [_device_row(spec, _check_device(spec)) for spec in devices]
    for name, value in fields.items():
        setattr(handover, name, value)
    handover.devices = rows
    handover.contacts = [
        HandoverContact(
            name=c.name.strip()[:120],
            relation=(c.relation or None) and c.relation[:60],
            phone=(c.phone or None) and c.phone[:30],
            has_key=bool(c.has_key),
        )
        for c in contacts
        if c.name and c.name.strip()
    ]
    handover.updated_at = utcnow()
    handover.updated_by_id = user.id if user else None
    db.session.flush()
    return handover


def _check_dates(fields: dict) -> None:
    admitted, discharge = fields.get("admitted_at"), fields.get("expected_discharge_at")
    if admitted and discharge and discharge < admitted:
        raise DomainError(_l("The expected discharge cannot be before the admission."))


def missing_for_sending(handover: Handover) -> list[str]:
    """What a handover lacks before it can be sent (empty: ready)."""
    missing = []
    if not handover.contact_phone:
        missing.append(str(_l("A phone number of the contact therapist.")))
    if handover.kind == "discharge":
        if handover.expected_discharge_at is None:
            missing.append(str(_l("The expected discharge date and time.")))
        if not handover.department:
            missing.append(str(_l("The hospital department.")))
    if not handover.devices:
        missing.append(str(_l("At least one device in use or needed.")))
    for row in handover.devices_needed:
        name = row.product_type.title_da
        if row.delivered_by is None:
            missing.append(str(_l("Who delivers %(type)s.", type=name)))
        elif row.overridden and not row.override_reason:
            missing.append(
                str(_l("A reason for not following the catalogue for %(type)s.", type=name))
            )
    return missing


def send_handover(*, handover: Handover, expected_version: int | None, user: User | None) -> None:
    """Send a complete draft to the receiving organisation's inbox."""
    db.session.refresh(handover)
    if handover.status != "draft":
        raise Conflict(_l("The handover has already been sent."))
    check_version(handover, expected_version)
    missing = missing_for_sending(handover)
    if missing:
        raise DomainError(_l("The handover is not complete: %(what)s", what=" ".join(missing)))
    now = utcnow()
    handover.status = "sent"
    handover.sent_at = now
    handover.sent_by_id = user.id if user else None
    handover.updated_at = now
    db.session.flush()


def delete_draft(*, handover: Handover, user: User | None) -> None:
    """Delete a draft that was never sent (nothing outside the handover refers to it)."""
    from depot.deviations.models import DeviationCase

    db.session.refresh(handover)
    if handover.status != "draft":
        raise Conflict(_l("A sent handover cannot be deleted."))
    if db.session.scalar(select(DeviationCase.id).where(DeviationCase.handover_id == handover.id)):
        raise Conflict(_l("A deviation case refers to this draft: it cannot be deleted."))
    db.session.delete(handover)
    db.session.flush()


def mark_read(*, handover: Handover, user: User) -> None:
    """The receiver opened the handover: it no longer counts as unread."""
    unread = handover.status != "draft" and handover.read_at is None
    if unread and user.organisation_id == handover.receiver_id:
        # A plain UPDATE: reading is not an edit, so the version (optimistic lock) stays.
        db.session.execute(
            update(Handover)
            .where(Handover.id == handover.id, Handover.read_at.is_(None))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(handover)


def acknowledge(*, handover: Handover, user: User) -> None:
    """The receiving organisation confirms it has received and taken over the handover."""
    if user.organisation_id != handover.receiver_id:
        raise DomainError(_l("Only the receiving organisation acknowledges a handover."))
    db.session.refresh(handover)
    if handover.status == "acknowledged":
        raise Conflict(_l("The handover has already been acknowledged."))
    if handover.status != "sent":
        raise Conflict(_l("Only a sent handover can be acknowledged."))
    now = utcnow()
    handover.status = "acknowledged"
    handover.acknowledged_at = now
    handover.acknowledged_by_id = user.id
    handover.read_at = handover.read_at or now
    db.session.flush()


def party_of(organisation: Organisation) -> str:
    return "region" if organisation.kind == "region" else "municipality"


def requestable_needs(handover: Handover, organisation: Organisation) -> list[HandoverDevice]:
    """The needs this organisation is to deliver and has not yet turned into requests."""
    if handover.status == "draft":
        return []
    party = party_of(organisation)
    return [
        row
        for row in handover.devices_needed
        if row.delivered_by == party
        and (row.request_line_id is None or row.request_line.status == "cancelled")
        and row.actual_party is None
        and row.product_type.reusable
    ]


def create_requests(
    *, handover: Handover, device_ids: list[int], depot_id: int, user: User
) -> list:
    """Turn needs into device requests of the user's organisation, one per primary purpose."""
    organisation = user.organisation
    if organisation.id not in (handover.sender_id, handover.receiver_id):
        raise HandoverNotFound(_l("No such handover."))
    available = {row.id: row for row in requestable_needs(handover, organisation)}
    chosen = [available.get(i) for i in dict.fromkeys(device_ids)]  # each need once
    if not chosen or None in chosen:
        raise Conflict(_l("Choose devices that your organisation delivers and has not requested."))
    citizen = handover.citizen
    default_needed_by = handover.expected_discharge_at or utcnow() + timedelta(days=1)
    groups: dict[str, list[HandoverDevice]] = {}
    for row in chosen:
        rule = find_rule(row.product_type.iso_code)
        groups.setdefault(rule.purpose if rule else "compensation", []).append(row)
    party = party_of(organisation)
    contact = delivery_contact(handover)
    made = []
    for purpose, rows in groups.items():
        needed_by = min(row.needed_by or default_needed_by for row in rows)
        durations = [row.expected_duration_days for row in rows]
        request = requests.create_request(
            citizen_id=citizen.id,
            organisation_id=organisation.id,
            depot_id=depot_id,
            user=user,
            lines=[
                requests.LineSpec(
                    product_type_id=row.product_type_id,
                    quantity=row.quantity,
                    measurements=measurements.parse(row.measurements),
                )
                for row in rows
            ],
            legal_basis=legal_basis(party=party, purpose=purpose),
            purpose=purpose,
            needed_by=needed_by,
            delivery_address=citizen.address or citizen.municipality.name,
            delivery_postcode=citizen.postcode,
            delivery_town=citizen.town,
            delivery_latitude=citizen.latitude,
            delivery_longitude=citizen.longitude,
            urgency="urgent" if needed_by - utcnow() < timedelta(hours=24) else "normal",
            expected_duration_days=None if None in durations else max(durations),
            contact_name=contact[0],
            contact_phone=contact[1],
            note=delivery_note(handover),
        )
        for row, line in zip(rows, request.lines, strict=True):
            _claim(row, line.id)
        made.append(request)
    db.session.flush()
    return made


def legal_basis(*, party: str, purpose: str) -> str:
    """The law a request rests on: the region lends under the health act (or for
    rehabilitation), the municipality by the rule's purpose (Serviceloven for compensation)."""
    if party == "region":
        return LEGAL_BASIS_BY_PURPOSE["training" if purpose == "training" else "treatment"]
    return LEGAL_BASIS_BY_PURPOSE[purpose]


def _claim(row: HandoverDevice, line_id: int) -> None:
    """Link a need to its request line, unless someone else did since it was read (409)."""
    seen = row.request_line_id
    condition = (
        HandoverDevice.request_line_id.is_(None)
        if seen is None
        else HandoverDevice.request_line_id == seen
    )
    claimed = db.session.execute(
        update(HandoverDevice)
        .where(HandoverDevice.id == row.id, condition)
        .values(request_line_id=line_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Conflict(_l("Someone requested these devices meanwhile. Reload the page."))
    db.session.refresh(row)


def delivery_contact(handover: Handover) -> tuple[str, str | None]:
    """Whom the driver calls: the citizen, or (with consent) a relative holding a key."""
    citizen = handover.citizen
    if citizen.phone or not handover.consent_to_contact:
        return citizen.name, citizen.phone
    reachable = [c for c in handover.contacts if c.phone]
    reachable.sort(key=lambda c: not c.has_key)
    if not reachable:
        return citizen.name, None
    return f"{reachable[0].name} ({citizen.name})"[:120], reachable[0].phone


def delivery_note(handover: Handover) -> str:
    """What the depot and the driver need from the handover: access to the home, contacts."""
    yes_no = {True: _l("yes"), False: _l("no")}
    parts = [str(_l("From handover no. %(id)s.", id=handover.id))]
    access = []
    if handover.floor:
        access.append(str(_l("floor %(floor)s", floor=handover.floor)))
    if handover.stairs_steps is not None:
        access.append(str(_l("%(steps)s steps", steps=handover.stairs_steps)))
    if handover.has_lift is not None:
        access.append(str(_l("lift: %(answer)s", answer=yes_no[handover.has_lift])))
    if handover.door_width_cm:
        access.append(str(_l("narrowest door %(cm)s cm", cm=handover.door_width_cm)))
    if handover.has_key_box is not None:
        access.append(str(_l("key box: %(answer)s", answer=yes_no[handover.has_key_box])))
    if handover.access_note:
        access.append(handover.access_note)
    if access:
        parts.append(str(_l("Access: %(details)s.", details="; ".join(access))))
    if handover.consent_to_contact:
        for c in handover.contacts:
            key = str(_l("has a key")) if c.has_key else ""
            who = ", ".join(x for x in (c.relation, c.phone, key) if x)
            parts.append(f"{c.name}: {who}" if who else c.name)
    return "\n".join(parts)


def record_delivery(
    *, device: HandoverDevice, party: str, user: User | None, at: datetime | None = None
):
    """Record who delivered a needed device; a deviation case opens when it is not the
    catalogue's party. Returns the case opened, if any."""
    from depot.deviations.services import open_case_for_device

    if device.section != "needed":
        raise DomainError(_l("Only needed devices are delivered."))
    if party not in PARTIES:
        raise DomainError(_l("Unknown party."))
    recorded = db.session.execute(
        update(HandoverDevice)
        .where(HandoverDevice.id == device.id, HandoverDevice.actual_party.is_(None))
        .values(actual_party=party, delivered_at=at or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if recorded != 1:
        raise Conflict(_l("The delivery of this device has already been recorded."))
    db.session.refresh(device)
    if device.suggested_party and device.suggested_party != party:
        return open_case_for_device(device=device, user=user)
    return None


def record_line_delivered(*, line_id: int, at: datetime | None = None) -> None:
    """A request line made from a handover need was delivered: the requester's party did it."""
    for device in db.session.scalars(
        select(HandoverDevice).where(
            HandoverDevice.request_line_id == line_id, HandoverDevice.actual_party.is_(None)
        )
    ):
        party = party_of(device.request_line.request.organisation)
        record_delivery(device=device, party=party, user=None, at=at)


def record_discharge(
    *,
    handover: Handover,
    discharged_at: datetime,
    delay_hours: int,
    delay_cause: str | None,
    delay_note: str | None,
    user: User | None,
) -> None:
    """Record the discharge and whether it waited for a device (hours and cause)."""
    if handover.kind != "discharge" or handover.status == "draft":
        raise DomainError(_l("Only a sent discharge handover records a discharge."))
    if not 0 <= delay_hours <= 8760:
        raise DomainError(_l("The delay must be between 0 and 8760 hours."))
    if delay_hours > 0 and delay_cause not in DELAY_CAUSES:
        raise DomainError(_l("Give the cause of the delay."))
    if handover.admitted_at and discharged_at < handover.admitted_at:
        raise DomainError(_l("The discharge cannot be before the admission."))
    handover.discharged_at = discharged_at
    handover.delay_hours = delay_hours
    handover.delay_cause = delay_cause if delay_hours > 0 else None
    handover.delay_note = (delay_note or None) if delay_hours > 0 else None
    handover.updated_at = utcnow()
    handover.updated_by_id = user.id if user else None
    db.session.flush()
