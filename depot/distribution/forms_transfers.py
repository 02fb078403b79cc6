"""Forms of the transfer order pages: the list's filters, pick & send, receive, cancel.

The action forms carry the order's version as a hidden field: a form sent twice, or after
someone else changed the order, is refused (409) instead of acting on what the user did not see.
The pick & send form is built per order: per reusable line a checkbox per proposed item (the
first ones ticked, up to the quantity), per consumable line a quantity, and one text box for
asset tags scanned or typed, one per line, for items the proposal does not list.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import Field, HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from depot.distribution.models import TRANSFER_ORDER_STATES, TransferOrder, TransferOrderLine
from depot.distribution.picking import CODES_MAX
from depot.distribution.transfer_access import DIRECTIONS
from depot.distribution.transfer_orders import ORDER_STATE_LABELS, REASON_MAX
from depot.items.forms import split_codes
from depot.items.models import Item
from depot.stock.forms import WholeNumberField
from depot.web.forms import ID_MAX, AppForm, FilterForm, optional_id, parse_id
from depot.web.forms import strip_text as _strip

TAG_MAX = 60  # an asset tag or serial number


class TransferFilterForm(FilterForm):
    status = SelectField(
        _l("Status"),
        choices=[("", _l("All")), *((s, ORDER_STATE_LABELS[s]) for s in TRANSFER_ORDER_STATES)],
        default="",
        validators=[Optional()],
    )
    depot = SelectField(_l("Depot"), coerce=optional_id, default=None, validators=[Optional()])
    view = HiddenField(default="", validators=[Optional(), AnyOf(DIRECTIONS)])

    def set_depot_choices(self, depots) -> None:
        self.depot.choices = [(None, _l("All"))] + [(d.id, d.name) for d in depots]


def _version_field():
    # Digits only and a dozen at most: a huge number is a message, not an OverflowError.
    return WholeNumberField(
        widget=HiddenInput(),
        validators=[
            InputRequired(message=_l("The form is incomplete. Reload the page and try again.")),
            NumberRange(min=1, max=ID_MAX),
        ],
    )


class ReceiveForm(AppForm):
    version = _version_field()
    submit = SubmitField(_l("Receive everything sent"))


class CancelForm(AppForm):
    version = _version_field()
    reason = TextAreaField(
        _l("Reason for cancelling"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Give a reason for cancelling the transfer order.")),
            Length(max=REASON_MAX),
        ],
        render_kw={"rows": 2, "maxlength": REASON_MAX},
    )
    submit = SubmitField(_l("Cancel the transfer order"))


class ItemPicks(Field):
    """The ticked checkboxes of one line: item ids (the template renders the boxes)."""

    def process_data(self, value):
        self.data = list(value or [])

    def process_formdata(self, valuelist):
        ids = [parse_id(value) for value in valuelist]
        self.data = [i for i in ids if i is not None]
        if len(self.data) != len(ids):
            raise ValueError(_l("Invalid item."))


class SendForm(AppForm):
    """The fixed part; `send_form` adds the picks or the quantity of each line."""

    version = _version_field()
    scan = TextAreaField(
        _l("Scan or type asset tags, one per line"),
        filters=[_strip],
        validators=[Optional(), Length(max=CODES_MAX * (TAG_MAX + 2))],
        render_kw={"rows": 4, "autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Send"))

    rows: list[tuple[TransferOrderLine, str, list[Item]]] = []

    def line_rows(self):
        """(line, its picks or quantity field, the items proposed for it) per line, in order."""
        return [(line, self[name], proposals) for line, name, proposals in self.rows]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        codes = self.codes()
        if any(len(code) > TAG_MAX for code in codes):
            self.scan.errors.append(_l("An asset tag has at most %(max)s characters.", max=TAG_MAX))
            ok = False
        elif len(codes) > CODES_MAX:
            self.scan.errors.append(
                _l("At most %(max)s codes can be scanned at once.", max=CODES_MAX)
            )
            ok = False
        for line, field, _proposals in self.line_rows():
            if line.product_type_id and not field.errors and len(field.data) > line.quantity:
                field.errors.append(
                    lazy_ngettext(
                        "Pick at most %(num)s item on this line.",
                        "Pick at most %(num)s items on this line.",
                        line.quantity,
                    )
                )
                ok = False
        anything = self.scan.data or any(
            field.data for _line, field, _proposals in self.line_rows()
        )
        if ok and not anything:
            self.form_errors.append(_l("Pick at least one item or enter a quantity above 0."))
            ok = False
        return ok

    def codes(self) -> list[str]:
        return split_codes(self.scan.data)

    def picks(self) -> dict[int, list[int]]:
        return {
            line.id: list(dict.fromkeys(field.data))
            for line, field, _proposals in self.line_rows()
            if line.product_type_id and field.data
        }

    def quantities(self) -> dict[int, int]:
        return {
            line.id: field.data
            for line, field, _proposals in self.line_rows()
            if line.product_id and field.data
        }


def send_form(order: TransferOrder, proposals: dict[int, list[Item]], **kwargs) -> SendForm:
    """A pick & send form for the order's lines, with the proposed items of each."""

    class Form(SendForm):
        pass

    rows = []
    for line in order.lines:
        if line.product_type_id:
            name = f"pick_{line.id}"
            setattr(Form, name, ItemPicks(_l("Items")))
        else:
            name = f"qty_{line.id}"
            setattr(
                Form,
                name,
                WholeNumberField(
                    _l("Sent now"),
                    default=line.quantity,
                    validators=[
                        InputRequired(message=_l("Enter the quantity sent (0 if none).")),
                        NumberRange(
                            min=0,
                            max=line.quantity,
                            message=_l("Enter a whole number from %(min)s to %(max)s."),
                        ),
                    ],
                    render_kw={"min": 0, "max": line.quantity, "inputmode": "numeric"},
                ),
            )
        rows.append((line, name, proposals.get(line.id, [])))
    Form.rows = rows
    return Form(**kwargs)


def initial_data(order: TransferOrder, proposals: dict[int, list[Item]]) -> dict:
    """The form's first state: the oldest proposed items ticked, up to each line's quantity."""
    data: dict = {"version": order.version_id}
    for line in order.lines:
        if line.product_type_id:
            data[f"pick_{line.id}"] = [item.id for item in proposals.get(line.id, [])][
                : line.quantity
            ]
    return data
