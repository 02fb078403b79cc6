"""Purchase rounds: prepare, forecast, run the optimizer, read the result, accept.

Procurement officers and admins only (others 403). A round another organisation runs
without us is 404; looking is allowed to participants, changing only to the running
organisation (and the region-wide roles) — 403 otherwise. The optimizer runs as a
background job; the round's page polls its status as JSON.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from depot.catalogue.models import Contract, Product
from depot.errors import DomainError
from depot.extensions import db
from depot.organisations.models import Organisation
from depot.purchasing import access, jobs, services
from depot.purchasing.forms import ActionForm, RoundForm, parse_participants, parse_quantities
from depot.purchasing.models import PurchaseOrder, PurchaseRound
from depot.purchasing.results import read_result
from depot.purchasing.schemas import InstanceSchema, RoundStatusSchema
from depot.web import job_rows
from depot.web.forms import parse_id
from depot.web.i18n import local_today
from depot.web.job_rows import progress_text
from depot.web.lists import page_number
from depot.web.security import roles_required

bp = Blueprint("purchasing", __name__, url_prefix="/procurement/rounds")

ID = "int(min=1, max=2147483647)"
ROUNDS_PER_PAGE = 25
STATE_BADGES = {
    "draft": "secondary",
    "queued": "info",
    "running": "info",
    "solved": "primary",
    "failed": "danger",
    "accepted": "success",
    "cancelled": "dark",
}


def _round_or_404(round_id: int) -> PurchaseRound:
    purchase_round = db.session.get(PurchaseRound, round_id)
    if purchase_round is None or not access.can_view_round(current_user, purchase_round):
        abort(404)
    return purchase_round


def _editable_or_403(round_id: int) -> PurchaseRound:
    purchase_round = _round_or_404(round_id)
    if not access.can_edit_round(current_user, purchase_round):
        abort(403)
    return purchase_round


def _visible_rounds():
    query = select(PurchaseRound).order_by(PurchaseRound.created_at.desc(), PurchaseRound.id.desc())
    if not access.sees_all(current_user):
        from depot.purchasing.models import PurchaseRoundParticipant

        mine = select(PurchaseRoundParticipant.round_id).where(
            PurchaseRoundParticipant.organisation_id == current_user.organisation_id
        )
        query = query.where(
            (PurchaseRound.organisation_id == current_user.organisation_id)
            | PurchaseRound.id.in_(mine)
        )
    return query


@bp.route("/")
@roles_required(*access.ROUND_ROLES)
def rounds():
    page = page_number()
    query = _visible_rounds()
    items = db.paginate(query, page=page, per_page=ROUNDS_PER_PAGE, error_out=False)
    return render_template(
        "purchasing/rounds.html", rounds=items, badges=STATE_BADGES, labels=state_labels()
    )


def state_labels() -> dict[str, str]:
    return {
        "draft": _("Draft"),
        "queued": _("Queued"),
        "running": _("Running"),
        "solved": _("Solved"),
        "failed": _("Failed"),
        "accepted": _("Accepted"),
        "cancelled": _("Cancelled"),
    }


def method_labels() -> dict[str, str]:
    return {
        "croston": _("Croston"),
        "sba": _("Croston–SBA (intermittent)"),
        "ses": _("Exponential smoothing (steady)"),
        "mean": _("Mean (short history)"),
        "none": _("No demand"),
        "manual": _("Entered by hand"),
    }


def failure_message(code: str | None) -> str:
    return {
        "infeasible": _(
            "The demand cannot be covered with the chosen contracts (minimum orders, "
            "pack sizes or missing offers)."
        ),
        "not_solved": _("The solver found no plan within the time limit. Allow more time."),
        "time_limit": _("The optimizer was stopped: it ran far past its time limit."),
        "crashed": _("The optimizer stopped with an error. It has been logged; try again."),
    }.get(code or "", _("The optimizer stopped."))


def _form_choices(form: RoundForm, today) -> None:
    # Joint rounds are the region's: a round reads every participant's loan history and
    # stock, so a municipality's officers run rounds for their own organisation only.
    query = select(Organisation).where(Organisation.active).order_by(Organisation.name)
    if not access.sees_all(current_user):
        query = query.where(Organisation.id == current_user.organisation_id)
    organisations = db.session.scalars(query)
    form.participants.choices = [(o.id, o.name) for o in organisations]
    contracts = db.session.scalars(
        select(Contract).where(Contract.valid_to >= today).order_by(Contract.reference)
    )
    form.contracts.choices = [
        (c.id, f"{c.reference} · {c.title} ({c.supplier.name})") for c in contracts
    ]
    form.delivery_depot.choices = [("", "—")] + [
        (d.id, d.name) for d in services.delivery_depots(current_user.organisation_id)
    ]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*access.ROUND_ROLES)
def new():
    today = local_today()
    form = RoundForm()
    _form_choices(form, today)
    if request.method == "GET":
        form.participants.data = [current_user.organisation_id]
        form.contracts.data = [value for value, _label in form.contracts.choices]
        shared = [d for d in services.delivery_depots(None)]
        form.delivery_depot.data = shared[0].id if shared else None
    if form.validate_on_submit():
        participants = form.participants.data
        try:
            purchase_round = services.create_round(
                title=form.title.data,
                organisation_id=current_user.organisation_id,
                participant_ids=participants,
                contract_ids=form.contracts.data,
                horizon_months=form.horizon_months.data,
                needed_by=form.needed_by.data,
                delivery=form.delivery.data,
                delivery_depot_id=form.delivery_depot.data,
                time_limit_seconds=form.time_limit_seconds.data,
                with_shapley=form.with_shapley.data,
                user=current_user,
                today=today,
                iso_prefix=form.iso_prefix.data or "",
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return render_template("purchasing/round_new.html", form=form), 400
        flash(_("Round created and demand forecast. Check the quantities."), "success")
        return redirect(url_for("purchasing.demand", round_id=purchase_round.id))
    status = 400 if request.method == "POST" else 200
    return render_template("purchasing/round_new.html", form=form), status


@bp.route(f"/<{ID}:round_id>", endpoint="round")
@roles_required(*access.ROUND_ROLES)
def round_page(round_id: int):
    return _render_round(_round_or_404(round_id))


def _refused(round_id: int, exc: DomainError):
    """Show the round again with the reason, under the refusal's status (400/404/409)."""
    db.session.rollback()
    flash(str(exc.message), "error")
    return _render_round(_round_or_404(round_id), status=exc.status_code)


