"""API routes under /api/v1: load → service → dump."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
