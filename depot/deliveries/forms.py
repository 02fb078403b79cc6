"""Forms of the run pages: the day's filter, a new run, adding and moving stops, a failed stop."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from depot.deliveries.services import DRIVER_MAX, VEHICLE_MAX
from depot.web.forms import ID_MAX, AppForm, FilterForm, strip_text
from depot.web.forms import optional_id as _optional_int
from depot.web.i18n import local_today

NOTE_MAX = 1000
REASON_MAX = 500

# Runs are planned from a month back (entered late) to a year ahead.
DAYS_BACK, DAYS_AHEAD = 30, 365


def _id_field(label):
    return IntegerField(
        label,
        validators=[
            InputRequired(message=_l("Choose from the list.")),
            NumberRange(min=1, max=ID_MAX, message=_l("Choose from the list.")),
        ],
    )


def check_run_date(field) -> None:
    today = local_today()
    if field.data is not None and not (
        today - timedelta(days=DAYS_BACK) <= field.data <= today + timedelta(days=DAYS_AHEAD)
    ):
        raise ValidationError(
            _l(
                "Choose a date from %(back)s days back to %(ahead)s days ahead.",
                back=DAYS_BACK,
                ahead=DAYS_AHEAD,
            )
        )


class RunFilterForm(FilterForm):
    date = DateField(_l("Date"), validators=[Optional()])
    depot = SelectField(_l("Depot"), coerce=_optional_int, validators=[Optional()], default=None)

    def validate_date(self, field):
        check_run_date(field)


class RunForm(AppForm):
    depot_id = SelectField(_l("Depot"), coerce=_optional_int, validate_choice=False)
    run_date = DateField(_l("Date"), validators=[InputRequired(message=_l("Choose the date."))])
    driver = StringField(
        _l("Driver"),
        filters=[strip_text],
        validators=[
            DataRequired(message=_l("Name the driver.")),
            Length(max=DRIVER_MAX),
        ],
        render_kw={"maxlength": DRIVER_MAX},
    )
    vehicle = StringField(
        _l("Vehicle"),
        filters=[strip_text],
        validators=[Optional(), Length(max=VEHICLE_MAX)],
        render_kw={"maxlength": VEHICLE_MAX},
    )
    note = TextAreaField(
        _l("Note"),
        filters=[strip_text],
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2, "maxlength": NOTE_MAX},
    )

    def validate_depot_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a depot."))
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of your depots."))

    def validate_run_date(self, field):
        check_run_date(field)


class AddDeliveryForm(AppForm):
    request_id = _id_field(_l("Request"))


class AddPickupForm(AppForm):
    loan_id = _id_field(_l("Loan"))


class MoveForm(AppForm):
    direction = HiddenField(
        validators=[InputRequired(message=_l("Move a stop up or down."))],
    )

    def validate_direction(self, field):
        if field.data not in ("up", "down"):
            raise ValidationError(_l("Move a stop up or down."))


class FailForm(AppForm):
    reason = StringField(
        _l("Why was the stop not made?"),
        filters=[strip_text],
        validators=[
            DataRequired(message=_l("Say why the stop failed.")),
            Length(max=REASON_MAX),
        ],
        render_kw={"maxlength": REASON_MAX},
    )


class ActionForm(AppForm):
    """A button: only the CSRF token."""
