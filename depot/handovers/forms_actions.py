"""Forms of the actions on a handover: the inbox's search, send, acknowledge, needs to
requests, who delivered a need, and the discharge."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TimeField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from depot.citizens.forms import SearchForm
from depot.clarification.models import PARTIES
from depot.clarification.services import PARTY_LABELS
from depot.handovers.forms import check_day, local_moment, set_error, text_area
from depot.handovers.labels import DELAY_CAUSE_LABELS
from depot.web.forms import AppForm, parse_id
from depot.web.forms import optional_id as _optional_int
from depot.web.i18n import local_today

# The inbox's search box: a CPR number (by POST, never in a URL) or a part of a name.
HandoverSearchForm = SearchForm


class ActionForm(AppForm):
    """A button that posts (the CSRF token only)."""


class SendForm(AppForm):
    version = HiddenField()

    def expected_version(self) -> int | None:
        return parse_id(self.version.data)


def _id_or_zero(value):
    # Junk is kept as 0, which no choice has: validation then names the problem.
    return parse_id(value) or 0


class RequestsForm(AppForm):
    """Turn the chosen needs into device requests handled by one depot."""

    device_ids = SelectMultipleField(
        _l("Devices to request"), coerce=_id_or_zero, validate_choice=False
    )
    depot_id = SelectField(_l("Handling depot"), coerce=_optional_int, validate_choice=False)
    submit = SubmitField(_l("Create requests"))

    def set_choices(self, *, needs, depots) -> None:
        self.device_ids.choices = [(row.id, row.product_type.title_da) for row in needs]
        self.depot_id.choices = [(d.id, d.name) for d in depots]

    def validate_device_ids(self, field):
        allowed = {value for value, _label in field.choices or []}
        if not field.data:
            raise ValidationError(_l("Choose at least one device."))
        if any(value not in allowed for value in field.data):
            raise ValidationError(_l("Choose devices from the list."))

    def validate_depot_id(self, field):
        if field.data is None or field.data not in {v for v, _label in field.choices or []}:
            raise ValidationError(_l("Choose a depot from the list."))


class DeliveryForm(AppForm):
    """Who delivered a needed device."""

    party = SelectField(
        _l("Delivered by"), choices=[("", "—")] + [(p, PARTY_LABELS[p]) for p in PARTIES]
    )
    submit = SubmitField(_l("Record"))

    def validate_party(self, field):
        if field.data not in PARTIES:
            raise ValidationError(_l("Choose who delivered."))


class DischargeForm(AppForm):
    """The discharge, and whether it waited for a device (the figure the pilot lacked)."""

    discharged_date = DateField(
        _l("Discharged (date)"),
        validators=[InputRequired(message=_l("Enter the date of the discharge."))],
    )
    discharged_time = TimeField(_l("Discharged (time)"), validators=[Optional()])
    delay_hours = IntegerField(
        _l("Hours the discharge waited for devices"),
        default=0,
        validators=[
            InputRequired(message=_l("Enter the delay in hours (0: no delay).")),
            NumberRange(
                min=0, max=8760, message=_l("Enter a whole number from %(min)s to %(max)s.")
            ),
        ],
        render_kw={"min": 0, "max": 8760, "step": 1},
    )
    delay_cause = SelectField(
        _l("Cause of the delay"),
        choices=[("", "—"), *DELAY_CAUSE_LABELS.items()],
        default="",
    )
    delay_note = text_area(_l("Note on the delay"), maximum=1000)
    submit = SubmitField(_l("Record the discharge"))

    def __init__(self, *args, admitted_at: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._admitted_at = admitted_at

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.discharged_date.errors and not check_day(
            self.discharged_date, latest=local_today()
        ):
            ok = False
        if ok and self._admitted_at and self.discharged_at() < self._admitted_at:
            set_error(self.discharged_date, _l("The discharge cannot be before the admission."))
            ok = False
        hours = self.delay_hours.data
        if ok and hours and hours > 0 and not self.delay_cause.data:
            set_error(self.delay_cause, _l("Give the cause of the delay."))
            ok = False
        return ok

    def discharged_at(self) -> datetime:
        return local_moment(self.discharged_date, self.discharged_time)
