"""Forms of the therapists' request pages and of the basic-package administration.

A request's device lines are a FieldList of RequestLineForm. Each line carries an input for
every measurement there is; the page shows only those its product type asks for
(measurements.fields_for), and validation ignores the rest, so a line can change type
without the form changing shape.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from depot.catalogue.models import ProductType
from depot.loans.models import LEGAL_BASES
from depot.requests import measurements
from depot.requests.labels import PURPOSE_LABELS, URGENCY_LABELS
from depot.requests.models import REQUEST_STATES
from depot.requests.packages import DESCRIPTION_MAX, MAX_PACKAGE_LINES, NAME_MAX
from depot.requests.services import MAX_LINES
from depot.web.forms import AppForm, FilterForm, SubForm
from depot.web.forms import optional_id as _optional_int
from depot.web.forms import strip_text as _strip
from depot.web.i18n import local_today

NOTE_MAX = 1000
REASON_MAX = 200
QUANTITY_MAX = 20
NEEDED_BY_MAX_DAYS = 365
DEFAULT_TIME = time(12, 0)
# Every measurement a line may carry: the matched ones, then the recorded-only ones.
MEASUREMENT_NAMES = (*measurements.RULES, *measurements.INFO_FIELDS)

URGENCY_CHOICES = list(URGENCY_LABELS.items())
PURPOSE_CHOICES = list(PURPOSE_LABELS.items())
LASTING = "lasting"
DURATION_CHOICES = [
    ("14", _l("14 days")),
    ("30", _l("30 days")),
    ("90", _l("3 months (90 days)")),
    ("180", _l("6 months (180 days)")),
    ("365", _l("1 year (365 days)")),
    (LASTING, _l("Lasting need")),
]


def _set_error(field, message) -> None:
    # A field's errors are a tuple until it has been validated.
    field.errors = [*field.errors, message]


def _quantity_field():
    return IntegerField(
        _l("Quantity"),
        default=1,
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=QUANTITY_MAX,
                message=_l("Enter a whole number from %(min)s to %(max)s."),
            ),
        ],
        render_kw={"min": 1, "max": QUANTITY_MAX},
    )


# --- a request ------------------------------------------------------------------------------


class RequestLineForm(SubForm):
    """One device need. A row without a product type is blank and ignored."""

    product_type_id = SelectField(_l("Product type"), coerce=_optional_int, validate_choice=False)
    # The type whose measurement inputs the page showed: a line whose type differs has not
    # had its measurements entered yet.
    shown_type = HiddenField()
    product_id = SelectField(
        _l("Specific product (optional)"), coerce=_optional_int, validate_choice=False
    )
    quantity = _quantity_field()

    # Set by RequestForm.set_choices: the chosen type, if it is one that may be requested.
    product_type: ProductType | None = None

    def is_blank(self) -> bool:
        raw = self.product_type_id.raw_data or []
        return self.product_type_id.data is None and not any(str(v).strip() for v in raw)

    def rules(self) -> list[measurements.MeasurementRule]:
        """The measurement inputs of the chosen type."""
        if self.product_type is None:
            return []
        return measurements.fields_for(self.product_type.measurement_list)

    @property
    def type_changed(self) -> bool:
        """The type differs from the one whose measurement inputs were shown."""
        if self.product_type is None:
            return False
        return (self.shown_type.data or "") != str(self.product_type.id)

    def measurement_values(self) -> dict[str, int]:
        """The entered measurements of the type; blank inputs are not recorded."""
        return {
            rule.name: self[rule.name].data
            for rule in self.rules()
            if self[rule.name].data is not None
        }

    def check_type(self) -> bool:
        """Only the type and quantity: the "Continue" step."""
        if self.is_blank():
            return True
        field = self.product_type_id
        if field.process_errors and not field.errors:
            field.errors = list(field.process_errors)  # junk: not validated yet on "Continue"
        elif self.product_type is None and not field.errors:
            _set_error(field, _l("Choose a reusable product type from the list."))
        return not field.errors

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        if self.is_blank():
            for field in self:
                field.errors = []
            return True
        self.check_type()
        if self.quantity.data is None and not self.quantity.errors:
            self.quantity.errors.append(_l("Enter a quantity from 1 to 20."))
        choices = {value for value, _label in self.product_id.choices or []}
        if self.product_id.data is not None and self.product_id.data not in choices:
            self.product_id.errors.append(_l("Choose a product of the chosen type."))
        rules = {rule.name: rule for rule in self.rules()}
        for name in MEASUREMENT_NAMES:
            field, rule = self[name], rules.get(name)
            if rule is None:
                field.errors = []  # not shown for this type: ignored
            elif field.data is not None and not rule.minimum <= field.data <= rule.maximum:
                field.errors.append(
                    _l(
                        "%(field)s: enter a value from %(min)s to %(max)s.",
                        field=rule.label,
                        min=rule.minimum,
                        max=rule.maximum,
                    )
                )
        return not any(field.errors for field in self)


for _name in MEASUREMENT_NAMES:
    setattr(
        RequestLineForm,
        _name,
        IntegerField(measurements.label(_name), validators=[Optional()]),
    )


class RequestForm(AppForm):
    lines = FieldList(
        FormField(RequestLineForm),
        label=_l("Devices"),
        min_entries=1,
        max_entries=MAX_LINES,
    )
    needed_by_date = DateField(
        _l("Needed by (date)"),
        validators=[InputRequired(message=_l("Enter the date the devices are needed by."))],
    )
    needed_by_time = TimeField(
        _l("Needed by (time)"),
        default=DEFAULT_TIME,
        validators=[InputRequired(message=_l("Enter the time the devices are needed by."))],
    )
    urgency = RadioField(_l("Urgency"), choices=URGENCY_CHOICES, default="normal")
    legal_basis = SelectField(
        _l("Legal basis"),
        choices=[("", "—")] + [(basis, basis) for basis in LEGAL_BASES],
        validate_choice=False,
    )
    purpose = SelectField(
        _l("Purpose"), choices=[("", "—"), *PURPOSE_CHOICES], validate_choice=False
    )
    expected_duration = SelectField(
        _l("Expected duration"), choices=[("", "—"), *DURATION_CHOICES], validate_choice=False
    )
    delivery_address = StringField(
        _l("Delivery address"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Enter the delivery address.")), Length(max=200)],
        render_kw={"maxlength": 200},
    )
    delivery_postcode = StringField(
        _l("Postcode"),
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(r"^\d{4}$", message=_l("A Danish postcode has four digits.")),
        ],
        render_kw={"maxlength": 4, "inputmode": "numeric"},
    )
    delivery_town = StringField(
        _l("Town"), filters=[_strip], validators=[Optional(), Length(max=80)]
    )
    contact_name = StringField(
        _l("Contact person"), filters=[_strip], validators=[Optional(), Length(max=120)]
    )
    contact_phone = StringField(
        _l("Contact phone"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=30),
            Regexp(
                r"^\+?[0-9 ()-]+$",
                message=_l("A phone number has digits, spaces and at most a leading +."),
            ),
        ],
        render_kw={"maxlength": 30, "inputmode": "tel"},
    )
    depot_id = SelectField(_l("Handling depot"), coerce=_optional_int, validate_choice=False)
    note = TextAreaField(
        _l("Note to the depot"),
        filters=[_strip],
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )
    proceed = SubmitField(_l("Continue"))
    send = SubmitField(_l("Send request"))

    def set_choices(self, *, types, products_by_type, depots) -> None:
        """Choices of every line (products of the line's type) and of the handling depot."""
        by_id = {t.id: t for t in types}
        type_choices = [("", "—")] + [(t.id, f"{t.iso_code} {t.title_da}") for t in types]
        for entry in self.lines:
            line = entry.form
            line.product_type_id.choices = type_choices
            line.product_type = by_id.get(line.product_type_id.data)
            products = products_by_type.get(line.product_type_id.data, [])
            line.product_id.choices = [("", _l("Any product of the type")), *products]
        self.depot_id.choices = [(d.id, d.name) for d in depots]

    def filled_lines(self) -> list[RequestLineForm]:
        return [entry.form for entry in self.lines if not entry.form.is_blank()]

    def check_types(self) -> bool:
        """The "Continue" step: only the lines' types are checked."""
        return all([line.check_type() for line in self.filled_lines()])

    def validate_legal_basis(self, field):
        if field.data not in LEGAL_BASES:
            raise ValidationError(_l("Choose the legal basis."))

    def validate_purpose(self, field):
        if field.data not in dict(PURPOSE_CHOICES):
            raise ValidationError(_l("Choose the purpose."))

    def validate_expected_duration(self, field):
        if field.data not in dict(DURATION_CHOICES):
            raise ValidationError(_l("Choose the expected duration."))

    def validate_depot_id(self, field):
        if field.data is None or field.data not in {v for v, _label in field.choices}:
            raise ValidationError(_l("Choose a depot from the list."))

    def validate_needed_by_date(self, field):
        if field.data is None:
            return
        today = local_today()
        if field.data < today:
            raise ValidationError(_l("The date cannot be in the past."))
        if field.data > today + timedelta(days=NEEDED_BY_MAX_DAYS):
            raise ValidationError(_l("The date can be at most one year ahead."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.filled_lines() and not self.lines.errors:
            self.form_errors.append(_l("Choose at least one device."))
            ok = False
        return ok

    def needed_by_utc(self) -> datetime:
        """The needed-by moment, typed in local time, as naive UTC for storage."""
        day: date = self.needed_by_date.data
        return to_utc(datetime.combine(day, self.needed_by_time.data or DEFAULT_TIME))

    def duration_days(self) -> int | None:
        value = self.expected_duration.data
        return None if value == LASTING else int(value)


class CancelForm(AppForm):
    reason = StringField(
        _l("Reason (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=REASON_MAX)],
        render_kw={"maxlength": REASON_MAX},
    )
    submit = SubmitField(_l("Cancel the request"))


class RequestFilterForm(FilterForm):
    status = SelectField(_l("Status"), validators=[Optional()], default="")
    mine = BooleanField(_l("Only my requests"))

    def set_status_choices(self, labels: dict) -> None:
        self.status.choices = [("", _l("All")), ("active", _l("Not yet delivered"))] + [
            (state, labels[state]) for state in REQUEST_STATES
        ]


# --- basic packages -------------------------------------------------------------------------


class PackageLineForm(SubForm):
    product_type_id = SelectField(_l("Product type"), coerce=_optional_int, validate_choice=False)
    quantity = _quantity_field()

    def is_blank(self) -> bool:
        raw = self.product_type_id.raw_data or []
        return self.product_type_id.data is None and not any(str(v).strip() for v in raw)

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        if self.is_blank():
            for field in self:
                field.errors = []
            return True
        choices = {v for v, _label in self.product_type_id.choices or []}
        if self.product_type_id.data not in choices and not self.product_type_id.errors:
            self.product_type_id.errors.append(_l("Choose a reusable product type from the list."))
        if self.quantity.data is None and not self.quantity.errors:
            self.quantity.errors.append(_l("Enter a quantity from 1 to 20."))
        return not any(field.errors for field in self)


class PackageForm(AppForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=NAME_MAX)],
        render_kw={"maxlength": NAME_MAX},
    )
    description = TextAreaField(
        _l("Description"),
        filters=[_strip],
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        render_kw={"rows": 3, "maxlength": DESCRIPTION_MAX},
    )
    active = BooleanField(_l("Offered to therapists (active)"), default=True)
    lines = FieldList(
        FormField(PackageLineForm),
        label=_l("Product types"),
        min_entries=1,
        max_entries=MAX_PACKAGE_LINES,
    )
    submit = SubmitField(_l("Save"))

    def set_choices(self, types) -> None:
        choices = [("", "—")] + [(t.id, f"{t.iso_code} {t.title_da}") for t in types]
        for entry in self.lines:
            entry.form.product_type_id.choices = choices

    def filled_lines(self) -> list[PackageLineForm]:
        return [entry.form for entry in self.lines if not entry.form.is_blank()]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        lines = self.filled_lines()
        if not lines and not self.lines.errors:
            self.form_errors.append(_l("A basic package needs at least one product type."))
            ok = False
        seen: set[int] = set()
        for line in lines:
            type_id = line.product_type_id.data
            if type_id in seen:
                line.product_type_id.errors.append(
                    _l("This product type is already in the package.")
                )
                ok = False
            seen.add(type_id)
        return ok

    def line_values(self) -> list[tuple[int, int]]:
        return [(line.product_type_id.data, line.quantity.data) for line in self.filled_lines()]
