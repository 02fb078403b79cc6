"""The depot's request queue: waiting requests, one request with proposals of matching items,
reserve in one click, back-order, release a reservation, hand a request to another depot.

Depot staff only (403 for other roles), and only for requests handled by a depot they can
operate: any other request is answered 404, and the denial is access-logged. The list shows
no citizen names; the detail page does, and its every view writes an access-log row. A refusal
by a service keeps its status (409 for a state clash, 400 for a wrong item) and its message.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from depot.catalogue.forms import MEASUREMENT_LABELS
from depot.citizens.access import can_view_citizen
from depot.citizens.access_log import log_access
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items.access import all_depots, operable_depots
from depot.organisations.models import utcnow
from depot.requests import measurements, proposals, services
from depot.requests.access import can_handle_request
from depot.requests.forms_queue import (
    STATUS_LABELS,
    URGENCY_LABELS,
    ActionForm,
    ForwardForm,
    QueueFilterForm,
    ReserveForm,
    parse_id,
)
from depot.requests.labels import PURPOSE_LABELS
from depot.requests.models import DeviceRequest, RequestLine, Reservation
from depot.requests.queue import (
    forward_request,
    line_still_open,
    planned_runs,
    queue_query,
    waiting,
)
from depot.web.i18n import current_language, local_today
from depot.web.lists import flash_ignored_filters, paginate
from depot.web.security import roles_required

bp = Blueprint("queue", __name__, url_prefix="/depot/requests")

ID = "int(min=1, max=2147483647)"
QUEUE_ROLES = ("depot_staff",)
PROPOSAL_LIMIT = 10
MAX_TOGGLES = 20  # lines whose non-fitting items are shown at once

STATUS_BADGES = {
    "open": "secondary",
    "back_ordered": "warning",
    "reserved": "info",
    "delivered": "success",
    "cancelled": "dark",
}
URGENCY_BADGES = {"normal": "light", "urgent": "danger", "after_hours": "dark"}
LINE_LABELS = {**STATUS_LABELS, "reserved": _l("Reserved")}
RESERVATION_LABELS = {
    "reserved": _l("Reserved"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Released"),
}


def duration(value: timedelta) -> str:
    """A waiting time in days and hours, or hours and minutes."""
    minutes = max(0, int(value.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h", d=days, h=hours)
    if hours and minutes:
        return _("%(h)s h %(m)s min", h=hours, m=minutes)
    if hours:
        return _("%(h)s h", h=hours)
    return _("%(m)s min", m=minutes)


@bp.context_processor
def _queue_helpers():
    return {
        "queue_status_labels": STATUS_LABELS,
        "queue_status_badges": STATUS_BADGES,
        "queue_line_labels": LINE_LABELS,
        "queue_urgency_labels": URGENCY_LABELS,
        "queue_urgency_badges": URGENCY_BADGES,
        "queue_purpose_labels": PURPOSE_LABELS,
        "reservation_labels": RESERVATION_LABELS,
        "measurement_label": measurements.label,
        # A product's own measurements: "Max user weight", not the therapist's "User weight".
        "product_measurement_label": lambda name: MEASUREMENT_LABELS.get(name, name),
        "duration": duration,
    }


# --- helpers --------------------------------------------------------------------------------


def _deny(device_request: DeviceRequest, action: str):
    """404 for a request the user may not handle; the denial is logged and kept."""
    log_access(
        user=current_user,
        action=action,
        citizen_id=device_request.citizen_id,
        criterion=f"request {device_request.id}",
    )
    db.session.commit()  # the error page rolls back; the denial must stay logged
    abort(404)


def _handled(device_request: DeviceRequest | None, action: str) -> DeviceRequest:
    if device_request is None:
        abort(404)
    if not can_handle_request(current_user, device_request):
        _deny(device_request, action)
    return device_request


def _line_or_404(line_id: int) -> RequestLine:
    line = db.get_or_404(RequestLine, line_id)
    _handled(line.request, "change_denied")
    return line


def _back_to(device_request_id: int, line_id: int | None = None):
    anchor = f"line-{line_id}" if line_id else None
    return redirect(url_for(".request", request_id=device_request_id, _anchor=anchor))


def _shown_unfitting() -> set[int]:
    """The lines whose non-fitting items the user asked to see (`?unfitting=<line id>`)."""
    ids = (parse_id(v) for v in request.args.getlist("unfitting")[:MAX_TOGGLES])
    return {i for i in ids if i is not None}


# --- the queue ------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*QUEUE_ROLES)
def queue():
    depots = operable_depots(current_user)
    form = QueueFilterForm(request.args)
    form.depot.choices = [("", _("All my depots"))] + [(d.id, d.name) for d in depots]
    filters = form.valid_data()
    flash_ignored_filters(form)
    pagination = paginate(
        queue_query(
            depot_ids=[d.id for d in depots],
            depot_id=filters["depot"],
            status=filters["status"] or None,
            urgency=filters["urgency"] or None,
        )
    )
    now = utcnow()
    targets = current_app.config["RESPONSE_TARGET_HOURS"]
    rows = [(r, waiting(r, now=now, target_hours=targets)) for r in pagination.items]
    runs = planned_runs(request_ids=[r.id for r in pagination.items])
    return render_template(
        "queue/queue.html",
        form=form,
        pagination=pagination,
        rows=rows,
        runs=runs,
        depots=depots,
        lang=current_language(),
    )


# --- one request ----------------------------------------------------------------------------


def _line_view(line: RequestLine, *, shown: set[int], today) -> dict:
    """What the page shows for one line: its reservations and, while it needs items, the
    proposal of matching items."""
    view = {"line": line, "open": line_still_open(line)}
    view["measured"] = [
        (measurements.label(name), value)
        for name, value in sorted(measurements.parse(line.measurements).items())
    ]
    if not view["open"]:
        return view
    show_all = line.id in shown
    proposed = _propose(line, today=today, ignore_measurements=show_all)
    fitting = any(p.fits for p in proposed)
    if show_all and not fitting:
        # The nearest items shown may all be misfits while a fitting one sits further away.
        fitting = bool(_propose(line, today=today, limit=1))
    view.update(
        show_unfitting=show_all,
        proposals=proposed,
        fitting=fitting,
        unfitting=proposals.count_unfitting(line_id=line.id, today=today),
        toggle=sorted(shown ^ {line.id}),
    )
    return view


def _propose(line: RequestLine, *, today, limit=PROPOSAL_LIMIT, ignore_measurements=False):
    """Items for the line, nearest to the depot that handles the request.

    Within a depot the requesting organisation's own items come first: lending them needs no
    settlement between organisations.
    """
    return proposals.propose_items(
        line_id=line.id,
        from_depot_id=line.request.depot_id,
        organisation_id=line.request.organisation_id,
        today=today,
        limit=limit,
        ignore_measurements=ignore_measurements,
    )


@bp.route(f"/<{ID}:request_id>", endpoint="request")
@roles_required(*QUEUE_ROLES)
def request_page(request_id: int):
    device_request = _handled(db.session.get(DeviceRequest, request_id), "view_denied")
    log_access(
        user=current_user,
        action="view",
        citizen_id=device_request.citizen_id,
        criterion=f"request {device_request.id}",
    )
    today = local_today()
    shown = _shown_unfitting()
    targets = current_app.config["RESPONSE_TARGET_HOURS"]
    forward_form = ForwardForm(formdata=None)
    forward_form.depot_id.choices = [("", "—")] + [
        (d.id, d.name) for d in all_depots() if d.id != device_request.depot_id
    ]
    return render_template(
        "queue/request.html",
        r=device_request,
        lines=[_line_view(line, shown=shown, today=today) for line in device_request.lines],
        wait=waiting(device_request, now=utcnow(), target_hours=targets),
        shown=sorted(shown),
        reserve_form=ReserveForm(formdata=None),
        action_form=ActionForm(formdata=None),
        forward_form=forward_form,
        may_forward=device_request.status in ("open", "back_ordered", "reserved"),
        citizen_link=can_view_citizen(current_user, device_request.citizen)
        and "citizens.citizen" in current_app.view_functions,
        lang=current_language(),
    )


# --- actions --------------------------------------------------------------------------------


@bp.route(f"/lines/<{ID}:line_id>/reserve", methods=["POST"])
@roles_required(*QUEUE_ROLES)
def reserve(line_id: int):
    line = _line_or_404(line_id)
    form = ReserveForm()
    if not form.validate_on_submit():
        raise DomainError(_("Choose an item from the proposal."))
    reservation = services.reserve_for_line(line_id=line.id, item_id=form.item, user=current_user)
    flash(
        _(
            "%(tag)s is reserved for request %(id)s.",
            tag=reservation.item.asset_tag,
            id=line.request_id,
        ),
        "success",
    )
    if line.request.status == "reserved":
        flash(_("Every device of the request is reserved: plan the delivery."), "info")
    return _back_to(line.request_id, line.id)


@bp.route(f"/lines/<{ID}:line_id>/back-order", methods=["POST"])
@roles_required(*QUEUE_ROLES)
def back_order(line_id: int):
    line = _line_or_404(line_id)
    if not ActionForm().validate_on_submit():
        raise DomainError(_("The form has expired. Reload the page and try again."))
    if line_still_open(line) and _propose(line, today=local_today(), limit=1):
        raise Conflict(_("Matching items are available: reserve one instead."))
    services.back_order_line(line_id=line.id, user=current_user)
    flash(_("The device is back-ordered; the therapist sees that it waits for stock."), "success")
    return _back_to(line.request_id, line.id)


@bp.route(f"/reservations/<{ID}:reservation_id>/release", methods=["POST"])
@roles_required(*QUEUE_ROLES)
def release(reservation_id: int):
    reservation = db.get_or_404(Reservation, reservation_id)
    device_request = _handled(reservation.line.request, "change_denied")
    if not ActionForm().validate_on_submit():
        raise DomainError(_("The form has expired. Reload the page and try again."))
    services.release_reservation(reservation_id=reservation.id, user=current_user)
    flash(_("%(tag)s is released and available again.", tag=reservation.item.asset_tag), "success")
    return _back_to(device_request.id, reservation.line_id)


@bp.route(f"/<{ID}:request_id>/forward", methods=["POST"])
@roles_required(*QUEUE_ROLES)
def forward(request_id: int):
    device_request = _handled(db.session.get(DeviceRequest, request_id), "change_denied")
    form = ForwardForm()
    form.depot_id.choices = [
        (d.id, d.name) for d in all_depots() if d.id != device_request.depot_id
    ]
    if not form.validate_on_submit():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        raise DomainError(str(errors[0]) if errors else _("Choose another active depot."))
    forwarded = forward_request(
        request_id=device_request.id, depot_id=form.depot_id.data, user=current_user
    )
    flash(
        _(
            "Request %(id)s is handed over to %(depot)s.",
            id=forwarded.id,
            depot=forwarded.depot.name,
        ),
        "success",
    )
    if can_handle_request(current_user, forwarded):
        return _back_to(forwarded.id)
    return redirect(url_for(".queue"))
