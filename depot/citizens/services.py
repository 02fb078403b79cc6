"""Citizen services: CPR validation, registration and changes."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from depot.citizens.models import Citizen
from depot.errors import DomainError
from depot.extensions import db

CPR_PATTERN = re.compile(r"^([0-9]{2})([0-9]{2})([0-9]{2})-?([0-9]{4})$")


class InvalidCPR(ValueError):
    pass


def cpr_birth_date(cpr: str) -> date:
    """The birth date a CPR number encodes (century from the 7th digit, as CPR does)."""
    match = CPR_PATTERN.match(cpr.strip())
    if not match:
        raise InvalidCPR("format")
    day, month, yy = (int(g) for g in match.groups()[:3])
    century_digit = int(match.group(4)[0])
    if century_digit <= 3:
        century = 1900
    elif century_digit in (4, 9):
        century = 2000 if yy <= 36 else 1900
    elif century_digit <= 8:
        century = 2000 if yy <= 57 else 1800
    else:  # pragma: no cover - all digits handled above
        raise InvalidCPR("format")
    try:
        return date(century + yy, month, day)
    except ValueError as exc:
        raise InvalidCPR("date") from exc


def normalise_cpr(cpr: str) -> str:
    """Validate format and date (no modulus-11 check) and return `DDMMYY-SSSS`."""
    cpr_birth_date(cpr)
    digits = cpr.strip().replace("-", "")
    return f"{digits[:6]}-{digits[6:]}"


def create_citizen(
    *,
    cpr: str,
    name: str,
    municipality_id: int,
    address: str | None = None,
    postcode: str | None = None,
    town: str | None = None,
    phone: str | None = None,
) -> Citizen:
    """Register a citizen under a municipality."""
    citizen = Citizen(
        cpr=normalise_cpr(cpr),
        name=name.strip(),
        municipality_id=municipality_id,
        address=address,
        postcode=postcode,
        town=town,
        phone=phone,
    )
    db.session.add(citizen)
    db.session.flush()
    return citizen


def citizen_by_cpr(*, cpr: str) -> Citizen | None:
    """The citizen registered with this CPR number (any format `normalise_cpr` accepts)."""
    return db.session.scalar(select(Citizen).where(Citizen.cpr == normalise_cpr(cpr)))


EDITABLE_FIELDS = ("name", "address", "postcode", "town", "phone")


def update_citizen(
    *,
    citizen_id: int,
    name: str,
    address: str | None = None,
    postcode: str | None = None,
    town: str | None = None,
    phone: str | None = None,
) -> list[str]:
    """Change a citizen's name and contact details; returns the names of the changed fields."""
    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None:
        raise DomainError(_l("No such citizen."))
    values = {
        "name": name.strip(),
        "address": address or None,
        "postcode": postcode or None,
        "town": town or None,
        "phone": phone or None,
    }
    changed = [field for field in EDITABLE_FIELDS if getattr(citizen, field) != values[field]]
    for field in changed:
        setattr(citizen, field, values[field])
    db.session.flush()
    return changed
