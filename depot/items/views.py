"""Depot pages for reusable items: the depot home with its scan box, receiving, the item list,
the item page with its timeline, and the item's steps (reserve, lend, transfer, inspect …).

Everyone in VIEW_ROLES may look; only depot staff who can operate the item's depot may act on
it (403 otherwise). A refused step is answered 409 with the service's message. The lists of
transfers, inspections, inspection plans and labels live in views_pages.py on the same `bp`.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from depot.catalogue import services as catalogue_services
from depot.catalogue.models import Product
from depot.citizens.access_log import log_access
from depot.citizens.services import CPR_PATTERN
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items import queries, services
from depot.items.access import (
    OPERATE_ROLES,
    VIEW_ROLES,
    all_depots,
    can_operate_depot,
    operable_depots,
)
from depot.items.forms import (
    LABELS_MAX,
    RECEIVE_MAX,
    InspectForm,
    ItemFilterForm,
    LendForm,
    PrintLabelsForm,
    ReceiveForm,
    StepForm,
    TransferForm,
    format_ids,
    local_today,
    parse_ids,
)
from depot.items.models import Item
from depot.organisations.models import Depot
from depot.organisations.services import organisation_choices
from depot.requests import services as request_services
from depot.web.i18n import current_language
from depot.web.lists import flash_ignored_filters, paginate
from depot.web.security import roles_required

bp = Blueprint("items", __name__, url_prefix="/depot")

# Ids in URLs: positive and within a 32-bit integer column, so lookups can't overflow.
ID = "int(min=1, max=2147483647)"
DUE_SOON_DAYS = 30

STATE_BADGES = {
    "available": "success",
    "reserved": "info",
    "on_loan": "primary",
    "returned": "secondary",
    "cleaning": "warning",
    "inspection": "warning",
    "repair": "danger",
    "in_transit": "dark",
    "scrapped": "secondary",
}
EVENT_LABELS = {"received": _l("Received"), "ownership_transferred": _l("Ownership transferred")}


def step_label(kind: str):
    """The label of an event kind: a step's label, 'Received', or the kind itself."""
    if kind in services.STEPS:
        return services.STEPS[kind].label
    return EVENT_LABELS.get(kind, kind)


@bp.record_once
def _register_template_globals(state) -> None:
    # Globals, so that macros imported without context (the stock and overview pages too)
    # can show state badges and the depot navigation.
    state.app.jinja_env.globals.update(
        item_state_labels=services.STATE_LABELS,
        item_state_badges=STATE_BADGES,
        item_step_label=step_label,
        has_endpoint=lambda name: name in current_app.view_functions,
    )


@bp.context_processor
def item_helpers():
    return {"today": local_today()}


# --- helpers --------------------------------------------------------------------------------


def require_operator(depot: Depot) -> None:
    """403 unless the user may work in the depot."""
    if not can_operate_depot(current_user, depot):
        abort(403)


def depot_choices() -> list[Depot]:
    """The depots to pick from: depot staff their own (if any), everyone else all."""
    return operable_depots(current_user) or all_depots()


def chosen_depot(depots: list[Depot]) -> Depot | None:
    """The depot picked by `?depot=`, else the one picked last (session), else the first."""
    by_id = {d.id: d for d in depots}
    raw = request.args.get("depot", "")
    if raw.isascii() and raw.isdigit() and int(raw) in by_id:
        session["depot_id"] = int(raw)
        return by_id[int(raw)]
    remembered = session.get("depot_id")
    if remembered in by_id:
        return by_id[remembered]
    return depots[0] if depots else None


def _receivable_products():
    return db.session.scalars(catalogue_services.product_query(reusable=True, active=True)).unique()


def _other_depots(item: Item) -> list[Depot]:
    return [d for d in all_depots() if d.id != item.depot_id]


# --- depot home and scanning ----------------------------------------------------------------


