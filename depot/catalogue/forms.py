"""Catalogue forms: the edit forms (POST) and the list filters (GET query parameters)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from depot.catalogue import validation
from depot.catalogue.models import MEASUREMENTS
from depot.catalogue.services import DAILY_RATE_MAX
from depot.web.forms import AppForm, FilterForm, SubForm
from depot.web.forms import strip_text as _strip

MEASUREMENT_LABELS = {
    "seat_width_cm": _l("Seat width"),
    "seat_depth_cm": _l("Seat depth"),
    "seat_height_cm": _l("Seat height"),
    "length_cm": _l("Length"),
    "width_cm": _l("Width"),
    "height_cm": _l("Height"),
    "max_user_weight_kg": _l("Max user weight"),
    "weight_kg": _l("Weight"),
}
assert set(MEASUREMENT_LABELS) == set(MEASUREMENTS)


def measurement_unit(name: str) -> str:
    """The unit of a measurement, taken from its name: 'cm' or 'kg'."""
    return name.rsplit("_", 1)[-1]


def _optional_int(value):
    """Coerce a choice value: '' and None mean 'none chosen'."""
    if value in ("", None):
        return None
    return int(value)


class MoneyField(DecimalField):
    """An amount in DKK; accepts '1234.50', '1234,50' and '1.234,50', refuses NaN/Infinity."""

    # A text box, not type=number: browsers differ on the Danish decimal comma there.
    widget = TextInput()
    not_a_number = _l("Enter an amount like 1234,50.")

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("places", 2)
        render_kw = kwargs.setdefault("render_kw", {})
        render_kw.setdefault("inputmode", "decimal")
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = f"{self.data:.2f}"
        return text.replace(".", ",") if str(get_locale()) == "da" else text

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            self.data = None
            return
        if "," in text:  # Danish: dots group thousands, the comma is the decimal mark
            text = text.replace(".", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except (InvalidOperation, ValueError):
            amount = None
        if amount is None or not amount.is_finite() or "e" in text.lower():
            self.data = None
            raise ValueError(self.not_a_number)
        self.data = amount

    def pre_validate(self, form):
        if self.data is None:
            return
        try:
            exact = self.data == self.data.quantize(Decimal("0.01"))
        except InvalidOperation:  # more digits than the context holds: far too large anyway
            raise ValidationError(self.not_a_number) from None
        if not exact:
            raise ValidationError(_l("Use at most two decimals."))


class DecimalCommaField(MoneyField):
    """A decimal number (a factor, a rate) typed the Danish way or the English: '0,5' = 0.5."""

    not_a_number = _l("Enter a number like 0,5.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _money_validators(maximum: Decimal, required: bool = True):
    return [
        InputRequired() if required else Optional(),
        NumberRange(min=0, max=maximum, message=_l("Enter an amount from 0 to %(max)s.")),
    ]


def _measurement_field(name: str) -> IntegerField:
    return IntegerField(
        MEASUREMENT_LABELS[name],
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=validation.MEASUREMENT_MAX[name],
                message=_l("Enter a whole number from %(min)s to %(max)s."),
            ),
        ],
        render_kw={"min": 1, "max": validation.MEASUREMENT_MAX[name]},
        description=measurement_unit(name),
    )


def _count_field(label, low: int, high: int, default: int, description=None) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(),
            NumberRange(
                min=low, max=high, message=_l("Enter a whole number from %(min)s to %(max)s.")
            ),
        ],
        default=default,
        render_kw={"min": low, "max": high},
        description=description,
    )


# --- edit forms -----------------------------------------------------------------------------


class ProductTypeForm(AppForm):
    iso_code = StringField(
        _l("ISO 9999 code"),
        filters=[_strip],
        validators=[
            DataRequired(),
            Length(max=8),
            Regexp(
                validation.ISO_CODE_RE,
                message=_l("Write the ISO 9999 code as three pairs of digits: 12 22 03."),
            ),
        ],
        render_kw={"placeholder": "12 22 03", "maxlength": 8},
    )
    iso_edition = _count_field(
        _l("ISO 9999 edition (year)"), validation.EDITION_MIN, validation.EDITION_MAX, 2022
    )
    title_da = StringField(
        _l("Title in Danish"), filters=[_strip], validators=[DataRequired(), Length(max=200)]
    )
    title_en = StringField(
        _l("Title in English"), filters=[_strip], validators=[DataRequired(), Length(max=200)]
    )
    reusable = BooleanField(_l("Reusable (lent out and taken back)"), default=True)
    measurement_fields = MultiCheckboxField(
        _l("Measurements that matter for this type"),
        choices=[(m, MEASUREMENT_LABELS[m]) for m in MEASUREMENTS],
        validate_choice=True,
    )
    daily_rate = MoneyField(
        _l("Daily rate when lent to another organisation (DKK)"),
        validators=_money_validators(DAILY_RATE_MAX, required=False),
        description=_l(
            "Rent per day an organisation pays for borrowing another's item of this type. "
            "Empty: the general default rate."
        ),
    )
    volume_m3 = DecimalField(
        _l("Volume of one unit in a depot (m³)"),
        places=3,
        validators=[
            Optional(),
            NumberRange(min=0, max=50, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
        render_kw={"inputmode": "decimal"},
        description=_l("For the stock distribution. Empty: worked out from the products’ sizes."),
    )
    handling_factor = DecimalField(
        _l("Handling factor for transport"),
        places=2,
        default=1,
        validators=[
            Optional(),
            NumberRange(min=0.1, max=20, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
        render_kw={"inputmode": "decimal"},
        description=_l(
            "How much dearer one unit is to move than a standard unit (a bed: 2). Empty: 1."
        ),
    )
    submit = SubmitField(_l("Save"))


class SupplierForm(AppForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=120)])
    cvr = StringField(
        _l("CVR number"),
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(validation.CVR_RE, message=_l("A CVR number has exactly 8 digits.")),
        ],
        render_kw={"maxlength": 8, "inputmode": "numeric"},
    )
    email = StringField(
        _l("Email"),
        filters=[_strip],
        validators=[Optional(), Length(max=254), Email(message=_l("Enter a valid email address."))],
    )
    phone = StringField(
        _l("Phone"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=30),
            Regexp(r"^\+?[0-9 ()-]{4,30}$", message=_l("Use digits, spaces and + ( ) - only.")),
        ],
    )
    order_cost = MoneyField(
        _l("Fixed cost per order (DKK)"),
        validators=_money_validators(Decimal("1000000")),
        default=Decimal("0"),
        description=_l("Freight and handling paid once per order."),
    )
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class ProductForm(AppForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    hmi_number = StringField(
        _l("HMI number"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=20),
            Regexp(validation.HMI_RE, message=_l("Use only digits, letters and hyphens.")),
        ],
        description=_l("Optional. Unique in the catalogue."),
    )
    product_type_id = SelectField(_l("Product type"), coerce=_optional_int)
    supplier_id = SelectField(_l("Supplier"), coerce=_optional_int)
    reusable = BooleanField(_l("Reusable (lent out and taken back)"), default=True)
    list_price = MoneyField(
        _l("List price (DKK)"), validators=_money_validators(validation.PRICE_MAX)
    )
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Optional(), Length(max=5000)]
    )
    seat_width_cm = _measurement_field("seat_width_cm")
    seat_depth_cm = _measurement_field("seat_depth_cm")
    seat_height_cm = _measurement_field("seat_height_cm")
    length_cm = _measurement_field("length_cm")
    width_cm = _measurement_field("width_cm")
    height_cm = _measurement_field("height_cm")
    max_user_weight_kg = _measurement_field("max_user_weight_kg")
    weight_kg = _measurement_field("weight_kg")
    submit = SubmitField(_l("Save"))

    def measurement_fields(self):
        return [self[m] for m in MEASUREMENTS]

    def measurements(self) -> dict[str, int | None]:
        return {m: self[m].data for m in MEASUREMENTS}

    def validate_product_type_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a product type."))

    def validate_supplier_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a supplier."))


class ContractForm(AppForm):
    reference = StringField(
        _l("Reference"), filters=[_strip], validators=[DataRequired(), Length(max=40)]
    )
    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    supplier_id = SelectField(_l("Supplier"), coerce=_optional_int)
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_to = DateField(_l("Valid to"), validators=[InputRequired()])
    notes = TextAreaField(_l("Notes"), filters=[_strip], validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))

    def validate_supplier_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a supplier."))

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The contract must end on or after the day it starts."))


class PriceBreakForm(SubForm):
    """One row of price breaks; a row left empty is ignored."""

    min_qty = IntegerField(
        _l("From quantity"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=validation.QUANTITY_MAX,
                message=_l("Enter a whole number from %(min)s to %(max)s."),
            ),
        ],
        render_kw={"min": 1},
    )
    unit_price = MoneyField(
        _l("Unit price (DKK)"), validators=_money_validators(validation.PRICE_MAX, required=False)
    )

    def is_blank(self) -> bool:
        return not any(
            str((f.raw_data or [""])[0]).strip() for f in (self.min_qty, self.unit_price)
        )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        for field, message in (
            (self.min_qty, _l("Enter the quantity, or empty the row.")),
            (self.unit_price, _l("Enter the price, or empty the row.")),
        ):
            if field.data is None and not field.errors:
                field.errors.append(message)
                ok = False
        return ok


BREAK_ROWS, BREAK_ROWS_MAX = 5, 10


class ContractLineForm(AppForm):
    product_id = SelectField(_l("Product"), coerce=_optional_int)
    pack_size = _count_field(_l("Pack size (units per pack)"), 1, validation.PACK_SIZE_MAX, 1)
    moq = _count_field(
        _l("Minimum order quantity (units)"),
        0,
        validation.QUANTITY_MAX,
        0,
        description=_l("0 means no minimum."),
    )
    lead_time_days = _count_field(_l("Lead time (days)"), 0, validation.LEAD_TIME_MAX_DAYS, 14)
    breaks = FieldList(
        FormField(PriceBreakForm),
        label=_l("Price breaks"),
        min_entries=BREAK_ROWS,
        max_entries=BREAK_ROWS_MAX,
    )
    submit = SubmitField(_l("Save"))

    def validate_product_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a product."))

    def price_breaks(self) -> list[tuple[int, Decimal]]:
        """The filled-in rows as (min_qty, unit_price), in the order entered."""
        return [
            (row.form.min_qty.data, row.form.unit_price.data)
            for row in self.breaks
            if not row.form.is_blank()
        ]

    def break_errors(self) -> list[str]:
        """Errors about the price breaks as a whole (not about one row)."""
        return [e for e in self.breaks.errors if not isinstance(e, dict)]


class ConfirmForm(AppForm):
    """A button that posts an action (deactivate, remove) with the CSRF token."""

    submit = SubmitField(_l("Confirm"))


# --- list filters (GET) ---------------------------------------------------------------------


class _FilterForm(FilterForm):
    q = SearchField(_l("Search"), filters=[_strip], validators=[Optional(), Length(max=100)])


class ProductTypeFilterForm(_FilterForm):
    pass


class SupplierFilterForm(_FilterForm):
    pass


class ProductFilterForm(_FilterForm):
    type = SelectField(_l("Product type"), coerce=_optional_int, validators=[Optional()])
    supplier = SelectField(_l("Supplier"), coerce=_optional_int, validators=[Optional()])
    kind = SelectField(
        _l("Kind"),
        choices=[
            ("", _l("Reusable and consumable")),
            ("reusable", _l("Reusable")),
            ("consumable", _l("Consumable")),
        ],
        default="",
    )
    status = SelectField(
        _l("Status"),
        choices=[("active", _l("Active")), ("inactive", _l("Inactive")), ("all", _l("All"))],
        default="active",
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[
            ("name", _l("Name A–Z")),
            ("-name", _l("Name Z–A")),
            ("price", _l("Price, lowest first")),
            ("-price", _l("Price, highest first")),
        ],
        default="name",
    )


class ContractFilterForm(_FilterForm):
    supplier = SelectField(_l("Supplier"), coerce=_optional_int, validators=[Optional()])
    valid_today = BooleanField(_l("Valid today"))
