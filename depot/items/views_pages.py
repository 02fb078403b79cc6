"""More depot pages on the items blueprint: transfers, inspections, inspection plans, labels."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from depot.errors import DomainError
from depot.items import queries, services
from depot.items.access import VIEW_ROLES, can_operate_depot
from depot.items.forms import LABELS_MAX, InspectionPlanForm, LabelsForm, StepForm, parse_ids
from depot.items.models import InspectionPlan, Item
from depot.items.views import bp, chosen_depot, depot_choices, local_today, paginate
from depot.web.i18n import current_language
from depot.web.security import roles_required

PLAN_EDITORS = ("depot_staff", "admin")
UNKNOWN_SHOWN = 20


@bp.route("/transfers")
@roles_required(*VIEW_ROLES)
def transfers():
    depots = depot_choices()
    depot = chosen_depot(depots)
    lists = queries.open_transfers(depot_id=depot.id) if depot else {}
    return render_template(
        "items/transfers.html",
        depots=depots,
        depot=depot,
        incoming=lists.get("incoming", []),
        outgoing=lists.get("outgoing", []),
        can_operate=depot is not None and can_operate_depot(current_user, depot),
        receive_form=StepForm(formdata=None),
    )


@bp.route("/inspections")
@roles_required(*VIEW_ROLES)
def inspections():
    depots = depot_choices()
    depot = chosen_depot(depots)
    stmt = services.inspections_due(depot_id=depot.id if depot else None, today=local_today())
    stmt = stmt.options(joinedload(Item.product), joinedload(Item.depot))
    return render_template(
        "items/inspections.html", depots=depots, depot=depot, pagination=paginate(stmt)
    )


@bp.route("/inspection-plans", methods=["GET", "POST"])
@roles_required(*VIEW_ROLES)
def inspection_plans():
    can_edit = current_user.has_role(*PLAN_EDITORS)
    if request.method == "POST" and not can_edit:
        abort(403)
    rows = queries.inspection_plan_rows()
    form = InspectionPlanForm()
    lang = current_language()
    form.product_type_id.choices = [("", "—")] + [
        (pt.id, f"{pt.iso_code} {pt.title(lang)}") for pt, _plan in rows
    ]
    status = 200
    if request.method == "GET":
        _prefill(form, rows)
    elif form.validate_on_submit():
        try:
            services.save_inspection_plan(
                product_type_id=form.product_type_id.data,
                interval_months=form.interval_months.data,
                after_every_loan=form.after_every_loan.data,
                instructions=form.instructions.data or None,
            )
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status_code
        else:
            flash(_("Inspection plan saved."), "success")
            return redirect(url_for(".inspection_plans"))
    return render_template(
        "items/inspection_plans.html", rows=rows, form=form if can_edit else None
    ), status


def _prefill(form: InspectionPlanForm, rows) -> None:
    raw = request.args.get("type", "")
    if not (raw.isascii() and raw.isdigit()):
        return
    for product_type, plan in rows:
        if product_type.id == int(raw):
            form.product_type_id.data = product_type.id
            if isinstance(plan, InspectionPlan):
                form.interval_months.data = plan.interval_months
                form.after_every_loan.data = plan.after_every_loan
                form.instructions.data = plan.instructions


@bp.route("/labels", methods=["GET", "POST"])
@roles_required(*VIEW_ROLES)
def labels():
    form = LabelsForm()
    status = 200
    if request.method == "GET" and request.args.get("ids"):
        chosen = queries.items_by_ids(ids=parse_ids(request.args["ids"], limit=LABELS_MAX))
        form.tags.data = "\n".join(item.asset_tag for item in chosen)
    if form.validate_on_submit():
        codes = form.codes()
        found = queries.items_by_tags(tags=codes)
        unknown = [code for code in codes if code not in found]
        if unknown:
            shown = ", ".join(unknown[:UNKNOWN_SHOWN])
            if len(unknown) > UNKNOWN_SHOWN:
                shown += " " + _("and %(num)s more", num=len(unknown) - UNKNOWN_SHOWN)
            form.tags.errors.append(_("Unknown asset tags: %(tags)s", tags=shown))
        else:
            return _label_pdf([found[code] for code in codes])
    return render_template("items/labels.html", form=form), status


def _label_pdf(items: list[Item]):
    from depot.items.labels import LabelData, label_sheet_pdf

    pdf = label_sheet_pdf(
        labels=[
            LabelData(asset_tag=item.asset_tag, product_name=item.product.name, serial=item.serial)
            for item in items
        ]
    )
    response = make_response(bytes(pdf))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = 'inline; filename="labels.pdf"'
    return response