def _home(*, scanned: str | None = None, scan_message: str | None = None):
    depots = depot_choices()
    depot = chosen_depot(depots)
    counts = services.count_by_state(depot_id=depot.id) if depot else {}
    today = local_today()
    due = 0
    if depot is not None:
        due = db.session.scalar(
            select(func.count()).select_from(
                services.inspections_due(depot_id=depot.id, today=today).order_by(None).subquery()
            )
        )
    return render_template(
        "items/home.html",
        depots=depots,
        depot=depot,
        counts=counts,
        total=sum(counts.values()),
        inspections_due=due,
        can_operate=depot is not None and can_operate_depot(current_user, depot),
        scanned=scanned,
        scan_message=scan_message,
    )


@bp.route("/")
@roles_required(*VIEW_ROLES)
def home():
    return _home()


@bp.route("/scan")
@roles_required(*VIEW_ROLES)
def scan():
    code = (request.args.get("code") or "").replace("\x00", "").strip()
    if not code:
        return _home(scan_message=_("Scan or type an asset tag or a serial number."))
    item = services.find_item_by_code(code=code)
    if item is not None:
        return redirect(url_for(".item", item_id=item.id))
    if CPR_PATTERN.match(code):
        # Never echo what looks like a CPR number back into the page.
        return _home(scan_message=_("No item has this code. Do not scan or type CPR numbers here."))
    return _home(scanned=code[:100], scan_message=_("No item has the code you scanned or typed:"))


# --- receiving ------------------------------------------------------------------------------


def _receive_form() -> ReceiveForm:
    form = ReceiveForm()
    form.product_id.choices = [("", "—")] + [(p.id, p.name) for p in _receivable_products()]
    form.depot_id.choices = [(d.id, d.name) for d in operable_depots(current_user)]
    form.owner_id.choices = [("", _("The depot's owner"))] + [
        (o.id, o.name) for o in organisation_choices() if o.active
    ]
    return form


@bp.route("/receive", methods=["GET", "POST"])
@roles_required(*OPERATE_ROLES)
def receive():
    form = _receive_form()
    status = 200
    if request.method == "GET":
        picked = chosen_depot(operable_depots(current_user))
        form.depot_id.data = picked.id if picked else None
    if form.validate_on_submit():
        depot = db.session.get(Depot, form.depot_id.data)
        if depot is None or not depot.active:
            form.depot_id.errors.append(_("Choose a depot from the list."))
        else:
            require_operator(depot)
            owner_id = form.owner_id.data or depot.owner_id or current_user.organisation_id
            try:
                items = services.receive_items(
                    product_id=form.product_id.data,
                    depot_id=depot.id,
                    owner_id=owner_id,
                    serials=form.serial_list(),
                    user=current_user,
                    note=form.note.data or None,
                )
            except DomainError as exc:
                form.serials.errors.append(exc.message)
                status = exc.status_code
            else:
                flash(
                    ngettext("%(num)s item received.", "%(num)s items received.", len(items)),
                    "success",
                )
                return redirect(url_for(".receive", received=format_ids(i.id for i in items)))
    received = queries.items_by_ids(ids=parse_ids(request.args.get("received"), limit=RECEIVE_MAX))
    chunks = [
        (start + 1, min(start + LABELS_MAX, len(received)), received[start : start + LABELS_MAX])
        for start in range(0, len(received), LABELS_MAX)
    ]
    return render_template(
        "items/receive.html",
        form=form,
        received=received,
        label_chunks=chunks,
        print_form=PrintLabelsForm(formdata=None),
        has_depots=bool(form.depot_id.choices),
    ), status


# --- the item list --------------------------------------------------------------------------


def _filter_choices(form: ItemFilterForm) -> None:
    form.depot.choices = [("", _("All depots"))] + [(d.id, d.name) for d in all_depots()]
    form.type.choices = [("", _("All types"))] + [
        (t.id, f"{t.iso_code} {t.title(current_language())}")
        for t in catalogue_services.all_product_types()
        if t.reusable
    ]
    # Only ids and names: the full product rows cost more than the search itself.
    products = db.session.execute(
        select(Product.id, Product.name)
        .where(Product.reusable, Product.active)
        .order_by(Product.name)
    ).all()
    form.product.choices = [("", _("All products")), *products]
    form.owner.choices = [("", _("All owners"))] + [(o.id, o.name) for o in organisation_choices()]
    form.set_status_choices(services.STATE_LABELS)


