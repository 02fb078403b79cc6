"""Forms of the purchase round pages: a new round, demand quantities, participants, actions."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from depot.purchasing.services import BUDGET_MAX, QUANTITY_MAX
from depot.web.forms import AppForm, optional_id, parse_id
from depot.web.forms import strip_text as _strip
from depot.web.i18n import dkk

DELIVERY_CHOICES = [
    ("shared", _l("Everything to one shared depot")),
    ("each", _l("Each participant’s units to its own depot")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        # Choices are ids; coerce first, then check membership (junk is a form error).
        if self.data:
            allowed = {value for value, _label in self.choices}
            if any(value not in allowed for value in self.data):
                raise ValidationError(_l("Not a valid choice."))


class RoundForm(AppForm):
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Give the round a title.")), Length(max=200)],
    )
    participants = MultiCheckboxField(
        _l("Participants"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one participant."))],
    )
    contracts = MultiCheckboxField(
        _l("Contracts"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one contract."))],
    )
    iso_prefix = StringField(
        _l("Only products of ISO class (optional)"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=8),
            Regexp(r"^\d{2}( \d{2}){0,2}$", message=_l("Write an ISO code such as 12 22.")),
        ],
        description=_l("For example 12 22 for manual wheelchairs, or 18 for furniture."),
    )
    horizon_months = IntegerField(
        _l("Horizon (months)"),
        default=12,
        validators=[
            InputRequired(message=_l("Enter the horizon in months.")),
            NumberRange(min=1, max=24, message=_l("Enter a whole number from %(min)s to %(max)s.")),
        ],
        render_kw={"min": 1, "max": 24, "inputmode": "numeric"},
    )
    needed_by = DateField(
        _l("Needed by (optional)"),
        validators=[Optional()],
        description=_l(
            "Contract lines whose lead time is too long to deliver by then are left out, and "
            "so are products no contract can deliver in time."
        ),
    )
    delivery = RadioField(_l("Delivery"), choices=DELIVERY_CHOICES, default="shared")
    delivery_depot = SelectField(_l("Shared depot"), coerce=optional_id, validate_choice=False)
    time_limit_seconds = IntegerField(
        _l("Time limit for the optimizer (seconds)"),
        default=60,
        validators=[
            InputRequired(message=_l("Enter a time limit.")),
            NumberRange(
                min=5, max=3600, message=_l("Enter a whole number from %(min)s to %(max)s.")
            ),
        ],
        render_kw={"min": 5, "max": 3600, "inputmode": "numeric"},
    )
    with_shapley = BooleanField(
        _l("Compute the Shapley split (up to 10 participants)"), default=True
    )
    submit = SubmitField(_l("Create round and forecast demand"))

    def validate_delivery_depot(self, field):
        if self.delivery.data == "shared" and field.data is None:
            raise ValidationError(_l("Choose the depot the shared delivery goes to."))
        if field.data is not None and field.data not in {v for v, _ in field.choices}:
            raise ValidationError(_l("Not a valid choice."))


def parse_quantities(form, line_ids: set[int]) -> tuple[dict[int, int], dict[int, str]]:
    """Quantities posted as q-<line id>; returns (values, errors by line id)."""
    values: dict[int, int] = {}
    errors: dict[int, str] = {}
    for key, raw in form.items():
        if not key.startswith("q-"):
            continue
        line_id = parse_id(key[2:])
        if line_id is None or line_id not in line_ids:
            continue
        text = (raw or "").strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 7 or int(text) > QUANTITY_MAX:
            errors[line_id] = str(
                _l("Enter a whole number from %(min)s to %(max)s.", min=0, max=QUANTITY_MAX)
            )
            continue
        values[line_id] = int(text)
    return values, errors


def parse_amount(text: str) -> Decimal | None:
    """An amount in DKK as people write it (1234,50 / 1.234,50 / 1234.50); None if not one."""
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in text:  # Danish: dots group thousands, the comma is the decimal mark
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", text):  # 150.000 is a hundred and fifty thousand
        text = text.replace(".", "")
    if not text or len(text) > 20 or "e" in text.lower():
        return None
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount


def parse_participants(
    form, organisation_ids: list[int], depot_ids: set[int]
) -> tuple[dict, dict, dict[int, str]]:
    """Budgets (budget-<org>) and depots (depot-<org>) per participant, with errors."""
    budgets: dict[int, Decimal | None] = {}
    depots: dict[int, int | None] = {}
    errors: dict[int, str] = {}
    for organisation_id in organisation_ids:
        raw = (form.get(f"budget-{organisation_id}") or "").strip()
        amount = parse_amount(raw) if raw else None
        if raw and (amount is None or not 0 <= amount <= BUDGET_MAX):
            errors[organisation_id] = str(
                _l("Enter an amount like 150.000,00 kr. (at most %(max)s).", max=dkk(BUDGET_MAX))
            )
        budgets[organisation_id] = amount
        depot_raw = (form.get(f"depot-{organisation_id}") or "").strip()
        depot_id = parse_id(depot_raw) if depot_raw else None
        if depot_raw and (depot_id is None or depot_id not in depot_ids):
            errors[organisation_id] = str(_l("Not a valid choice."))
        depots[organisation_id] = depot_id
    return budgets, depots, errors


class ActionForm(AppForm):
    """A CSRF-protected button: run, refresh the forecast, accept, cancel."""

    submit = SubmitField()
