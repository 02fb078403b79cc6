"""The access log of citizens' personal data (DESIGN §6)."""

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
    return entry
