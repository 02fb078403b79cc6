"""Forms of the depot pages: receiving, the item's steps, lending, transfers, inspections."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from depot.citizens.services import InvalidCPR, normalise_cpr
from depot.items.models import ITEM_STATES
from depot.loans.models import LEGAL_BASES
from depot.web.forms import AppForm, FilterForm
from depot.web.forms import optional_id as _optional_int
from depot.web.forms import strip_text as _strip
from depot.web.i18n import local_today

RECEIVE_MAX = 500
LABELS_MAX = 200
NOTE_MAX = 1000
SERIAL_MAX = 60


_SEPARATORS = re.compile(r"[\s,;]+")


def split_lines(text: str | None) -> list[str]:
    """The non-empty, trimmed lines of a textarea."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def split_codes(text: str | None) -> list[str]:
    """Codes separated by new lines, spaces, commas or semicolons, duplicates dropped."""
    seen: dict[str, None] = {}
    for code in _SEPARATORS.split(text or ""):
        if code:
            seen.setdefault(code.upper(), None)
    return list(seen)


def _note_field(label=None):
    return TextAreaField(
        label or _l("Note"),
        filters=[_strip],
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2, "maxlength": NOTE_MAX},
    )


class ReceiveForm(AppForm):
    product_id = SelectField(_l("Product"), coerce=_optional_int, validate_choice=False)
    depot_id = SelectField(_l("Depot"), coerce=_optional_int, validate_choice=False)
    owner_id = SelectField(
        _l("Owner"),
        coerce=_optional_int,
        validate_choice=False,
        description=_l("Empty: the depot's owner (for a shared depot: your organisation)."),
    )
    serials = TextAreaField(
        _l("Serial numbers, one per line"),
        filters=[_strip],
        validators=[Optional(), Length(max=RECEIVE_MAX * (SERIAL_MAX + 2))],
        render_kw={"rows": 6},
    )
    count = IntegerField(
        _l("Or: number of items without serial numbers"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=RECEIVE_MAX,
                message=_l("Enter a whole number from %(min)s to %(max)s."),
            ),
        ],
        render_kw={"min": 1, "max": RECEIVE_MAX},
    )
    note = _note_field()
    submit = SubmitField(_l("Receive"))

    def validate_product_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a product."))
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a reusable, active product from the list."))

    def validate_depot_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a depot."))

    def validate_owner_id(self, field):
        if field.data is not None and field.data not in {v for v, _label in field.choices}:
            raise ValidationError(_l("Choose an organisation from the list."))

    def validate_serials(self, field):
        lines = split_lines(field.data)
        if len(lines) > RECEIVE_MAX:
            raise ValidationError(
                _l("At most %(max)s items in one batch.", max=RECEIVE_MAX),
            )
        too_long = [s for s in lines if len(s) > SERIAL_MAX]
        if too_long:
            raise ValidationError(
                _l("A serial number has at most %(max)s characters.", max=SERIAL_MAX)
            )
        if len({s for s in lines}) != len(lines):
            raise ValidationError(_l("The same serial number appears twice."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # Across fields (the fields' own validators stop early when a field is empty).
        lines = split_lines(self.serials.data)
        count = self.count
        if not count.errors and not self.serials.errors:
            if not lines and count.data is None:
                count.errors.append(_l("Enter serial numbers, or the number of items."))
                ok = False
            elif lines and count.data is not None and count.data != len(lines):
                count.errors.append(
                    _l("Leave the number empty when you enter serial numbers (they are counted).")
                )
                ok = False
        return ok

    def serial_list(self) -> list[str | None]:
        """One entry per item to receive: its serial number, or None."""
        lines = split_lines(self.serials.data)
        return list(lines) if lines else [None] * (self.count.data or 0)


class StepForm(AppForm):
    note = _note_field()
    submit = SubmitField(_l("Save"))


class LendForm(AppForm):
    cpr = StringField(
        _l("Citizen's CPR number"),
        filters=[_strip],
        validators=[InputRequired(), Length(max=20)],
        render_kw={"autocomplete": "off", "placeholder": "DDMMÅÅ-NNNN", "maxlength": 11},
    )
    legal_basis = SelectField(
        _l("Legal basis"),
        choices=[("", "—")] + [(basis, basis) for basis in LEGAL_BASES],
        validate_choice=False,
    )
    expected_end = DateField(_l("Expected end (optional)"), validators=[Optional()])
    note = _note_field()
    submit = SubmitField(_l("Lend out"))

    cpr_normalised: str | None = None

    def validate_cpr(self, field):
        if not (field.data or "").isascii():
            raise ValidationError(
                _l("Write the CPR number as DDMMYY-NNNN (10 digits, a real birth date).")
            )
        try:
            self.cpr_normalised = normalise_cpr(field.data or "")
        except InvalidCPR as exc:
            raise ValidationError(
                _l("Write the CPR number as DDMMYY-NNNN (10 digits, a real birth date).")
            ) from exc

    def validate_expected_end(self, field):
        if field.data is not None and field.data < local_today():
            raise ValidationError(_l("The expected end cannot be in the past."))

    def validate_legal_basis(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the legal basis."))
        if field.data not in LEGAL_BASES:
            raise ValidationError(_l("Not a valid choice."))


class TransferForm(AppForm):
    to_depot_id = SelectField(_l("To depot"), coerce=_optional_int, validate_choice=False)
    note = _note_field()
    submit = SubmitField(_l("Send"))

    def validate_to_depot_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the depot to send the item to."))
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose another active depot from the list."))


class InspectForm(AppForm):
    passed = RadioField(
        _l("Result"),
        choices=[("1", _l("Passed")), ("0", _l("Failed: send to repair"))],
        validators=[InputRequired(message=_l("Choose passed or failed."))],
    )
    note = _note_field()
    submit = SubmitField(_l("Record inspection"))


class InspectionPlanForm(AppForm):
    product_type_id = SelectField(_l("Product type"), coerce=_optional_int, validate_choice=False)
    interval_months = IntegerField(
        _l("Interval (months)"),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=120, message=_l("Enter a whole number from %(min)s to %(max)s.")
            ),
        ],
        render_kw={"min": 1, "max": 120},
        description=_l("Empty: no recurring inspection."),
    )
    after_every_loan = BooleanField(_l("Inspect after every loan"))
    instructions = TextAreaField(
        _l("Instructions"),
        filters=[_strip],
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Save plan"))

    def validate_product_type_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a product type."))
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Not a valid choice."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if (
            self.interval_months.data is None
            and not self.interval_months.errors
            and not self.after_every_loan.data
        ):
            self.interval_months.errors.append(
                _l("Give an interval, or inspect after every loan, or both.")
            )
            ok = False
        return ok


class LabelsForm(AppForm):
    tags = TextAreaField(
        _l("Asset tags, one per line"),
        filters=[_strip],
        validators=[InputRequired(), Length(max=LABELS_MAX * 22)],
        render_kw={"rows": 10},
    )
    submit = SubmitField(_l("Print labels (PDF)"))

    def validate_tags(self, field):
        codes = split_codes(field.data)
        if not codes:
            raise ValidationError(_l("Enter at least one asset tag."))
        if len(codes) > LABELS_MAX:
            raise ValidationError(_l("At most %(max)s labels at a time.", max=LABELS_MAX))
        if any(len(code) > 20 for code in codes):
            raise ValidationError(_l("An asset tag has at most 20 characters."))

    def codes(self) -> list[str]:
        return split_codes(self.tags.data)


class PrintLabelsForm(AppForm):
    """A button that posts a fixed list of tags to the label sheet."""

    tags = HiddenField()


# --- list filters (GET) ---------------------------------------------------------------------


def _choice_filter(label):
    """A filter select of ids; '' means any, and an unknown id is ignored by the form."""
    return SelectField(label, coerce=_optional_int, validators=[Optional()], default=None)


class ItemFilterForm(FilterForm):
    q = SearchField(
        _l("Search"),
        filters=[_strip],
        validators=[Optional(), Length(max=100)],
        description=_l("Asset tag, serial number or product name"),
    )
    depot = _choice_filter(_l("Depot"))
    type = _choice_filter(_l("Product type"))
    product = _choice_filter(_l("Product"))
    status = SelectField(_l("Status"), validators=[Optional()], default="")
    owner = _choice_filter(_l("Owner"))
    sort = SelectField(
        _l("Sort by"),
        choices=[
            ("tag", _l("Asset tag")),
            ("-tag", _l("Asset tag, descending")),
            ("-since", _l("Latest change first")),
            ("since", _l("Oldest change first")),
            ("due", _l("Next inspection first")),
        ],
        default="tag",
    )

    def set_status_choices(self, labels: dict) -> None:
        self.status.choices = [("", _l("All states"))] + [(s, labels[s]) for s in ITEM_STATES]


# --- id lists in URLs -----------------------------------------------------------------------


def format_ids(ids) -> str:
    """Ids as compact ranges for a URL: [1, 2, 3, 7] → '1-3,7'."""
    parts: list[str] = []
    ordered = sorted(set(ids))
    start = prev = None
    for n in ordered:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            parts.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = n
    if start is not None:
        parts.append(f"{start}-{prev}" if prev != start else str(start))
    return ",".join(parts)


def parse_ids(text: str | None, *, limit: int) -> list[int]:
    """Ids from '1,2,5-9' (at most `limit`; junk and out-of-range parts are skipped)."""
    ids: list[int] = []
    for part in (text or "").split(",")[: limit + 1]:
        low, _sep, high = part.strip().partition("-")
        if not (low.isascii() and low.isdigit() and len(low) <= 10):
            continue
        if high and not (high.isascii() and high.isdigit() and len(high) <= 10):
            continue
        first, last = int(low), int(high or low)
        if not 1 <= first <= last <= 2147483647:
            continue
        for n in range(first, min(last, first + limit) + 1):
            ids.append(n)
            if len(ids) >= limit:
                return ids
    return ids
