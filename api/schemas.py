"""Marshmallow schemas of the API: query parameters in, handovers out.

Times are stored in UTC without a zone; the API writes them as ISO 8601 with `+00:00`.
Measurements go out as an object (name → integer, e.g. `{"seat_width_cm": 46}`), with the
units in the names (`_cm`, `_kg`).
"""

from __future__ import annotations

from datetime import UTC

from marshmallow import RAISE, Schema, fields, validate

from depot.handovers.queries import BOXES
from depot.requests import measurements

MAX_PER_PAGE = 100


class UtcDateTime(fields.DateTime):
    """A stored UTC time (naive) written with its zone."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class HandoverListArgs(Schema):
    """GET /api/v1/handovers?box=inbox|sent|drafts&page=1&per_page=50 (no other parameters).

    inbox (the default): received by the user's organisation; sent: sent by it; drafts: its
    drafts. Another organisation's drafts are in no box.
    """

    class Meta:
        unknown = RAISE

    box = fields.String(load_default="inbox", validate=validate.OneOf(BOXES))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, MAX_PER_PAGE))


class OrganisationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


class CitizenBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class CitizenSchema(CitizenBriefSchema):
    cpr = fields.String()
    address = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    municipality = fields.Nested(OrganisationSchema)


class ProductTypeSchema(Schema):
    id = fields.Integer()
    iso_code = fields.String()
    iso_edition = fields.Integer()
    title_da = fields.String()
    title_en = fields.String()


class DeviceSchema(Schema):
    id = fields.Integer()
    section = fields.String()
    product_type = fields.Nested(ProductTypeSchema)
    quantity = fields.Integer()
    measurements = fields.Method("dump_measurements")
    note = fields.String(allow_none=True)
    item_id = fields.Integer(allow_none=True)
    needed_by = UtcDateTime(allow_none=True)
    expected_duration_days = fields.Integer(allow_none=True)
    suggested_party = fields.String(allow_none=True)
    suggestion_reason = fields.String(allow_none=True)
    delivered_by = fields.String(allow_none=True)
    overridden = fields.Boolean()
    override_reason = fields.String(allow_none=True)
    request_line_id = fields.Integer(allow_none=True)
    actual_party = fields.String(allow_none=True)
    delivered_at = UtcDateTime(allow_none=True)

    def dump_measurements(self, device) -> dict[str, int]:
        return measurements.parse(device.measurements)


class ContactSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    relation = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    has_key = fields.Boolean()


def _name(user) -> str | None:
    return user.name if user else None


class HandoverSummarySchema(Schema):
    """A handover in a list: who, from where to where, when; no CPR number."""

    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    citizen = fields.Nested(CitizenBriefSchema)
    sender = fields.Nested(OrganisationSchema)
    receiver = fields.Nested(OrganisationSchema)
    department = fields.String(allow_none=True)
    expected_discharge_at = UtcDateTime(allow_none=True)
    updated_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)
    read_at = UtcDateTime(allow_none=True)
    acknowledged_at = UtcDateTime(allow_none=True)
    needs = fields.Function(lambda h: len(h.devices_needed))


class HandoverSchema(Schema):
    """A handover with everything on it: the citizen, the devices, the contacts."""

    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    version = fields.Integer()
    citizen = fields.Nested(CitizenSchema)
    sender = fields.Nested(OrganisationSchema)
    receiver = fields.Nested(OrganisationSchema)
    department = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    admitted_at = UtcDateTime(allow_none=True)
    expected_discharge_at = UtcDateTime(allow_none=True)
    home_situation = fields.String(allow_none=True)
    floor = fields.String(allow_none=True)
    stairs_steps = fields.Integer(allow_none=True)
    has_lift = fields.Boolean(allow_none=True)
    door_width_cm = fields.Integer(allow_none=True)
    has_key_box = fields.Boolean(allow_none=True)
    access_note = fields.String(allow_none=True)
    consent_to_contact = fields.Boolean()
    note = fields.String(allow_none=True)
    devices_in_use = fields.List(fields.Nested(DeviceSchema))
    devices_needed = fields.List(fields.Nested(DeviceSchema))
    contacts = fields.List(fields.Nested(ContactSchema))
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    updated_by = fields.Function(lambda h: _name(h.updated_by))
    sent_at = UtcDateTime(allow_none=True)
    sent_by = fields.Function(lambda h: _name(h.sent_by))
    read_at = UtcDateTime(allow_none=True)
    acknowledged_at = UtcDateTime(allow_none=True)
    acknowledged_by = fields.Function(lambda h: _name(h.acknowledged_by))
    discharged_at = UtcDateTime(allow_none=True)
    delay_hours = fields.Integer(allow_none=True)
    delay_cause = fields.String(allow_none=True)
    delay_note = fields.String(allow_none=True)
