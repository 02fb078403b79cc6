"""Settlement forms: the report's month (GET) and the transfer of an item's ownership (POST)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from depot.catalogue.forms import MoneyField
from depot.catalogue.validation import PRICE_MAX
from depot.web.forms import AppForm, FilterForm
from depot.web.forms import strip_text as _strip


class MonthForm(FilterForm):
    """The month of the report, YYYY-MM (a month picker in browsers that have one)."""

    month = StringField(
        _l("Month"),
        filters=[_strip],
        validators=[Optional(), Length(max=7)],
        render_kw={"type": "month", "placeholder": "YYYY-MM", "maxlength": 7},
    )


class TransferOwnershipForm(AppForm):
    amount = MoneyField(
        _l("Amount the lender pays for the item (DKK)"),
        validators=[
            InputRequired(),
            NumberRange(min=0, max=PRICE_MAX, message=_l("Enter an amount from 0 to %(max)s.")),
        ],
        description=_l("Suggested: the product's list price. 0 if the item is given away."),
    )
    note = TextAreaField(
        _l("Note"),
        filters=[_strip],
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 2, "maxlength": 1000},
    )
    submit = SubmitField(_l("Transfer ownership"))

    def suggest(self, amount: Decimal) -> None:
        """Prefill the amount (a fresh form only)."""
        if self.amount.data is None and not self.amount.raw_data:
            self.amount.data = amount
