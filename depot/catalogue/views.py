"""Catalogue pages: product types, products, suppliers, framework contracts and their lines.

Everyone logged in may browse; only procurement officers create and edit. The views load,
call a service, then flash and redirect (or show the form again with the refusal).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from depot.catalogue import contract_services, services
from depot.catalogue.forms import (
    BREAK_ROWS_MAX,
    MEASUREMENT_LABELS,
    ConfirmForm,
    ContractFilterForm,
    ContractForm,
    ContractLineForm,
    ProductFilterForm,
    ProductForm,
    ProductTypeFilterForm,
    ProductTypeForm,
    SupplierFilterForm,
    SupplierForm,
    measurement_unit,
)
from depot.catalogue.models import (
    MEASUREMENTS,
    Contract,
    ContractLine,
    Product,
    ProductType,
    Supplier,
)
from depot.errors import DomainError
from depot.extensions import db
from depot.web.i18n import current_language, local_today
from depot.web.lists import flash_ignored_filters, paginate
from depot.web.security import roles_required

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")

EDITORS = ("procurement",)
# Ids in URLs: positive and within a 32-bit integer column, so lookups can't overflow.
ID = "int(min=1, max=2147483647)"


@bp.context_processor
def catalogue_helpers():
    return {
        "can_edit": current_user.is_authenticated and current_user.has_role(*EDITORS),
        "measurement_labels": MEASUREMENT_LABELS,
        "measurement_unit": measurement_unit,
        "today": local_today(),
    }


def _refused(form, exc: DomainError) -> int:
    """Show a service's refusal on the form (on its field if known); returns the status."""
    field = getattr(exc, "field", None)
    if field and field in form:
        form[field].errors.append(exc.message)
    else:
        form.form_errors.append(exc.message)
    return exc.status_code


def _type_choices(blank=None) -> list:
    lang = current_language()
    choices = [("", blank)] if blank is not None else [("", "—")]
    return choices + [
        (pt.id, f"{pt.iso_code} ({pt.iso_edition}) {pt.title(lang)}")
        for pt in services.all_product_types()
    ]


def _supplier_choices(blank=None, include_id: int | None = None) -> list:
    choices = [("", blank)] if blank is not None else [("", "—")]
    return choices + [(s.id, s.name) for s in services.all_suppliers(include_id=include_id)]


# --- product types --------------------------------------------------------------------------


@bp.route("/types")
def product_types():
    form = ProductTypeFilterForm(request.args)
    filters = form.valid_data()
    flash_ignored_filters(form)
    pagination = paginate(services.product_type_query(search=filters["q"]))
    counts = services.counts_by(Product.product_type_id, (pt.id for pt in pagination.items))
    return render_template(
        "catalogue/product_types.html", form=form, pagination=pagination, counts=counts
    )


