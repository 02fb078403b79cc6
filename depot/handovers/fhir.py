"""A sent handover as a FHIR R4 message Bundle, after MedCom's CareCommunication pattern.

The Bundle (`type` "message") holds, in order: a `MessageHeader` (event
`care-communication-message`, focus the Communication), the `Communication` (category
`assistive-devices` from MedCom's CareCommunication category codes; payload: a text summary
and the handover PDF as an attachment), the `Patient` (CPR as identifier), one
`RelatedPerson` per relative or neighbour, one `DeviceRequest` per needed device (ISO 9999
code, quantity and measurements in `parameter`), and the sending and receiving
`Organization`s. Every entry has a `urn:uuid:` fullUrl and is referred to by it.

The pattern is followed, not MedCom's profiles (they need SOR and EAN codes the depot does
not keep), so no `meta.profile` is claimed. Code systems:

- ISO 9999 has no official FHIR URI: `urn:iso:std:iso:9999` (the ISO URN of the standard,
  as FHIR names ISO code systems, e.g. `urn:iso:std:iso:3166`), `version` the edition.
- Measurements and quantities are UCUM (`cm`, `kg`, `{piece}`); their names, and the
  identifiers of handovers, devices and organisations, use the depot's own systems under
  `FHIR_SYSTEM_BASE` (a setting; a placeholder base by default).
- Resources made from rows (patient, contacts, needs, organisations, the communication)
  get name-based UUIDs, the same in every export; the Bundle and the MessageHeader are a new
  message each time and get random ones.

The Bundle is validated with `fhir.resources` (its R4B models, which match R4 for these
resources) before it is returned.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

from fhir.resources.R4B.bundle import Bundle
from flask import current_app
from flask_babel import gettext as _

from depot.clarification.services import party_label
from depot.handovers.models import Handover, HandoverDevice
from depot.handovers.pdf import HandoverSheet, handover_pdf, sheet_for
from depot.organisations.models import Organisation, utcnow
from depot.requests import measurements
from depot.web.i18n import current_language

MEDCOM_TERMINOLOGY = "http://medcomfhir.dk/ig/terminology/CodeSystem"
MEDCOM_CATEGORIES = f"{MEDCOM_TERMINOLOGY}/medcom-careCommunication-categoryCodes"
MEDCOM_EVENTS = f"{MEDCOM_TERMINOLOGY}/medcom-messaging-eventCodes"
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
ISO_9999 = "urn:iso:std:iso:9999"
UCUM = "http://unitsofmeasure.org"
DEFAULT_SYSTEM_BASE = "http://depot.vestklyngen.example/fhir"
UNITS = {"_cm": "cm", "_kg": "kg"}


def _base() -> str:
    return current_app.config.get("FHIR_SYSTEM_BASE", DEFAULT_SYSTEM_BASE).rstrip("/")


def _instant(value: datetime) -> str:
    """A stored UTC time as a FHIR dateTime/instant with its zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


class _Ids:
    """Name-based UUIDs for rows, so that the same row has the same id in every export."""

    def __init__(self, base: str):
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, base)

    def __call__(self, kind: str, key: object) -> str:
        return str(uuid.uuid5(self.namespace, f"{kind}/{key}"))


def _ref(resource_id: str, display: str | None = None) -> dict:
    ref = {"reference": f"urn:uuid:{resource_id}"}
    if display:
        ref["display"] = display
    return ref


def _unit(name: str) -> str | None:
    return next((unit for suffix, unit in UNITS.items() if name.endswith(suffix)), None)


# --- resources ------------------------------------------------------------------------------


def _organisation(org: Organisation, resource_id: str) -> dict:
    return {
        "resourceType": "Organization",
        "id": resource_id,
        "identifier": [{"system": f"{_base()}/organisation", "value": str(org.id)}],
        "active": bool(org.active),
        "type": [{"text": _("Region") if org.kind == "region" else _("Municipality")}],
        "name": org.name,
    }


def _patient(handover: Handover, resource_id: str, municipality_id: str) -> dict:
    citizen = handover.citizen
    words = citizen.name.split()
    name = {"use": "official", "text": citizen.name}
    if len(words) > 1:
        name |= {"family": words[-1], "given": words[:-1]}
    elif words:
        name["family"] = words[0]
    patient = {
        "resourceType": "Patient",
        "id": resource_id,
        "identifier": [{"system": CPR_SYSTEM, "value": citizen.cpr.replace("-", "")}],
        "name": [name],
        "managingOrganization": _ref(municipality_id, citizen.municipality.name),
    }
    if citizen.phone:
        patient["telecom"] = [{"system": "phone", "value": citizen.phone, "use": "home"}]
    address = {
        key: value
        for key, value in (
            ("line", [citizen.address] if citizen.address else None),
            ("city", citizen.town),
            ("postalCode", citizen.postcode),
        )
        if value
    }
    if address:
        patient["address"] = [{"use": "home", "type": "physical", **address, "country": "DK"}]
    return patient


