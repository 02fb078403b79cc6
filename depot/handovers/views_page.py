"""The handover page and the actions on it: send, acknowledge, turn needs into requests,
record who delivered a need, record the discharge. Routes of the `handovers` blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from depot.citizens.access_log import log_access
from depot.deviations.labels import CASE_STATE_BADGES, CASE_STATE_LABELS, CAUSE_LABELS
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.handovers import queries, services
from depot.handovers.access import may_edit_handover
from depot.handovers.forms import split_local
from depot.handovers.forms_actions import (
    ActionForm,
    DeliveryForm,
    DischargeForm,
    RequestsForm,
    SendForm,
)
from depot.handovers.labels import DELAY_CAUSE_LABELS
from depot.handovers.models import Handover, HandoverDevice
from depot.handovers.views import HANDOVER_ROLES, ID, bp, handover_or_404
from depot.requests import measurements
from depot.requests.access import can_view_request
from depot.requests.services import serving_depots
from depot.web.security import roles_required


def _request_links(handover: Handover) -> dict[int, tuple]:
    """Per needed row made into a request: (request, link or None) as this user may see it."""
    links = {}
    for row in handover.devices_needed:
        if row.request_line is None:
            continue
        device_request = row.request_line.request
        link = None
        if can_view_request(current_user, device_request):
            link = url_for("requests.request", request_id=device_request.id)
        links[row.id] = (device_request, link)
    return links


def _requests_form(handover: Handover, form: RequestsForm | None = None):
    needs = services.requestable_needs(handover, current_user.organisation)
    if not needs:
        return None, []
    depots = serving_depots(organisation_id=current_user.organisation_id)
    if form is None:
        form = RequestsForm(formdata=None)
        form.device_ids.data = [row.id for row in needs]  # all chosen by default
        form.depot_id.data = depots[0].id if depots else None
    form.set_choices(needs=needs, depots=depots)
    return form, needs


def _page(handover: Handover, *, status=200, errors=(), **forms):
    """The handover page; `forms` replaces a blank action form by one with errors."""
    log_access(
        user=current_user,
        action="view",
        citizen_id=handover.citizen_id,
        criterion=f"handover {handover.id}",
    )
    org = current_user.organisation_id
    sent = handover.status != "draft"
    requests_form, needs = _requests_form(handover, forms.get("requests_form"))
    delivery_forms = {}
    if sent:
        for row in handover.devices_needed:
            if row.actual_party is None:
                failed = forms.get("delivery_form")
                if failed is not None and forms.get("device_id") == row.id:
                    delivery_forms[row.id] = failed
                else:
                    delivery_forms[row.id] = DeliveryForm(formdata=None)
    return render_template(
        "handovers/handover.html",
        h=handover,
        citizen=handover.citizen,
        is_sender=handover.sender_id == org,
        is_receiver=handover.receiver_id == org,
        can_edit=may_edit_handover(current_user, handover),
        missing=services.missing_for_sending(handover) if not sent else [],
        errors=list(errors),
        action_form=ActionForm(formdata=None),
        send_form=SendForm(formdata=None, data={"version": str(handover.version)}),
        requests_form=requests_form,
        needs=needs,
        delivery_forms=delivery_forms,
        request_links=_request_links(handover),
        cases=queries.cases_of_handover(handover_id=handover.id),
        measurements=measurements,
        delay_cause_labels=DELAY_CAUSE_LABELS,
        case_state_labels=CASE_STATE_LABELS,
        case_state_badges=CASE_STATE_BADGES,
        case_cause_labels=CAUSE_LABELS,
    ), status


def _failed(handover_id: int, exc: DomainError, **forms):
    """The page again after a refused action, as it is now (nothing half-done)."""
    db.session.rollback()
    return _page(
        db.session.get(Handover, handover_id),
        status=exc.status_code,
        errors=[exc.message],
        **forms,
    )


def _log_change(handover: Handover, what: str) -> None:
    log_access(
        user=current_user,
        action="change",
        citizen_id=handover.citizen_id,
        criterion=f"handover {handover.id} {what}",
    )


@bp.route(f"/<{ID}:handover_id>")
@roles_required(*HANDOVER_ROLES)
def handover(handover_id: int):
    handover = handover_or_404(handover_id)
    services.mark_read(handover=handover, user=current_user)
    return _page(handover)


@bp.route(f"/<{ID}:handover_id>/send", methods=["POST"])
@roles_required(*HANDOVER_ROLES)
def send(handover_id: int):
    handover = handover_or_404(handover_id)
    if handover.sender_id != current_user.organisation_id:
        abort(403)
    form = SendForm()
    if not form.validate_on_submit() or form.expected_version() is None:
        return _page(
            handover,
            status=400,
            errors=[_("The form lacks the version of the handover. Reload the page.")],
        )
    try:
        services.send_handover(
            handover=handover, expected_version=form.expected_version(), user=current_user
        )
    except DomainError as exc:
        return _failed(handover_id, exc)
    _log_change(handover, "sent")
    flash(_("The handover is sent to %(org)s.", org=handover.receiver.name), "success")
    return redirect(url_for(".handover", handover_id=handover.id))


@bp.route(f"/<{ID}:handover_id>/acknowledge", methods=["POST"])
@roles_required(*HANDOVER_ROLES)
def acknowledge(handover_id: int):
    handover = handover_or_404(handover_id)
    if handover.receiver_id != current_user.organisation_id:
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.acknowledge(handover=handover, user=current_user)
    except DomainError as exc:
        return _failed(handover_id, exc)
    _log_change(handover, "acknowledged")
    flash(_("The handover is acknowledged."), "success")
    return redirect(url_for(".handover", handover_id=handover.id))


@bp.route(f"/<{ID}:handover_id>/requests", methods=["POST"])
@roles_required(*HANDOVER_ROLES)
def create_requests(handover_id: int):
    handover = handover_or_404(handover_id)
    form, _needs = _requests_form(handover, RequestsForm())
    if form is None:
        return _failed(
            handover_id,
            Conflict(_("There are no devices left that your organisation delivers.")),
        )
    if not form.validate():
        return _page(handover, status=400, requests_form=form)
    try:
        made = services.create_requests(
            handover=handover,
            device_ids=form.device_ids.data,
            depot_id=form.depot_id.data,
            user=current_user,
        )
    except DomainError as exc:
        return _failed(handover_id, exc, requests_form=form)
    _log_change(handover, "requests " + ", ".join(str(r.id) for r in made))
    links = Markup(", ").join(
        Markup('<a href="{}" data-testid="new-request-link">{}</a>').format(
            url_for("requests.request", request_id=r.id), r.id
        )
        for r in made
    )
    flash(Markup("{} {}").format(_("Requests created:"), links), "success")
    return redirect(url_for(".handover", handover_id=handover.id))


@bp.route(f"/<{ID}:handover_id>/devices/<{ID}:device_id>/delivery", methods=["POST"])
@roles_required(*HANDOVER_ROLES)
def record_delivery(handover_id: int, device_id: int):
    handover = handover_or_404(handover_id)
    device = db.session.get(HandoverDevice, device_id)
    if device is None or device.handover_id != handover.id:
        abort(404)
    form = DeliveryForm()
    if handover.status == "draft":
        return _failed(handover_id, Conflict(_("Send the handover first.")))
    if not form.validate_on_submit():
        return _page(handover, status=400, delivery_form=form, device_id=device.id)
    try:
        case = services.record_delivery(device=device, party=form.party.data, user=current_user)
    except DomainError as exc:
        return _failed(handover_id, exc)
    _log_change(handover, f"device {device.id} delivered by {form.party.data}")
    flash(_("The delivery is recorded."), "success")
    if case is not None:
        flash(
            _(
                "The device was delivered by another party than the catalogue suggests: "
                "deviation case %(id)s is opened for the coordinators.",
                id=case.id,
            ),
            "warning",
        )
    return redirect(url_for(".handover", handover_id=handover.id))


@bp.route(f"/<{ID}:handover_id>/discharge", methods=["GET", "POST"])
@roles_required(*HANDOVER_ROLES)
def discharge(handover_id: int):
    handover = handover_or_404(handover_id)
    if handover.kind != "discharge":
        abort(404)
    if handover.status == "draft":
        raise Conflict(_("Only a sent discharge handover records a discharge."))
    day, moment = split_local(handover.discharged_at)
    form = DischargeForm(
        admitted_at=handover.admitted_at,
        data={
            "discharged_date": day,
            "discharged_time": moment,
            "delay_hours": handover.delay_hours or 0,
            "delay_cause": handover.delay_cause or "",
            "delay_note": handover.delay_note,
        },
    )
    status = 200
    if form.validate_on_submit():
        try:
            services.record_discharge(
                handover=handover,
                discharged_at=form.discharged_at(),
                delay_hours=form.delay_hours.data,
                delay_cause=form.delay_cause.data or None,
                delay_note=form.delay_note.data or None,
                user=current_user,
            )
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status_code
        else:
            _log_change(handover, "discharge recorded")
            flash(_("The discharge is recorded."), "success")
            return redirect(url_for(".handover", handover_id=handover.id))
    log_access(
        user=current_user,
        action="view",
        citizen_id=handover.citizen_id,
        criterion=f"handover {handover.id} discharge",
    )
    return render_template("handovers/discharge.html", h=handover, form=form), status
