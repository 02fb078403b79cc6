"""The clarification catalogue as CSV: export for spreadsheets, import that checks every row.

The export is semicolon-separated UTF-8 with a BOM (Excel in a Danish setup), one rule per
row, the precedents joined by " | ". The import takes that file back (or a comma-separated
one, with or without BOM, or Windows-1252 as Excel saves "CSV (semikolonsepareret)"). It
checks every row first and imports nothing if any row fails; otherwise it creates the new
codes and updates the existing ones. A column left out of the file keeps the stored values.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from depot.auth.models import User
from depot.catalogue.validation import Invalid
from depot.clarification.models import ClarificationRule
from depot.clarification.rules import (
    PRECEDENT_JOINER,
    RULE_FIELDS,
    all_rules,
    clean_code,
    clean_rule,
    rule_values,
    split_precedents,
)
from depot.errors import DomainError
from depot.extensions import db
from depot.web.spreadsheet import FORMULA_STARTS, safe_cell

COLUMNS = RULE_FIELDS
REQUIRED_COLUMNS = ("iso_code", "purpose", "responsible_party")
MAX_BYTES = 1_000_000  # far more than a catalogue of every ISO 9999 code needs
MAX_ROWS = 3000
MAX_ERRORS = 100  # reported; the rest are counted


@dataclass(frozen=True)
class LineError:
    """Why a line of the file was refused; line 0 is the file as a whole."""

    line: int
    message: str
    column: str | None = None


class ImportRefused(DomainError):
    """The file was not imported; `errors` says where and why (the first MAX_ERRORS)."""

    def __init__(self, errors: list[LineError], total: int | None = None):
        super().__init__(_l("Nothing was imported: correct the file and try again."))
        self.errors = errors[:MAX_ERRORS]
        self.total = total if total is not None else len(errors)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


# --- export ---------------------------------------------------------------------------------


def export_csv(rules: Iterable[ClarificationRule]) -> str:
    """The rules as CSV text (without the BOM, which `csv_response` adds)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for rule in rules:
        values = rule_values(rule) | {"precedents": PRECEDENT_JOINER.join(rule.precedent_list)}
        writer.writerow([safe_cell(values[name]) for name in COLUMNS])
    return out.getvalue()


# --- import ---------------------------------------------------------------------------------


def _refuse(message) -> ImportRefused:
    return ImportRefused([LineError(0, str(message))])


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise _refuse(_l("The file is too large: at most %(kb)d kB.", kb=MAX_BYTES // 1000))
    if b"\x00" in data:
        raise _refuse(_l("This is not a CSV file (text separated by semicolons or commas)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _refuse(_l("The file is neither UTF-8 nor Windows-1252 text.")) from None
    if not text.strip():
        raise _refuse(_l("The file is empty."))
    return text


def _unquote(cell: str) -> str:
    """Undo the export's protection against formulas: "'=x" was "=x"."""
    if len(cell) > 1 and cell[0] == "'" and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _header(row: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in row]
    errors = []
    unknown = [n for n in names if n and n not in COLUMNS]
    if unknown:
        errors.append(
            _l(
                "Unknown column “%(name)s”. The columns are: %(columns)s.",
                name=unknown[0][:40],
                columns=", ".join(COLUMNS),
            )
        )
    counts = Counter(n for n in names if n)
    twice = sorted(n for n, count in counts.items() if count > 1)
    if twice:
        errors.append(_l("The column “%(name)s” appears twice.", name=twice[0]))
    missing = [n for n in REQUIRED_COLUMNS if n not in names]
    if missing:
        errors.append(
            _l("The file needs the columns %(columns)s.", columns=", ".join(REQUIRED_COLUMNS))
        )
    if errors:
        raise ImportRefused([LineError(1, str(e)) for e in errors])
    return names


def _records(text: str):
    """(line number where the record starts, cells) for each record; csv.Error → refused."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first or "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            message = _l("The line is not valid CSV (a stray quote or a very long value?).")
            raise ImportRefused([LineError(start, str(message))]) from None
        yield start, record
        start = reader.line_num + 1


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict
    rule: ClarificationRule | None  # the stored rule of the same code, if any


def _check_rows(text: str, current: dict[str, ClarificationRule]) -> list[_Row]:
    """Every data row of the file, checked; refuses the whole file if any row fails."""
    records = _records(text)
    header_line = next(records, None)
    if header_line is None:
        raise _refuse(_l("The file is empty."))
    names = _header(header_line[1])
    rows: list[_Row] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        extra = record[len(names) :]
        if len(record) < len(names) or any(cell.strip() for cell in extra):
            errors.append(
                LineError(
                    line,
                    str(
                        _l(
                            "Expected %(expected)d values, found %(found)d.",
                            expected=len(names),
                            found=len(record),
                        )
                    ),
                )
            )
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(LineError(line, str(_l("At most %(n)d rules per file.", n=MAX_ROWS))))
            break
        values = {name: _unquote(cell) for name, cell in zip(names, record, strict=False) if name}
        try:
            code = clean_code(values["iso_code"].strip())
        except Invalid as exc:
            errors.append(LineError(line, str(exc.message), "iso_code"))
            continue
        if code in seen:
            errors.append(
                LineError(
                    line,
                    str(_l("ISO %(code)s is also on line %(line)d.", code=code, line=seen[code])),
                    "iso_code",
                )
            )
            continue
        seen[code] = line
        rule = current.get(code)
        merged = (rule_values(rule) if rule else {}) | values | {"iso_code": code}
        if "precedents" in values:
            merged["precedents"] = "\n".join(split_precedents(values["precedents"]))
        try:
            clean = clean_rule(**merged)
        except Invalid as exc:
            errors.append(LineError(line, str(exc.message), getattr(exc, "field", None)))
            continue
        rows.append(_Row(line, clean, rule))
    if errors:
        raise ImportRefused(errors)
    if not rows:
        raise _refuse(_l("The file has a header but no rules."))
    return rows


def import_rules(*, data: bytes, user: User | None, replace_all: bool = False) -> ImportResult:
    """Create or update the file's rules (by ISO code); with `replace_all`, delete the rest.

    Raises ImportRefused, listing the lines at fault, and then changes nothing.
    """
    text = _decode(data)
    current = {rule.iso_code: rule for rule in all_rules()}
    rows = _check_rows(text, current)
    result = ImportResult()
    user_id = user.id if user else None
    for row in rows:
        if row.rule is None:
            db.session.add(ClarificationRule(updated_by_id=user_id, **row.values))
            result.created += 1
        elif row.values == rule_values(row.rule):
            result.unchanged += 1
        else:
            for name, value in row.values.items():
                setattr(row.rule, name, value)
            row.rule.updated_by_id = user_id
            result.updated += 1
    if replace_all:
        kept = {row.values["iso_code"] for row in rows}
        for code, rule in current.items():
            if code not in kept:
                db.session.delete(rule)
                result.deleted += 1
    db.session.flush()
    return result
