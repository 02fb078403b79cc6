"""The form of a new distribution run."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from depot.catalogue.forms import DecimalCommaField, MoneyField
from depot.stock.forms import WholeNumberField
from depot.web.forms import AppForm, optional_id
from depot.web.forms import strip_text as _strip


def _whole(low: int, high: int, default: int, label, message):
    return WholeNumberField(
        label,
        default=default,
        validators=[
            InputRequired(message=message),
            NumberRange(
                min=low, max=high, message=_l("Enter a whole number from %(min)s to %(max)s.")
            ),
        ],
        render_kw={"min": low, "max": high, "inputmode": "numeric"},
    )


class RunForm(AppForm):
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Give the run a title.")), Length(max=200)],
    )
    horizon_months = _whole(1, 24, 3, _l("Horizon (months)"), _l("Enter the horizon in months."))
    cost_per_km = MoneyField(
        _l("Transport cost per unit and km (kr.)"),
        default=Decimal("2.00"),
        validators=[
            InputRequired(message=_l("Enter the cost per km.")),
            NumberRange(min=0, max=1000, message=_l("Enter an amount from 0 to %(max)s.")),
        ],
        description=_l("Multiplied by each product type's handling factor (beds, hoists: more)."),
    )
    # A text box that reads the Danish comma: "0,5" is a half, not 5.
    shortage_penalty_factor = DecimalCommaField(
        _l("Shortage penalty (factor × the list price per unit short)"),
        default=Decimal("0.2"),
        validators=[
            InputRequired(message=_l("Enter the shortage penalty.")),
            NumberRange(min=0, max=100, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
        description=_l(
            "What a unit short at the end of the horizon is taken to cost: 0,2 means a fifth "
            "of its list price. Higher values move more stock."
        ),
    )
    service_package = SelectField(
        _l("Basic package every depot keeps ready"), coerce=optional_id, validate_choice=False
    )
    service_sets = _whole(
        0, 50, 1, _l("Sets of the basic package per depot"), _l("Enter the number of sets.")
    )
    what_if_hub = SelectField(
        _l("What if: compare with one shared depot"), coerce=optional_id, validate_choice=False
    )
    time_limit_seconds = _whole(
        5, 3600, 60, _l("Time limit for the optimizer (seconds)"), _l("Enter a time limit.")
    )
    run_now = BooleanField(_l("Run the optimizer right away"), default=True)
    submit = SubmitField(_l("Create the run"))

    def validate_service_package(self, field):
        if field.data is not None and field.data not in {v for v, _ in field.choices}:
            raise ValidationError(_l("Not a valid choice."))

    def validate_what_if_hub(self, field):
        if field.data is not None and field.data not in {v for v, _ in field.choices}:
            raise ValidationError(_l("Not a valid choice."))