@bp.route("/types/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def product_type_new():
    form = ProductTypeForm()
    status = 200
    if form.validate_on_submit():
        try:
            product_type = services.create_product_type(
                iso_code=form.iso_code.data,
                iso_edition=form.iso_edition.data,
                title_da=form.title_da.data,
                title_en=form.title_en.data,
                reusable=form.reusable.data,
                measurement_fields=form.measurement_fields.data,
                daily_rate=form.daily_rate.data,
                volume_m3=form.volume_m3.data,
                handling_factor=form.handling_factor.data,
            )
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(_("Product type %(code)s created.", code=product_type.iso_code), "success")
            return redirect(url_for(".product_types"))
    return render_template(
        "catalogue/form.html",
        form=form,
        title=_("New product type"),
        cancel_url=url_for(".product_types"),
        testid="product-type-form",
    ), status


@bp.route(f"/types/<{ID}:type_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def product_type_edit(type_id: int):
    product_type = db.get_or_404(ProductType, type_id)
    form = ProductTypeForm(obj=product_type)
    if request.method == "GET":
        form.measurement_fields.data = product_type.measurement_list
    status = 200
    if form.validate_on_submit():
        try:
            services.update_product_type(
                product_type=product_type,
                iso_code=form.iso_code.data,
                iso_edition=form.iso_edition.data,
                title_da=form.title_da.data,
                title_en=form.title_en.data,
                reusable=form.reusable.data,
                measurement_fields=form.measurement_fields.data,
                daily_rate=form.daily_rate.data,
                volume_m3=form.volume_m3.data,
                handling_factor=form.handling_factor.data,
            )
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(_("Product type %(code)s saved.", code=product_type.iso_code), "success")
            return redirect(url_for(".product_types"))
    return render_template(
        "catalogue/form.html",
        form=form,
        title=_("Edit product type %(code)s", code=product_type.iso_code),
        cancel_url=url_for(".product_types"),
        testid="product-type-form",
    ), status


# --- products -------------------------------------------------------------------------------


@bp.route("/products")
def products():
    form = ProductFilterForm(request.args)
    form.type.choices = _type_choices(blank=_("All types"))
    form.supplier.choices = _supplier_choices(blank=_("All suppliers"))
    filters = form.valid_data()
    flash_ignored_filters(form)
    stmt = services.product_query(
        search=filters["q"],
        product_type_id=filters["type"],
        supplier_id=filters["supplier"],
        reusable={"reusable": True, "consumable": False}.get(filters["kind"]),
        active={"active": True, "inactive": False}.get(filters["status"]),
        sort=filters["sort"],
    )
    return render_template("catalogue/products.html", form=form, pagination=paginate(stmt))


@bp.route(f"/products/<{ID}:product_id>")
def product(product_id: int):
    product = db.get_or_404(Product, product_id)
    lines = contract_services.lines_offering(product_id=product.id)
    shown = [
        m
        for m in MEASUREMENTS
        if getattr(product, m) is not None or m in product.product_type.measurement_list
    ]
    return render_template(
        "catalogue/product.html",
        product=product,
        lines=lines,
        shown_measurements=shown,
        confirm_form=ConfirmForm(),
    )


def _product_form(product: Product | None) -> ProductForm:
    form = ProductForm(obj=product)
    form.product_type_id.choices = _type_choices()
    form.supplier_id.choices = _supplier_choices(
        include_id=product.supplier_id if product else None
    )
    return form


def _product_values(form: ProductForm) -> dict:
    return {
        "name": form.name.data,
        "hmi_number": form.hmi_number.data,
        "product_type_id": form.product_type_id.data,
        "supplier_id": form.supplier_id.data,
        "reusable": form.reusable.data,
        "list_price": form.list_price.data,
        "description": form.description.data,
        "measurements": form.measurements(),
    }


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def product_new():
    form = _product_form(None)
    status = 200
    if form.validate_on_submit():
        try:
            product = services.create_product(**_product_values(form))
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(_("Product %(name)s created.", name=product.name), "success")
            return redirect(url_for(".product", product_id=product.id))
    return render_template("catalogue/product_form.html", form=form, product=None), status


@bp.route(f"/products/<{ID}:product_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def product_edit(product_id: int):
    product = db.get_or_404(Product, product_id)
    form = _product_form(product)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_product(product=product, **_product_values(form))
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(_("Product %(name)s saved.", name=product.name), "success")
            return redirect(url_for(".product", product_id=product.id))
    return render_template("catalogue/product_form.html", form=form, product=product), status


@bp.route(f"/products/<{ID}:product_id>/deactivate", methods=["POST"])
@roles_required(*EDITORS)
def product_deactivate(product_id: int):
    product = db.get_or_404(Product, product_id)
    if ConfirmForm().validate_on_submit():
        services.set_product_active(product=product, active=False)
        flash(
            _("Product %(name)s deactivated. It stays in the history.", name=product.name),
            "success",
        )
    return redirect(url_for(".product", product_id=product.id))


@bp.route(f"/products/<{ID}:product_id>/reactivate", methods=["POST"])
@roles_required(*EDITORS)
def product_reactivate(product_id: int):
    product = db.get_or_404(Product, product_id)
    if ConfirmForm().validate_on_submit():
        services.set_product_active(product=product, active=True)
        flash(_("Product %(name)s is active again.", name=product.name), "success")
    return redirect(url_for(".product", product_id=product.id))


# --- suppliers ------------------------------------------------------------------------------


@bp.route("/suppliers")
def suppliers():
    form = SupplierFilterForm(request.args)
    filters = form.valid_data()
    flash_ignored_filters(form)
    pagination = paginate(services.supplier_query(search=filters["q"]))
    ids = [s.id for s in pagination.items]
    return render_template(
        "catalogue/suppliers.html",
        form=form,
        pagination=pagination,
        product_counts=services.counts_by(Product.supplier_id, ids),
        contract_counts=services.counts_by(Contract.supplier_id, ids),
    )


@bp.route(f"/suppliers/<{ID}:supplier_id>")
def supplier(supplier_id: int):
    supplier = db.get_or_404(Supplier, supplier_id)
    contracts = db.session.scalars(contract_services.contract_query(supplier_id=supplier.id)).all()
    products = paginate(services.product_query(supplier_id=supplier.id, active=None))
    return render_template(
        "catalogue/supplier.html", supplier=supplier, contracts=contracts, pagination=products
    )


def _supplier_values(form: SupplierForm) -> dict:
    return {
        "name": form.name.data,
        "cvr": form.cvr.data,
        "email": form.email.data,
        "phone": form.phone.data,
        "order_cost": form.order_cost.data,
    }


@bp.route("/suppliers/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def supplier_new():
    form = SupplierForm()
    del form.active  # a new supplier is active
    status = 200
    if form.validate_on_submit():
        try:
            supplier = services.create_supplier(**_supplier_values(form))
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(_("Supplier %(name)s created.", name=supplier.name), "success")
            return redirect(url_for(".supplier", supplier_id=supplier.id))
    return render_template(
        "catalogue/form.html",
        form=form,
        title=_("New supplier"),
        cancel_url=url_for(".suppliers"),
        testid="supplier-form",
    ), status


@bp.route(f"/suppliers/<{ID}:supplier_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def supplier_edit(supplier_id: int):
    supplier = db.get_or_404(Supplier, supplier_id)
    form = SupplierForm(obj=supplier)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_supplier(
                supplier=supplier, active=form.active.data, **_supplier_values(form)
            )
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(_("Supplier %(name)s saved.", name=supplier.name), "success")
            return redirect(url_for(".supplier", supplier_id=supplier.id))
    return render_template(
        "catalogue/form.html",
        form=form,
        title=_("Edit supplier %(name)s", name=supplier.name),
        cancel_url=url_for(".supplier", supplier_id=supplier.id),
        testid="supplier-form",
    ), status


# --- contracts ------------------------------------------------------------------------------


@bp.route("/contracts")
def contracts():
    form = ContractFilterForm(request.args)
    form.supplier.choices = _supplier_choices(blank=_("All suppliers"))
    filters = form.valid_data()
    flash_ignored_filters(form)
    stmt = contract_services.contract_query(
        search=filters["q"],
        supplier_id=filters["supplier"],
        valid_on=local_today() if filters["valid_today"] else None,
    )
    pagination = paginate(stmt)
    line_counts = services.counts_by(ContractLine.contract_id, (c.id for c in pagination.items))
    return render_template(
        "catalogue/contracts.html", form=form, pagination=pagination, line_counts=line_counts
    )


@bp.route(f"/contracts/<{ID}:contract_id>")
def contract(contract_id: int):
    contract = db.get_or_404(
        Contract, contract_id, options=contract_services.contract_detail_options()
    )
    return render_template("catalogue/contract.html", contract=contract)


def _contract_form(contract: Contract | None) -> ContractForm:
    form = ContractForm(obj=contract)
    form.supplier_id.choices = _supplier_choices(
        include_id=contract.supplier_id if contract else None
    )
    return form


def _contract_values(form: ContractForm) -> dict:
    return {
        "reference": form.reference.data,
        "title": form.title.data,
        "supplier_id": form.supplier_id.data,
        "valid_from": form.valid_from.data,
        "valid_to": form.valid_to.data,
        "notes": form.notes.data,
    }


@bp.route("/contracts/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def contract_new():
    form = _contract_form(None)
    status = 200
    if form.validate_on_submit():
        try:
            contract = contract_services.create_contract(**_contract_values(form))
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(
                _("Contract %(ref)s created. Add its lines now.", ref=contract.reference), "success"
            )
            return redirect(url_for(".contract", contract_id=contract.id))
    return render_template(
        "catalogue/form.html",
        form=form,
        title=_("New framework contract"),
        cancel_url=url_for(".contracts"),
        testid="contract-form",
    ), status


@bp.route(f"/contracts/<{ID}:contract_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def contract_edit(contract_id: int):
    contract = db.get_or_404(Contract, contract_id)
    form = _contract_form(contract)
    status = 200
    if form.validate_on_submit():
        try:
            contract_services.update_contract(contract=contract, **_contract_values(form))
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(_("Contract %(ref)s saved.", ref=contract.reference), "success")
            return redirect(url_for(".contract", contract_id=contract.id))
    return render_template(
        "catalogue/form.html",
        form=form,
        title=_("Edit contract %(ref)s", ref=contract.reference),
        cancel_url=url_for(".contract", contract_id=contract.id),
        testid="contract-form",
    ), status


def _line_of(contract_id: int, line_id: int) -> ContractLine:
    line = db.get_or_404(ContractLine, line_id)
    if line.contract_id != contract_id:
        abort(404)
    return line


def _line_form(contract: Contract, line: ContractLine | None) -> ContractLineForm:
    if line is not None and request.method == "GET":
        rows = [{"min_qty": br.min_qty, "unit_price": br.unit_price} for br in line.price_breaks]
        form = ContractLineForm(obj=line, breaks=rows)
        while len(form.breaks) < min(len(rows) + 2, BREAK_ROWS_MAX):
            form.breaks.append_entry()
    else:
        form = ContractLineForm(obj=line)
    # The contract's supplier's products first, then the others.
    own, others = [], []
    for p in services.product_choices(include_id=line.product_id if line else None):
        label = f"{p.name} · {p.hmi_number}" if p.hmi_number else p.name
        (own if p.supplier_id == contract.supplier_id else others).append(
            (p.id, f"{label} · {p.supplier.name}")
        )
    form.product_id.choices = {
        "": [("", "—")],
        _("Products of %(supplier)s", supplier=contract.supplier.name): own,
        _("Products of other suppliers"): others,
    }
    return form


def _line_values(form: ContractLineForm) -> dict:
    return {
        "product_id": form.product_id.data,
        "pack_size": form.pack_size.data,
        "moq": form.moq.data,
        "lead_time_days": form.lead_time_days.data,
        "breaks": form.price_breaks(),
    }


@bp.route(f"/contracts/<{ID}:contract_id>/lines/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def line_new(contract_id: int):
    contract = db.get_or_404(Contract, contract_id)
    form = _line_form(contract, None)
    status = 200
    if form.validate_on_submit():
        try:
            line = contract_services.add_contract_line(contract=contract, **_line_values(form))
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(_("%(product)s added to the contract.", product=line.product.name), "success")
            return redirect(url_for(".contract", contract_id=contract.id))
    return render_template(
        "catalogue/line_form.html", form=form, contract=contract, line=None
    ), status


@bp.route(f"/contracts/<{ID}:contract_id>/lines/<{ID}:line_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def line_edit(contract_id: int, line_id: int):
    line = _line_of(contract_id, line_id)
    contract = line.contract
    form = _line_form(contract, line)
    status = 200
    if form.validate_on_submit():
        try:
            contract_services.update_contract_line(line=line, **_line_values(form))
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash(_("The contract line is saved."), "success")
            return redirect(url_for(".contract", contract_id=contract.id))
    return render_template(
        "catalogue/line_form.html",
        form=form,
        contract=contract,
        line=line,
        confirm_form=ConfirmForm(),
    ), status


@bp.route(f"/contracts/<{ID}:contract_id>/lines/<{ID}:line_id>/remove", methods=["POST"])
@roles_required(*EDITORS)
def line_remove(contract_id: int, line_id: int):
    line = _line_of(contract_id, line_id)
    if ConfirmForm().validate_on_submit():
        name = line.product.name
        contract_services.remove_contract_line(line=line)
        flash(_("%(product)s removed from the contract.", product=name), "success")
    return redirect(url_for(".contract", contract_id=contract_id))
