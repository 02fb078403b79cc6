"""Access control: login by default, roles per view, idle timeout, security headers."""

from functools import wraps
from time import time

from flask import abort, current_app, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

# Endpoints reachable without a session; everything else requires login.
PUBLIC_ENDPOINTS = {"static", "bootstrap.static"}


def public(view):
    """Mark a view as reachable without login."""
    view.is_public = True
    return view


def unauthorized():
    """Anonymous: the login page for the web UI, a 401 JSON answer for the API."""
    if request.blueprint == "api":
        message = _("Log in first: the API uses the session of a logged-in user.")
        return jsonify(error=message, status=401), 401
    return current_app.login_manager.unauthorized()


def roles_required(*roles: str):
    """Allow the view only for users with one of the given roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def require_login():
    """before_request: refuse anonymous access and end sessions idle for too long."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404/405 are answered by Flask itself
    view = current_app.view_functions.get(endpoint)
    if endpoint in PUBLIC_ENDPOINTS or getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        return unauthorized()
    now = time()
    seen = session.get("seen", now)
    if now - seen > current_app.config["SESSION_IDLE_TIMEOUT"]:
        logout_user()
        session.clear()
        return redirect(url_for("auth.login", expired=1))
    session["seen"] = now
    session.permanent = True
    return None


def add_security_headers(response):
    """after_request: headers that keep the pages out of frames and sniffers."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'",
    )
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
