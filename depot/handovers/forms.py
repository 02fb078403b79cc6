"""The handover form: the scalar fields, the device rows and the contact rows (the actions on
a handover are in forms_actions.py).

A device row carries an input for every measurement there is. Without JavaScript they are all
shown; static/handovers.js hides those the chosen product type does not use. Validation
refuses a value for a measurement the type does not use, so nothing is stored that the page
would not show.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Length, NumberRange, Optional, Regexp

from depot.catalogue.models import ProductType
from depot.clarification.models import PARTIES
from depot.clarification.services import PARTY_LABELS
from depot.handovers import services
from depot.handovers.models import Handover
from depot.requests import measurements
from depot.web.forms import AppForm, SubForm, parse_id
from depot.web.forms import optional_id as _optional_int
from depot.web.forms import strip_text as _strip
from depot.web.i18n import local_today

TEXT_MAX = 2000
NOTE_MAX = 200
REASON_MAX = 300
DEFAULT_TIME = time(12, 0)
EARLIEST = date(2000, 1, 1)
AHEAD_DAYS = 730  # dates at most two years ahead
# Blank rows offered at the end of the form (no JavaScript needed to add rows).
BLANK_NEEDED = 2
BLANK_IN_USE = 1
BLANK_CONTACTS = 2
MEASUREMENT_NAMES = (*measurements.RULES, *measurements.INFO_FIELDS)
# What a row's "who delivers" may say; "" follows the catalogue's suggestion.
FOLLOW = ""
TRISTATE = [("", _l("Unknown")), ("yes", _l("Yes")), ("no", _l("No"))]
PHONE = Regexp(
    r"^\+?[0-9 ()-]+$", message=_l("A phone number has digits, spaces and at most a leading +.")
)


def _given(field) -> bool:
    """Something was typed (posted forms) or stored (loaded forms) in the field."""
    if field.raw_data is not None:
        return any(str(v).strip() for v in field.raw_data)
    return field.data not in (None, "", False)


def set_error(field, message) -> None:
    # A field's errors are a tuple until it has been validated.
    field.errors = [*field.errors, message]


def _text(label, maximum, **kwargs):
    return StringField(
        label,
        filters=[_strip],
        validators=[Optional(), Length(max=maximum)],
        render_kw={"maxlength": maximum},
        **kwargs,
    )


def text_area(label, maximum=TEXT_MAX, rows=3):
    return TextAreaField(
        label,
        filters=[_strip],
        validators=[Optional(), Length(max=maximum)],
        render_kw={"rows": rows, "maxlength": maximum},
    )


def _number(label, minimum, maximum):
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(
                min=minimum,
                max=maximum,
                message=_l("Enter a whole number from %(min)s to %(max)s."),
            ),
        ],
        render_kw={"min": minimum, "max": maximum, "step": 1},
    )


def _tristate(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _tristate_value(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def check_day(field, *, latest: date | None = None) -> bool:
    """A date from 2000 up to two years ahead (or `latest`): junk years never reach the
    time zone arithmetic."""
    day = field.data
    if day is None:
        return True
    latest = latest or local_today() + timedelta(days=AHEAD_DAYS)
    if day < EARLIEST:
        set_error(field, _l("Enter a date from 2000 onwards."))
        return False
    if day > latest:
        set_error(field, _l("The date is too far ahead."))
        return False
    return True


def local_moment(date_field, time_field) -> datetime | None:
    """A date and a time typed in local time, as naive UTC for storage (None: no date)."""
    if date_field.data is None:
        return None
    return to_utc(datetime.combine(date_field.data, time_field.data or DEFAULT_TIME))


def split_local(value: datetime | None) -> tuple[date | None, time | None]:
    """A stored naive UTC moment as the local date and time the form shows."""
    if value is None:
        return None, None
    local = to_user_timezone(value)
    return local.date(), local.time().replace(second=0, microsecond=0, tzinfo=None)


def _check_moment(date_field, time_field) -> bool:
    if date_field.data is None and time_field.data is not None and not date_field.errors:
        set_error(date_field, _l("Enter the date as well as the time."))
        return False
    return check_day(date_field) if not date_field.errors else False


# --- device and contact rows ------------------------------------------------------------------


class DeviceRowForm(SubForm):
    """One device in use or needed. A row without a product type and nothing typed is blank."""

    section = HiddenField()
    item_id = HiddenField()  # in use: the item on loan it was pre-filled from
    product_type_id = SelectField(_l("Product type"), coerce=_optional_int, validate_choice=False)
    quantity = _number(_l("Quantity"), 1, 20)
    note = _text(_l("Note"), NOTE_MAX)
    needed_date = DateField(_l("Needed by (date)"), validators=[Optional()])
    needed_time = TimeField(_l("Needed by (time)"), validators=[Optional()])
    duration_days = _number(_l("Expected duration (days)"), 1, 3650)
    delivered_by = SelectField(
        _l("Who delivers"),
        choices=[(FOLLOW, _l("Follow the suggestion"))] + [(p, PARTY_LABELS[p]) for p in PARTIES],
        default=FOLLOW,
    )
    override_reason = _text(_l("Reason for not following the suggestion"), REASON_MAX)

    # Set by HandoverForm.set_choices: the chosen type, if it is one of the choices.
    product_type: ProductType | None = None

    @property
    def needed(self) -> bool:
        return self.section.data == "needed"

    def _typed(self) -> bool:
        others = [self.note, self.needed_date, self.needed_time, self.duration_days]
        others += [self.override_reason, *(self[name] for name in MEASUREMENT_NAMES)]
        return any(_given(f) for f in others)

    def is_blank(self) -> bool:
        return not _given(self.product_type_id) and not self._typed()

    def rules(self) -> list[measurements.MeasurementRule]:
        if self.product_type is None:
            return []
        return measurements.fields_for(self.product_type.measurement_list)

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        if self.section.data not in ("in_use", "needed"):
            self.section.data = "needed"  # a tampered row is read as a need
        if self.is_blank():
            for field in self:
                field.errors = []
            return True
        field = self.product_type_id
        if self.product_type is None and not field.errors:
            set_error(field, _l("Choose a product type from the list."))
        if self.quantity.data is None and not self.quantity.errors:
            set_error(self.quantity, _l("Enter a quantity from 1 to 20."))
        self._validate_measurements()
        if self.needed:
            _check_moment(self.needed_date, self.needed_time)
        else:
            for name in ("needed_date", "needed_time", "duration_days", "override_reason"):
                self[name].errors = []  # not shown for devices in use: ignored
            self.delivered_by.errors = []
        return not any(f.errors for f in self)

    def _validate_measurements(self) -> None:
        rules = {rule.name: rule for rule in self.rules()}
        for name in MEASUREMENT_NAMES:
            field, rule = self[name], rules.get(name)
            if field.errors or field.data is None:
                continue
            if rule is None:
                if self.product_type is not None:
                    set_error(
                        field,
                        _l(
                            "%(field)s does not apply to %(type)s: leave it empty.",
                            field=measurements.label(name),
                            type=self.product_type.title_da,
                        ),
                    )
            elif not rule.minimum <= field.data <= rule.maximum:
                set_error(
                    field,
                    _l(
                        "%(field)s: enter a value from %(min)s to %(max)s.",
                        field=rule.label,
                        min=rule.minimum,
                        max=rule.maximum,
                    ),
                )

    def measurement_values(self) -> dict[str, int]:
        return {
            rule.name: self[rule.name].data
            for rule in self.rules()
            if self[rule.name].data is not None
        }

    def spec(self, allowed_items: set[int]) -> services.DeviceSpec:
        item_id = parse_id(self.item_id.data)
        needed = self.needed
        return services.DeviceSpec(
            section="needed" if needed else "in_use",
            product_type_id=self.product_type.id,
            quantity=self.quantity.data,
            measurements=self.measurement_values(),
            note=self.note.data or None,
            item_id=item_id if not needed and item_id in allowed_items else None,
            needed_by=local_moment(self.needed_date, self.needed_time) if needed else None,
            expected_duration_days=self.duration_days.data if needed else None,
            delivered_by=(self.delivered_by.data or None) if needed else None,
            override_reason=(self.override_reason.data or None) if needed else None,
        )


for _name in MEASUREMENT_NAMES:
    _rule = measurements.RULES.get(_name) or measurements.INFO_FIELDS[_name]
    setattr(
        DeviceRowForm,
        _name,
        IntegerField(
            _rule.label,
            validators=[Optional()],
            render_kw={"min": _rule.minimum, "max": _rule.maximum, "step": 1},
        ),
    )


class ContactRowForm(SubForm):
    """A relative or neighbour; a row with nothing typed is blank."""

    name = _text(_l("Name"), 120)
    relation = _text(_l("Relation"), 60)
    phone = StringField(
        _l("Phone"),
        filters=[_strip],
        validators=[Optional(), Length(max=30), PHONE],
        render_kw={"maxlength": 30, "inputmode": "tel"},
    )
    has_key = BooleanField(_l("Has a key"))

    def is_blank(self) -> bool:
        return not any(_given(f) for f in (self.name, self.relation, self.phone)) and not (
            self.has_key.data
        )

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        if self.is_blank():
            for field in self:
                field.errors = []
            return True
        if not self.name.data and not self.name.errors:
            set_error(self.name, _l("Enter the name."))
        return not any(f.errors for f in self)

    def spec(self) -> services.ContactSpec:
        return services.ContactSpec(
            name=self.name.data,
            relation=self.relation.data or None,
            phone=self.phone.data or None,
            has_key=bool(self.has_key.data),
        )


# --- the handover ------------------------------------------------------------------------------


class HandoverForm(AppForm):
    # The version the editor loaded (optimistic locking): saving an older one is refused.
    version = HiddenField()
    department = _text(_l("Hospital department"), 120)
    contact_name = _text(_l("Contact therapist"), 120)
    contact_phone = StringField(
        _l("Contact therapist's phone"),
        filters=[_strip],
        validators=[Optional(), Length(max=30), PHONE],
        render_kw={"maxlength": 30, "inputmode": "tel"},
    )
    admitted_date = DateField(_l("Admitted (date)"), validators=[Optional()])
    admitted_time = TimeField(_l("Admitted (time)"), validators=[Optional()])
    discharge_date = DateField(_l("Expected discharge (date)"), validators=[Optional()])
    discharge_time = TimeField(_l("Expected discharge (time)"), validators=[Optional()])
    home_situation = text_area(_l("Home situation"))
    floor = _text(_l("Floor"), 40)
    stairs_steps = _number(_l("Steps of stairs"), 0, 500)
    has_lift = SelectField(_l("Lift"), choices=TRISTATE, default="")
    door_width_cm = _number(_l("Narrowest door (cm)"), 30, 300)
    has_key_box = SelectField(_l("Key box"), choices=TRISTATE, default="")
    access_note = text_area(_l("Access to the home"), rows=2)
    consent_to_contact = BooleanField(_l("The citizen consents to contact with these people"))
    note = text_area(_l("Notes"), rows=4)
    devices = FieldList(
        FormField(DeviceRowForm),
        label=_l("Devices"),
        max_entries=services.MAX_DEVICES + BLANK_NEEDED + BLANK_IN_USE,
    )
    contacts = FieldList(
        FormField(ContactRowForm),
        label=_l("Relatives and neighbours"),
        max_entries=services.MAX_CONTACTS + BLANK_CONTACTS,
    )
    save = SubmitField(_l("Save draft"))
    send = SubmitField(_l("Save and send"))

    @classmethod
    def data_of(cls, handover: Handover) -> dict:
        """The form's values for a saved handover."""
        admitted_date, admitted_time = split_local(handover.admitted_at)
        discharge_date, discharge_time = split_local(handover.expected_discharge_at)
        devices = []
        for row in handover.devices:
            values = measurements.parse(row.measurements)
            needed_date, needed_time = split_local(row.needed_by)
            overridden = row.delivered_by and row.delivered_by != row.suggested_party
            devices.append(
                {
                    "section": row.section,
                    "item_id": str(row.item_id or ""),
                    "product_type_id": row.product_type_id,
                    "quantity": row.quantity,
                    "note": row.note,
                    "needed_date": needed_date,
                    "needed_time": needed_time,
                    "duration_days": row.expected_duration_days,
                    "delivered_by": row.delivered_by if overridden else FOLLOW,
                    "override_reason": row.override_reason,
                    **{name: values.get(name) for name in MEASUREMENT_NAMES},
                }
            )
        return {
            "version": str(handover.version),
            "department": handover.department,
            "contact_name": handover.contact_name,
            "contact_phone": handover.contact_phone,
            "admitted_date": admitted_date,
            "admitted_time": admitted_time,
            "discharge_date": discharge_date,
            "discharge_time": discharge_time,
            "home_situation": handover.home_situation,
            "floor": handover.floor,
            "stairs_steps": handover.stairs_steps,
            "has_lift": _tristate_value(handover.has_lift),
            "door_width_cm": handover.door_width_cm,
            "has_key_box": _tristate_value(handover.has_key_box),
            "access_note": handover.access_note,
            "consent_to_contact": handover.consent_to_contact,
            "note": handover.note,
            "devices": devices,
            "contacts": [
                {"name": c.name, "relation": c.relation, "phone": c.phone, "has_key": c.has_key}
                for c in handover.contacts
            ],
        }

    def ensure_blank_rows(self) -> None:
        """Offer empty rows: two needed devices, one device in use, two contacts."""
        rows = [entry.form for entry in self.devices]
        for section, wanted in (("needed", BLANK_NEEDED), ("in_use", BLANK_IN_USE)):
            blanks = sum(1 for r in rows if r.is_blank() and r.section.data == section)
            for _ in range(wanted - blanks):
                if len(self.devices) < self.devices.max_entries:
                    self.devices.append_entry({"section": section, "quantity": 1})
        blanks = sum(1 for entry in self.contacts if entry.form.is_blank())
        for _ in range(BLANK_CONTACTS - blanks):
            if len(self.contacts) < self.contacts.max_entries:
                self.contacts.append_entry()

    def set_choices(self, types) -> None:
        """The product types to choose from; each option says which measurements it uses."""
        by_id = {t.id: t for t in types}
        choices = [("", "—", {})] + [
            (
                t.id,
                f"{t.iso_code} {t.title_da}",
                {"data-measurements": ",".join(r.name for r in self._rules_of(t))},
            )
            for t in types
        ]
        for entry in self.devices:
            row = entry.form
            row.product_type_id.choices = choices
            row.product_type = by_id.get(row.product_type_id.data)

    @staticmethod
    def _rules_of(product_type: ProductType):
        return measurements.fields_for(product_type.measurement_list)

    def device_rows(self, section: str | None = None) -> list[DeviceRowForm]:
        rows = [entry.form for entry in self.devices]
        return [r for r in rows if section is None or r.section.data == section]

    def filled_devices(self) -> list[DeviceRowForm]:
        return [r for r in self.device_rows() if not r.is_blank()]

    def filled_contacts(self) -> list[ContactRowForm]:
        return [entry.form for entry in self.contacts if not entry.form.is_blank()]

    def expected_version(self) -> int | None:
        return parse_id(self.version.data)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.expected_version() is None:
            self.form_errors.append(
                _l("The form lacks the version of the handover. Reload the page and try again.")
            )
            ok = False
        ok = _check_moment(self.admitted_date, self.admitted_time) and ok
        ok = _check_moment(self.discharge_date, self.discharge_time) and ok
        admitted = self.admitted_at()
        discharge = self.expected_discharge_at()
        if ok and admitted and discharge and discharge < admitted:
            set_error(self.discharge_date, _l("The discharge cannot be before the admission."))
            ok = False
        if len(self.filled_devices()) > services.MAX_DEVICES:
            self.form_errors.append(
                _l("At most %(n)s devices in one handover.", n=services.MAX_DEVICES)
            )
            ok = False
        if len(self.filled_contacts()) > services.MAX_CONTACTS:
            self.form_errors.append(
                _l("At most %(n)s relatives and neighbours.", n=services.MAX_CONTACTS)
            )
            ok = False
        return ok

    def admitted_at(self) -> datetime | None:
        return local_moment(self.admitted_date, self.admitted_time)

    def expected_discharge_at(self) -> datetime | None:
        return local_moment(self.discharge_date, self.discharge_time)

    def field_values(self) -> dict:
        """The scalar fields as save_draft takes them."""
        return {
            "department": self.department.data or None,
            "contact_name": self.contact_name.data or None,
            "contact_phone": self.contact_phone.data or None,
            "admitted_at": self.admitted_at(),
            "expected_discharge_at": self.expected_discharge_at(),
            "home_situation": self.home_situation.data or None,
            "floor": self.floor.data or None,
            "stairs_steps": self.stairs_steps.data,
            "has_lift": _tristate(self.has_lift.data),
            "door_width_cm": self.door_width_cm.data,
            "has_key_box": _tristate(self.has_key_box.data),
            "access_note": self.access_note.data or None,
            "consent_to_contact": bool(self.consent_to_contact.data),
            "note": self.note.data or None,
        }

    def device_specs(self, allowed_items: set[int]) -> list[services.DeviceSpec]:
        return [row.spec(allowed_items) for row in self.filled_devices()]

    def contact_specs(self) -> list[services.ContactSpec]:
        return [row.spec() for row in self.filled_contacts()]
