"""Administration of user accounts: a municipality's admins manage their own staff."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from depot.auth import services as auth_services
from depot.auth.models import User
from depot.errors import DomainError
from depot.extensions import db
from depot.organisations.models import Organisation
from depot.organisations.services import can_manage_organisation, is_cluster_admin
from depot.users.forms import ActionForm, NewUserForm, PasswordForm, UserFilterForm, UserForm
from depot.web.security import roles_required

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _manageable_organisations() -> list[Organisation]:
    if is_cluster_admin(current_user):
        return list(
            db.session.scalars(
                select(Organisation).order_by(Organisation.kind.desc(), Organisation.name)
            )
        )
    return [current_user.organisation]


def _load_manageable_user(user_id: int) -> User:
    """Another tenant's staff are not found (404), not merely forbidden."""
    user = db.get_or_404(User, user_id)
    if not can_manage_organisation(current_user, user.organisation):
        abort(404)
    return user


@bp.route("")
@roles_required("admin")
def users():
    organisations = _manageable_organisations()
    form = UserFilterForm(request.args)
    form.organisation_id.choices = [(0, _("All organisations"))] + [
        (o.id, o.name) for o in organisations
    ]
    query = (
        select(User)
        .options(selectinload(User.organisation))
        .where(User.organisation_id.in_([o.id for o in organisations]))
    )
    if form.validate():
        if form.q.data:
            pattern = f"%{form.q.data.strip().lower()}%"
            query = query.where(
                or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern))
            )
        if form.role.data:
            query = query.where(User.role == form.role.data)
        if form.organisation_id.data:
            query = query.where(User.organisation_id == form.organisation_id.data)
    page = db.paginate(
        query.order_by(User.name, User.id),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("users/users.html", page=page, form=form)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    form = NewUserForm()
    form.organisation_id.choices = [(o.id, o.name) for o in _manageable_organisations()]
    if request.method == "GET":
        form.organisation_id.data = current_user.organisation_id
    if form.validate_on_submit():
        try:
            user = auth_services.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                role=form.role.data,
                organisation_id=form.organisation_id.data,
                active=form.active.data,
            )
        except DomainError as exc:
            form.email.errors.append(str(exc.message))
        else:
            flash(_("%(name)s is created.", name=user.name), "success")
            return redirect(url_for(".user_edit", user_id=user.id))
    return render_template("users/user_form.html", form=form, user=None)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    user = _load_manageable_user(user_id)
    form = UserForm(obj=user)
    form.organisation_id.choices = [(o.id, o.name) for o in _manageable_organisations()]
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != "admin"):
            form.active.errors.append(
                _("You cannot deactivate yourself or remove your own administrator role.")
            )
        else:
            try:
                auth_services.update_user(
                    user=user,
                    name=form.name.data,
                    email=form.email.data,
                    role=form.role.data,
                    organisation_id=form.organisation_id.data,
                    active=form.active.data,
                )
            except DomainError as exc:
                form.email.errors.append(str(exc.message))
            else:
                flash(_("%(name)s is saved.", name=user.name), "success")
                return redirect(url_for(".user_edit", user_id=user.id))
    return render_template(
        "users/user_form.html",
        form=form,
        user=user,
        password_form=PasswordForm(formdata=None),
        action_form=ActionForm(),
    )


@bp.route("/<int:user_id>/password", methods=["POST"])
@roles_required("admin")
def user_password(user_id: int):
    user = _load_manageable_user(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        auth_services.set_password(user=user, password=form.password.data)
        flash(_("The password of %(name)s is changed.", name=user.name), "success")
        return redirect(url_for(".user_edit", user_id=user.id))
    user_form = UserForm(obj=user, formdata=None)
    user_form.organisation_id.choices = [(o.id, o.name) for o in _manageable_organisations()]
    return render_template(
        "users/user_form.html",
        form=user_form,
        user=user,
        password_form=form,
        action_form=ActionForm(),
    )


@bp.route("/<int:user_id>/unlock", methods=["POST"])
@roles_required("admin")
def user_unlock(user_id: int):
    user = _load_manageable_user(user_id)
    if ActionForm().validate_on_submit():
        auth_services.unlock_user(user=user)
        flash(_("%(name)s is unlocked.", name=user.name), "success")
    return redirect(url_for(".user_edit", user_id=user.id))
