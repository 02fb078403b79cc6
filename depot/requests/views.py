"""Therapists' request pages: the list, a new request (or a basic package), status, cancel.

Therapists only (403 for other roles). The citizen must be one the therapist may see, and a
request one access.can_view_request allows: otherwise 404, and the denial is access-logged.

A new request is a two-step form that works without JavaScript: first the device lines'
product types and quantities ("Continue" re-renders the form), then, with the measurement
inputs of each type shown, "Send request" validates everything and saves. A basic package
(`?package=`) fills in the lines, so its form opens at the second step.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from depot.citizens.access_log import log_access
from depot.citizens.grants import may_view_citizen
from depot.citizens.models import Citizen
from depot.errors import DomainError
from depot.extensions import db
from depot.requests import measurements, queries, services
from depot.requests.access import REQUEST_ROLES, can_view_request
from depot.requests.forms import (
    DURATION_CHOICES,
    PURPOSE_CHOICES,
    URGENCY_CHOICES,
    CancelForm,
    RequestFilterForm,
    RequestForm,
)
from depot.requests.labels import (
    REQUEST_STATE_BADGES,
    REQUEST_STATE_LABELS,
    RESERVATION_STATE_LABELS,
    STOP_STATE_LABELS,
)
from depot.requests.models import BasicPackage, DeviceRequest
from depot.web.i18n import number
from depot.web.lists import flash_ignored_filters, paginate
from depot.web.security import roles_required

bp = Blueprint("requests", __name__, url_prefix="/requests")

ID = "int(min=1, max=2147483647)"
BLANK_ROWS = 2  # empty device rows offered at the end of the form (no JavaScript needed)


@bp.record_once
def _register_template_globals(state) -> None:
    # Globals, so the depot's queue pages can show the same badges.
    state.app.jinja_env.globals.update(
        request_state_labels=REQUEST_STATE_LABELS,
        request_state_badges=REQUEST_STATE_BADGES,
        request_urgency_labels=dict(URGENCY_CHOICES),
        request_purpose_labels=dict(PURPOSE_CHOICES),
        measurement_label=measurements.label,
    )


# --- helpers --------------------------------------------------------------------------------


def _citizen_or_404(citizen_id: int | None) -> Citizen:
    citizen = db.session.get(Citizen, citizen_id) if citizen_id else None
    if citizen is None:
        abort(404)
    if not may_view_citizen(current_user, citizen):
        log_access(
            user=current_user, action="view_denied", citizen_id=citizen.id, criterion="new request"
        )
        db.session.commit()  # the error page rolls back; the denial must stay logged
        abort(404)
    return citizen


def _request_or_404(request_id: int) -> DeviceRequest:
    device_request = db.session.get(DeviceRequest, request_id)
    if device_request is None:
        abort(404)
    if not can_view_request(current_user, device_request):
        log_access(
            user=current_user,
            action="view_denied",
            citizen_id=device_request.citizen_id,
            criterion=f"request {device_request.id}",
        )
        db.session.commit()  # the error page rolls back; the denial must stay logged
        abort(404)
    return device_request


def _id_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 2147483647:
        return int(raw)
    return None


def _package_or_404() -> BasicPackage | None:
    """The basic package picked by `?package=`; an unknown or withdrawn one is a 404."""
    if "package" not in request.args or request.args["package"] == "":
        return None
    package_id = _id_arg("package")
    package = db.session.get(BasicPackage, package_id) if package_id else None
    if package is None or not package.active:
        abort(404)
    return package


def _delivery_position(form: RequestForm, citizen: Citizen) -> tuple[float, float] | None:
    """The citizen's own coordinates when delivering to the citizen's home, else None.

    Only exact positions are stored on the request; a stop without one is placed at its
    postcode's (or municipality's) centre when the run is ordered, and marked approximate.
    """
    home = (form.delivery_address.data or "") == (citizen.address or "").strip() and (
        form.delivery_postcode.data or None
    ) == (citizen.postcode or None)
    if home and citizen.latitude is not None and citizen.longitude is not None:
        return (float(citizen.latitude), float(citizen.longitude))
    return None


def _prefill(citizen: Citizen, package: BasicPackage | None) -> dict:
    lines = []
    if package is not None:
        lines = [
            {"product_type_id": spec.product_type_id, "quantity": spec.quantity}
            for spec in services.package_lines(package_id=package.id)
        ]
    return {
        "lines": lines,
        "delivery_address": citizen.address,
        "delivery_postcode": citizen.postcode,
        "delivery_town": citizen.town,
        "contact_name": citizen.name,
        "contact_phone": citizen.phone,
    }


def _ensure_blank_rows(form: RequestForm) -> None:
    blanks = sum(1 for entry in form.lines if entry.form.is_blank())
    while blanks < BLANK_ROWS and len(form.lines) < services.MAX_LINES:
        form.lines.append_entry()
        blanks += 1


def _set_choices(form: RequestForm, depots) -> None:
    type_ids = [entry.form.product_type_id.data for entry in form.lines]
    form.set_choices(
        types=queries.requestable_types(),
        products_by_type=queries.products_by_type(type_ids=type_ids),
        depots=depots,
    )


def _render_new(form, citizen, package, status=200):
    """The request form; each line with a chosen type shows that type's measurement inputs."""
    for line in form.filled_lines():
        if line.product_type is not None:
            if line.type_changed:
                line.product_id.data = None  # the products were of the former type
            line.shown_type.data = str(line.product_type.id)
    log_access(user=current_user, action="view", citizen_id=citizen.id, criterion="request form")
    return render_template(
        "requests/new.html",
        form=form,
        citizen=citizen,
        package=package,
        packages=queries.active_packages(),
        details=any(line.product_type is not None for line in form.filled_lines()),
    ), status