@bp.route("/items")
@roles_required(*VIEW_ROLES)
def items():
    form = ItemFilterForm(request.args)
    _filter_choices(form)
    filters = form.valid_data()
    flash_ignored_filters(form)
    stmt = queries.item_query(
        search=filters["q"] or None,
        depot_id=filters["depot"],
        product_type_id=filters["type"],
        product_id=filters["product"],
        status=filters["status"] or None,
        owner_id=filters["owner"],
        sort=filters["sort"],
    )
    return render_template("items/items.html", form=form, pagination=paginate(stmt))


# --- the item page --------------------------------------------------------------------------


def _holder(item: Item, loan, can_operate: bool):
    """The citizen holding the item, if this user may see who it is (the read is logged)."""
    if loan is None:
        return None
    if not (can_operate or current_user.organisation_id == loan.citizen.municipality_id):
        return None
    log_access(
        user=current_user,
        action="read",
        citizen_id=loan.citizen_id,
        criterion=f"holder of item {item.asset_tag}",
    )
    return loan.citizen


def item_page(
    item: Item,
    *,
    step_form=None,
    lend_form=None,
    transfer_form=None,
    inspect_form=None,
    status: int = 200,
):
    """Render the item page; the form that was just posted (with its errors) is passed in."""
    can_operate = can_operate_depot(current_user, item.depot)
    loan = queries.open_loan(item_id=item.id)
    transfer = queries.open_transfer(item_id=item.id) if item.status == "in_transit" else None
    today = local_today()
    due = item.next_inspection_due
    due_soon = due is not None and due <= today + timedelta(days=DUE_SOON_DAYS)
    transfer_form = transfer_form or TransferForm(formdata=None)
    if can_operate and item.status == "available":
        transfer_form.to_depot_id.choices = [("", "—")] + [
            (d.id, d.name) for d in _other_depots(item)
        ]
    return render_template(
        "items/item.html",
        item=item,
        loan=loan,
        holder=_holder(item, loan, can_operate),
        transfer=transfer,
        events=queries.item_history(item_id=item.id),
        can_operate=can_operate,
        can_receive_transfer=transfer is not None
        and can_operate_depot(current_user, transfer.to_depot),
        overdue=item.inspection_overdue(today),
        due_soon=due_soon,
        steps=services.available_steps(item) if can_operate else [],
        show_inspect=can_operate
        and (item.status == "inspection" or (item.status == "available" and due_soon)),
        step_form=step_form or StepForm(formdata=None),
        lend_form=lend_form or LendForm(formdata=None),
        transfer_form=transfer_form,
        inspect_form=inspect_form or InspectForm(formdata=None),
        receive_form=StepForm(formdata=None),
    ), status


@bp.route(f"/items/<{ID}:item_id>")
@roles_required(*VIEW_ROLES)
def item(item_id: int):
    return item_page(db.get_or_404(Item, item_id))


def _done(item: Item, label) -> object:
    flash(
        _("%(tag)s: %(step)s.", tag=item.asset_tag, step=label),
        "success",
    )
    return redirect(url_for(".item", item_id=item.id))


def _refuse_if_held_for_request(item: Item) -> None:
    """A request's reservation is released or delivered through the request, not here."""
    reservation = request_services.active_reservation_of_item(item_id=item.id)
    if reservation is not None:
        raise Conflict(
            _l(
                "%(tag)s is reserved for request %(id)s: release or deliver it from the request.",
                tag=item.asset_tag,
                id=reservation.line.request_id,
            )
        )


