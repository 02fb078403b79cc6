"""Forms of the depot's loan list: the filters and the pick-up buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField
from wtforms.validators import Optional

from depot.web.forms import AppForm, FilterForm
from depot.web.forms import optional_id as _optional_int


class LoanFilterForm(FilterForm):
    overdue = BooleanField(_l("Overdue only"))
    pickup = BooleanField(_l("Pick-up requested"))
    depot = SelectField(_l("Depot"), coerce=_optional_int, validators=[Optional()], default=None)


class PickupForm(AppForm):
    """A button: only the CSRF token."""
