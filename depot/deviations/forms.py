"""Forms of the deviation case pages: the list's filters, a new case, the workflow, the quarter."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from depot.catalogue.forms import MoneyField
from depot.clarification.services import PARTY_LABELS
from depot.deviations.labels import CASE_STATE_LABELS, CAUSE_LABELS, SETTLEMENT_LABELS
from depot.deviations.models import CASE_STATES, CAUSES, SETTLEMENTS
from depot.deviations.quarters import QUARTER_RE, InvalidQuarter, parse_quarter
from depot.deviations.services import AMOUNT_MAX, MINUTES_MAX
from depot.deviations.stats import UNASSESSED
from depot.web.forms import AppForm, FilterForm, optional_id, parse_id
from depot.web.forms import strip_text as _strip
from depot.web.i18n import local_today

NOTE_MAX = 2000
FIRST_MEETING = date(2000, 1, 1)
PARTY_CHOICES = [(p, PARTY_LABELS[p]) for p in ("region", "municipality")]
CAUSE_CHOICES = [(c, CAUSE_LABELS[c]) for c in CAUSES]
SETTLEMENT_CHOICES = [(s, SETTLEMENT_LABELS[s]) for s in SETTLEMENTS]


def _minutes_field(label):
    return IntegerField(
        label,
        default=0,
        validators=[
            InputRequired(message=_l("Enter the minutes spent (0 if none).")),
            NumberRange(
                min=0, max=MINUTES_MAX, message=_l("Enter a whole number from %(min)s to %(max)s.")
            ),
        ],
        render_kw={"min": 0, "max": MINUTES_MAX, "inputmode": "numeric"},
    )


def _note_field(label):
    return TextAreaField(
        label,
        filters=[_strip],
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )


def _optional_cause(value):
    if value in ("", None):
        return None
    if value not in CAUSES:
        raise ValueError(_l("Not a valid choice."))
    return value


# --- the list -------------------------------------------------------------------------------


class CaseFilterForm(FilterForm):
    status = SelectField(
        _l("Status"),
        choices=[("", _l("All"))] + [(s, CASE_STATE_LABELS[s]) for s in CASE_STATES],
        default="",
        validators=[Optional()],
    )
    municipality = SelectField(
        _l("Municipality"), coerce=optional_id, default=None, validators=[Optional()]
    )
    quarter = StringField(
        _l("Quarter"),
        filters=[_strip],
        validators=[Optional(), Length(max=8)],
        render_kw={"placeholder": "2026-Q4", "maxlength": 8, "size": 8},
    )
    cause = SelectField(
        _l("Cause"),
        choices=[("", _l("All")), *CAUSE_CHOICES, (UNASSESSED, _l("Not yet assessed"))],
        default="",
        validators=[Optional()],
    )

    def set_municipality_choices(self, municipalities) -> None:
        self.municipality.choices = [(None, _l("All"))] + [(m.id, m.name) for m in municipalities]

    def validate_quarter(self, field) -> None:
        if field.data:
            try:
                parse_quarter(field.data, today=local_today())
            except InvalidQuarter as exc:
                raise ValidationError(exc.message) from None

    def chosen_quarter(self):
        text = self.quarter.data or ""
        return parse_quarter(text, today=local_today()) if QUARTER_RE.fullmatch(text) else None


# --- a new case -----------------------------------------------------------------------------


class NewCaseForm(AppForm):
    municipality_id = SelectField(
        _l("Municipality"),
        coerce=optional_id,
        validators=[InputRequired(message=_l("Choose a municipality."))],
    )
    product_type_id = SelectField(
        _l("Product type"),
        coerce=optional_id,
        validators=[InputRequired(message=_l("Choose a product type."))],
    )
    delivered_by = RadioField(
        _l("Actually delivered by"),
        choices=PARTY_CHOICES,
        validators=[InputRequired(message=_l("Choose who delivered the device."))],
    )
    should_have_been = RadioField(
        _l("Should have been delivered by"),
        choices=PARTY_CHOICES,
        validators=[InputRequired(message=_l("Choose who should have delivered it."))],
    )
    handover_id = StringField(
        _l("Handover number (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=12)],
        render_kw={"inputmode": "numeric", "maxlength": 12, "size": 10},
    )
    cause = SelectField(
        _l("Cause"),
        choices=[("", _l("Not yet assessed")), *CAUSE_CHOICES],
        coerce=_optional_cause,
        default=None,
        validators=[Optional()],
    )
    cause_note = _note_field(_l("Note"))
    minutes_spent = _minutes_field(_l("Minutes spent on clarification so far"))
    submit = SubmitField(_l("Open the case"))

    def set_choices(self, *, municipalities, product_types, locale: str) -> None:
        self.municipality_id.choices = [(None, "")] + [(m.id, m.name) for m in municipalities]
        self.product_type_id.choices = [(None, "")] + [
            (t.id, f"{t.iso_code} {t.title(locale)}") for t in product_types
        ]

    def validate_handover_id(self, field) -> None:
        if field.data and parse_id(field.data) is None:
            raise ValidationError(_l("Enter the handover's number (digits only)."))

    def validate_should_have_been(self, field) -> None:
        if field.data and field.data == self.delivered_by.data:
            raise ValidationError(_l("A deviation needs two different parties."))

    @property
    def handover_number(self) -> int | None:
        return parse_id(self.handover_id.data) if self.handover_id.data else None


# --- the workflow ---------------------------------------------------------------------------


class SettlementForm(AppForm):
    """The settlement fields, shared by the assessment and the conclusion."""

    settlement = RadioField(
        _l("Settlement"),
        choices=SETTLEMENT_CHOICES,
        default="none",
        validators=[InputRequired(message=_l("Choose the settlement."))],
    )
    settlement_amount = MoneyField(
        _l("Amount (DKK)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=AMOUNT_MAX, message=_l("Enter an amount from 0 to %(max)s.")),
        ],
    )

    def validate_settlement_amount(self, field) -> None:
        if field.data is not None and self.settlement.data == "none":
            raise ValidationError(_l("An amount needs a settlement: returned or taken over."))


class AssessForm(SettlementForm):
    cause = SelectField(
        _l("Cause"),
        choices=[("", _l("Not yet assessed")), *CAUSE_CHOICES],
        coerce=_optional_cause,
        default=None,
        validators=[Optional()],
    )
    cause_note = _note_field(_l("About the cause"))
    minutes_spent = _minutes_field(_l("Minutes spent on clarification"))
    submit = SubmitField(_l("Save the assessment"))


class DiscussForm(AppForm):
    meeting_date = DateField(
        _l("Meeting date"),
        validators=[InputRequired(message=_l("Enter the date of the meeting."))],
    )
    submit = SubmitField(_l("Discussed at the meeting"))

    def validate_meeting_date(self, field) -> None:
        if field.data and field.data > local_today():
            raise ValidationError(_l("The meeting date cannot be in the future."))
        if field.data and field.data < FIRST_MEETING:
            raise ValidationError(_l("Enter a date from 2000 on."))


class ConcludeForm(AppForm):
    """The conclusion, with the settlement the meeting agreed on (saved with it; left out,
    the assessment's settlement stands)."""

    final_settlement = RadioField(
        _l("Settlement"), choices=SETTLEMENT_CHOICES, validators=[Optional()]
    )
    final_amount = MoneyField(
        _l("Amount (DKK)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=AMOUNT_MAX, message=_l("Enter an amount from 0 to %(max)s.")),
        ],
    )

    conclusion = TextAreaField(
        _l("Conclusion"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Write the conclusion.")),
            Length(max=NOTE_MAX),
        ],
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )
    submit = SubmitField(_l("Conclude the case"))

    def validate_final_amount(self, field) -> None:
        if field.data is not None and self.final_settlement.data in (None, "none"):
            raise ValidationError(_l("An amount needs a settlement: returned or taken over."))


# --- the statistics -------------------------------------------------------------------------


class QuarterForm(FilterForm):
    """The quarter of the statistics: a year and a quarter (1-4)."""

    year = IntegerField(
        _l("Year"),
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 2000, "size": 5},
    )
    quarter = SelectField(
        _l("Quarter"),
        choices=[("", "")] + [(str(q), f"Q{q}") for q in range(1, 5)],
        default="",
        validators=[Optional()],
    )
