"""The monthly settlement report: rates, pairs, transfers, visibility, drill-down, CSV."""

import csv
import io
import re
from datetime import datetime
from decimal import Decimal

import pytest

from depot.extensions import db
from depot.loans.models import Loan
from depot.loans.settlement import settlement_report, transfer_ownership
from depot.loans.settlement_days import Month
from tests.conftest import log_in
from tests.factories import make_user
from tests.loans.settlement_support import COPENHAGEN, Setting, local

MARCH = "2025-03"


@pytest.fixture
def setting(make, herning, holstebro, region):
    return Setting(make, herning, holstebro, region)


@pytest.fixture
def ikast(make):
    return make.organisation(name="Ikast-Brande Kommune")


@pytest.fixture
def march(app, setting, ikast, herning, holstebro):
    """Loans of March 2025 between Herning, Holstebro and Ikast-Brande."""
    s = setting
    loans = {}
    # Holstebro borrows Herning's items: a chair (12,50/day) and a bed (default 5,00/day).
    loans["a"], _ = s.loan(start=local(2025, 3, 3, 10), end=local(2025, 3, 13, 10))
    loans["b"], _ = s.loan(start=local(2025, 2, 20, 9), product=s.bed)  # still on loan
    loans["g"], _ = s.loan(start=local(2025, 3, 1, 12))
    # Ikast borrows a Herning chair over the month's end: 2 days in March.
    loans["c"], _ = s.loan(start=local(2025, 3, 30, 12), end=local(2025, 4, 2, 12), lender=ikast)
    # Herning borrows a Holstebro bed for one day.
    loans["d"], _ = s.loan(
        start=local(2025, 3, 1),
        end=local(2025, 3, 2),
        lender=herning,
        product=s.bed,
        owner=holstebro,
    )
    # Herning's own item: no settlement. A loan of February: not in March.
    loans["e"], _ = s.loan(start=local(2025, 3, 5), end=local(2025, 3, 9), lender=herning)
    loans["f"], _ = s.loan(start=local(2025, 1, 1), end=local(2025, 2, 1))
    # Ikast borrows a Holstebro chair: a pair Herning has nothing to do with.
    loans["h"], _ = s.loan(
        start=local(2025, 3, 5, 8), end=local(2025, 3, 6, 8), lender=ikast, owner=holstebro
    )
    with app.app_context():
        # Loan g's chair becomes Holstebro's after 10 days: its rent stops then.
        transfer_ownership(
            loan_id=loans["g"], amount=Decimal("5000"), user=None, at=local(2025, 3, 11, 12)
        )
        db.session.commit()
    return loans


def _pairs(report):
    return {
        (p.lender, p.owner): (p.loans, p.days, p.rent, p.transfers, p.transfer_amount, p.total)
        for p in report.pairs
    }


EXPECTED = {
    ("Holstebro Kommune", "Herning Kommune"): (
        3,
        10 + 31 + 10,
        Decimal("405.00"),  # 10 × 12,50 + 31 × 5,00 + 10 × 12,50
        1,
        Decimal("5000.00"),
        Decimal("5405.00"),
    ),
    ("Ikast-Brande Kommune", "Herning Kommune"): (1, 2, Decimal("25.00"), 0, 0, Decimal("25.00")),
    ("Herning Kommune", "Holstebro Kommune"): (1, 1, Decimal("5.00"), 0, 0, Decimal("5.00")),
    ("Ikast-Brande Kommune", "Holstebro Kommune"): (1, 1, Decimal("12.50"), 0, 0, Decimal("12.50")),
}


def test_report_per_pair(app, march):
    with app.app_context():
        report = settlement_report(month=Month(2025, 3), organisation_id=None)
        assert _pairs(report) == EXPECTED
        assert report.default_rate == Decimal("5.00")
        totals = report.totals
        assert (totals.loans, totals.days, totals.rent, totals.total) == (
            6,
            55,
            Decimal("447.50"),
            Decimal("5447.50"),
        )


def test_report_of_one_organisation(app, march, holstebro, herning):
    with app.app_context():
        report = settlement_report(month=Month(2025, 3), organisation_id=herning.id)
    assert set(_pairs(report)) == {
        ("Holstebro Kommune", "Herning Kommune"),
        ("Ikast-Brande Kommune", "Herning Kommune"),
        ("Herning Kommune", "Holstebro Kommune"),
    }


def test_rent_stops_at_the_transfer_and_later_months(app, march, holstebro, herning):
    with app.app_context():
        april = _pairs(settlement_report(month=Month(2025, 4), organisation_id=None))
    # April: the open bed loan (30 days) and the last day of Ikast's loan; the transferred
    # chair is no longer rent, though it is still on loan.
    assert april == {
        ("Holstebro Kommune", "Herning Kommune"): (
            1,
            30,
            Decimal("150.00"),
            0,
            0,
            Decimal("150.00"),
        ),
        ("Ikast-Brande Kommune", "Herning Kommune"): (
            1,
            1,
            Decimal("12.50"),
            0,
            0,
            Decimal("12.50"),
        ),
    }


