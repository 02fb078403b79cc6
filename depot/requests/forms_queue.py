"""Forms of the depot's request queue: the list filters, reserve, back-order, release, forward."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import Optional, ValidationError

from depot.requests.labels import REQUEST_STATE_LABELS, URGENCY_LABELS
from depot.requests.models import URGENCIES
from depot.requests.queue import QUEUE_STATES
from depot.web.forms import AppForm, FilterForm, parse_id
from depot.web.forms import optional_id as _optional_id

# The depot's words: a reserved request is one to plan a delivery for.
STATUS_LABELS = {
    **REQUEST_STATE_LABELS,
    "back_ordered": _l("Back-ordered"),
    "reserved": _l("Reserved: ready to plan a delivery"),
}


class QueueFilterForm(FilterForm):
    depot = SelectField(_l("Depot"), coerce=_optional_id, validators=[Optional()], default=None)
    status = SelectField(
        _l("Status"),
        choices=[("", _l("All waiting"))] + [(s, STATUS_LABELS[s]) for s in QUEUE_STATES],
        validators=[Optional()],
        default="",
    )
    urgency = SelectField(
        _l("Urgency"),
        choices=[("", _l("All"))] + [(u, URGENCY_LABELS[u]) for u in URGENCIES],
        validators=[Optional()],
        default="",
    )


class ReserveForm(AppForm):
    """The one-click reserve button of a proposal row: the item travels in a hidden field."""

    item_id = HiddenField()
    submit = SubmitField(_l("Reserve"))

    def validate_item_id(self, field):
        if parse_id(field.data) is None:
            raise ValidationError(_l("Choose an item from the proposal."))

    @property
    def item(self) -> int | None:
        return parse_id(self.item_id.data)


class ActionForm(AppForm):
    """A button that only needs the CSRF token (back-order, release)."""

    submit = SubmitField(_l("Save"))


class ForwardForm(AppForm):
    depot_id = SelectField(_l("Hand over to depot"), coerce=_optional_id, validate_choice=False)
    submit = SubmitField(_l("Hand over"))

    def validate_depot_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the depot to hand the request over to."))
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose another active depot from the list."))