def _render_round(purchase_round: PurchaseRound, status: int = 200):
    result = (
        read_result(purchase_round) if purchase_round.status in ("solved", "accepted") else None
    )
    orders = list(
        db.session.scalars(
            select(PurchaseOrder)
            .where(PurchaseOrder.round_id == purchase_round.id)
            .order_by(PurchaseOrder.id)
        )
    )
    return render_template(
        "purchasing/round.html",
        round=purchase_round,
        result=result,
        orders=orders,
        can_edit=access.can_edit_round(current_user, purchase_round),
        stale=services.is_stale(purchase_round),
        step=progress_text(purchase_round.progress_note),
        failure=failure_message(purchase_round.error) if purchase_round.error else None,
        badges=STATE_BADGES,
        labels=state_labels(),
        action_form=ActionForm(),
        demand_units=sum(line.quantity for line in purchase_round.demand_lines),
    ), status


def _demand_table(purchase_round: PurchaseRound):
    """Rows per product with the participants' demand lines in participant order."""
    participants = [p.organisation_id for p in purchase_round.participants]
    rows: dict[int, dict] = {}
    for line in purchase_round.demand_lines:
        row = rows.setdefault(line.product_id, {"product": line.product, "lines": {}})
        row["lines"][line.organisation_id] = line
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            -sum(line.quantity for line in r["lines"].values()),
            r["product"].product_type.iso_code,
            r["product"].name,
        ),
    )
    for row in ordered:
        row["cells"] = [row["lines"].get(org) for org in participants]
        row["total"] = sum(line.quantity for line in row["lines"].values())
        row["forecast"] = sum(line.forecast_quantity for line in row["lines"].values())
    return ordered


