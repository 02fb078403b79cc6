"""Distribution runs: where the shared stock should sit, proposed as transfers between depots.

The stock is the cluster's and the pages carry no personal data: procurement officers,
administrators and depot staff of every organisation may look; the region's procurement
officers and cluster administrators create, run, accept and cancel runs (403 for others).
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

from depot.catalogue.models import ProductType
from depot.distribution import jobs, services
from depot.distribution.forms import RunForm
from depot.distribution.models import DistributionRun, TransferOrder
from depot.distribution.schematic import flow_map
from depot.distribution.transfer_access import RUN_VIEW_ROLES
from depot.errors import DomainError
from depot.extensions import db
from depot.organisations.models import Depot
from depot.purchasing.access import sees_all
from depot.purchasing.forms import ActionForm
from depot.purchasing.schemas import RoundStatusSchema
from depot.requests.models import BasicPackage
from depot.web import job_rows
from depot.web.i18n import current_language, local_today
from depot.web.job_rows import progress_text
from depot.web.lists import page_number
from depot.web.security import roles_required

bp = Blueprint("distribution", __name__, url_prefix="/procurement/distribution")

ID = "int(min=1, max=2147483647)"
VIEW_ROLES = RUN_VIEW_ROLES
RUNS_PER_PAGE = 25
STATE_BADGES = {
    "draft": "secondary",
    "queued": "info",
    "running": "info",
    "solved": "primary",
    "failed": "danger",
    "accepted": "success",
    "cancelled": "dark",
}


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


def failure_message(code: str | None) -> str:
    return {
        "not_solved": _("The solver found no plan within the time limit. Allow more time."),
        "infeasible": _("The solver reports the problem as infeasible; check the depots."),
        "time_limit": _("The optimizer was stopped: it ran far past its time limit."),
        "crashed": _("The optimizer stopped with an error. It has been logged; try again."),
        "hub_unplaced": _(
            "The shared depot of the comparison is closed or has no position any more: make a "
            "new run with another shared depot, or none."
        ),
    }.get(code or "", _("The optimizer stopped."))


def _run_or_404(run_id: int) -> DistributionRun:
    run = db.session.get(DistributionRun, run_id)
    if run is None:
        abort(404)
    return run


def _editable_or_403(run_id: int) -> DistributionRun:
    run = _run_or_404(run_id)
    if not sees_all(current_user):
        abort(403)
    return run


@bp.route("/")
@roles_required(*VIEW_ROLES)
def runs():
    query = select(DistributionRun).order_by(
        DistributionRun.created_at.desc(), DistributionRun.id.desc()
    )
    items = db.paginate(query, page=page_number(), per_page=RUNS_PER_PAGE, error_out=False)
    return render_template(
        "distribution/runs.html",
        runs=items,
        labels=state_labels(),
        badges=STATE_BADGES,
        can_create=sees_all(current_user),
    )


def _form_choices(form: RunForm) -> None:
    packages = db.session.scalars(
        select(BasicPackage).where(BasicPackage.active).order_by(BasicPackage.name)
    )
    form.service_package.choices = [("", _("None"))] + [(p.id, p.name) for p in packages]
    # Only a depot with a position can be the shared one: distances are measured from it.
    depots = db.session.scalars(
        select(Depot)
        .where(Depot.active, Depot.latitude.is_not(None), Depot.longitude.is_not(None))
        .order_by(Depot.name)
    )
    form.what_if_hub.choices = [("", _("No comparison"))] + [(d.id, d.name) for d in depots]


@bp.route("/new", methods=["GET", "POST"])
@roles_required("procurement", "admin")
def new():
    if not sees_all(current_user):
        abort(403)
    form = RunForm()
    _form_choices(form)
    if request.method == "GET":
        shared = [value for value, label in form.what_if_hub.choices if "Gødstrup" in str(label)]
        form.what_if_hub.data = shared[0] if shared else None
        packages = [value for value, _label in form.service_package.choices if value]
        form.service_package.data = packages[0] if packages else None
    if form.validate_on_submit():
        try:
            run = services.create_run(
                title=form.title.data,
                organisation_id=current_user.organisation_id,
                horizon_months=form.horizon_months.data,
                cost_per_km=form.cost_per_km.data,
                shortage_penalty_factor=float(form.shortage_penalty_factor.data),
                service_package_id=form.service_package.data,
                service_sets=form.service_sets.data,
                what_if_hub_id=form.what_if_hub.data,
                time_limit_seconds=form.time_limit_seconds.data,
                user=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return render_template("distribution/run_new.html", form=form), 400
        if form.run_now.data:
            return _start(run)
        return redirect(url_for("distribution.run", run_id=run.id))
    status = 400 if request.method == "POST" else 200
    return render_template("distribution/run_new.html", form=form), status


def _render_run(run: DistributionRun, status: int = 200):
    # A cancelled run keeps its last plan to read; only a new run can be accepted.
    shown = ("solved", "accepted", "cancelled")
    result = services.stored_result(run) if run.status in shown else None
    orders = list(
        db.session.scalars(
            select(TransferOrder).where(TransferOrder.run_id == run.id).order_by(TransferOrder.id)
        )
    )
    depots = {d.id: d for d in db.session.scalars(select(Depot))}
    return render_template(
        "distribution/run.html",
        run=run,
        result=result,
        view=_result_view(result, depots, run) if result else None,
        orders=orders,
        can_edit=sees_all(current_user),
        open_elsewhere=services.open_orders_of_other_runs(run=run)
        if run.status == "solved"
        else [],
        stale=services.is_stale(run),
        step=progress_text(run.progress_note),
        failure=failure_message(run.error) if run.error else None,
        labels=state_labels(),
        badges=STATE_BADGES,
        action_form=ActionForm(),
    ), status


def _labels(stored: dict[str, str]) -> dict[str, str]:
    """The stored product labels, with product types' titles in the page's language."""
    type_ids = [int(key[1:]) for key in stored if key[:1] == "t" and key[1:].isdigit()]
    if not type_ids:
        return stored
    language = current_language()
    kinds = db.session.scalars(select(ProductType).where(ProductType.id.in_(type_ids)))
    return {**stored, **{f"t{k.id}": f"{k.iso_code} {k.title(language)}" for k in kinds}}


def _result_view(result: dict, depots: dict[int, Depot], run: DistributionRun) -> dict:
    """The plan's figures with names: depots, flows with km, and the schematic."""
    from depot.geo import distance_km

    names = {int(k): v for k, v in result.get("depots", {}).items()}
    labels = _labels(result.get("labels", {}))

    def place(depot_id: int):
        depot = depots.get(depot_id)
        if depot is None or depot.latitude is None or depot.longitude is None:
            return None
        return (depot.latitude, depot.longitude)

    flows = []
    for transfer in result["plan"].get("transfers", []):
        source, target = int(transfer["from"]), int(transfer["to"])
        km = distance_km(place(source), place(target))
        flows.append(
            {
                "from": names.get(source, str(source)),
                "to": names.get(target, str(target)),
                "product": labels.get(str(transfer["product"]), str(transfer["product"])),
                "quantity": transfer["quantity"],
                "km": km,
            }
        )
    flows.sort(key=lambda f: (f["from"], f["to"], f["product"]))
    depot_rows = [
        {**line, "name": names.get(int(line["depot"]), str(line["depot"]))}
        for line in result["plan"].get("depots", [])
    ]
    depot_rows.sort(key=lambda row: row["name"])
    stock_lines: dict[str, list] = {}
    shortages = {"devices": [0, 0], "consumables": [0, 0]}
    for line in result["plan"].get("stock_after", []):
        name = names.get(int(line["depot"]), str(line["depot"]))
        consumable = str(line["product"]).startswith("p")
        stock_lines.setdefault(name, []).append(
            {
                **line,
                "label": labels.get(str(line["product"]), str(line["product"])),
                "consumable": consumable,
            }
        )
        counts = shortages["consumables" if consumable else "devices"]
        counts[0] += line["shortage_before"]
        counts[1] += line["shortage_after"]
    for lines in stock_lines.values():
        lines.sort(key=lambda line: (line["consumable"], line["label"]))
    positions = {
        depot_id: place(depot_id) for depot_id in {int(k) for k in result.get("depots", {})}
    }
    return {
        "shortages": shortages,
        "flows": flows,
        "depots": depot_rows,
        "stock_lines": dict(sorted(stock_lines.items())),
        "map": flow_map(
            positions=positions,
            names=names,
            transfers=result["plan"].get("transfers", []),
            hub_id=run.what_if_hub_id,
        ),
        "what_if": result.get("what_if"),
    }


