"""Delivery and pick-up runs: plan, order stops, run sheet, mark delivered or picked up.

Depot staff only (403 for other roles). A run belongs to a depot: staff who cannot operate
that depot get 404 for it, its stops and its sheet. The run page and the run sheet show
citizens' names, addresses and phone numbers, so every view writes an access-log row per
citizen on the run ("view", "print_run_sheet"); the lists of requests and loans waiting to be
planned show postcodes and towns only. Input a person can correct (nothing chosen, no reason
given) shows the page again with the message (200, so that the page's access-log rows are
kept); tampered input is 400; a refusal by a service keeps its status (409 for a clash).
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from depot.citizens.access_log import log_access
from depot.deliveries import queries, services
from depot.deliveries.forms import (
    ActionForm,
    AddDeliveryForm,
    AddPickupForm,
    FailForm,
    MoveForm,
    RunFilterForm,
    RunForm,
)
from depot.deliveries.models import DeliveryRun, RunStop
from depot.deliveries.pdf import RunSheet, SheetItem, SheetStop, run_sheet_pdf
from depot.errors import DomainError
from depot.extensions import db
from depot.items.access import can_operate_depot, operable_depots
from depot.organisations.models import utcnow
from depot.requests import measurements
from depot.requests.labels import STOP_STATE_LABELS
from depot.web.i18n import day, local_today, moment, number
from depot.web.lists import flash_ignored_filters
from depot.web.security import roles_required

bp = Blueprint("deliveries", __name__, url_prefix="/depot/runs")

ID = "int(min=1, max=2147483647)"
STAFF = ("depot_staff",)

KIND_LABELS = {"delivery": _l("Delivery"), "pickup": _l("Pick-up")}
RUN_STATE_LABELS = {"planned": _l("Planned"), "done": _l("Finished")}


@bp.context_processor
def run_labels():
    return {
        "kind_labels": KIND_LABELS,
        "stop_state_labels": STOP_STATE_LABELS,
        "run_state_labels": RUN_STATE_LABELS,
    }


# --- helpers --------------------------------------------------------------------------------


def _run_or_404(run_id: int) -> DeliveryRun:
    """The run with its stops, if the user works in its depot; 404 otherwise."""
    run = queries.run_with_stops(run_id)
    if run is None or not can_operate_depot(current_user, run.depot):
        abort(404)
    return run


def _stop_or_404(run: DeliveryRun, stop_id: int) -> RunStop:
    stop = next((s for s in run.stops if s.id == stop_id), None)
    if stop is None:
        abort(404)
    return stop


def _back(run: DeliveryRun, stop: RunStop | None = None):
    anchor = f"stop-{stop.id}" if stop is not None else None
    return redirect(url_for(".run", run_id=run.id, _anchor=anchor))


def item_details(stop_item) -> str:
    """The measurements the therapist asked for, for a delivery item: 'Seat width (cm) 45, …'."""
    reservation = stop_item.reservation
    if reservation is None:
        return ""
    values = measurements.parse(reservation.line.measurements)
    return ", ".join(f"{measurements.label(name)} {value}" for name, value in values.items())


def _log_citizens(run: DeliveryRun, action: str) -> None:
    for citizen_id in sorted({stop.citizen_id for stop in run.stops}):
        log_access(
            user=current_user,
            action=action,
            citizen_id=citizen_id,
            criterion=f"delivery run {run.id}",
        )


# --- the day's runs -------------------------------------------------------------------------


def _handled_depots() -> list[int]:
    """The depots whose requests the user handles: only their citizens may appear on runs."""
    return [d.id for d in operable_depots(current_user)]


@bp.route("/", methods=["GET", "POST"])
@roles_required(*STAFF)
def runs():
    depots = operable_depots(current_user)
    filters = RunFilterForm(request.args)
    filters.depot.choices = [("", _("All my depots"))] + [(d.id, d.name) for d in depots]
    chosen = filters.valid_data()
    flash_ignored_filters(filters)
    run_date = chosen["date"] or local_today()
    filters.date.data = run_date
    depot_ids = [chosen["depot"]] if chosen["depot"] else [d.id for d in depots]

    form = RunForm()
    form.depot_id.choices = [(d.id, d.name) for d in depots]
    status = 200
    if request.method == "GET":
        form.run_date.data = run_date
        form.depot_id.data = chosen["depot"] or (depots[0].id if depots else None)
    elif form.validate_on_submit():
        try:
            run = services.create_run(
                depot_id=form.depot_id.data,
                run_date=form.run_date.data,
                driver=form.driver.data,
                vehicle=form.vehicle.data or None,
                note=form.note.data or None,
                user=current_user,
            )
        except DomainError as exc:
            form.driver.errors.append(exc.message)
            status = exc.status_code
        else:
            flash(_("Run planned for %(driver)s.", driver=run.driver), "success")
            return redirect(url_for(".run", run_id=run.id))
    else:
        status = 400
    return render_template(
        "deliveries/runs.html",
        filters=filters,
        form=form,
        run_date=run_date,
        previous_day=run_date - timedelta(days=1),
        next_day=run_date + timedelta(days=1),
        runs=db.session.scalars(queries.runs_query(depot_ids=depot_ids, run_date=run_date)).all()
        if depot_ids
        else [],
        has_depots=bool(depots),
    ), status


# --- one run --------------------------------------------------------------------------------


def run_page(
    run: DeliveryRun,
    *,
    delivery_form: AddDeliveryForm | None = None,
    pickup_form: AddPickupForm | None = None,
    fail_form: FailForm | None = None,
    fail_stop_id: int | None = None,
):
    """Render the run page (logging the citizens it shows); a posted form keeps its errors."""
    stops = services.ordered_stops(run)
    _log_citizens(run, "view")
    planned = run.status == "planned"
    return render_template(
        "deliveries/run.html",
        run=run,
        stops=stops,
        positions={stop.id: services.stop_position(stop) for stop in stops},
        depot_known=services.depot_position(run.depot) is not None,
        item_details=item_details,
        candidates=(
            queries.candidate_requests(run=run, handler_depot_ids=_handled_depots())
            if planned
            else []
        ),
        pickups=queries.candidate_loans(run=run) if planned else [],
        delivery_form=delivery_form or AddDeliveryForm(formdata=None),
        pickup_form=pickup_form or AddPickupForm(formdata=None),
        fail_form=fail_form or FailForm(formdata=None),
        fail_stop_id=fail_stop_id,
        action_form=ActionForm(formdata=None),
        move_form=MoveForm(formdata=None),
    )


@bp.route(f"/<{ID}:run_id>")
@roles_required(*STAFF)
def run(run_id: int):
    return run_page(_run_or_404(run_id))


@bp.route(f"/<{ID}:run_id>/deliveries", methods=["POST"])
@roles_required(*STAFF)
def add_delivery(run_id: int):
    run = _run_or_404(run_id)
    form = AddDeliveryForm()
    if not form.validate_on_submit():
        return run_page(run, delivery_form=form)
    planned = services.add_delivery_stop(
        run_id=run.id, request_id=form.request_id.data, handler_depot_ids=_handled_depots()
    )
    flash(
        ngettext(
            "Delivery stop added with %(num)s item.",
            "Delivery stop added with %(num)s items.",
            len(planned.stop.items),
        ),
        "success",
    )
    if planned.left_out:
        flash(
            _(
                "Not on this run, because they are in another depot: %(items)s.",
                items=services.describe_items(planned.left_out),
            ),
            "warning",
        )
    return _back(run, planned.stop)


@bp.route(f"/<{ID}:run_id>/pickups", methods=["POST"])
@roles_required(*STAFF)
def add_pickup(run_id: int):
    run = _run_or_404(run_id)
    form = AddPickupForm()
    if not form.validate_on_submit():
        return run_page(run, pickup_form=form)
    stop = services.add_pickup_stop(run_id=run.id, loan_id=form.loan_id.data)
    flash(
        ngettext(
            "Pick-up stop planned with %(num)s item.",
            "Pick-up stop planned with %(num)s items.",
            len([i for i in stop.items if i.status == "planned"]),
        ),
        "success",
    )
    return _back(run, stop)


@bp.route(f"/<{ID}:run_id>/optimise", methods=["POST"])
@roles_required(*STAFF)
def optimise(run_id: int):
    run = _run_or_404(run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    before, after = services.optimise_run(run_id=run.id)
    flash(
        _(
            "Stops ordered for a short route: %(after)s km (was %(before)s km), straight-line.",
            after=number(after or 0, 1),
            before=number(before or 0, 1),
        ),
        "success",
    )
    return _back(run)


@bp.route(f"/<{ID}:run_id>/stops/<{ID}:stop_id>/move", methods=["POST"])
@roles_required(*STAFF)
def move_stop(run_id: int, stop_id: int):
    run = _run_or_404(run_id)
    stop = _stop_or_404(run, stop_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    if not services.move_stop(run_id=run.id, stop_id=stop.id, direction=form.direction.data):
        flash(_("The stop is already at that end of the run."), "info")
    return _back(run, stop)


@bp.route(f"/<{ID}:run_id>/stops/<{ID}:stop_id>/remove", methods=["POST"])
@roles_required(*STAFF)
def remove_stop(run_id: int, stop_id: int):
    run = _run_or_404(run_id)
    stop = _stop_or_404(run, stop_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.remove_stop(run_id=run.id, stop_id=stop.id)
    flash(_("Stop removed; its items can be planned again."), "success")
    return _back(run)


@bp.route(f"/<{ID}:run_id>/stops/<{ID}:stop_id>/done", methods=["POST"])
@roles_required(*STAFF)
def complete_stop(run_id: int, stop_id: int):
    run = _run_or_404(run_id)
    stop = _stop_or_404(run, stop_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.complete_stop(run_id=run.id, stop_id=stop.id, user=current_user)
    tags = ", ".join(i.item.asset_tag for i in stop.items if i.status == "done")
    if stop.kind == "delivery":
        action = "deliver"
        flash(_("Delivered: %(tags)s. The loans have started.", tags=tags), "success")
    else:
        action = "pick_up"
        flash(_("Picked up: %(tags)s. Start cleaning from each item's page.", tags=tags), "success")
    log_access(
        user=current_user,
        action=action,
        citizen_id=stop.citizen_id,
        criterion=f"delivery run {run.id}, stop {stop.id}",
    )
    return _back(run, stop)


@bp.route(f"/<{ID}:run_id>/stops/<{ID}:stop_id>/failed", methods=["POST"])
@roles_required(*STAFF)
def fail_stop(run_id: int, stop_id: int):
    run = _run_or_404(run_id)
    stop = _stop_or_404(run, stop_id)
    form = FailForm()
    if not form.validate_on_submit():
        return run_page(run, fail_form=form, fail_stop_id=stop.id)
    services.fail_stop(run_id=run.id, stop_id=stop.id, reason=form.reason.data, user=current_user)
    flash(_("Stop marked as not made. Its items can be planned on another run."), "warning")
    return _back(run, stop)


# --- the run sheet --------------------------------------------------------------------------


def _sheet(run: DeliveryRun) -> RunSheet:
    depot = run.depot
    stops = []
    for index, stop in enumerate(services.ordered_stops(run), start=1):
        phone = stop.citizen.phone or ""
        contact = " ".join(p for p in (stop.contact_name, stop.contact_phone) if p)
        stops.append(
            SheetStop(
                number=index,
                kind=stop.kind,
                name=stop.citizen.name,
                address=stop.address,
                postcode_town=" ".join(p for p in (stop.postcode, stop.town) if p),
                phone=phone,
                contact="" if contact == phone else contact,
                note=stop.note or "",
                status="" if stop.status == "planned" else str(STOP_STATE_LABELS[stop.status]),
                items=[
                    SheetItem(
                        asset_tag=i.item.asset_tag,
                        product_name=i.item.product.name,
                        details=item_details(i),
                    )
                    for i in stop.items
                ],
            )
        )
    return RunSheet(
        depot_name=depot.name,
        depot_address=", ".join(
            p for p in (depot.address, " ".join(q for q in (depot.postcode, depot.town) if q)) if p
        ),
        run_date=day(run.run_date),
        driver=run.driver,
        vehicle=run.vehicle or "",
        total_km=number(run.total_km or 0, 1),
        printed_at=moment(utcnow()),
        note=run.note or "",
        stops=stops,
    )


@bp.route(f"/<{ID}:run_id>/run-sheet.pdf")
@roles_required(*STAFF)
def run_sheet(run_id: int):
    run = _run_or_404(run_id)
    pdf = run_sheet_pdf(_sheet(run))
    _log_citizens(run, "print_run_sheet")
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="run-{run.id}.pdf"'
    return response
