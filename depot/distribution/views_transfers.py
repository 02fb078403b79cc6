"""Transfer orders: list, page, pick & send, receive, cancel, pick list PDF.

Depot staff see the orders touching a depot they work in: they pick and send those leaving it
and receive those arriving there. Procurement officers, coordinators and admins see all of them;
the region's procurement officers and the cluster admins cancel open ones. An order the user may
not see is not found (404); an action on an order they see but may not take is refused (403).
Bad input shows the form again with its messages (400); a refused change (sent twice, changed
meanwhile, an item no longer available, too little stock) shows it with the reason (409), and
nothing of it is kept.
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

from depot.distribution import picking
from depot.distribution import transfer_orders as services
from depot.distribution.forms_transfers import (
    CancelForm,
    ReceiveForm,
    TransferFilterForm,
    initial_data,
    send_form,
)
from depot.distribution.models import TransferOrder
from depot.distribution.pdf import pick_list_pdf, sheet_for
from depot.distribution.transfer_access import (
    RUN_VIEW_ROLES,
    VIEW_ROLES,
    can_cancel_order,
    can_receive_order,
    can_send_order,
    can_view_order,
    order_depots,
    order_list_query,
)
from depot.errors import DomainError
from depot.extensions import db
from depot.web.i18n import current_language
from depot.web.lists import flash_ignored_filters, paginate
from depot.web.security import roles_required

bp = Blueprint("transfer_orders", __name__, url_prefix="/depot/transfer-orders")

ID = "int(min=1, max=2147483647)"
EXTRA_PROPOSALS = 10  # unticked items offered beyond a line's quantity


def run_url(run_id: int | None) -> str | None:
    """The distribution run's page if the user may open it; None otherwise (coordinators see
    the orders but not the runs: a link would only lead them to a 403)."""
    if run_id is None or not current_user.has_role(*RUN_VIEW_ROLES):
        return None
    try:
        return url_for("distribution.run", run_id=run_id)
    except BuildError:
        return None


@bp.record_once
def _register_template_globals(state) -> None:
    state.app.jinja_env.globals.update(
        transfer_state_labels=services.ORDER_STATE_LABELS,
        transfer_state_badges=services.ORDER_STATE_BADGES,
        distribution_run_url=run_url,
    )


def _order_or_404(order_id: int) -> TransferOrder:
    """The order if the user may see it; otherwise not found, whether it exists or not."""
    order = db.session.get(TransferOrder, order_id)
    if order is None or not can_view_order(current_user, order):
        abort(404)
    return order


def _labels(order: TransferOrder) -> dict[int, str]:
    locale = current_language()
    return {line.id: services.line_label(line, locale) for line in order.lines}


# --- the list -------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*VIEW_ROLES)
def orders():
    form = TransferFilterForm(request.args)
    form.set_depot_choices(order_depots(user=current_user))
    filters = form.valid_data()
    flash_ignored_filters(form)
    view = filters["view"] or ("pick" if current_user.role == "depot_staff" else "all")
    form.view.data = view
    stmt = order_list_query(
        user=current_user,
        status=filters["status"] or None,
        depot_id=filters["depot"],
        direction=view,
    )
    return render_template(
        "distribution/transfer_orders.html", form=form, view=view, pagination=paginate(stmt)
    )


# --- one order ------------------------------------------------------------------------------


def _order_page(
    order: TransferOrder,
    *,
    receive_form: ReceiveForm | None = None,
    cancel_form: CancelForm | None = None,
    error: str | None = None,
    status: int = 200,
):
    version = {"version": order.version_id}
    return render_template(
        "distribution/transfer_order.html",
        order=order,
        labels=_labels(order),
        may_send=can_send_order(current_user, order),
        may_receive=can_receive_order(current_user, order),
        may_cancel=can_cancel_order(current_user, order),
        receive_form=receive_form or ReceiveForm(formdata=None, data=version),
        cancel_form=cancel_form or CancelForm(formdata=None, data=version),
        error=error,
    ), status


@bp.route(f"/<{ID}:order_id>")
@roles_required(*VIEW_ROLES)
def order(order_id: int):
    return _order_page(_order_or_404(order_id))


@bp.route(f"/<{ID}:order_id>/pick-list")
@roles_required(*VIEW_ROLES)
def pick_list(order_id: int):
    order = _order_or_404(order_id)
    response = make_response(pick_list_pdf(sheet_for(order, printed_by=current_user.name)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
    return response


def _refused(order_id: int, exc: DomainError, **forms):
    """The order as it is now (the change rolled back), with the refusal's message."""
    db.session.rollback()
    return _order_page(
        _order_or_404(order_id), error=str(exc.message), status=exc.status_code, **forms
    )


