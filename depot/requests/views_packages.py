"""Administration of basic packages: named sets of product types a therapist requests in one
step. Every admin sees the list; only cluster admins (the region's) create and edit them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from depot.errors import DomainError
from depot.extensions import db
from depot.organisations.services import is_cluster_admin
from depot.requests import packages as services
from depot.requests import queries
from depot.requests.forms import PackageForm
from depot.requests.models import BasicPackage
from depot.web.security import roles_required

bp = Blueprint("packages", __name__, url_prefix="/admin/packages")

ID = "int(min=1, max=2147483647)"
BLANK_ROWS = 3  # empty rows offered for more product types (no JavaScript needed)


def _require_cluster_admin() -> None:
    if not is_cluster_admin(current_user):
        abort(403)


@bp.route("/")
@roles_required("admin")
def packages():
    rows = db.session.scalars(queries.package_query()).all()
    return render_template(
        "packages/packages.html", packages=rows, can_edit=is_cluster_admin(current_user)
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new():
    _require_cluster_admin()
    return _package_form(None)


@bp.route(f"/<{ID}:package_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit(package_id: int):
    _require_cluster_admin()
    return _package_form(db.get_or_404(BasicPackage, package_id))


def _package_form(package: BasicPackage | None):
    form = PackageForm(obj=package)
    blanks = sum(1 for entry in form.lines if entry.form.is_blank())
    while blanks < BLANK_ROWS and len(form.lines) < services.MAX_PACKAGE_LINES:
        form.lines.append_entry()
        blanks += 1
    form.set_choices(queries.requestable_types())
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_package(
                package=package,
                name=form.name.data,
                description=form.description.data or None,
                active=form.active.data,
                lines=form.line_values(),
            )
        except DomainError as exc:
            field = getattr(exc, "field", None)
            if field in ("name", "description"):
                form[field].errors.append(exc.message)
            else:
                form.form_errors.append(exc.message)
            status = exc.status_code
        else:
            flash(_("Basic package %(name)s is saved.", name=saved.name), "success")
            return redirect(url_for(".packages"))
    return render_template("packages/form.html", form=form, package=package), status
