"""Order numbers like IO-2026-00001: the year's next free number, safe under concurrency.

On PostgreSQL an advisory lock per kind and year serialises the writers (otherwise concurrent
accepts read the same last number and queue on the unique index); SQLite lets one writer in at
a time. The insert runs in a savepoint, and a number taken meanwhile is read again.
"""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from depot.errors import Conflict
from depot.extensions import db

ATTEMPTS = 25


def last_number(model, prefix: str) -> int:
    """The highest number after `prefix` in `model.number` (0 when there is none)."""
    last = db.session.scalar(
        select(model.number)
        .where(model.number.like(f"{prefix}%"))
        .order_by(func.length(model.number).desc(), model.number.desc())
        .limit(1)
    )
    tail = last[len(prefix) :] if last else ""
    return int(tail) if tail.isascii() and tail.isdigit() else 0


def serialise(lock: int, key: int = 0) -> None:
    """On PostgreSQL, take the advisory lock (lock, key) until the transaction ends; SQLite
    lets one writer in at a time anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(lock, key)))


def insert_numbered(model, *, code: str, year: int, lock: int, fields: dict, refused: str):
    """Add `model(number=…, **fields)` with the year's next free number and flush it."""
    prefix = f"{code}-{year}-"
    serialise(lock, year)
    for _attempt in range(ATTEMPTS):
        number = f"{prefix}{last_number(model, prefix) + 1:05d}"
        row = model(number=number, **fields)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            # The savepoint is rolled back and the row dropped; if a racer took the number,
            # read the last number again.
            if not db.session.scalar(select(exists().where(model.number == number))):
                raise
            continue
        return row
    raise Conflict(refused)