def _create(form: RequestForm, citizen: Citizen, package: BasicPackage | None) -> DeviceRequest:
    point = _delivery_position(form, citizen)
    return services.create_request(
        citizen_id=citizen.id,
        organisation_id=current_user.organisation_id,
        depot_id=form.depot_id.data,
        user=current_user,
        lines=[
            services.LineSpec(
                product_type_id=line.product_type.id,
                quantity=line.quantity.data,
                product_id=line.product_id.data,
                measurements=line.measurement_values(),
            )
            for line in form.filled_lines()
        ],
        legal_basis=form.legal_basis.data,
        purpose=form.purpose.data,
        needed_by=form.needed_by_utc(),
        urgency=form.urgency.data,
        expected_duration_days=form.duration_days(),
        delivery_address=form.delivery_address.data,
        delivery_postcode=form.delivery_postcode.data or None,
        delivery_town=form.delivery_town.data or None,
        delivery_latitude=point[0] if point else None,
        delivery_longitude=point[1] if point else None,
        contact_name=form.contact_name.data or None,
        contact_phone=form.contact_phone.data or None,
        note=form.note.data or None,
        package_id=package.id if package else None,
    )


# --- pages ----------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*REQUEST_ROLES)
def requests():
    form = RequestFilterForm(request.args)
    form.set_status_choices(REQUEST_STATE_LABELS)
    filters = form.valid_data()
    flash_ignored_filters(form)
    stmt = queries.request_list_query(
        organisation_id=current_user.organisation_id,
        status=filters["status"] or None,
        requested_by_id=current_user.id if filters["mine"] else None,
    )
    pagination = paginate(stmt)
    # The list shows citizens' names: a row per citizen shown, so each citizen's extract has it.
    for citizen_id in sorted({r.citizen_id for r in pagination.items}):
        log_access(
            user=current_user,
            action="list_requests",
            citizen_id=citizen_id,
            criterion="requests list",
        )
    return render_template("requests/requests.html", form=form, pagination=pagination)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*REQUEST_ROLES)
