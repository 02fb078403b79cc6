"""Administration of organisations and depots."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from depot.errors import DomainError
from depot.extensions import db
from depot.organisations import services
from depot.organisations.forms import DepotForm, OrganisationForm
from depot.organisations.models import Depot, DepotShare, Organisation
from depot.web.security import roles_required

bp = Blueprint("organisations", __name__, url_prefix="/admin")


@bp.route("/organisations")
@roles_required("admin")
def organisations():
    rows = services.organisation_choices()
    return render_template(
        "organisations/organisations.html",
        organisations=rows,
        can_manage=services.can_manage_organisation,
        can_create=services.is_cluster_admin(current_user),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles_required("admin")
def organisation_new():
    if not services.is_cluster_admin(current_user):
        abort(403)
    return _organisation_form(None)


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def organisation_edit(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    if not services.can_manage_organisation(current_user, organisation):
        abort(403)
    return _organisation_form(organisation)


def _organisation_form(organisation: Organisation | None):
    form = OrganisationForm(obj=organisation)
    if not services.is_cluster_admin(current_user):
        # A municipality's admin keeps its kind; only the cluster admin changes it.
        form.kind.choices = [c for c in form.kind.choices if c[0] == organisation.kind]
    if form.validate_on_submit():
        try:
            saved = services.save_organisation(
                organisation=organisation,
                name=form.name.data,
                kind=form.kind.data,
                town=form.town.data or None,
                population=form.population.data,
                latitude=form.latitude.data,
                longitude=form.longitude.data,
                active=form.active.data,
            )
        except DomainError as exc:
            form.name.errors.append(str(exc.message))
        else:
            flash(_("%(name)s is saved.", name=saved.name), "success")
            return redirect(url_for(".organisations"))
    return render_template(
        "organisations/organisation_form.html", form=form, organisation=organisation
    )


@bp.route("/depots")
@roles_required("admin")
def depots():
    rows = db.session.scalars(
        select(Depot)
        .options(
            selectinload(Depot.owner),
            selectinload(Depot.shares).selectinload(DepotShare.organisation),
        )
        .order_by(Depot.owner_id.is_not(None), Depot.name)
    )
    return render_template(
        "organisations/depots.html", depots=list(rows), can_manage=services.can_manage_depot
    )


@bp.route("/depots/<int:depot_id>")
@roles_required("admin")
def depot_detail(depot_id: int):
    depot = db.get_or_404(Depot, depot_id)
    return render_template(
        "organisations/depot_detail.html",
        depot=depot,
        can_manage=services.can_manage_depot(current_user, depot),
    )


@bp.route("/depots/new", methods=["GET", "POST"])
@roles_required("admin")
def depot_new():
    return _depot_form(None)


@bp.route("/depots/<int:depot_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def depot_edit(depot_id: int):
    depot = db.get_or_404(Depot, depot_id)
    if not services.can_manage_depot(current_user, depot):
        abort(403)
    return _depot_form(depot)


def _depot_form(depot: Depot | None):
    form = DepotForm(obj=depot)
    if depot is not None and form.owner_id.data is None:
        form.owner_id.data = depot.owner_id or 0
    all_organisations = services.organisation_choices()
    cluster_admin = services.is_cluster_admin(current_user)
    owners = all_organisations if cluster_admin else [current_user.organisation]
    form.set_choices(all_organisations, owners)
    if not cluster_admin:
        form.owner_id.choices = [c for c in form.owner_id.choices if c[0] != 0]
    if form.validate_on_submit():
        try:
            saved = services.save_depot(
                depot=depot,
                name=form.name.data,
                address=form.address.data,
                postcode=form.postcode.data or None,
                town=form.town.data or None,
                latitude=form.latitude.data,
                longitude=form.longitude.data,
                capacity_m3=form.capacity_m3.data,
                opening_hours=form.opening_hours.data or None,
                owner_id=form.owner_id.data or None,
                shares=form.share_rows() if not form.owner_id.data else [],
                active=form.active.data,
            )
        except DomainError as exc:
            form.form_errors.append(str(exc.message))
        else:
            flash(_("%(name)s is saved.", name=saved.name), "success")
            return redirect(url_for(".depot_detail", depot_id=saved.id))
    return render_template("organisations/depot_form.html", form=form, depot=depot)
