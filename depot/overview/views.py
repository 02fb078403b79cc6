"""The depot overview: items per product and state, items out longest, fleet utilisation.

For one depot or for all depots together (the shared stock); filterable by product type and
owner organisation. Everyone with a role in VIEW_ROLES may look. No citizen data here.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from wtforms import SelectField
from wtforms.validators import Optional

from depot.extensions import db
from depot.items.access import VIEW_ROLES, all_depots
from depot.items.models import ITEM_STATES
from depot.items.services import STATE_LABELS
from depot.organisations.models import Depot, utcnow
from depot.overview import services
from depot.stock.forms import ALL, FilterForm, depot_choice, optional_id
from depot.stock.views import default_depot_id
from depot.web.i18n import current_language
from depot.web.lists import flash_ignored_filters, page_number
from depot.web.security import roles_required

bp = Blueprint("overview", __name__, url_prefix="/depot/overview")

PRODUCTS_PER_PAGE = 50
OUT_LONGEST = 20


class OverviewFilterForm(FilterForm):
    depot = SelectField(_l("Depot"), coerce=depot_choice, validators=[Optional()])
    type = SelectField(_l("Product type"), coerce=optional_id, validators=[Optional()])
    owner = SelectField(_l("Owner"), coerce=optional_id, validators=[Optional()])


class ListPagination(Pagination):
    """A page of an already computed list (the aggregate is small: one row per product)."""

    def _query_items(self) -> list:
        rows = self._query_args["rows"]
        return rows[self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def _filter_form() -> OverviewFilterForm:
    lang = current_language()
    form = OverviewFilterForm(request.args)
    form.depot.choices = [(ALL, _("All depots (shared stock)"))] + [
        (d.id, d.name) for d in all_depots()
    ]
    form.type.choices = [("", _("All types"))] + [
        (t.id, f"{t.iso_code} {t.title(lang)}") for t in services.reusable_product_types()
    ]
    form.owner.choices = [("", _("All owners"))] + [
        (o.id, o.name) for o in services.owner_organisations()
    ]
    return form


@bp.route("")
@roles_required(*VIEW_ROLES)
def overview():
    form = _filter_form()
    filters = form.valid_data()
    flash_ignored_filters(form)
    if form.depot.data is None:
        form.depot.data = default_depot_id(current_user) or ALL
    depot = None if form.depot.data == ALL else db.session.get(Depot, form.depot.data)
    chosen = {"product_type_id": filters["type"], "owner_id": filters["owner"]}
    counts = services.state_counts(depot_id=depot.id if depot else None, **chosen)
    per_page = current_app.config.get("OVERVIEW_PAGE_SIZE", PRODUCTS_PER_PAGE)
    pagination = ListPagination(
        page=page_number(), per_page=per_page, max_per_page=None, error_out=False, rows=counts.rows
    )
    today = utcnow().date()  # stored times are UTC
    return render_template(
        "overview/overview.html",
        form=form,
        depot=depot,
        counts=counts,
        pagination=pagination,
        states=ITEM_STATES,
        state_labels=STATE_LABELS,
        # Per depot in the shared view; a single depot's figure is its overall utilisation
        # (this saves a second pass over all items when one depot is chosen).
        by_depot=(
            [(depot, counts.utilisation)]
            if depot is not None
            else services.utilisation_by_depot(**chosen)
        ),
        out_longest=services.out_longest(
            depot_id=depot.id if depot else None, limit=OUT_LONGEST, **chosen
        ),
        days_since=lambda moment: services.days_since(moment, today=today),
    )