def test_the_default_rate_comes_from_the_config(make_app, march):
    other = make_app(DEFAULT_DAILY_RATE="7.25")
    with other.app_context():
        report = settlement_report(month=Month(2025, 3), organisation_id=None)
    pair = next(p for p in report.pairs if p.lender == "Herning Kommune")
    assert pair.rent == Decimal("7.25")  # one day of a bed, which has no rate of its own


def test_a_month_without_loans_is_empty(app, march):
    with app.app_context():
        assert settlement_report(month=Month(2024, 3), organisation_id=None).pairs == []


# --- the page -------------------------------------------------------------------------------


def _page(client, query=""):
    response = client.get(f"/settlement/?month={MARCH}{query}")
    return response.status_code, response.get_data(as_text=True)


def _shown_pairs(page):
    return set(re.findall(r'data-testid="pair-row" data-lender="(\d+)" data-owner="(\d+)"', page))


@pytest.mark.parametrize(
    ("role", "actor", "sees"),
    [
        ("procurement", "herning", {"hol-her", "ika-her", "her-hol"}),
        ("admin", "herning", {"hol-her", "ika-her", "her-hol"}),
        ("procurement", "holstebro", {"hol-her", "her-hol", "ika-hol"}),
        ("procurement", "region", "all"),
        ("admin", "region", "all"),
        ("coordinator", "holstebro", "all"),
        ("coordinator", "region", "all"),
        ("admin", "ikast", {"ika-her", "ika-hol"}),
    ],
)
def test_who_sees_which_pairs(
    client, login_as, march, herning, holstebro, ikast, region, role, actor, sees
):
    orgs = {"herning": herning, "holstebro": holstebro, "ikast": ikast, "region": region}
    short = {"her": herning.id, "hol": holstebro.id, "ika": ikast.id}
    login_as(role, orgs[actor])
    status, page = _page(client)
    assert status == 200
    every = {"hol-her", "ika-her", "her-hol", "ika-hol"}
    expected = every if sees == "all" else sees
    assert _shown_pairs(page) == {(str(short[k[:3]]), str(short[k[4:]])) for k in expected}


@pytest.mark.parametrize("role", ["therapist", "depot_staff"])
def test_other_roles_are_refused(client, login_as, herning, role):
    login_as(role, herning)
    assert client.get("/settlement/").status_code == 403
    assert client.get("/settlement/export.csv").status_code == 403


def test_the_page_shows_amounts_and_the_default_month(client, login_as, march, herning):
    login_as("procurement", herning)
    status, page = _page(client)
    assert status == 200
    assert "5.405,00" in page and "405,00" in page
    # No month: the previous month.
    today = datetime.now(COPENHAGEN).date()
    previous = Month(today.year, today.month).previous()
    page = client.get("/settlement/").get_data(as_text=True)
    assert f'value="{previous}"' in page
    assert 'data-testid="no-pairs"' in page or 'data-testid="pair-table"' in page


def test_drill_down_of_a_pair_without_personal_data(
    client, app, login_as, march, herning, holstebro
):
    login_as("procurement", herning)
    status, page = _page(client, f"&lender={holstebro.id}&owner={herning.id}")
    assert status == 200
    rows = re.findall(r'data-testid="line-row" data-loan="(\d+)"', page)
    assert sorted(map(int, rows)) == sorted([march["a"], march["b"], march["g"]])
    assert 'data-testid="line-days">31<' in page
    assert 'data-testid="line-rate">12,50' in page
    assert "Vestmo Comfort 45" in page and "HM" in page
    assert 'data-testid="transfer-row"' in page  # loan g's transfer
    # Never the citizen.
    assert "Hans Hemmelig" not in page
    with app.app_context():
        cpr = db.session.get(Loan, march["a"]).citizen.cpr
    assert cpr not in page and cpr.replace("-", "") not in page


def test_the_drill_down_of_a_pair_the_user_does_not_see_is_not_shown(
    client, login_as, march, herning, holstebro, ikast
):
    login_as("procurement", herning)
    status, page = _page(client, f"&lender={ikast.id}&owner={holstebro.id}")
    assert status == 200 and 'data-testid="lines"' not in page
    for junk in ("&lender=abc&owner=-1", "&lender=99999999999&owner=1", "&lender=&owner="):
        status, page = _page(client, junk)
        assert status == 200 and 'data-testid="lines"' not in page