@bp.route(f"/<{ID}:run_id>", endpoint="run")
@roles_required(*VIEW_ROLES)
def run_page(run_id: int):
    return _render_run(_run_or_404(run_id))


def _refused(run_id: int, exc: DomainError):
    db.session.rollback()
    flash(str(exc.message), "error")
    return _render_run(_run_or_404(run_id), status=exc.status_code)


def _start(run: DistributionRun):
    services.request_run(run=run)
    db.session.commit()  # the job reads the queued run from its own session
    jobs.start(
        app=current_app._get_current_object(), run_id=run.id, time_limit=run.time_limit_seconds
    )
    return redirect(url_for("distribution.run", run_id=run.id))


@bp.route(f"/<{ID}:run_id>/run", methods=["POST"])
@roles_required("procurement", "admin")
def start(run_id: int):
    run = _editable_or_403(run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        return _start(run)
    except DomainError as exc:
        return _refused(run_id, exc)


@bp.route(f"/<{ID}:run_id>/status")
@roles_required(*VIEW_ROLES)
def status(run_id: int):
    run = _run_or_404(run_id)
    data = job_rows.status_payload(run, step=progress_text(run.progress_note))
    response = jsonify(RoundStatusSchema().dump(data))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(f"/<{ID}:run_id>/instance.json")
@roles_required(*VIEW_ROLES)
def instance(run_id: int):
    """The optimizer's input in the command line's contract: as solved, or, for a run not
    solved, as it would be now."""
    run = _run_or_404(run_id)
    stored = services.stored_result(run)
    if stored is None:  # not solved (yet): the input as it would be now
        data = services.current_instance(run=run, today=local_today())
    elif "instance" in stored:
        data = stored["instance"]
    else:
        abort(404)  # solved before the input was kept: today's data would not be it
    response = jsonify(data)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="distribution-run-{run.id}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _replace_field() -> list[tuple[int, int]] | None:
    """The other runs' open orders the user ticked to cancel, as "id:version" pairs."""
    if request.form.get("replace_open") != "y":
        return None
    pairs = []
    for value in request.form.getlist("replace_order")[:1000]:
        order_id, _sep, version = value.partition(":")
        if not (order_id.isascii() and order_id.isdigit() and version.isascii()):
            abort(400)
        if not version.isdigit() or len(order_id) > 10 or len(version) > 10:
            abort(400)
        pairs.append((int(order_id), int(version)))
    return pairs


@bp.route(f"/<{ID}:run_id>/accept", methods=["POST"])
@roles_required("procurement", "admin")
def accept(run_id: int):
    run = _editable_or_403(run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        orders = services.accept_run(run=run, user=current_user, replace=_replace_field())
    except DomainError as exc:
        return _refused(run_id, exc)
    flash(
        ngettext(
            "Accepted: %(num)s transfer order created for the depots to pick.",
            "Accepted: %(num)s transfer orders created for the depots to pick.",
            len(orders),
        ),
        "success",
    )
    return redirect(url_for("distribution.run", run_id=run_id))


@bp.route(f"/<{ID}:run_id>/cancel", methods=["POST"])
@roles_required("procurement", "admin")
def cancel(run_id: int):
    run = _editable_or_403(run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_run(run=run)
    except DomainError as exc:
        return _refused(run_id, exc)
    flash(_("The run was cancelled."), "info")
    return redirect(url_for("distribution.run", run_id=run_id))