def _related_person(contact, resource_id: str, patient_id: str) -> dict:
    relationship = [{"text": contact.relation or _("Relative or neighbour")}]
    if contact.has_key:
        relationship.append({"text": _("Has a key to the home")})
    person = {
        "resourceType": "RelatedPerson",
        "id": resource_id,
        "active": True,
        "patient": _ref(patient_id),
        "relationship": relationship,
        "name": [{"text": contact.name}],
    }
    if contact.phone:
        person["telecom"] = [{"system": "phone", "value": contact.phone}]
    return person


def _parameters(device: HandoverDevice) -> list[dict]:
    base = _base()
    parameters = [
        {
            "code": {
                "coding": [{"system": f"{base}/CodeSystem/parameter", "code": "quantity"}],
                "text": _("Quantity"),
            },
            "valueQuantity": {
                "value": device.quantity,
                "unit": _("pcs"),
                "system": UCUM,
                "code": "{piece}",
            },
        }
    ]
    values = measurements.parse(device.measurements)
    for name in sorted(values):
        quantity = {"value": values[name]}
        unit = _unit(name)
        if unit:
            quantity |= {"unit": unit, "system": UCUM, "code": unit}
        parameters.append(
            {
                "code": {
                    "coding": [{"system": f"{base}/CodeSystem/measurement", "code": name}],
                    "text": measurements.label(name),
                },
                "valueQuantity": quantity,
            }
        )
    return parameters


def _device_request(
    device: HandoverDevice,
    *,
    resource_id: str,
    patient_id: str,
    requester: dict,
    performers: dict[str, dict],
    authored: datetime | None,
) -> dict:
    product_type = device.product_type
    request = {
        "resourceType": "DeviceRequest",
        "id": resource_id,
        "identifier": [{"system": f"{_base()}/handover-device", "value": str(device.id)}],
        "status": "completed" if device.actual_party else "active",
        "intent": "order",
        "codeCodeableConcept": {
            "coding": [
                {
                    "system": ISO_9999,
                    "version": str(product_type.iso_edition),
                    "code": product_type.iso_code,
                    "display": product_type.title_da,
                }
            ],
            "text": product_type.title(current_language()),
        },
        "parameter": _parameters(device),
        "subject": _ref(patient_id),
        "requester": requester,
    }
    if device.needed_by:
        request["occurrenceDateTime"] = _instant(device.needed_by)
    if authored:
        request["authoredOn"] = _instant(authored)
    if device.delivered_by in performers:
        request["performer"] = performers[device.delivered_by]
    notes = [
        _("To be delivered by: %(party)s", party=party_label(device.delivered_by)),
        _("Catalogue: %(party)s", party=party_label(device.suggested_party)),
    ]
    if device.suggestion_reason:
        notes.append(device.suggestion_reason)
    if device.overridden and device.override_reason:
        notes.append(_("Reason for deviating: %(reason)s", reason=device.override_reason))
    if device.note:
        notes.append(device.note)
    request["note"] = [{"text": text} for text in notes]
    return request


def summary_text(sheet: HandoverSheet) -> str:
    """The handover as plain text: the Communication's readable payload."""
    lines = [f"{sheet.title} – {_('Handover no. %(number)s', number=sheet.number)}"]
    lines += [f"{_('Sent')}: {sheet.sent_at}", ""]
    lines += [f"{label}: {value}" for label, value in sheet.citizen]
    lines += [f"{label}: {value}" for label, value in sheet.hospital]
    lines += ["", _("Devices in use") + ":"]
    lines += [f"- {d.title} (ISO {d.iso_code}) × {d.quantity}" for d in sheet.devices_in_use] or [
        "- " + _("None recorded.")
    ]
    lines += ["", _("Devices needed") + ":"]
    for d in sheet.devices_needed:
        lines.append(f"- {d.title} (ISO {d.iso_code}) × {d.quantity}")
        if d.measurements:
            lines.append("  " + "; ".join(d.measurements))
        lines.append(f"  {_('Needed by')}: {d.needed_by}")
        lines.append("  " + _("To be delivered by: %(party)s", party=d.delivered_by))
        if d.override_reason:
            lines.append("  " + _("Reason for deviating: %(reason)s", reason=d.override_reason))
    if not sheet.devices_needed:
        lines.append("- " + _("None recorded."))
    lines += ["", _("Access to the home") + ":"]
    lines += [f"{label}: {value}" for label, value in sheet.home]
    if sheet.access_note:
        lines.append(f"{_('Access')}: {sheet.access_note}")
    if sheet.home_situation:
        lines.append(f"{_('Home situation')}: {sheet.home_situation}")
    lines += ["", _("Relatives and neighbours") + ":"]
    for c in sheet.contacts:
        lines.append(f"- {c.name} ({c.relation}), {c.phone}; {_('Has a key')}: {c.has_key}")
    lines.append(sheet.consent)
    if sheet.note:
        lines += ["", f"{_('Notes')}: {sheet.note}"]
    return "\n".join(lines)


