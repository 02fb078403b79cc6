"""Settlement months and day counting: the Python rule, and the SQL that must agree with it."""

from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from depot.loans.settlement import settlement_lines
from depot.loans.settlement_days import InvalidMonth, Month, default_month, loan_days, parse_month
from tests.loans.settlement_support import COPENHAGEN, Setting, local

JAN, FEB, MAR = Month(2026, 1), Month(2026, 2), Month(2026, 3)
NOW = local(2026, 6, 15, 12)


@pytest.fixture
def setting(make, herning, holstebro, region):
    return Setting(make, herning, holstebro, region)


def days(month: Month, start: datetime, end: datetime) -> int:
    low, high = month.window(COPENHAGEN)
    return loan_days(started_at=start, ended_at=end, window_start=low, window_end=high)


# --- months ---------------------------------------------------------------------------------


def test_month_window_is_local_midnight_in_utc(app_ctx):
    assert JAN.window() == (datetime(2025, 12, 31, 23), datetime(2026, 1, 31, 23))
    # Summer time starts on the last Sunday of March: April begins at 22:00 UTC.
    assert MAR.window() == (datetime(2026, 2, 28, 23), datetime(2026, 3, 31, 22))
    assert Month(2026, 12).next() == Month(2027, 1)
    assert JAN.previous() == Month(2025, 12)


def test_default_month_is_the_previous_one():
    assert default_month(date(2026, 1, 15)) == Month(2025, 12)
    assert default_month(date(2026, 7, 1)) == Month(2026, 6)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-06", (2026, 6)),
        (" 2026-06 ", (2026, 6)),
        ("2000-01", (2000, 1)),
        ("2026-08", (2026, 8)),
    ],
)
def test_parse_good_months(app_ctx, text, month):
    assert parse_month(text, today=date(2026, 7, 20)) == Month(*month)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "YYYY-MM"),
        ("2026-13", "YYYY-MM"),
        ("2026-00", "YYYY-MM"),
        ("26-06", "YYYY-MM"),
        ("2026-6", "YYYY-MM"),
        ("juni 2026", "YYYY-MM"),
        ("2026-06-01", "YYYY-MM"),
        ("２０２６-０６", "YYYY-MM"),  # full-width digits are not ASCII digits
        ("1999-12", "from 2000-01 to 2026-08"),
        ("2026-09", "from 2000-01 to 2026-08"),
        ("9999-01", "from 2000-01 to 2026-08"),
    ],
)
def test_parse_bad_months(app_ctx, text, message):
    with force_locale("en"), pytest.raises(InvalidMonth) as refused:
        parse_month(text, today=date(2026, 7, 20))
    with force_locale("en"):
        assert message in str(refused.value.message)
    assert refused.value.status_code == 400


# --- the rule -------------------------------------------------------------------------------


def test_a_loan_inside_a_month(app_ctx):
    start = local(2026, 1, 10, 9)
    assert days(JAN, start, start + timedelta(days=3)) == 3
    assert days(JAN, start, start + timedelta(days=3, seconds=1)) == 4
    assert days(JAN, start, start + timedelta(hours=1)) == 1
    # Returned the moment it was lent: still the first day.
    assert days(JAN, start, start) == 1
    assert days(FEB, start, start) == 0


def test_a_loan_across_a_month_boundary_is_not_counted_twice(app_ctx):
    start, end = local(2026, 1, 31, 12), local(2026, 2, 1, 13)  # 25 hours: 2 days
    assert (days(JAN, start, end), days(FEB, start, end)) == (1, 1)
    start, end = local(2026, 1, 31, 12), local(2026, 2, 1, 12)  # exactly 24 hours: 1 day
    assert (days(JAN, start, end), days(FEB, start, end)) == (1, 0)
    # Started before the month, returned after it: every day of the month.
    start, end = local(2025, 12, 20, 8), local(2026, 3, 2, 8)
    assert (days(JAN, start, end), days(FEB, start, end)) == (31, 28)
    # A day that begins at 23:30 on 31 January belongs to January.
    start, end = local(2026, 1, 1, 23, 30), local(2026, 2, 5, 10)
    assert days(JAN, start, end) == 31
    assert days(FEB, start, end) == 4


def test_a_loan_started_before_the_month_and_returned_early_in_it(app_ctx):
    start = local(2026, 1, 31, 20)
    assert days(FEB, start, local(2026, 2, 1, 0, 30)) == 0  # still January's first day
    assert days(FEB, start, local(2026, 2, 1, 21)) == 1


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 11, 1), max_value=datetime(2026, 4, 30)),
    length=st.integers(min_value=0, max_value=200 * 86_400),
)
def test_the_months_add_up_to_the_loans_days(start, length):
    start = start.replace(microsecond=0)
    end = start + timedelta(seconds=length)
    month, total = Month(2025, 10), 0
    while month <= Month(2026, 12):
        total += days(month, start, end)
        month = month.next()
    assert total == max(1, -(-length // 86_400))


# --- the SQL agrees -------------------------------------------------------------------------

CASES = [
    (local(2026, 1, 10, 9), local(2026, 1, 13, 9)),
    (local(2026, 1, 10, 9), local(2026, 1, 13, 9, 0, 1)),
    (local(2026, 1, 10, 9), local(2026, 1, 10, 9)),
    (local(2026, 1, 31, 12), local(2026, 2, 1, 13)),
    (local(2026, 1, 31, 12), local(2026, 2, 1, 12)),
    (local(2025, 12, 20, 8), local(2026, 3, 2, 8)),
    (local(2026, 1, 1, 23, 30), local(2026, 2, 5, 10)),
    (local(2026, 1, 31, 20), local(2026, 2, 1, 0, 30)),
    (local(2026, 1, 31, 20), local(2026, 2, 1, 21)),
    (local(2026, 2, 28, 23, 59, 59), local(2026, 3, 1, 0, 0, 1)),
    (local(2026, 3, 28, 12), local(2026, 4, 2, 12)),  # across the change to summer time
    (local(2026, 1, 15), None),  # still on loan: until NOW
    (local(2026, 5, 1, 8), None),
    (local(2025, 6, 1), local(2025, 12, 31, 23, 59)),  # over before January
    (local(2025, 6, 1), local(2026, 1, 1, 0, 0)),  # returned at January's first moment
]


@pytest.mark.parametrize("month", [Month(2025, 12), JAN, FEB, MAR, Month(2026, 4), Month(2026, 6)])
def test_sql_days_equal_the_rule(app, setting, month):
    loans = {}
    for start, end in CASES:
        loan_id, _item = setting.loan(start=start, end=end)
        loans[loan_id] = (start, end or NOW)
    with app.app_context():
        lines = settlement_lines(month=month, organisation_id=None, now=NOW)
        got = {line.loan_id: line.days for line in lines}
        expected = {
            loan_id: days(month, start, end)
            for loan_id, (start, end) in loans.items()
            if days(month, start, end) > 0
        }
    assert got == expected
    assert all(d > 0 for d in got.values())


def test_an_open_loan_counts_until_now(app, setting):
    loan_id, _ = setting.loan(start=local(2026, 6, 10, 12))
    with app.app_context():
        (line,) = settlement_lines(month=Month(2026, 6), organisation_id=None, now=NOW)
        assert (line.loan_id, line.days) == (loan_id, 5)
        # Next month it has not begun yet.
        assert settlement_lines(month=Month(2026, 7), organisation_id=None, now=NOW) == []
