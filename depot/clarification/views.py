"""The clarification catalogue pages: rules per ISO 9999 code, CSV import and export."""

from flask import Blueprint

bp = Blueprint("clarification", __name__, url_prefix="/clarification")
