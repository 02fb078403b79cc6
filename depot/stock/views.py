"""Depot pages for consumable stock: levels, one stock line with its ledger, receive, low stock.

Everyone with a role in VIEW_ROLES may look; only depot staff who can operate a line's depot
receive, issue, adjust and set reorder points (403 otherwise). Invalid input shows the page
again with the errors (400); a refusal by the service keeps its status (taking more than is
left: 409). Success redirects to the stock line.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from depot.catalogue.models import ProductType
from depot.errors import DomainError
from depot.extensions import db
from depot.items.access import (
    OPERATE_ROLES,
    VIEW_ROLES,
    all_depots,
    can_operate_depot,
    operable_depots,
)
from depot.organisations.models import Depot
from depot.stock import services
from depot.stock.forms import (
    ALL,
    ID_MAX,
    AdjustForm,
    IssueForm,
    LowStockFilterForm,
    ReceiveStockForm,
    ReorderPointForm,
    StockFilterForm,
)
from depot.stock.models import StockLevel
from depot.web.i18n import current_language
from depot.web.lists import flash_ignored_filters, paginate
from depot.web.security import roles_required

bp = Blueprint("stock", __name__, url_prefix="/depot/stock")

ID = "int(min=1, max=2147483647)"


def _depot_choices() -> list:
    return [(ALL, _("All depots (shared view)"))] + [(d.id, d.name) for d in all_depots()]


def _type_choices() -> list:
    lang = current_language()
    types = db.session.scalars(
        select(ProductType)
        .where(ProductType.reusable.is_(False))
        .order_by(ProductType.iso_code, ProductType.iso_edition.desc())
    )
    return [("", _("All types"))] + [(t.id, f"{t.iso_code} {t.title(lang)}") for t in types]


def default_depot_id(user) -> int | None:
    """Depot staff start in their first depot; everyone else in the shared view (None)."""
    depots = operable_depots(user)
    return depots[0].id if depots else None


def _chosen_depot(form) -> Depot | None:
    """The depot picked in a filter form (None: all depots); depot staff default to theirs."""
    choice = form.depot.data
    if choice is None:
        choice = default_depot_id(current_user) or ALL
        form.depot.data = choice
    return None if choice == ALL else db.session.get(Depot, choice)


def _operable_level(level_id: int) -> StockLevel:
    level = db.get_or_404(StockLevel, level_id)
    if not can_operate_depot(current_user, level.depot):
        abort(403)
    return level


# --- lists ----------------------------------------------------------------------------------


@bp.route("")
@roles_required(*VIEW_ROLES)
def levels():
    form = StockFilterForm(request.args)
    form.depot.choices = _depot_choices()
    form.type.choices = _type_choices()
    filters = form.valid_data()
    flash_ignored_filters(form)
    depot = _chosen_depot(form)
    pagination = paginate(
        services.stock_levels_query(
            depot_id=depot.id if depot else None,
            search=filters["q"],
            product_type_id=filters["type"],
            low_only=bool(filters["low"]),
        )
    )
    return render_template(
        "stock/levels.html",
        form=form,
        depot=depot,
        pagination=pagination,
        last_moved=services.last_movements(level_ids=(lv.id for lv in pagination.items)),
        can_receive=bool(operable_depots(current_user)),
    )


@bp.route("/low")
@roles_required(*VIEW_ROLES)
def low():
    form = LowStockFilterForm(request.args)
    form.depot.choices = _depot_choices()
    form.valid_data()
    flash_ignored_filters(form)
    depot = _chosen_depot(form)
    pagination = paginate(services.low_stock_query(depot_id=depot.id if depot else None))
    return render_template("stock/low.html", form=form, depot=depot, pagination=pagination)


# --- one stock line -------------------------------------------------------------------------


def _render_level(level: StockLevel, status: int = 200, **forms):
    can_operate = can_operate_depot(current_user, level.depot)
    if can_operate:
        forms.setdefault("issue_form", IssueForm(formdata=None))
        forms.setdefault("adjust_form", AdjustForm(formdata=None))
        forms.setdefault(
            "reorder_form", ReorderPointForm(formdata=None, reorder_point=level.reorder_point)
        )
    if status != 200:
        db.session.refresh(level)  # show the balance as it is after a refused change
    return render_template(
        "stock/level.html",
        level=level,
        ledger_total=services.ledger_sum(stock_level_id=level.id),
        pagination=paginate(services.ledger_query(stock_level_id=level.id)),
        can_operate=can_operate,
        **forms,
    ), status


def _refused(form, exc: DomainError) -> int:
    """Show a service's refusal on its form; the status (409 for too few) answers the request.

    The page is rendered in the same transaction, which the app rolls back (status >= 400):
    a refused change writes nothing and takes no further lock.
    """
    form.form_errors.append(exc.message)
    return exc.status_code


@bp.route(f"/<{ID}:level_id>")
@roles_required(*VIEW_ROLES)
def level(level_id: int):
    return _render_level(db.get_or_404(StockLevel, level_id))


@bp.route(f"/<{ID}:level_id>/issue", methods=["POST"])
@roles_required(*OPERATE_ROLES)
def issue(level_id: int):
    level = _operable_level(level_id)
    form = IssueForm()
    if not form.validate_on_submit():
        return _render_level(level, 400, issue_form=form)
    try:
        services.issue_stock(
            depot_id=level.depot_id,
            product_id=level.product_id,
            quantity=form.quantity.data,
            user=current_user,
            reason=form.reason.data or None,
        )
    except DomainError as exc:
        return _render_level(level, _refused(form, exc), issue_form=form)
    flash(_("%(n)s issued.", n=form.quantity.data), "success")
    return redirect(url_for(".level", level_id=level.id))


@bp.route(f"/<{ID}:level_id>/adjust", methods=["POST"])
@roles_required(*OPERATE_ROLES)
def adjust(level_id: int):
    level = _operable_level(level_id)
    form = AdjustForm()
    if not form.validate_on_submit():
        return _render_level(level, 400, adjust_form=form)
    try:
        services.adjust_stock(
            depot_id=level.depot_id,
            product_id=level.product_id,
            delta=form.delta.data,
            reason=form.reason.data,
            user=current_user,
        )
    except DomainError as exc:
        return _render_level(level, _refused(form, exc), adjust_form=form)
    flash(_("The balance is adjusted by %(delta)+d.", delta=form.delta.data), "success")
    return redirect(url_for(".level", level_id=level.id))


@bp.route(f"/<{ID}:level_id>/reorder-point", methods=["POST"])
@roles_required(*OPERATE_ROLES)
def reorder_point(level_id: int):
    level = _operable_level(level_id)
    form = ReorderPointForm()
    if not form.validate_on_submit():
        return _render_level(level, 400, reorder_form=form)
    try:
        services.set_reorder_point(
            depot_id=level.depot_id,
            product_id=level.product_id,
            reorder_point=form.reorder_point.data,
        )
    except DomainError as exc:
        return _render_level(level, _refused(form, exc), reorder_form=form)
    flash(_("The reorder point is now %(n)s.", n=form.reorder_point.data), "success")
    return redirect(url_for(".level", level_id=level.id))


# --- receive --------------------------------------------------------------------------------


@bp.route("/receive", methods=["GET", "POST"])
@roles_required(*OPERATE_ROLES)
def receive():
    depots = operable_depots(current_user)
    form = ReceiveStockForm()
    form.depot_id.choices = [(d.id, d.name) for d in depots]
    form.product_id.choices = [("", "—")] + [
        (p.id, f"{p.name} · {p.hmi_number}" if p.hmi_number else p.name)
        for p in services.consumable_products()
    ]
    if request.method == "GET":
        chosen = request.args.get("depot", type=int)
        if chosen in {d.id for d in depots}:
            form.depot_id.data = chosen
        product = request.args.get("product", type=int)
        if product is not None:
            form.product_id.data = product
    status = 200
    if request.method == "POST":
        _refuse_foreign_depot(depots)
        status = 400
    if form.validate_on_submit():
        try:
            movement = services.receive_stock(
                depot_id=form.depot_id.data,
                product_id=form.product_id.data,
                quantity=form.quantity.data,
                user=current_user,
                reason=form.reason.data or None,
            )
        except DomainError as exc:
            db.session.rollback()
            status = _refused(form, exc)
        else:
            flash(_("%(n)s received.", n=form.quantity.data), "success")
            return redirect(url_for(".level", level_id=movement.stock_level_id))
    return render_template("stock/receive.html", form=form, depots=depots), status


def _refuse_foreign_depot(depots: list[Depot]) -> None:
    """Posting another depot's id is an action there: 403, not a form error."""
    raw = (request.form.get("depot_id") or "").strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= ID_MAX:
        return  # not an id: the form says so
    depot_id = int(raw)
    if depot_id not in {d.id for d in depots} and db.session.get(Depot, depot_id) is not None:
        abort(403)
