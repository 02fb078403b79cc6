"""Forms of the stock pages: receive, issue, adjust, reorder point, and the list filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SearchField, SelectField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.validators import ValidationError as _ValidationError

from depot.stock.services import MAX_QUANTITY
from depot.web.forms import AppForm, FilterForm

REASON_MAX = 500
# Ids in query strings and choices: positive and within a 32-bit integer column.
ID_MAX = 2_147_483_647


def clean_text(value):
    """Trim whitespace and drop NUL characters (PostgreSQL refuses them in text)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def optional_id(value):
    """Coerce a choice value to an id: '' and None mean 'none chosen'; junk is refused."""
    if value in ("", None):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= ID_MAX:
        raise ValueError(text)
    return int(text)


class WholeNumberField(IntegerField):
    """An integer typed with ASCII digits and an optional sign; nothing else is a number."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 12:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        self.data = int(text)

    def pre_validate(self, form):
        # Not a number: say so once, not again as "out of range".
        if self.process_errors:
            raise StopValidation()


def _quantity_field(label, low: int, description=None) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[
            InputRequired(),
            NumberRange(
                min=low,
                max=MAX_QUANTITY,
                message=_l("Enter a whole number from %(min)s to %(max)s."),
            ),
        ],
        render_kw={"min": low, "max": MAX_QUANTITY, "inputmode": "numeric"},
        description=description,
    )


def _reason_field(label, required: bool) -> StringField:
    return StringField(
        label,
        filters=[clean_text],
        validators=[DataRequired() if required else Optional(), Length(max=REASON_MAX)],
        render_kw={"maxlength": REASON_MAX},
    )


class ReceiveStockForm(AppForm):
    depot_id = SelectField(_l("Depot"), coerce=optional_id, validators=[InputRequired()])
    product_id = SelectField(_l("Consumable"), coerce=optional_id, validators=[InputRequired()])
    quantity = _quantity_field(_l("Quantity (units)"), 1)
    reason = _reason_field(_l("Delivery note or reason"), required=False)
    submit = SubmitField(_l("Receive"))


class IssueForm(AppForm):
    quantity = _quantity_field(_l("Quantity (units)"), 1)
    reason = _reason_field(_l("Reason (optional)"), required=False)
    submit = SubmitField(_l("Issue"))


class AdjustForm(AppForm):
    delta = WholeNumberField(
        _l("Change (+/−)"),
        validators=[
            InputRequired(),
            NumberRange(
                min=-MAX_QUANTITY,
                max=MAX_QUANTITY,
                message=_l("Enter a whole number from %(min)s to %(max)s."),
            ),
        ],
        render_kw={"min": -MAX_QUANTITY, "max": MAX_QUANTITY},
        description=_l("Positive adds units, negative removes them."),
    )
    reason = _reason_field(_l("Reason"), required=True)
    submit = SubmitField(_l("Adjust"))

    def validate_delta(self, field):
        if field.data == 0:
            raise _ValidationError(_l("The adjustment must be a whole number other than 0."))


class ReorderPointForm(AppForm):
    reorder_point = _quantity_field(
        _l("Reorder point (units)"),
        0,
        description=_l("The line shows on the low-stock list at or below this balance."),
    )
    submit = SubmitField(_l("Save"))


# --- list filters (GET) ---------------------------------------------------------------------

ALL = "all"


def depot_choice(value):
    """A depot filter value: 'all', a depot id, or None (not given)."""
    if value in ("", None):
        return None
    if value == ALL:
        return ALL
    return optional_id(value)


class StockFilterForm(FilterForm):
    q = SearchField(_l("Search"), filters=[clean_text], validators=[Optional(), Length(max=100)])
    depot = SelectField(_l("Depot"), coerce=depot_choice, validators=[Optional()])
    type = SelectField(_l("Product type"), coerce=optional_id, validators=[Optional()])
    low = BooleanField(_l("Only at or below the reorder point"))


class LowStockFilterForm(FilterForm):
    depot = SelectField(_l("Depot"), coerce=depot_choice, validators=[Optional()])
