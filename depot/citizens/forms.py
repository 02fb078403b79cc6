"""Forms of the citizen pages: the search box, registration and changes of contact details."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from depot.citizens.services import InvalidCPR, normalise_cpr
from depot.web.forms import AppForm
from depot.web.forms import optional_id as _optional_int
from depot.web.forms import strip_text as _strip

NAME_MAX = 120
ADDRESS_MAX = 200
TOWN_MAX = 80
PHONE_MAX = 30
SEARCH_MAX = 120
NAME_SEARCH_MIN = 2

# Only digits, dashes and spaces: the user meant a CPR number.
_CPR_LIKE = re.compile(r"^[0-9\s-]+$")
_DIGIT = re.compile(r"[0-9]")

CPR_FORMAT_MESSAGE = _l("A CPR number has 10 digits, written DDMMYY-SSSS or DDMMYYSSSS.")
CPR_DATE_MESSAGE = _l("The CPR number does not begin with a real birth date (DDMMYY).")


def cpr_error(exc: InvalidCPR):
    """The message for a refused CPR number: a wrong format, or a date that does not exist."""
    return CPR_DATE_MESSAGE if exc.args and exc.args[0] == "date" else CPR_FORMAT_MESSAGE


class SearchForm(AppForm):
    q = StringField(
        _l("CPR number or name"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Type a CPR number, or at least 2 letters of a name.")),
            Length(max=SEARCH_MAX),
        ],
        render_kw={"autocomplete": "off", "autofocus": True, "maxlength": SEARCH_MAX},
        description=_l("CPR number as DDMMYY-SSSS, or a part of the name."),
    )
    submit = SubmitField(_l("Search"))

    # Set by validation: exactly one of them.
    cpr: str | None = None
    name_text: str | None = None

    def validate_q(self, field):
        text = field.data or ""
        if not text:
            raise ValidationError(_l("Type a CPR number, or at least 2 letters of a name."))
        if _CPR_LIKE.match(text):
            try:
                self.cpr = normalise_cpr(text)
            except InvalidCPR as exc:
                raise ValidationError(cpr_error(exc)) from exc
            return
        if _DIGIT.search(text):
            # Keeps CPR numbers out of name searches, whose text is written to the access log.
            raise ValidationError(
                _l("Search either by a CPR number or by a name: a name has no digits.")
            )
        if len(text) < NAME_SEARCH_MIN:
            raise ValidationError(_l("Type at least 2 letters of the name."))
        self.name_text = text


class AccessLogLookupForm(AppForm):
    """An administrator asks for a citizen's access log by CPR number (by POST)."""

    cpr = StringField(
        _l("CPR number"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Type the citizen's CPR number.")), Length(max=11)],
        render_kw={"autocomplete": "off", "autofocus": True, "maxlength": 11},
        description=_l("DDMMYY-SSSS"),
    )
    submit = SubmitField(_l("Download the access log"))

    def validate_cpr(self, field):
        try:
            field.data = normalise_cpr(field.data or "")
        except InvalidCPR as exc:
            raise ValidationError(cpr_error(exc)) from exc


class PrefillForm(AppForm):
    """Carries a CPR number from the search page to the registration form (by POST)."""

    cpr = HiddenField()
    prefill = HiddenField(default="1")


class ActionForm(AppForm):
    """A button that posts (the CSRF token only)."""


class CitizenEditForm(AppForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=NAME_MAX)],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "off"},
    )
    address = StringField(
        _l("Address"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=ADDRESS_MAX)],
        render_kw={"maxlength": ADDRESS_MAX, "autocomplete": "off"},
    )
    postcode = StringField(
        _l("Postcode"),
        filters=[_strip],
        validators=[
            DataRequired(),
            Regexp(r"^[0-9]{4}$", message=_l("A postcode has 4 digits.")),
        ],
        render_kw={"maxlength": 4, "inputmode": "numeric", "autocomplete": "off"},
    )
    town = StringField(
        _l("Town"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=TOWN_MAX)],
        render_kw={"maxlength": TOWN_MAX, "autocomplete": "off"},
    )
    phone = StringField(
        _l("Phone (optional)"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=PHONE_MAX),
            Regexp(
                r"^[0-9 +]+$",
                message=_l("A phone number has digits, spaces and + only."),
            ),
        ],
        render_kw={"maxlength": PHONE_MAX, "inputmode": "tel", "autocomplete": "off"},
    )
    submit = SubmitField(_l("Save"))

    def contact_details(self) -> dict:
        return {
            "name": self.name.data,
            "address": self.address.data or None,
            "postcode": self.postcode.data or None,
            "town": self.town.data or None,
            "phone": self.phone.data or None,
        }


class CitizenForm(CitizenEditForm):
    cpr = StringField(
        _l("CPR number"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "off", "placeholder": "DDMMÅÅ-SSSS", "maxlength": 11},
    )
    # Only region users choose; a municipality's users register their own citizens.
    municipality_id = SelectField(_l("Municipality"), coerce=_optional_int, validate_choice=False)
    submit = SubmitField(_l("Register citizen"))

    cpr_normalised: str | None = None

    def validate_cpr(self, field):
        if not (field.data or "").isascii() or not _CPR_LIKE.match(field.data or ""):
            raise ValidationError(CPR_FORMAT_MESSAGE)
        try:
            self.cpr_normalised = normalise_cpr(field.data)
        except InvalidCPR as exc:
            raise ValidationError(cpr_error(exc)) from exc

    def validate_municipality_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the citizen's municipality."))
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an active municipality from the list."))