def test_transfer_buttons_only_for_the_owner(client, app, login_as, march, herning, holstebro):
    query = f"&lender={holstebro.id}&owner={herning.id}"
    login_as("procurement", herning)
    _status, page = _page(client, query)
    buttons = re.findall(r"/settlement/loans/(\d+)/transfer-ownership", page)
    # a (returned) and b (open) can still be transferred; g was transferred already.
    assert sorted(map(int, buttons)) == sorted([march["a"], march["b"]])
    other = app.test_client()
    log_in(other, make_user(app, organisation=holstebro, role="procurement").email)
    page = other.get(f"/settlement/?month={MARCH}{query}").get_data(as_text=True)
    assert 'data-testid="line-row"' in page and "transfer-ownership" not in page


def test_lines_are_paged(client, app, login_as, setting, herning, holstebro, monkeypatch):
    from depot.loans import views_settlement

    monkeypatch.setattr(views_settlement, "LINES_PER_PAGE", 2)
    for day in (3, 4, 5):
        setting.loan(start=local(2025, 3, day, 8), end=local(2025, 3, day, 10))
    login_as("procurement", herning)
    query = f"&lender={holstebro.id}&owner={herning.id}"
    _status, first = _page(client, query)
    _status, second = _page(client, query + "&page=2")
    _status, beyond = _page(client, query + "&page=999")
    assert first.count('data-testid="line-row"') == 2
    assert second.count('data-testid="line-row"') == 1
    assert beyond.count('data-testid="line-row"') == 1  # the last page


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2025-13", "YYYY-MM"),
        ("abc", "YYYY-MM"),
        ("<script>x</script>", "YYYY-MM"),
        ("x" * 5000, "YYYY-MM"),
        ("1999-12", "from 2000-01"),
        ("2999-01", "from 2000-01"),
    ],
)
def test_bad_months_are_refused_with_a_message(client, login_as, english, herning, month, message):
    login_as("procurement", herning)
    english()
    response = client.get("/settlement/", query_string={"month": month})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and "<script>x" not in page
    assert 'data-testid="pair-table"' not in page
    response = client.get("/settlement/export.csv", query_string={"month": month})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.fixture
def english(client):
    def _english():
        client.post("/language/en")

    return _english


# --- CSV ------------------------------------------------------------------------------------


def _csv(client, month=MARCH):
    with client.get(f"/settlement/export.csv?month={month}") as response:
        return response, response.get_data()


def test_csv_format(client, login_as, march, herning, holstebro, ikast):
    login_as("procurement", herning)
    response, body = _csv(client)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="settlement-2025-03.csv"' in response.headers["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, *rows = rows
    assert len(header) == 14 and all(len(r) == 14 for r in rows)
    pairs = [r for r in rows if r[0] in ("Par", "Pair")]
    assert len(pairs) == 3  # Herning's pairs only
    holstebro_pays = next(r for r in pairs if r[2] == "Holstebro Kommune")
    assert holstebro_pays[1] == MARCH
    assert holstebro_pays[4:6] == ["3", "51"]
    assert holstebro_pays[10:] == ["405,00", "1", "5000,00", "5405,00"]
    # Its lines follow it: three loans and the transfer.
    start = rows.index(holstebro_pays)
    lines = rows[start + 1 : start + 5]
    assert [r[2] for r in lines] == ["Holstebro Kommune"] * 4
    loan_lines = lines[:3]
    assert sorted(r[5] for r in loan_lines) == ["10", "10", "31"]
    assert {r[9] for r in loan_lines} == {"12,50", "5,00"}
    assert all(r[6].startswith("HM") for r in loan_lines)
    assert lines[3][11:] == ["1", "5000,00", "5000,00"]
    assert "Hans Hemmelig" not in text
    # Semicolons separate; amounts never carry a decimal point.
    assert text.splitlines()[1].count(";") == 13
    assert not re.search(r"\d\.\d\d(;|$)", text, re.M)


def test_csv_of_a_region_user_has_every_pair(client, login_as, march, region):
    login_as("procurement", region)
    _response, body = _csv(client)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len([r for r in rows[1:] if r[0] in ("Par", "Pair")]) == 4


def test_csv_cells_are_never_formulas(client, app, login_as, setting, herning, holstebro, make):
    product = make.product(product_type=setting.rated_type, name='=HYPERLINK("http://x")')
    setting.loan(start=local(2025, 3, 3), end=local(2025, 3, 4), product=product)
    login_as("procurement", herning)
    _response, body = _csv(client)
    text = body.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ";=HYPERLINK" not in text


def test_csv_of_an_empty_month_has_the_header(client, login_as, herning):
    login_as("coordinator", herning)
    response, body = _csv(client, "2024-02")
    assert response.status_code == 200
    assert len(body.decode("utf-8-sig").splitlines()) == 1