def new():
    if "citizen" not in request.args:
        flash(_("Find the citizen first, then request devices from the citizen's page."), "info")
        if "citizens.search" in current_app.view_functions:
            return redirect(url_for("citizens.search"))
        return redirect(url_for(".requests"))
    citizen = _citizen_or_404(_id_arg("citizen"))
    package = _package_or_404()
    depots = services.serving_depots(organisation_id=current_user.organisation_id)
    if request.method == "GET":
        form = RequestForm(data=_prefill(citizen, package))
        form.depot_id.data = depots[0].id if depots else None
        _ensure_blank_rows(form)
        _set_choices(form, depots)
        return _render_new(form, citizen, package)

    form = RequestForm()
    _ensure_blank_rows(form)
    _set_choices(form, depots)
    if not form.send.data:
        # "Continue": only the types are checked; the other fields keep what was typed.
        form.check_types()
        return _render_new(form, citizen, package)
    changed = [line for line in form.filled_lines() if line.type_changed]
    if changed:
        form.check_types()
        form.form_errors.append(
            _("Check the measurements of the devices whose type you chose or changed.")
        )
        return _render_new(form, citizen, package)
    if not form.validate():
        return _render_new(form, citizen, package)
    try:
        device_request = _create(form, citizen, package)
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return _render_new(form, citizen, package, exc.status_code)
    log_access(user=current_user, action="request_create", citizen_id=citizen.id)
    flash(
        _(
            "Request %(id)s is sent to %(depot)s.",
            id=device_request.id,
            depot=device_request.depot.name,
        ),
        "success",
    )
    return redirect(url_for(".request", request_id=device_request.id))


def _response_time(device_request: DeviceRequest) -> dict | None:
    if device_request.responded_at is None:
        return None
    minutes = int((device_request.responded_at - device_request.created_at).total_seconds() // 60)
    target = current_app.config["RESPONSE_TARGET_HOURS"].get(device_request.urgency)
    late = target is not None and minutes > target * 60
    if target is not None:
        target = number(target, 0 if float(target).is_integer() else 1)
    return {
        "hours": max(minutes, 0) // 60,
        "minutes": max(minutes, 0) % 60,
        "target": target,
        "late": late,
    }


def _status_page(device_request: DeviceRequest, cancel_form=None, status=200):
    log_access(
        user=current_user,
        action="view",
        citizen_id=device_request.citizen_id,
        criterion=f"request {device_request.id}",
    )
    closed = device_request.status in ("delivered", "cancelled")
    return render_template(
        "requests/request.html",
        req=device_request,
        reservations=queries.reservations_by_line(request_id=device_request.id),
        stops=queries.delivery_stops(request_id=device_request.id),
        measurements=measurements,
        response=_response_time(device_request),
        durations=dict(DURATION_CHOICES),
        reservation_labels=RESERVATION_STATE_LABELS,
        stop_labels=STOP_STATE_LABELS,
        can_cancel=not closed and device_request.organisation_id == current_user.organisation_id,
        cancel_form=cancel_form or CancelForm(formdata=None),
    ), status


# The endpoint is "request" (the contract); the function may not shadow flask.request.
@bp.route(f"/<{ID}:request_id>", endpoint="request")
@roles_required(*REQUEST_ROLES)
def request_page(request_id: int):
    return _status_page(_request_or_404(request_id))


@bp.route(f"/<{ID}:request_id>/cancel", methods=["POST"])
@roles_required(*REQUEST_ROLES)
def cancel(request_id: int):
    device_request = _request_or_404(request_id)
    if device_request.organisation_id != current_user.organisation_id:
        abort(403)  # the citizen's municipality sees another organisation's request, no more
    form = CancelForm()
    if not form.validate_on_submit():
        return _status_page(device_request, form, 400)
    try:
        services.cancel_request(
            request_id=device_request.id, user=current_user, reason=form.reason.data or None
        )
    except DomainError as exc:
        db.session.rollback()  # show the request as it is, not half-cancelled
        form.form_errors.append(exc.message)
        return _status_page(db.session.get(DeviceRequest, request_id), form, exc.status_code)
    log_access(
        user=current_user,
        action="change",
        citizen_id=device_request.citizen_id,
        criterion=f"request {device_request.id} cancelled",
    )
    flash(_("Request %(id)s is cancelled.", id=device_request.id), "success")
    return redirect(url_for(".request", request_id=device_request.id))