@bp.route(f"/<{ID}:round_id>/demand", methods=["GET", "POST"])
@roles_required(*access.ROUND_ROLES)
def demand(round_id: int):
    purchase_round = _round_or_404(round_id)
    can_edit = access.can_edit_round(current_user, purchase_round)
    errors: dict[int, str] = {}
    posted: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if not ActionForm().validate_on_submit():
            abort(400)
        line_ids = {line.id for line in purchase_round.demand_lines}
        values, errors = parse_quantities(request.form, line_ids)
        if errors:
            posted = {
                line_id: value
                for key, value in request.form.items()
                if key.startswith("q-") and (line_id := parse_id(key[2:])) is not None
            }
            status = 400
        else:
            try:
                changed = services.save_demand(purchase_round=purchase_round, quantities=values)
            except DomainError as exc:
                return _refused(round_id, exc)
            # Saved for good before the run is tried: a refused run keeps the edits.
            db.session.commit()
            flash(
                ngettext("%(num)s quantity saved.", "%(num)s quantities saved.", changed),
                "success",
            )
            if request.form.get("then") == "run":
                try:
                    return _start_run(purchase_round)
                except DomainError as exc:
                    return _refused(round_id, exc)
            return redirect(url_for("purchasing.demand", round_id=round_id))
    show_all = request.args.get("all") == "1"
    table = _demand_table(purchase_round)
    if not show_all:
        visible = [r for r in table if r["total"] or r["forecast"]]
        hidden = len(table) - len(visible)
    else:
        visible, hidden = table, 0
    participant_depots = _depots_of(purchase_round)
    return render_template(
        "purchasing/round_demand.html",
        round=purchase_round,
        rows=visible,
        hidden=hidden,
        show_all=show_all,
        errors=errors,
        posted=posted,
        can_edit=can_edit and purchase_round.status in services.RUNNABLE_FROM,
        action_form=ActionForm(),
        depots=participant_depots,
        participant_errors={},
        labels=state_labels(),
        badges=STATE_BADGES,
    ), status


def _depots_of(purchase_round: PurchaseRound) -> dict[int, list]:
    """Each participant's delivery depot choices: shared depots and its own."""
    return {
        p.organisation_id: services.delivery_depots(p.organisation_id)
        for p in purchase_round.participants
    }


