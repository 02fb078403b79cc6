"""Login and logout."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from depot.auth import services
from depot.auth.forms import LoginForm, LogoutForm, OwnPasswordForm
from depot.errors import DomainError
from depot.extensions import db, limiter
from depot.web.security import public

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("web.index")


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = LoginForm()
    error = None
    if request.args.get("expired"):
        error = _("Your session ended after inactivity. Log in again.")
    if form.validate_on_submit():
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data)
        except services.LoginRefused as refused:
            db.session.commit()  # keep the failure count even though we show an error
            error = str(refused.message)
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session at login: no fixation
            if lang:
                session["lang"] = lang
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    if LogoutForm().validate_on_submit():
        lang = session.get("lang")
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
def account():
    form = OwnPasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(
                user=current_user,
                current_password=form.current.data,
                new_password=form.password.data,
            )
        except DomainError as exc:
            form.current.errors.append(str(exc.message))
        else:
            # The new session version ends other sessions; keep this one.
            login_user(current_user._get_current_object())
            flash(_("Your password is changed."), "success")
            return redirect(url_for(".account"))
    return render_template("auth/account.html", form=form)
