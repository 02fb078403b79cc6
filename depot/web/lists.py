"""Helpers shared by the list pages: safe pagination and the note about ignored filters."""

from flask import current_app, flash, request
from flask_babel import gettext as _

from depot.extensions import db

MAX_PAGE = 100_000


def page_number(name: str = "page") -> int:
    """The requested page; anything but a sane positive number means page 1."""
    raw = request.args.get(name, "1")
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    return 1


def paginate(stmt, page_arg: str = "page"):
    """One page of the statement's rows, PAGE_SIZE long."""
    return db.paginate(
        stmt,
        page=page_number(page_arg),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
        max_per_page=None,
    )


def flash_ignored_filters(form) -> None:
    """Say so when a filter form dropped values it did not understand."""
    if form.has_ignored:
        flash(_("Some search criteria were not understood and have been ignored."), "warning")
