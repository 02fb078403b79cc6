"""Handover pages: inbox, write and send, read and acknowledge, needs to requests."""

from flask import Blueprint

bp = Blueprint("handovers", __name__, url_prefix="/handovers")
