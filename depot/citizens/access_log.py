"""The access log of citizens' personal data (DESIGN §6)."""

import logging

from flask import g, has_request_context
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from depot.auth.models import User
from depot.citizens.models import AccessLogEntry
from depot.extensions import db
from depot.organisations.models import utcnow


def log_access(
    *, user: User | None, action: str, citizen_id: int | None = None, criterion: str | None = None
) -> AccessLogEntry:
    """Record that a user read, searched, changed or exported a citizen's data."""
    entry = AccessLogEntry(
        at=utcnow(),
        user_id=user.id if user else None,
        action=action,
        citizen_id=citizen_id,
        criterion=(criterion or None) and criterion[:200],
    )
    db.session.add(entry)
    db.session.flush()
    if has_request_context():
        g.setdefault("access_log_entries", []).append(entry)
    return entry


def keep_after_rollback() -> None:
    """Write again the rows of a request whose transaction was rolled back.

    A refused or failed request may still have shown personal data (a 409 page with the
    citizen's name, a denied lookup): its access-log rows must survive the rollback.
    """
    entries = g.pop("access_log_entries", []) if has_request_context() else []
    lost = [e for e in entries if inspect(e).transient]
    if not lost:
        return
    for e in lost:
        db.session.add(
            AccessLogEntry(
                at=e.at,
                user_id=e.user_id,
                action=e.action,
                citizen_id=e.citizen_id,
                criterion=e.criterion,
            )
        )
    try:
        db.session.commit()
    except SQLAlchemyError:  # e.g. a citizen created in the rolled-back transaction
        db.session.rollback()
        logging.getLogger(__name__).warning("access-log rows of a failed request were lost")