# --- the bundle -----------------------------------------------------------------------------


def handover_bundle(handover: Handover, *, sheet: HandoverSheet, pdf: bytes) -> dict:
    """The FHIR R4 message Bundle of a handover, as a dict (not yet validated)."""
    ids = _Ids(_base())
    citizen = handover.citizen
    organisations = {
        org.id: org for org in (handover.sender, handover.receiver, citizen.municipality)
    }
    org_ids = {org_id: ids("organisation", org_id) for org_id in organisations}
    patient_id = ids("patient", citizen.id)
    communication_id = ids("communication", handover.id)
    sender_ref = _ref(org_ids[handover.sender_id], handover.sender.name)
    receiver_ref = _ref(org_ids[handover.receiver_id], handover.receiver.name)
    region = next((o for o in (handover.sender, handover.receiver) if o.kind == "region"), None)
    performers = {"municipality": _ref(org_ids[citizen.municipality_id], citizen.municipality.name)}
    if region is not None:
        performers["region"] = _ref(org_ids[region.id], region.name)

    related = [
        _related_person(contact, ids("related-person", contact.id), patient_id)
        for contact in handover.contacts
    ]
    requests = [
        _device_request(
            device,
            resource_id=ids("device-request", device.id),
            patient_id=patient_id,
            requester=sender_ref,
            performers=performers,
            authored=handover.sent_at,
        )
        for device in handover.devices_needed
    ]
    now = _instant(utcnow())
    locale = current_language()
    communication = {
        "resourceType": "Communication",
        "id": communication_id,
        "language": locale,
        "identifier": [{"system": f"{_base()}/handover", "value": str(handover.id)}],
        "status": "completed",
        "category": [
            {
                "coding": [
                    {
                        "system": MEDCOM_CATEGORIES,
                        "code": "assistive-devices",
                        "display": "Assistive technology",
                    }
                ],
                "text": _("Assistive devices"),
            }
        ],
        "subject": _ref(patient_id, citizen.name),
        "topic": {"text": sheet.title},
        "sender": sender_ref,
        "recipient": [receiver_ref],
        "payload": [
            {"contentString": summary_text(sheet)},
            {
                "contentAttachment": {
                    "contentType": "application/pdf",
                    "language": locale,
                    "data": base64.b64encode(pdf).decode("ascii"),
                    "title": f"{sheet.title} {handover.id}.pdf",
                    "creation": now,
                }
            },
        ],
        "note": [{"text": sheet.consent}],
    }
    about = [_ref(r["id"]) for r in (*requests, *related)]
    if about:  # FHIR allows no empty lists
        communication["about"] = about
    if handover.sent_at:
        communication["sent"] = _instant(handover.sent_at)
    header_id = str(uuid.uuid4())
    header = {
        "resourceType": "MessageHeader",
        "id": header_id,
        "eventCoding": {"system": MEDCOM_EVENTS, "code": "care-communication-message"},
        "destination": [
            {
                "name": handover.receiver.name,
                "endpoint": f"{_base()}/Organization/{handover.receiver_id}",
                "receiver": receiver_ref,
            }
        ],
        "sender": sender_ref,
        "source": {"name": "Hjælpemiddeldepot", "endpoint": _base()},
        "focus": [_ref(communication_id)],
    }
    resources = [
        header,
        communication,
        _patient(handover, patient_id, org_ids[citizen.municipality_id]),
        *related,
        *requests,
        *(_organisation(org, org_ids[org_id]) for org_id, org in organisations.items()),
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "message",
        "timestamp": now,
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def handover_fhir_json(handover: Handover, *, printed_by: str) -> str:
    """The handover's FHIR Bundle as JSON, with its PDF attached, validated by fhir.resources."""
    sheet = sheet_for(handover, printed_by=printed_by)
    data = handover_bundle(handover, sheet=sheet, pdf=handover_pdf(sheet))
    return Bundle.model_validate(data).model_dump_json(indent=2)
