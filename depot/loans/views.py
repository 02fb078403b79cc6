"""Loans for depot staff: open and overdue loans, pick-up requests.

Depot staff only (403 for other roles); they see the open loans of items that went out from
the depots they work in, and get 404 for other loans. The list shows no citizen's name, only
the postcode and town, so it needs no access-log rows; asking for or withdrawing a pick-up
changes a citizen's loan and is logged.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from depot.citizens.access_log import log_access
from depot.errors import Conflict
from depot.extensions import db
from depot.items.access import can_operate_depot, operable_depots
from depot.loans import queries, services
from depot.loans.forms import LoanFilterForm, PickupForm
from depot.loans.models import Loan
from depot.web.i18n import local_today
from depot.web.lists import flash_ignored_filters, paginate
from depot.web.security import roles_required

bp = Blueprint("loans", __name__, url_prefix="/depot/loans")

ID = "int(min=1, max=2147483647)"
STAFF = ("depot_staff",)
LIST_ARGS = ("overdue", "pickup", "depot", "page")


def _list_args() -> dict[str, str]:
    """The list's filters from the query string, to return to the same list after a POST."""
    return {k: request.args[k][:20] for k in LIST_ARGS if request.args.get(k)}


@bp.route("/")
@roles_required(*STAFF)
def loans():
    depots = operable_depots(current_user)
    form = LoanFilterForm(request.args)
    form.depot.choices = [("", _("All my depots"))] + [(d.id, d.name) for d in depots]
    filters = form.valid_data()
    flash_ignored_filters(form)
    depot_ids = [filters["depot"]] if filters["depot"] else [d.id for d in depots]
    today = local_today()
    pagination = paginate(
        queries.open_loans_query(
            depot_ids=depot_ids,
            today=today,
            overdue=bool(filters["overdue"]),
            pickup_requested=bool(filters["pickup"]),
        )
    )
    return render_template(
        "loans/loans.html",
        form=form,
        pagination=pagination,
        today=today,
        on_runs=queries.planned_pickup_runs([loan.id for loan in pagination.items]),
        pickup_form=PickupForm(formdata=None),
        list_args=_list_args(),
        has_depots=bool(depots),
    )


def _loan_or_404(loan_id: int) -> Loan:
    """The loan, if its item went out from a depot the user works in; 404 otherwise."""
    loan = db.session.get(Loan, loan_id)
    if loan is None or not can_operate_depot(current_user, loan.item.depot):
        abort(404)
    return loan


@bp.route(f"/<{ID}:loan_id>/pickup", methods=["POST"])
@roles_required(*STAFF)
def request_pickup(loan_id: int):
    loan = _loan_or_404(loan_id)
    if not PickupForm().validate_on_submit():
        abort(400)
    services.request_pickup(loan_id=loan.id, user=current_user)
    log_access(
        user=current_user,
        action="request_pickup",
        citizen_id=loan.citizen_id,
        criterion=f"loan of {loan.item.asset_tag}",
    )
    flash(_("Pick-up requested for %(tag)s.", tag=loan.item.asset_tag), "success")
    return redirect(url_for(".loans", **_list_args()))


@bp.route(f"/<{ID}:loan_id>/pickup/cancel", methods=["POST"])
@roles_required(*STAFF)
def cancel_pickup(loan_id: int):
    loan = _loan_or_404(loan_id)
    if not PickupForm().validate_on_submit():
        abort(400)
    run = queries.planned_pickup_runs([loan.id]).get(loan.id)
    if run is not None:
        raise Conflict(
            _(
                "%(tag)s is on the run of %(driver)s on %(date)s: remove the stop first.",
                tag=loan.item.asset_tag,
                driver=run.driver,
                date=run.run_date.strftime("%d-%m-%Y"),
            )
        )
    services.cancel_pickup(loan_id=loan.id)
    log_access(
        user=current_user,
        action="cancel_pickup",
        citizen_id=loan.citizen_id,
        criterion=f"loan of {loan.item.asset_tag}",
    )
    flash(_("Pick-up withdrawn for %(tag)s.", tag=loan.item.asset_tag), "success")
    return redirect(url_for(".loans", **_list_args()))
