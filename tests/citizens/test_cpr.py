from datetime import date

import pytest

from depot.citizens.services import InvalidCPR, cpr_birth_date, create_citizen, normalise_cpr


@pytest.mark.parametrize(
    ("cpr", "born"),
    [
        ("010150-1234", date(1950, 1, 1)),
        ("2902921234", date(1992, 2, 29)),  # leap day, no dash
        ("311299-4000", date(1999, 12, 31)),  # 7th digit 4, year > 36: 1900s
        ("010120-4000", date(2020, 1, 1)),  # 7th digit 4, year <= 36: 2000s
        ("010160-5000", date(1860, 1, 1)),  # 7th digit 5-8, year > 57: 1800s
        ("010110-9000", date(2010, 1, 1)),
    ],
)
def test_birth_dates(cpr, born):
    assert cpr_birth_date(cpr) == born


def test_numbers_failing_modulus_11_are_accepted():
    # 010150-1235 fails the old modulus-11 check; such numbers are issued since 2007.
    assert normalise_cpr("0101501235") == "010150-1235"


@pytest.mark.parametrize(
    "cpr",
    [
        "",
        "abc",
        "010150-123",
        "010150-12345",
        "320150-1234",
        "290293-1234",
        "011350-1234",
        "01-01-50-1234",
        "010150 1234",
        "'; DROP TABLE citizen;--",
    ],
)
def test_invalid_cpr_is_refused(cpr):
    with pytest.raises(InvalidCPR):
        normalise_cpr(cpr)


def test_citizen_repr_never_shows_the_cpr(app_ctx, make):
    herning = make.organisation()
    citizen = create_citizen(cpr="0101501234", name="Test Borger", municipality_id=herning.id)
    assert citizen.cpr == "010150-1234"
    assert "010150" not in repr(citizen)
