"""Deviation case pages: the coordinators' list, the case workflow, quarterly statistics."""

from flask import Blueprint

bp = Blueprint("deviations", __name__, url_prefix="/deviations")
