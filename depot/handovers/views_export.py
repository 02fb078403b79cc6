"""Handover exports: the PDF and the FHIR R4 Bundle, each read written to the access log."""

from flask import Blueprint

bp = Blueprint("handover_exports", __name__, url_prefix="/handovers")
