"""Fast inserts of many generated rows, with explicit ids, inside the session's transaction.

PostgreSQL gets the rows through COPY (psycopg's `cursor.copy`), other databases through an
executemany of a Core insert. Rows carry explicit ids (they reference each other before they
exist), so PostgreSQL's id sequences are moved past them afterwards: later inserts through
the services then get fresh ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from itertools import islice

from sqlalchemy import Boolean, Date, DateTime, Table, func, select

from depot.extensions import db

CHUNK = 20_000


def next_id(table: Table) -> int:
    """The first free id of a table (ids above every existing row)."""
    db.session.flush()
    return (db.session.scalar(select(func.max(table.c.id))) or 0) + 1


def _chunks(rows: Iterable[tuple], size: int):
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write_rows(table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert the rows (tuples in the order of `columns`); returns how many were written."""
    db.session.flush()
    connection = db.session.connection()
    count = 0
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        from psycopg import sql  # only needed, and only installed for, PostgreSQL

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    if connection.dialect.name == "sqlite":
        # The driver directly, with values as SQLAlchemy stores them: several times faster
        # than letting SQLAlchemy process every value.
        converters = [_sqlite_converter(table.c[name].type) for name in columns]
        statement = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608  (our own names)
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        for chunk in _chunks(rows, CHUNK):
            values = [
                tuple(
                    convert(value) if convert is not None and value is not None else value
                    for convert, value in zip(converters, row, strict=True)
                )
                for row in chunk
            ]
            connection.exec_driver_sql(statement, values)
            count += len(chunk)
        return count
    insert = table.insert()
    for chunk in _chunks(rows, CHUNK):
        connection.execute(insert, [dict(zip(columns, row, strict=True)) for row in chunk])
        count += len(chunk)
    return count


def _sqlite_converter(column_type):
    """How SQLAlchemy's SQLite dialect stores a value of the type (None: as it is)."""
    if isinstance(column_type, DateTime):
        return lambda value: value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(column_type, Date):
        return date.isoformat
    if isinstance(column_type, Boolean):
        return int
    return None


def advance_sequences(tables: Iterable[Table]) -> None:
    """After explicit ids: move PostgreSQL's id sequences to the highest id (no-op elsewhere)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        highest = select(func.max(table.c.id)).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, "id")
        # setval is strict: an empty table (NULL) leaves the sequence alone.
        connection.execute(select(func.setval(sequence, highest)))
