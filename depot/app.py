"""The composition root: `create_app` builds the app, binds extensions, registers blueprints."""

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from depot.config import PROJECT_ROOT, from_environment
from depot.errors import DomainError
from depot.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app; `config` overrides settings read from the environment."""
    app = Flask(
        "depot",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(from_environment())
    if config:
        app.config.update(config)

    import depot.models  # noqa: F401  (every table in the metadata before Alembic looks)

    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_error_handlers(app)

    from depot.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from depot.auth.services import load_user_from_session_id
    from depot.web.i18n import register_filters, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "depot" / "translations"),
    )
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says it itself
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user_from_session_id)
    register_filters(app)


def _register_blueprints(app: Flask) -> None:
    from api.views import bp as api_bp
    from depot.auth.views import bp as auth_bp
    from depot.catalogue.views import bp as catalogue_bp
    from depot.citizens.views import bp as citizens_bp
    from depot.clarification.views import bp as clarification_bp
    from depot.deliveries.views import bp as deliveries_bp
    from depot.deviations.views import bp as deviations_bp
    from depot.distribution.views import bp as distribution_bp
    from depot.distribution.views_transfers import bp as transfer_orders_bp
    from depot.handovers.views import bp as handovers_bp
    from depot.handovers.views_export import bp as handover_exports_bp
    from depot.items.views import bp as items_bp
    from depot.loans.views import bp as loans_bp
    from depot.loans.views_settlement import bp as settlement_bp
    from depot.organisations.views import bp as organisations_bp
    from depot.overview.views import bp as overview_bp
    from depot.purchasing.views import bp as purchasing_bp
    from depot.purchasing.views_orders import bp as purchase_orders_bp
    from depot.requests.views import bp as requests_bp
    from depot.requests.views_packages import bp as packages_bp
    from depot.requests.views_queue import bp as queue_bp
    from depot.stock.views import bp as stock_bp
    from depot.users.views import bp as users_bp
    from depot.web.views import bp as web_bp

    for blueprint in (
        web_bp,
        auth_bp,
        organisations_bp,
        users_bp,
        catalogue_bp,
        items_bp,
        stock_bp,
        overview_bp,
        citizens_bp,
        requests_bp,
        packages_bp,
        queue_bp,
        deliveries_bp,
        loans_bp,
        settlement_bp,
        handovers_bp,
        handover_exports_bp,
        clarification_bp,
        deviations_bp,
        purchasing_bp,
        purchase_orders_bp,
        distribution_bp,
        transfer_orders_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)


def _register_request_hooks(app: Flask) -> None:
    from depot.citizens.access_log import keep_after_rollback
    from depot.web.security import add_security_headers, require_login

    app.before_request(require_login)

    @app.after_request
    def finish_transaction(response):
        """One transaction per request: commit on success, roll back otherwise."""
        if response.status_code >= 400:
            db.session.rollback()
            keep_after_rollback()
            return response
        try:
            db.session.commit()
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            keep_after_rollback()
            return _error_response(409, _("The change clashes with data saved meanwhile."))
        g.pop("access_log_entries", None)
        return response

    app.after_request(add_security_headers)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _error_response(status: int, message: str):
    if _wants_json():
        return jsonify(error=message, status=status), status
    return render_template("errors/error.html", status=status, message=message), status


def _register_error_handlers(app: Flask) -> None:
    messages = {
        400: lambda: _("The request could not be understood."),
        403: lambda: _("You do not have access to this page."),
        404: lambda: _("The page or record was not found."),
        405: lambda: _("That action is not allowed here."),
        409: lambda: _("The change clashes with data saved meanwhile."),
        413: lambda: _("The upload is too large."),
        429: lambda: _("Too many attempts. Try again later."),
    }

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        return _error_response(exc.status_code, str(exc.message))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error_response(400, _("The form has expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        code = exc.code or 500
        message = messages.get(code, lambda: exc.description)()
        return _error_response(code, message)

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)  # an optimistic lock lost: someone saved meanwhile
    def integrity_error(exc):
        db.session.rollback()
        return _error_response(409, messages[409]())

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        db.session.rollback()
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return _error_response(503, _("The database is busy or unreachable. Try again shortly."))

    @app.errorhandler(Exception)
    def unexpected(exc):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.endpoint)
        return _error_response(500, _("Something went wrong. The error has been logged."))
