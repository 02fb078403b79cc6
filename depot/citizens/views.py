"""Citizen pages: search by CPR (POST) or name, register, the citizen's loans and requests.

Therapists and depot staff use them (403 for other roles). A citizen the user may not see is
answered 404, and the denial is logged. Every view, search, change and export writes an
access-log row (DESIGN §6); CPR numbers never appear in URLs or in the log's criteria.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask import request as http_request
from flask_babel import gettext as _
from flask_login import current_user

from depot.citizens import queries, services
from depot.citizens.access import CITIZEN_ROLES, can_view_citizen
from depot.citizens.access_log import log_access
from depot.citizens.forms import (
    AccessLogLookupForm,
    ActionForm,
    CitizenEditForm,
    CitizenForm,
    PrefillForm,
    SearchForm,
)
from depot.citizens.grants import is_region_user, may_view_citizen, remember_found
from depot.citizens.models import Citizen
from depot.citizens.services import InvalidCPR
from depot.extensions import db
from depot.loans import services as loan_services
from depot.loans.models import Loan
from depot.organisations.services import is_cluster_admin
from depot.requests.access import can_handle_request
from depot.requests.labels import REQUEST_STATE_BADGES, REQUEST_STATE_LABELS, URGENCY_LABELS
from depot.web.i18n import local_today
from depot.web.security import roles_required
from depot.web.spreadsheet import csv_response, safe_cell

bp = Blueprint("citizens", __name__, url_prefix="/citizens")

# Ids in URLs: positive and within a 32-bit integer column, so lookups can't overflow.
ID = "int(min=1, max=2147483647)"


# --- helpers --------------------------------------------------------------------------------


def _deny(citizen: Citizen, action: str = "view_denied"):
    """404 for a citizen the user may not see; the denial is logged and kept."""
    log_access(user=current_user, action=action, citizen_id=citizen.id)
    # An error response rolls the request's transaction back: commit the log row first
    # (nothing else has been changed at this point).
    db.session.commit()
    abort(404)


def _load(citizen_id: int, *, change: bool = False) -> Citizen:
    """The citizen, if this user may see them (404 otherwise).

    `change`: editing and asking for pick-ups need the lasting right; a hospital therapist
    who only found the patient by CPR this session may look and start a request, no more.
    """
    citizen = db.get_or_404(Citizen, citizen_id)
    allowed = can_view_citizen if change else may_view_citizen
    if not allowed(current_user, citizen):
        _deny(citizen)
    return citizen


def _has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def _request_link(device_request) -> str | None:
    """Where the user reads a request: therapists the request page, depot staff the queue."""
    if current_user.role == "therapist" and _has_endpoint("requests.request"):
        return url_for("requests.request", request_id=device_request.id)
    if (
        current_user.role == "depot_staff"
        and _has_endpoint("queue.request")
        and can_handle_request(current_user, device_request)
    ):
        return url_for("queue.request", request_id=device_request.id)
    return None


# --- search ---------------------------------------------------------------------------------


def _search_cpr(cpr: str) -> tuple[list[Citizen], str | None]:
    """Exact CPR search: the results and, when there are none, the message to show."""
    citizen = services.citizen_by_cpr(cpr=cpr)
    region = is_region_user(current_user)
    if citizen is not None and (region or can_view_citizen(current_user, citizen)):
        log_access(user=current_user, action="search", citizen_id=citizen.id, criterion="cpr")
        if region:
            remember_found(citizen.id)
        return [citizen], None
    if citizen is not None:
        # Registered with another municipality: logged, but answered as if unknown.
        log_access(
            user=current_user, action="search_denied", citizen_id=citizen.id, criterion="cpr"
        )
    else:
        log_access(user=current_user, action="search", criterion="cpr")
    if region:
        return [], _("No citizen is registered with this CPR number.")
    return [], _("This CPR number is not registered in your municipality.")


@bp.route("/", methods=["GET", "POST"])
@roles_required(*CITIZEN_ROLES)
def search():
    form = SearchForm()
    results = None
    message = None
    prefill_form = None
    more = False
    if form.validate_on_submit():
        if form.cpr is not None:
            results, message = _search_cpr(form.cpr)
            if not results:
                prefill_form = PrefillForm(formdata=None, data={"cpr": form.cpr})
        else:
            log_access(user=current_user, action="search", criterion=f"name: {form.name_text}")
            results = queries.search_by_name(user=current_user, text=form.name_text)
            more = len(results) > queries.NAME_RESULTS_MAX
            results = results[: queries.NAME_RESULTS_MAX]
            if not results:
                message = _(
                    "No citizen you may see has a name containing “%(text)s”.", text=form.name_text
                )
    return render_template(
        "citizens/search.html",
        form=form,
        results=results,
        message=message,
        prefill_form=prefill_form,
        more=more,
        max_results=queries.NAME_RESULTS_MAX,
        region=is_region_user(current_user),
        birth_date=services.cpr_birth_date,
    )


# --- registration ---------------------------------------------------------------------------


def _citizen_form(region: bool, **kwargs) -> CitizenForm:
    form = CitizenForm(**kwargs)
    if region:
        form.municipality_id.choices = [("", "—")] + [
            (o.id, o.name) for o in queries.municipality_choices()
        ]
    else:
        del form.municipality_id
    return form


def _prefilled(region: bool) -> CitizenForm:
    """The empty registration form with the CPR number the search page carried over."""
    try:
        cpr = services.normalise_cpr(http_request.form.get("cpr", ""))
    except InvalidCPR:
        cpr = None
    return _citizen_form(region, formdata=None, data={"cpr": cpr})


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CITIZEN_ROLES)
def new():
    region = is_region_user(current_user)
    existing = None
    if http_request.method == "POST" and http_request.form.get("prefill"):
        form = _prefilled(region)
    else:
        form = _citizen_form(region)
        if form.validate_on_submit():
            existing = services.citizen_by_cpr(cpr=form.cpr_normalised)
            if existing is None:
                municipality_id = form.municipality_id.data if region else None
                citizen = services.create_citizen(
                    cpr=form.cpr_normalised,
                    municipality_id=municipality_id or current_user.organisation_id,
                    **form.contact_details(),
                )
                log_access(user=current_user, action="create", citizen_id=citizen.id)
                if region and not can_view_citizen(current_user, citizen):
                    remember_found(citizen.id)
                flash(_("%(name)s has been registered.", name=citizen.name), "success")
                return redirect(url_for(".citizen", citizen_id=citizen.id))
            existing = _duplicate(form, existing, region)
    return render_template("citizens/new.html", form=form, existing=existing, region=region)


def _duplicate(form: CitizenForm, existing: Citizen, region: bool) -> Citizen | None:
    """Explain a CPR number that is registered already; the existing citizen if visible."""
    if region or can_view_citizen(current_user, existing):
        log_access(
            user=current_user, action="search", citizen_id=existing.id, criterion="cpr, register"
        )
        if region:
            remember_found(existing.id)
        form.cpr.errors.append(_("A citizen with this CPR number is registered already."))
        return existing
    log_access(
        user=current_user,
        action="search_denied",
        citizen_id=existing.id,
        criterion="cpr, register",
    )
    form.cpr.errors.append(_("This CPR number is already registered with another municipality."))
    return None


# --- the citizen page -----------------------------------------------------------------------


@bp.route(f"/<{ID}:citizen_id>")
@roles_required(*CITIZEN_ROLES)
def citizen(citizen_id: int):
    citizen = _load(citizen_id)
    log_access(user=current_user, action="view", citizen_id=citizen.id)
    requests = queries.requests_of_citizen(user=current_user, citizen=citizen)
    therapist = current_user.role == "therapist"
    return render_template(
        "citizens/citizen.html",
        citizen=citizen,
        birth_date=services.cpr_birth_date(citizen.cpr),
        open_loans=queries.open_loans(citizen_id=citizen.id),
        history=queries.loan_history(citizen_id=citizen.id),
        history_max=queries.HISTORY_MAX,
        requests=requests,
        request_links={r.id: _request_link(r) for r in requests},
        packages=queries.active_packages() if therapist else [],
        can_request=therapist and _has_endpoint("requests.new"),
        can_change=can_view_citizen(current_user, citizen),
        action_form=ActionForm(formdata=None),
        today=local_today(),
        status_labels=REQUEST_STATE_LABELS,
        status_badges=REQUEST_STATE_BADGES,
        urgency_labels=URGENCY_LABELS,
    )


@bp.route(f"/<{ID}:citizen_id>/edit", methods=["GET", "POST"])
@roles_required(*CITIZEN_ROLES)
def edit(citizen_id: int):
    citizen = _load(citizen_id, change=True)
    form = CitizenEditForm(obj=citizen)
    if form.validate_on_submit():
        changed = services.update_citizen(citizen_id=citizen.id, **form.contact_details())
        if changed:
            log_access(
                user=current_user,
                action="change",
                citizen_id=citizen.id,
                criterion="changed: " + ", ".join(changed),
            )
            flash(_("The citizen's details have been saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for(".citizen", citizen_id=citizen.id))
    if http_request.method == "GET":
        log_access(user=current_user, action="view", citizen_id=citizen.id, criterion="edit")
    return render_template("citizens/edit.html", form=form, citizen=citizen)


@bp.route(f"/<{ID}:citizen_id>/loans/<{ID}:loan_id>/pickup", methods=["POST"])
@roles_required(*CITIZEN_ROLES)
def request_pickup(citizen_id: int, loan_id: int):
    citizen = _load(citizen_id, change=True)
    loan = db.session.get(Loan, loan_id)
    if loan is None or loan.citizen_id != citizen.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    already = loan.pickup_requested_at is not None
    loan = loan_services.request_pickup(loan_id=loan.id, user=current_user)
    tag = loan.item.asset_tag
    if already:
        flash(_("Pick-up of %(tag)s had been requested already.", tag=tag), "info")
    else:
        log_access(
            user=current_user,
            action="change",
            citizen_id=citizen.id,
            criterion=f"pick-up requested: {tag}",
        )
        flash(_("Pick-up of %(tag)s has been requested from the depot.", tag=tag), "success")
    return redirect(url_for(".citizen", citizen_id=citizen.id))


# --- the access log -------------------------------------------------------------------------


@bp.route("/access-log", methods=["GET", "POST"])
@roles_required("admin")
def access_log_lookup():
    """The administrator's way in to a citizen's access log: the CPR number by POST."""
    form = AccessLogLookupForm()
    if form.validate_on_submit():
        found = services.citizen_by_cpr(cpr=form.cpr.data)
        allowed = found is not None and (
            is_cluster_admin(current_user) or current_user.organisation_id == found.municipality_id
        )
        log_access(
            user=current_user,
            action="search" if allowed else "search_denied",
            citizen_id=found.id if found else None,
            criterion="cpr, access log",
        )
        if allowed:
            return redirect(url_for("citizens.access_log", citizen_id=found.id))
        flash(_("No citizen with this CPR number is registered in your organisation."), "warning")
    return render_template("citizens/access_log_lookup.html", form=form)


@bp.route(f"/<{ID}:citizen_id>/access-log.csv")
@roles_required("admin")
def access_log(citizen_id: int):
    citizen = db.get_or_404(Citizen, citizen_id)
    if not (
        is_cluster_admin(current_user) or current_user.organisation_id == citizen.municipality_id
    ):
        _deny(citizen, "export_denied")
    log_access(user=current_user, action="export", citizen_id=citizen.id, criterion="access log")
    rows = queries.access_log_of_citizen(citizen_id=citizen.id)
    users = queries.users_by_id(row.user_id for row in rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Time (UTC)"), _("User email"), _("User name"), _("Action"), _("Criterion")])
    for row in rows:
        user = users.get(row.user_id)
        writer.writerow(
            [
                row.at.replace(tzinfo=UTC).isoformat(timespec="seconds"),
                safe_cell(user.email if user else ""),
                safe_cell(user.name if user else ""),
                row.action,
                safe_cell(row.criterion),
            ]
        )
    return csv_response(out.getvalue(), f"access-log-citizen-{citizen.id}.csv")
