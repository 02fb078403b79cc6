"""Reading the reference data (organisations of the West cluster, ISO 9999 codes) from CSV."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from depot.config import PROJECT_ROOT
from depot.organisations.models import ORGANISATION_KINDS

REFERENCE_DIR_ENV = "DEPOT_REFERENCE_DIR"
ORGANISATIONS_FILE = "vestklyngen.csv"
ISO9999_FILE = "iso9999.csv"
ISO_CODE_PATTERN = re.compile(r"^\d{2} \d{2} \d{2}$")


class ReferenceDataError(Exception):
    """A reference file is missing or malformed; the message says which and where."""


@dataclass(frozen=True)
class OrganisationRow:
    name: str
    kind: str
    town: str
    population: int | None
    latitude: float
    longitude: float


@dataclass(frozen=True)
class IsoRow:
    code: str
    edition: int
    title_en: str
    title_da: str
    reusable: bool


@dataclass(frozen=True)
class ReferenceData:
    organisations: tuple[OrganisationRow, ...]
    iso_codes: tuple[IsoRow, ...]


def reference_dir() -> Path:
    """DEPOT_REFERENCE_DIR, or the shared reference folder next to the project."""
    configured = os.environ.get(REFERENCE_DIR_ENV)
    if configured:
        return Path(configured)
    return PROJECT_ROOT.parent / "shared" / "reference"


def load_reference(directory: Path | None = None) -> ReferenceData:
    directory = directory or reference_dir()
    return ReferenceData(
        organisations=_read_organisations(directory / ORGANISATIONS_FILE),
        iso_codes=_read_iso_codes(directory / ISO9999_FILE),
    )


def _read_rows(path: Path, columns: set[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with their line numbers, after checking the header."""
    if not path.is_file():
        raise ReferenceDataError(
            f"Reference file {path} not found. Set {REFERENCE_DIR_ENV} to the folder that holds "
            f"{ORGANISATIONS_FILE} and {ISO9999_FILE}."
        )
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = columns - set(reader.fieldnames or ())
        if missing:
            raise ReferenceDataError(f"{path}: missing column(s) {', '.join(sorted(missing))}.")
        rows = [(reader.line_num, row) for row in reader]
    if not rows:
        raise ReferenceDataError(f"{path}: no rows.")
    return rows


def _read_organisations(path: Path) -> tuple[OrganisationRow, ...]:
    columns = {"organisation", "kind", "town", "population_approx", "latitude", "longitude"}
    result = []
    for line, row in _read_rows(path, columns):
        try:
            kind = row["kind"].strip()
            if kind not in ORGANISATION_KINDS:
                raise ValueError(f"unknown kind {kind!r}")
            population = row["population_approx"].strip()
            result.append(
                OrganisationRow(
                    name=row["organisation"].strip(),
                    kind=kind,
                    town=row["town"].strip(),
                    population=int(population) if population else None,
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                )
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise ReferenceDataError(f"{path}, line {line}: {exc}") from exc
    kinds = [row.kind for row in result]
    if kinds.count("region") != 1 or "municipality" not in kinds:
        raise ReferenceDataError(f"{path}: needs one region and at least one municipality.")
    if len({row.name for row in result}) != len(result):
        raise ReferenceDataError(f"{path}: organisation names must be unique.")
    return tuple(result)


def _read_iso_codes(path: Path) -> tuple[IsoRow, ...]:
    columns = {"code", "edition", "title_en", "title_da", "reusable"}
    result = []
    for line, row in _read_rows(path, columns):
        try:
            code = row["code"].strip()
            if not ISO_CODE_PATTERN.match(code):
                raise ValueError(f"ISO code {code!r} is not like '12 22 03'")
            reusable = row["reusable"].strip().lower()
            if reusable not in {"yes", "no"}:
                raise ValueError(f"reusable must be yes or no, not {reusable!r}")
            result.append(
                IsoRow(
                    code=code,
                    edition=int(row["edition"]),
                    title_en=row["title_en"].strip(),
                    title_da=row["title_da"].strip(),
                    reusable=reusable == "yes",
                )
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise ReferenceDataError(f"{path}, line {line}: {exc}") from exc
    if len({(row.code, row.edition) for row in result}) != len(result):
        raise ReferenceDataError(f"{path}: an ISO code appears twice in the same edition.")
    return tuple(result)