@bp.route(f"/<{ID}:round_id>/participants", methods=["POST"])
@roles_required(*access.ROUND_ROLES)
def participants(round_id: int):
    purchase_round = _editable_or_403(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    depots = _depots_of(purchase_round)
    budgets, depot_ids, errors = parse_participants(
        request.form,
        [p.organisation_id for p in purchase_round.participants],
        {d.id for choices in depots.values() for d in choices},
    )
    if errors:
        flash(_("Some budgets or depots are not valid; nothing was saved."), "error")
        return render_template(
            "purchasing/round_demand.html",
            round=purchase_round,
            rows=[r for r in _demand_table(purchase_round) if r["total"] or r["forecast"]],
            hidden=0,
            show_all=False,
            errors={},
            posted={},
            can_edit=purchase_round.status in services.RUNNABLE_FROM,
            action_form=ActionForm(),
            depots=depots,
            participant_errors=errors,
            labels=state_labels(),
            badges=STATE_BADGES,
        ), 400
    try:
        services.save_participants(purchase_round=purchase_round, budgets=budgets, depots=depot_ids)
    except DomainError as exc:
        return _refused(round_id, exc)
    flash(_("Budgets and delivery depots saved."), "success")
    return redirect(url_for("purchasing.demand", round_id=round_id))


@bp.route(f"/<{ID}:round_id>/products/<{ID}:product_id>")
@roles_required(*access.ROUND_ROLES)
def product(round_id: int, product_id: int):
    purchase_round = _round_or_404(round_id)
    lines = [line for line in purchase_round.demand_lines if line.product_id == product_id]
    if not lines:
        abort(404)
    from depot.purchasing.forecasting import month_labels

    today = purchase_round.forecast_on or local_today()
    history_months = len(lines[0].history.split(",")) if lines[0].history else 0
    return render_template(
        "purchasing/round_product.html",
        round=purchase_round,
        product=db.session.get(Product, product_id),
        lines=lines,
        labels=month_labels(today, history_months) if history_months else [],
        method_labels=method_labels(),
    )


@bp.route(f"/<{ID}:round_id>/forecast", methods=["POST"])
@roles_required(*access.ROUND_ROLES)
def refresh(round_id: int):
    purchase_round = _editable_or_403(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.refresh_forecast(purchase_round=purchase_round, today=local_today())
    except DomainError as exc:
        return _refused(round_id, exc)
    flash(_("Demand forecast again from the loan history; earlier edits were replaced."), "info")
    return redirect(url_for("purchasing.demand", round_id=round_id))


def _start_run(purchase_round: PurchaseRound):
    services.request_run(purchase_round=purchase_round, user=current_user, today=local_today())
    # The job reads the queued round from its own session: it must be committed first.
    db.session.commit()
    job_id = jobs.start(
        app=current_app._get_current_object(),
        round_id=purchase_round.id,
        time_limit=purchase_round.time_limit_seconds,
    )
    current_app.logger.info("purchase round %s queued as job %s", purchase_round.id, job_id)
    return redirect(url_for("purchasing.round", round_id=purchase_round.id))


@bp.route(f"/<{ID}:round_id>/run", methods=["POST"])
@roles_required(*access.ROUND_ROLES)
def run(round_id: int):
    purchase_round = _editable_or_403(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        return _start_run(purchase_round)
    except DomainError as exc:
        return _refused(round_id, exc)


@bp.route(f"/<{ID}:round_id>/status")
@roles_required(*access.ROUND_ROLES)
def status(round_id: int):
    purchase_round = _round_or_404(round_id)
    data = job_rows.status_payload(purchase_round, step=progress_text(purchase_round.progress_note))
    response = jsonify(RoundStatusSchema().dump(data))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(f"/<{ID}:round_id>/instance.json")
@roles_required(*access.ROUND_ROLES)
def instance(round_id: int):
    purchase_round = _round_or_404(round_id)
    data = InstanceSchema().dump(
        services.build_instance(purchase_round=purchase_round, today=local_today())
    )
    response = jsonify(data)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="purchase-round-{purchase_round.id}.json"'
    )
    return response


@bp.route(f"/<{ID}:round_id>/accept", methods=["POST"])
@roles_required(*access.ROUND_ROLES)
def accept(round_id: int):
    purchase_round = _editable_or_403(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    result = read_result(purchase_round)
    over = [o for o in (result.organisations if result else []) if o.over_budget]
    if over and request.form.get("over_budget_ok") != "y":
        names = ", ".join(o.organisation.name for o in over)
        return _refused(
            round_id,
            DomainError(_("Over budget: %(names)s. Tick the box to accept anyway.", names=names)),
        )
    try:
        orders = services.accept_round(purchase_round=purchase_round, user=current_user)
    except DomainError as exc:
        return _refused(round_id, exc)
    flash(
        ngettext(
            "Accepted: %(num)s purchase order drafted. Check and send it.",
            "Accepted: %(num)s purchase orders drafted. Check and send them.",
            len(orders),
        ),
        "success",
    )
    return redirect(url_for("purchasing.round", round_id=round_id))


@bp.route(f"/<{ID}:round_id>/cancel", methods=["POST"])
@roles_required(*access.ROUND_ROLES)
def cancel(round_id: int):
    purchase_round = _editable_or_403(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_round(purchase_round=purchase_round)
    except DomainError as exc:
        return _refused(round_id, exc)
    flash(_("The round was cancelled."), "info")
    return redirect(url_for("purchasing.round", round_id=round_id))
