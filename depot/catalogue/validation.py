"""Catalogue input rules: limits, the refusals services raise, and the checks they use."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from depot.errors import Conflict, DomainError
from depot.extensions import db

ISO_CODE_RE = re.compile(r"^\d{2} \d{2} \d{2}$", re.ASCII)
CVR_RE = re.compile(r"^\d{8}$", re.ASCII)
HMI_RE = re.compile(r"^[0-9A-Za-z-]{1,20}$", re.ASCII)

EDITION_MIN, EDITION_MAX = 1990, 2100
PRICE_MAX = Decimal("10000000.00")  # per unit or per order, DKK
QUANTITY_MAX = 1_000_000
PACK_SIZE_MAX = 10_000
LEAD_TIME_MAX_DAYS = 730
# Upper bounds for measurements; anything above is a typing error, not a device.
MEASUREMENT_MAX = {
    "seat_width_cm": 300,
    "seat_depth_cm": 300,
    "seat_height_cm": 300,
    "length_cm": 1000,
    "width_cm": 1000,
    "height_cm": 1000,
    "max_user_weight_kg": 1000,
    "weight_kg": 2000,
}


class Invalid(DomainError):
    """Input the catalogue refuses (400), optionally about one form field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


class Duplicate(Conflict):
    """A value that must be unique is taken already (409), optionally about one field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def clean_text(value: str | None, *, max_len: int, field: str, required: bool = True) -> str | None:
    """Trimmed text within the length, or None if empty and optional."""
    value = (value or "").strip()
    if not value:
        if required:
            raise Invalid(_l("This field is required."), field)
        return None
    if len(value) > max_len:
        raise Invalid(_l("At most %(n)d characters.", n=max_len), field)
    if "\x00" in value:
        raise Invalid(_l("The text contains characters that are not allowed."), field)
    return value


def clean_int(value, *, low: int, high: int, field: str) -> int:
    """A whole number (not a bool) from low to high."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(_l("Enter a whole number."), field)
    if not low <= value <= high:
        raise Invalid(_l("Enter a number from %(low)d to %(high)d.", low=low, high=high), field)
    return value


def clean_money(value, *, field: str, high: Decimal = PRICE_MAX) -> Decimal:
    """A finite DKK amount from 0 to high with at most two decimals."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise Invalid(_l("Enter an amount in DKK."), field) from None
    if not amount.is_finite():
        raise Invalid(_l("Enter an amount in DKK."), field)
    if amount < 0:
        raise Invalid(_l("The amount cannot be negative."), field)
    if amount > high:
        raise Invalid(_l("The amount is too large."), field)
    if amount != amount.quantize(Decimal("0.01")):
        raise Invalid(_l("Use at most two decimals."), field)
    return amount.quantize(Decimal("0.01"))


def require_row(model, ident: int | None, *, field: str, message) -> None:
    """Refuse an id that is not a stored row of the model."""
    if (
        not isinstance(ident, int)
        or not 1 <= ident <= 2**31 - 1
        or db.session.get(model, ident) is None
    ):
        raise Invalid(message, field)
