"""Forms of the purchase order pages: the list's filters, send, cancel and receive.

The action forms carry the order's version as a hidden field: a form sent twice, or after
someone else changed the order, is refused (409) instead of acting on what the user did not see.
The receive form is built per order: a quantity per open line (the remaining units by default)
and, for reusable products, a text box with one serial number per line.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from depot.items.forms import split_lines
from depot.purchasing.models import ORDER_STATES, PurchaseOrderLine
from depot.purchasing.orders import NOTE_MAX, ORDER_STATE_LABELS, REASON_MAX, SERIAL_MAX
from depot.web.forms import ID_MAX, AppForm, FilterForm, optional_id
from depot.web.forms import strip_text as _strip

VIEWS = ("all", "receive")


class OrderFilterForm(FilterForm):
    status = SelectField(
        _l("Status"),
        choices=[("", _l("All")), *((s, ORDER_STATE_LABELS[s]) for s in ORDER_STATES)],
        default="",
        validators=[Optional()],
    )
    supplier = SelectField(
        _l("Supplier"), coerce=optional_id, default=None, validators=[Optional()]
    )
    view = HiddenField(default="", validators=[Optional(), AnyOf(VIEWS)])

    def set_supplier_choices(self, suppliers) -> None:
        self.supplier.choices = [(None, _l("All"))] + [(s.id, s.name) for s in suppliers]


def _version_field():
    return IntegerField(
        widget=HiddenInput(),
        validators=[
            InputRequired(message=_l("The form is incomplete. Reload the page and try again.")),
            NumberRange(min=1, max=ID_MAX),
        ],
    )


class SendForm(AppForm):
    version = _version_field()
    submit = SubmitField(_l("Mark as sent"))


class CancelForm(AppForm):
    version = _version_field()
    reason = TextAreaField(
        _l("Reason for cancelling"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Give a reason for cancelling the order.")),
            Length(max=REASON_MAX),
        ],
        render_kw={"rows": 2, "maxlength": REASON_MAX},
    )
    submit = SubmitField(_l("Cancel the order"))


class ReceiveForm(AppForm):
    """The fixed part; `receive_form` adds a quantity (and serials) per open line."""

    version = _version_field()
    note = TextAreaField(
        _l("Note"),
        filters=[_strip],
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2, "maxlength": NOTE_MAX},
    )
    submit = SubmitField(_l("Record the receipt"))

    lines: list[tuple[PurchaseOrderLine, str, str | None]] = []

    def line_rows(self):
        """(line, quantity field, serials field or None) per open line, in order."""
        return [
            (line, self[qty], self[serials] if serials else None)
            for line, qty, serials in self.lines
        ]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        seen: set[str] = set()
        anything = False
        for _line, qty, serials in self.line_rows():
            if qty.errors:
                continue
            anything = anything or bool(qty.data)
            if serials is None or serials.errors:
                continue
            given = split_lines(serials.data)
            if any(len(s) > SERIAL_MAX for s in given):
                serials.errors.append(
                    _l("A serial number has at most %(max)s characters.", max=SERIAL_MAX)
                )
            elif given and len(given) != qty.data:
                serials.errors.append(
                    _l(
                        "Enter one serial number per unit received (%(n)s), or none.",
                        n=qty.data,
                    )
                )
            elif seen & set(given) or len(set(given)) != len(given):
                serials.errors.append(_l("The same serial number appears twice."))
            seen |= set(given)
            ok = ok and not serials.errors
        if ok and not anything:
            self.form_errors.append(_l("Enter a quantity above 0 for at least one line."))
            ok = False
        return ok

    def quantities(self) -> dict[int, int]:
        return {line.id: qty.data for line, qty, _serials in self.line_rows() if qty.data}

    def serials(self) -> dict[int, list[str | None] | None]:
        out: dict[int, list[str | None] | None] = {}
        for line, qty, serials in self.line_rows():
            if qty.data and serials is not None:
                out[line.id] = list(split_lines(serials.data)) or None
        return out


def receive_form(lines: list[PurchaseOrderLine], **kwargs) -> ReceiveForm:
    """A receive form for the given open lines (formdata from the request unless given)."""

    class Form(ReceiveForm):
        pass

    rows = []
    for line in lines:
        remaining = line.quantity - line.received_quantity
        qty, serials = f"qty_{line.id}", None
        setattr(
            Form,
            qty,
            IntegerField(
                _l("Received now"),
                default=remaining,
                validators=[
                    InputRequired(message=_l("Enter the quantity received (0 if none).")),
                    NumberRange(
                        min=0,
                        max=remaining,
                        message=_l("Enter a whole number from %(min)s to %(max)s."),
                    ),
                ],
                render_kw={"min": 0, "max": remaining, "inputmode": "numeric"},
            ),
        )
        if line.product.reusable:
            serials = f"serials_{line.id}"
            setattr(
                Form,
                serials,
                TextAreaField(
                    _l("Serial numbers, one per line"),
                    filters=[_strip],
                    validators=[Optional(), Length(max=remaining * (SERIAL_MAX + 2))],
                    render_kw={"rows": 2},
                ),
            )
        rows.append((line, qty, serials))
    Form.lines = rows
    return Form(**kwargs)
