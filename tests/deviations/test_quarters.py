"""Quarters counted by the Danish date: windows in UTC across the year and summer time."""

from datetime import date, datetime

import pytest

from depot.deviations.quarters import InvalidQuarter, Quarter, checked, parse_quarter, quarter_of


def test_windows_are_danish_midnights_in_utc(app_ctx):
    assert Quarter(2026, 1).window() == (datetime(2025, 12, 31, 23), datetime(2026, 3, 31, 22))
    assert Quarter(2026, 2).window() == (datetime(2026, 3, 31, 22), datetime(2026, 6, 30, 22))
    assert Quarter(2026, 4).window() == (datetime(2026, 9, 30, 22), datetime(2026, 12, 31, 23))


def test_neighbours_and_labels():
    assert str(Quarter(2026, 4)) == "2026-Q4"
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert quarter_of(date(2026, 12, 31)) == Quarter(2026, 4)
    assert quarter_of(date(2026, 4, 1)) == Quarter(2026, 2)


@pytest.mark.parametrize("text", ["2026-Q4", "2026q4", " 2026-q4 ", "2026Q4"])
def test_parse_accepts_the_usual_spellings(text):
    assert parse_quarter(text, today=date(2026, 11, 23)) == Quarter(2026, 4)


@pytest.mark.parametrize(
    "text",
    ["", "2026-Q5", "2026-Q0", "Q4-2026", "2027-Q1", "1999-Q4", "２０２６-Q1", "2026-Q4\x00"],
)
def test_parse_refuses_junk_and_future_quarters(text):
    with pytest.raises(InvalidQuarter):
        parse_quarter(text, today=date(2026, 11, 23))


@pytest.mark.parametrize("year, quarter", [(None, 1), (2026, None), (2026, 5), (99999, 1)])
def test_checked_refuses_incomplete_or_out_of_range(year, quarter):
    with pytest.raises(InvalidQuarter):
        checked(year, quarter, today=date(2026, 11, 23))
