"""Purchase orders: list, page, PDF, send, receive, cancel.

Procurement officers and admins see the orders of their organisation (and those with units
for it); the region's procurement officers and cluster admins see all; depot staff see the
orders delivered to depots they work in, and receive them there. An order the user may not
see is not found (404); an action on an order they see but may not change is refused (403).
A refused change (a double submit, an order changed meanwhile, over-receipt) shows the order
again with the message: 409.
"""

from __future__ import annotations

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
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.routing import BuildError

from depot.errors import DomainError
from depot.extensions import db
from depot.purchasing import order_queries as queries
from depot.purchasing import orders as services
from depot.purchasing.access import (
    ORDER_VIEW_ROLES,
    can_manage_order,
    can_receive_order,
    can_view_order,
)
from depot.purchasing.forms_orders import CancelForm, OrderFilterForm, SendForm, receive_form
from depot.purchasing.models import PurchaseOrder
from depot.purchasing.pdf import order_pdf, sheet_for
from depot.web.forms import parse_id
from depot.web.lists import flash_ignored_filters, paginate
from depot.web.security import roles_required

bp = Blueprint("purchase_orders", __name__, url_prefix="/procurement/orders")

ID = "int(min=1, max=2147483647)"


def round_url(round_id: int | None) -> str | None:
    """The purchase round's page, once the rounds' pages exist; None otherwise."""
    if round_id is None:
        return None
    try:
        return url_for("purchasing.round", round_id=round_id)
    except BuildError:
        return None


@bp.record_once
def _register_template_globals(state) -> None:
    state.app.jinja_env.globals.update(
        order_state_labels=services.ORDER_STATE_LABELS,
        order_state_badges=services.ORDER_STATE_BADGES,
        purchase_round_url=round_url,
    )


def _order_or_404(order_id: int) -> PurchaseOrder:
    """The order if the user may see it; otherwise not found, whether it exists or not."""
    order = db.session.get(PurchaseOrder, order_id)
    if order is None or not can_view_order(current_user, order):
        abort(404)
    return order


# --- the list -------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*ORDER_VIEW_ROLES)
def orders():
    form = OrderFilterForm(request.args)
    form.set_supplier_choices(queries.order_suppliers(user=current_user))
    filters = form.valid_data()
    flash_ignored_filters(form)
    view = filters["view"] or ("receive" if current_user.role == "depot_staff" else "all")
    stmt = queries.order_list_query(
        user=current_user,
        status=filters["status"] or None,
        supplier_id=filters["supplier"],
        to_receive=view == "receive",
    )
    form.view.data = view
    return render_template(
        "purchasing/orders.html",
        form=form,
        view=view,
        pagination=paginate(stmt),
        order_total=queries.order_total,
    )


# --- one order ------------------------------------------------------------------------------


def _order_page(
    order: PurchaseOrder,
    *,
    send_form: SendForm | None = None,
    cancel_form: CancelForm | None = None,
    error: str | None = None,
    status: int = 200,
):
    version = {"version": order.version_id}
    return render_template(
        "purchasing/order.html",
        order=order,
        receipts=queries.receipts_of(order),
        may_manage=can_manage_order(current_user, order),
        may_receive=can_receive_order(current_user, order),
        send_form=send_form or SendForm(formdata=None, data=version),
        cancel_form=cancel_form or CancelForm(formdata=None, data=version),
        line_amount=queries.line_amount,
        goods_total=queries.goods_total(order),
        order_total=queries.order_total(order),
        error=error,
    ), status


@bp.route(f"/<{ID}:order_id>")
@roles_required(*ORDER_VIEW_ROLES)
def order(order_id: int):
    return _order_page(_order_or_404(order_id))


@bp.route(f"/<{ID}:order_id>/pdf")
@roles_required(*ORDER_VIEW_ROLES)
def pdf(order_id: int):
    order = _order_or_404(order_id)
    response = make_response(order_pdf(sheet_for(order, printed_by=current_user.name)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
    return response


def _managed_or_403(order_id: int) -> PurchaseOrder:
    order = _order_or_404(order_id)
    if not can_manage_order(current_user, order):
        abort(403)
    return order


def _refused(order_id: int, exc: DomainError, **forms):
    """The order as it is now (the change rolled back), with the refusal's message."""
    db.session.rollback()
    return _order_page(
        _order_or_404(order_id), error=str(exc.message), status=exc.status_code, **forms
    )


@bp.route(f"/<{ID}:order_id>/send", methods=["POST"])
@roles_required(*ORDER_VIEW_ROLES)
def send(order_id: int):
    order = _managed_or_403(order_id)
    form = SendForm()
    if not form.validate():
        return _order_page(order, send_form=form, error=_("The form is incomplete."), status=400)
    try:
        services.send_order(
            order_id=order.id, user=current_user, expected_version=form.version.data
        )
    except DomainError as exc:
        return _refused(order_id, exc)
    flash(_("Order %(number)s is marked as sent.", number=order.number), "success")
    return redirect(url_for(".order", order_id=order.id))


@bp.route(f"/<{ID}:order_id>/cancel", methods=["POST"])
@roles_required(*ORDER_VIEW_ROLES)
def cancel(order_id: int):
    order = _managed_or_403(order_id)
    form = CancelForm()
    if not form.validate():
        return _order_page(order, cancel_form=form, status=400)
    try:
        services.cancel_order(
            order_id=order.id,
            user=current_user,
            reason=form.reason.data,
            expected_version=form.version.data,
        )
    except DomainError as exc:
        return _refused(order_id, exc)
    flash(_("Order %(number)s is cancelled.", number=order.number), "success")
    return redirect(url_for(".order", order_id=order.id))


# --- receiving ------------------------------------------------------------------------------


def _render_receive(order: PurchaseOrder, form, status: int = 200):
    return render_template("purchasing/order_receive.html", order=order, form=form), status


@bp.route(f"/<{ID}:order_id>/receive", methods=["GET", "POST"])
@roles_required(*ORDER_VIEW_ROLES)
def receive(order_id: int):
    order = _order_or_404(order_id)
    if not can_receive_order(current_user, order):
        abort(403)
    if (refusal := services.receipt_refusal(order)) is not None:
        return _order_page(order, error=str(refusal.message), status=refusal.status_code)
    lines = [
        line
        for line in queries.receivable_lines(current_user, order)
        if line.received_quantity < line.quantity
    ]
    if request.method == "GET":
        return _render_receive(order, receive_form(lines, data={"version": order.version_id}))
    form = receive_form(lines)
    posted_version = parse_id(request.form.get("version"))
    if posted_version is not None:
        # A form sent twice, or shown before someone else received: its quantities are stale.
        try:
            services.check_version(order, posted_version)
        except DomainError as exc:
            fresh = receive_form(lines, formdata=None, data={"version": order.version_id})
            fresh.form_errors.append(exc.message)
            return _render_receive(order, fresh, exc.status_code)
    if not form.validate():
        return _render_receive(order, form, 400)
    try:
        receipts = services.receive_order(
            order_id=order.id,
            quantities=form.quantities(),
            serials=form.serials(),
            user=current_user,
            note=form.note.data or None,
            expected_version=form.version.data,
        )
    except DomainError as exc:
        db.session.rollback()
        order = _order_or_404(order_id)
        form.form_errors.append(exc.message)
        return _render_receive(order, form, exc.status_code)
    units = sum(r.quantity for r in receipts)
    flash(
        ngettext(
            "%(num)s unit received on order %(number)s.",
            "%(num)s units received on order %(number)s.",
            units,
            number=order.number,
        ),
        "success",
    )
    return redirect(url_for(".order", order_id=order.id))
