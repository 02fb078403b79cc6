"""Synthetic people: Danish names, addresses, phone numbers and CPR numbers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from depot.citizens.services import cpr_birth_date, normalise_cpr
from depot.demo import vocabulary as v

MOD11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def person_name(rng: random.Random, *, female: bool, elderly: bool) -> str:
    """ "Inger Marie Kjær": first name, sometimes a middle name, a surname."""
    if elderly:
        first = rng.choice(v.ELDERLY_FEMALE_NAMES if female else v.ELDERLY_MALE_NAMES)
    else:
        first = rng.choice(v.YOUNGER_FEMALE_NAMES if female else v.YOUNGER_MALE_NAMES)
    parts = [first]
    if rng.random() < 0.3:
        parts.append(rng.choice(v.FEMALE_MIDDLE_NAMES if female else v.MALE_MIDDLE_NAMES))
    parts.append(rng.choice(v.SURNAMES))
    return " ".join(parts)


def town_info(town: str | None) -> v.TownInfo:
    return v.TOWNS.get(town or "", v.FALLBACK_TOWN)


def street_address(rng: random.Random, town: str | None) -> tuple[str, str]:
    """A street address in the town and its postcode: ("Østergade 12, 2. th.", "7400")."""
    info = town_info(town)
    street = rng.choice(info.streets + v.COMMON_STREETS)
    address = f"{street} {rng.randint(1, 120)}"
    if rng.random() < 0.25:  # a flat
        address += f", {rng.randint(1, 4)}. {rng.choice(('th.', 'tv.', 'mf.'))}"
    return address, info.postcode


def phone_number(rng: random.Random) -> str:
    """A Danish phone number "97 12 34 56": mostly mobile, some West Jutland landlines."""
    first = rng.choice(("20", "21", "22", "23", "25", "26", "28", "30", "40", "42", "51",
                        "60", "61", "97", "96"))  # fmt: skip
    rest = [f"{rng.randrange(100):02d}" for _ in range(3)]
    return " ".join([first, *rest])


def birth_date(rng: random.Random) -> date:
    """Mostly the elderly (1925-1960), some younger adults and children."""
    roll = rng.random()
    if roll < 0.8:
        first, last = 1925, 1960
    elif roll < 0.95:
        first, last = 1961, 1990
    else:
        first, last = 1991, 2006
    start = date(first, 1, 1)
    return start + timedelta(days=rng.randrange((date(last, 12, 31) - start).days + 1))


def _passes_mod11(digits: str) -> bool:
    return sum(int(d) * w for d, w in zip(digits, MOD11_WEIGHTS, strict=True)) % 11 == 0


def synthetic_cpr(rng: random.Random, born: date, *, female: bool, taken: set[str]) -> str:
    """A CPR number `DDMMYY-SSSS` for the birth date that no real person born then has.

    Every number issued before 2007 passes the modulus-11 check, so a number for a birth
    before 2007 that *fails* it cannot belong to anyone. The app itself does no modulus-11
    check (numbers issued since 2007 may fail it). The century is encoded by the serial's
    first digit as CPR does (0-3: 1900s; 4: 2000s up to 2036); the last digit is odd for
    men and even for women.
    """
    if born.year >= 2007:
        raise ValueError("synthetic CPR numbers are only safe for births before 2007")
    century_digits = (0, 1, 2, 3) if born.year < 2000 else (4,)
    while True:
        last = rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
        serial = f"{rng.choice(century_digits)}{rng.randrange(100):02d}{last}"
        digits = born.strftime("%d%m%y") + serial
        cpr = f"{digits[:6]}-{digits[6:]}"
        if cpr in taken or _passes_mod11(digits):
            continue
        cpr = normalise_cpr(cpr)  # the app's own validation: format and date
        if cpr_birth_date(cpr) != born:  # pragma: no cover - a bug in the century digits
            raise ValueError(f"synthetic CPR does not encode {born}")
        taken.add(cpr)
        return cpr
