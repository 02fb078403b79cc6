"""The front page, the language switch and the health check."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import func, select, text

from depot.auth.forms import LogoutForm
from depot.catalogue.models import Contract, Product, Supplier
from depot.extensions import db
from depot.organisations.models import Depot, Organisation
from depot.web.dashboard import depot_counts, therapist_counts
from depot.web.forms import AppForm
from depot.web.i18n import local_today
from depot.web.security import public

bp = Blueprint("web", __name__)


@bp.app_context_processor
def inject_forms():
    return {"logout_form": LogoutForm(), "language_form": AppForm()}


@bp.route("/")
def index():
    counts = {
        "organisations": db.session.scalar(select(func.count(Organisation.id))),
        "depots": db.session.scalar(select(func.count(Depot.id))),
        "products": db.session.scalar(select(func.count(Product.id)).where(Product.active)),
        "suppliers": db.session.scalar(select(func.count(Supplier.id))),
        "contracts": db.session.scalar(select(func.count(Contract.id))),
    }
    work = {}
    if current_user.role == "therapist":
        work = therapist_counts(user=current_user)
    elif current_user.role == "depot_staff":
        work = depot_counts(user=current_user, today=local_today())
    return render_template("web/index.html", counts=counts, work=work)


@bp.route("/language/<lang>", methods=["POST"])
@public
def set_language(lang: str):
    if AppForm().validate_on_submit() and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    referrer = request.referrer or ""
    host = request.host_url
    return redirect(referrer if referrer.startswith(host) else "/")


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
