"""Login and logout."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from depot.auth import services
from depot.auth.forms import LoginForm, LogoutForm
from depot.extensions import db
from depot.web.security import public

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("web.index")


@bp.route("/login", methods=["GET", "POST"])
@public
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