# --- pick & send ----------------------------------------------------------------------------


def _proposals(order: TransferOrder) -> dict:
    return {
        line.id: picking.proposed_items(line=line, limit=line.quantity + EXTRA_PROPOSALS)
        for line in order.lines
        if line.product_type_id
    }


def _render_send(order: TransferOrder, form, status: int = 200):
    return render_template(
        "distribution/transfer_send.html",
        order=order,
        form=form,
        labels=_labels(order),
        inspection_days=picking.INSPECTION_MARGIN_DAYS,
    ), status


@bp.route(f"/<{ID}:order_id>/send", methods=["GET", "POST"])
@roles_required(*VIEW_ROLES)
def send(order_id: int):
    order = _order_or_404(order_id)
    if not can_send_order(current_user, order):
        abort(403)
    if (refusal := services.refusal(order, "send")) is not None:
        return _order_page(order, error=str(refusal.message), status=refusal.status_code)
    proposals = _proposals(order)
    if request.method == "GET":
        return _render_send(order, send_form(order, proposals, data=initial_data(order, proposals)))
    form = send_form(order, proposals)
    if not form.validate():
        return _render_send(order, form, 400)
    picks = form.picks()
    try:
        scanned = picking.picks_from_codes(order=order, codes=form.codes())
    except DomainError as exc:
        form.scan.errors.append(exc.message)
        return _render_send(order, form, exc.status_code)
    for line_id, item_ids in scanned.items():
        chosen = picks.setdefault(line_id, [])
        chosen += [i for i in item_ids if i not in chosen]
    try:
        order = services.send_order(
            order_id=order.id,
            picks=picks,
            quantities=form.quantities(),
            user=current_user,
            expected_version=form.version.data,
        )
    except DomainError as exc:
        db.session.rollback()
        order = _order_or_404(order_id)
        if order.status != "open":  # sent (or cancelled) meanwhile: the order says by whom
            return _order_page(order, error=str(exc.message), status=exc.status_code)
        form = send_form(order, _proposals(order))  # the posted ticks, the fresh proposals
        form.validate()
        form.form_errors.append(exc.message)
        return _render_send(order, form, exc.status_code)
    short = sum(line.quantity - line.sent_quantity for line in order.lines)
    if short:
        flash(
            ngettext(
                "Transfer order %(number)s is sent, %(num)s unit short of the order.",
                "Transfer order %(number)s is sent, %(num)s units short of the order.",
                short,
                number=order.number,
            ),
            "warning",
        )
    else:
        flash(_("Transfer order %(number)s is sent.", number=order.number), "success")
    return redirect(url_for(".order", order_id=order.id))


# --- receive and cancel ---------------------------------------------------------------------


@bp.route(f"/<{ID}:order_id>/receive", methods=["POST"])
@roles_required(*VIEW_ROLES)
def receive(order_id: int):
    order = _order_or_404(order_id)
    if not can_receive_order(current_user, order):
        abort(403)
    form = ReceiveForm()
    if not form.validate():
        return _order_page(order, receive_form=form, status=400)
    try:
        services.receive_order(
            order_id=order.id, user=current_user, expected_version=form.version.data
        )
    except DomainError as exc:
        return _refused(order_id, exc)
    flash(_("Transfer order %(number)s is received.", number=order.number), "success")
    return redirect(url_for(".order", order_id=order.id))


@bp.route(f"/<{ID}:order_id>/cancel", methods=["POST"])
@roles_required(*VIEW_ROLES)
def cancel(order_id: int):
    order = _order_or_404(order_id)
    if not can_cancel_order(current_user, order):
        abort(403)
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
    flash(_("Transfer order %(number)s is cancelled.", number=order.number), "success")
    return redirect(url_for(".order", order_id=order.id))