@bp.route(f"/items/<{ID}:item_id>/steps/<step_name>", methods=["POST"])
@roles_required(*OPERATE_ROLES)
def step(item_id: int, step_name: str):
    item = db.get_or_404(Item, item_id)
    if step_name not in services.MANUAL_STEPS:
        abort(404)
    require_operator(item.depot)
    form = StepForm()
    if not form.validate_on_submit():
        return item_page(item, step_form=form)
    note = form.note.data or None
    if step_name == "cancel_reservation":
        _refuse_if_held_for_request(item)
    if step_name == "reserve":
        services.reserve_item(item_id=item.id, user=current_user, note=note)
    elif step_name == "take_back":
        services.take_back_item(item_id=item.id, user=current_user, note=note)
    elif step_name == "finish_cleaning":
        services.finish_cleaning(item_id=item.id, user=current_user, note=note)
    else:
        services.apply_step(item_id=item.id, step_name=step_name, user=current_user, note=note)
    return _done(item, services.STEPS[step_name].label)


@bp.route(f"/items/<{ID}:item_id>/lend", methods=["POST"])
@roles_required(*OPERATE_ROLES)
def lend(item_id: int):
    item = db.get_or_404(Item, item_id)
    require_operator(item.depot)
    form = LendForm()
    if form.validate_on_submit():
        _refuse_if_held_for_request(item)
        citizen = queries.citizen_by_cpr(cpr=form.cpr_normalised)
        log_access(
            user=current_user,
            action="search",
            citizen_id=citizen.id if citizen else None,
            criterion=f"CPR number, to lend item {item.asset_tag}",
        )
        if citizen is None:
            form.cpr.errors.append(
                _("No citizen is registered with this CPR number. Register the citizen first.")
            )
        else:
            services.lend_item(
                item_id=item.id,
                citizen_id=citizen.id,
                lender_id=current_user.organisation_id,
                user=current_user,
                legal_basis=form.legal_basis.data,
                expected_end=form.expected_end.data,
                note=form.note.data or None,
            )
            log_access(
                user=current_user,
                action="change",
                citizen_id=citizen.id,
                criterion=f"loan of item {item.asset_tag}",
            )
            return _done(item, services.STEPS["lend"].label)
    return item_page(item, lend_form=form)


@bp.route(f"/items/<{ID}:item_id>/transfer", methods=["POST"])
@roles_required(*OPERATE_ROLES)
def transfer(item_id: int):
    item = db.get_or_404(Item, item_id)
    require_operator(item.depot)
    form = TransferForm()
    form.to_depot_id.choices = [(d.id, d.name) for d in _other_depots(item)]
    if form.validate_on_submit():
        services.send_transfer(
            item_id=item.id,
            to_depot_id=form.to_depot_id.data,
            user=current_user,
            note=form.note.data or None,
        )
        return _done(item, services.STEPS["send_transfer"].label)
    return item_page(item, transfer_form=form)


@bp.route(f"/items/<{ID}:item_id>/receive-transfer", methods=["POST"])
@roles_required(*OPERATE_ROLES)
def receive_transfer(item_id: int):
    item = db.get_or_404(Item, item_id)
    pending = queries.open_transfer(item_id=item.id)
    if pending is None:
        require_operator(item.depot)
        raise Conflict(_("%(tag)s is not in transit.", tag=item.asset_tag))
    require_operator(pending.to_depot)
    form = StepForm()
    if not form.validate_on_submit():
        return item_page(item, step_form=form)
    services.receive_transfer(item_id=item.id, user=current_user, note=form.note.data or None)
    if request.form.get("back") == "transfers":
        flash(_("%(tag)s received.", tag=item.asset_tag), "success")
        return redirect(url_for(".transfers", depot=pending.to_depot_id))
    return _done(item, services.STEPS["receive_transfer"].label)


@bp.route(f"/items/<{ID}:item_id>/inspection", methods=["POST"])
@roles_required(*OPERATE_ROLES)
def inspect(item_id: int):
    item = db.get_or_404(Item, item_id)
    require_operator(item.depot)
    form = InspectForm()
    if form.validate_on_submit():
        passed = form.passed.data == "1"
        services.record_inspection(
            item_id=item.id, passed=passed, user=current_user, note=form.note.data or None
        )
        return _done(item, services.STEPS["pass_inspection" if passed else "fail_inspection"].label)
    return item_page(item, inspect_form=form)


from depot.items import views_pages  # noqa: E402,F401  (registers more routes on bp)
