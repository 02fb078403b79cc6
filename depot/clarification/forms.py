"""Forms of the clarification catalogue: a rule, the CSV import, the filter and "try it"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from depot.clarification import rules
from depot.clarification.services import PARTY_LABELS, RULE_PURPOSE_LABELS
from depot.web.forms import AppForm, FilterForm, optional_id, strip_text

PURPOSE_CHOICES = [(k, v) for k, v in RULE_PURPOSE_LABELS.items()]
PARTY_CHOICES = [(k, v) for k, v in PARTY_LABELS.items()]
SHORT_TERM_CHOICES = [("", "—")] + [(k, PARTY_LABELS[k]) for k in ("region", "municipality")]
# An expected duration longer than this is a lasting need anyway.
DURATION_MAX_DAYS = 36_500


def _none_if_blank(value):
    """Coerce a choice: '' (and a field left out of the post) mean none chosen."""
    return value or None


def _days_field(label, high: int, description=None) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(
                min=1, max=high, message=_l("Enter a whole number from %(min)s to %(max)s.")
            ),
        ],
        render_kw={"min": 1, "max": high, "inputmode": "numeric"},
        description=description,
    )


class RuleForm(AppForm):
    iso_code = StringField(
        _l("ISO 9999 code"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=rules.CODE_INPUT_MAX)],
        render_kw={"placeholder": "12 22 03", "maxlength": rules.CODE_INPUT_MAX},
        description=_l(
            "A type (12 22 03), a class (12 22) or a chapter (12). The longest code that fits "
            "a product type applies."
        ),
    )
    purpose = SelectField(
        _l("Primary purpose"), choices=PURPOSE_CHOICES, validators=[InputRequired()]
    )
    responsible_party = SelectField(
        _l("Responsible party"), choices=PARTY_CHOICES, validators=[InputRequired()]
    )
    duration_threshold_days = _days_field(
        _l("Expected duration threshold (days)"),
        rules.THRESHOLD_MAX,
        _l("Optional. A need expected to last fewer days goes to the short-term party."),
    )
    short_term_party = SelectField(
        _l("Short-term party"),
        choices=SHORT_TERM_CHOICES,
        coerce=_none_if_blank,
        description=_l("Who provides for needs shorter than the threshold."),
    )
    guidance = TextAreaField(
        _l("Guidance"),
        filters=[strip_text],
        validators=[Optional(), Length(max=rules.GUIDANCE_MAX)],
        render_kw={"rows": 5},
    )
    precedents = TextAreaField(
        _l("Precedents"),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=rules.PRECEDENTS_MAX * (rules.PRECEDENT_MAX + 2)),
        ],
        render_kw={"rows": 4},
        description=_l(
            "One per line: a decision or case, optionally followed by its web address "
            "(https://…), which becomes a link."
        ),
    )
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        return {name: self[name].data for name in rules.RULE_FIELDS}


class ImportForm(AppForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(message=_l("Choose a file.")),
            FileAllowed(["csv", "txt"], message=_l("Choose a CSV file (.csv).")),
        ],
        render_kw={"accept": ".csv,text/csv"},
    )
    replace_all = BooleanField(
        _l("Replace the whole catalogue: delete the rules whose codes are not in the file")
    )
    submit = SubmitField(_l("Import"))


class ConfirmForm(AppForm):
    submit = SubmitField(_l("Delete rule"))


class RuleFilterForm(FilterForm):
    q = SearchField(
        _l("Code or text"), filters=[strip_text], validators=[Optional(), Length(max=100)]
    )
    party = SelectField(_l("Party"), choices=[("", _l("All parties")), *PARTY_CHOICES], default="")
    purpose = SelectField(
        _l("Purpose"), choices=[("", _l("All purposes")), *PURPOSE_CHOICES], default=""
    )


class TryForm(FilterForm):
    """Which party would the catalogue suggest? (no personal data: a type and a duration)"""

    type = SelectField(_l("Product type"), coerce=optional_id, validators=[Optional()])
    days = _days_field(
        _l("Expected duration (days)"),
        DURATION_MAX_DAYS,
        _l("Empty: a lasting need."),
    )
