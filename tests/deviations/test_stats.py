"""Quarterly statistics per municipality against figures computed by hand, and the CSV.

The quarter is 2026-Q1 by the Danish date: from 31-12-2025 23:00 UTC to 31-03-2026 22:00 UTC
(summer time began on 29 March). Herning and Holstebro have figures; Lemvig is active and
shows zeros; an inactive municipality without figures is not listed.
"""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import event

from depot.deviations import services
from depot.deviations.quarters import Quarter
from depot.deviations.stats import quarterly_stats
from depot.extensions import db
from depot.handovers.models import Handover
from depot.organisations.models import Organisation
from tests.deviations.conftest import get_case, open_case


def _case(app, municipality, product_type, at, *, cause=None, minutes=0, then=()):
    case_id = open_case(
        app, municipality=municipality, product_type=product_type, at=at, minutes_spent=minutes
    )
    with app.app_context():
        case = get_case(case_id)
        settlement, amount = "none", None
        for step in then:
            if step in ("returned", "taken_over"):
                settlement = step
            elif isinstance(step, Decimal):
                amount = step
        if cause:
            services.assess_case(
                case=case,
                cause=cause,
                cause_note=None,
                minutes_spent=minutes,
                settlement=settlement,
                settlement_amount=amount,
                user=None,
            )
        if "discussed" in then or "concluded" in then:
            services.mark_discussed(case=case, meeting_date=services.opened_on(case), user=None)
        if "concluded" in then:
            services.conclude_case(case=case, conclusion="Afsluttet", user=None)
        db.session.commit()
    return case_id


def _discharge(app, make, world, municipality, *, sent, discharged=None, delay=0, cause=None):
    citizen = make.citizen(municipality=municipality, name=f"Borger Statistik {sent:%m%d%H}")
    handover = make.handover(
        citizen=citizen, sender=world.region, send=True, needs=[(world.hoist, {})]
    )
    with app.app_context():
        h = db.session.get(Handover, handover.id)
        h.sent_at = sent
        h.admitted_at = datetime(2025, 11, 1)
        if discharged:
            h.discharged_at, h.delay_hours, h.delay_cause = discharged, delay, cause
        db.session.commit()
    return handover


@pytest.fixture
def figures(app, make, world):
    herning, holstebro, hoist, chair = world.herning, world.holstebro, world.hoist, world.chair
    lemvig = make.organisation(name="Lemvig Kommune")
    closed = make.organisation(name="Aaa Nedlagt Kommune")
    with app.app_context():
        db.session.get(Organisation, closed.id).active = False
        db.session.commit()
    # Herning: 00:30 Danish time on 1 January is Q1; 23:30 on 31 December is Q4.
    _case(app, herning, hoist, datetime(2025, 12, 31, 23, 30), cause="catalogue_unclear",
          minutes=30, then=("taken_over", Decimal("1234.50"), "concluded"))  # fmt: skip
    _case(app, herning, chair, datetime(2025, 12, 31, 22, 30), cause="after_hours", minutes=45)
    _case(app, herning, chair, datetime(2026, 2, 10, 10), minutes=15)
    # Holstebro: 23:30 on 31 March (summer time) is Q1; 00:30 on 1 April is Q2.
    _case(app, holstebro, hoist, datetime(2026, 3, 31, 21, 30), cause="handover_error",
          minutes=60, then=("returned", "discussed"))  # fmt: skip
    _case(app, holstebro, hoist, datetime(2026, 3, 31, 22, 30), cause="other", minutes=500)
    _case(app, holstebro, chair, datetime(2026, 1, 5, 12), cause="catalogue_unclear",
          minutes=20, then=("taken_over", Decimal("100.25"), "concluded"))  # fmt: skip
    # Discharge handovers: sent in the quarter, and discharges recorded in it.
    for municipality, sent, discharged, delay, cause in (
        (herning, datetime(2026, 1, 15, 9), datetime(2026, 1, 17, 11), 0, None),
        (herning, datetime(2025, 12, 31, 23, 10), datetime(2026, 1, 2, 12), 24, "device_not_ready"),
        (holstebro, datetime(2026, 3, 30, 8), datetime(2026, 4, 2, 8), 10, "other"),
        (holstebro, datetime(2025, 12, 20, 8), datetime(2026, 1, 3, 8), 5, "measurements_missing"),
        (holstebro, datetime(2026, 2, 1, 8), datetime(2026, 2, 3, 8), 8, "device_not_ready"),
    ):
        _discharge(
            app,
            make,
            world,
            municipality,
            sent=sent,
            discharged=discharged,
            delay=delay,
            cause=cause,
        )
    _discharge(app, make, world, holstebro, sent=datetime(2025, 10, 1, 8))  # Q4, no discharge
    # Not counted: an admission notice and a draft.
    make.handover(
        citizen=make.citizen(municipality=herning),
        sender=herning,
        kind="admission",
        send=True,
        needs=[(world.hoist, {})],
    )
    make.handover(citizen=world.citizen, sender=world.region, needs=[(world.hoist, {})])
    return {"herning": herning.id, "holstebro": holstebro.id, "lemvig": lemvig.id}


def test_the_quarter_by_hand(app, world, figures):
    with app.app_context():
        stats = quarterly_stats(quarter=Quarter(2026, 1))
        rows = {row.municipality_id: row for row in stats.rows}
        assert list(rows) == [figures["herning"], figures["holstebro"], figures["lemvig"]]
        h, b, lemvig = rows[figures["herning"]], rows[figures["holstebro"]], rows[figures["lemvig"]]
        assert (h.cases, h.minutes, h.concluded, h.returned, h.taken_over) == (2, 45, 1, 0, 1)
        assert h.by_cause["catalogue_unclear"] == 1 and h.by_cause["unassessed"] == 1
        assert h.by_cause["after_hours"] == 0
        assert h.amount == Decimal("1234.50")
        assert (b.cases, b.minutes, b.concluded, b.returned, b.taken_over) == (2, 80, 1, 1, 1)
        assert b.by_cause["handover_error"] == 1 and b.by_cause["catalogue_unclear"] == 1
        assert b.by_cause["other"] == 0
        assert b.amount == Decimal("100.25")
        assert (h.handovers_sent, h.discharges, h.delayed, h.delay_hours) == (2, 2, 1, 24)
        assert h.average_delay_hours == Decimal("24.0")
        assert h.by_delay_cause["device_not_ready"] == 1
        assert (b.handovers_sent, b.discharges, b.delayed, b.delay_hours) == (2, 2, 2, 13)
        assert b.average_delay_hours == Decimal("6.5")
        assert b.by_delay_cause == {
            "device_not_ready": 1,
            "device_wrong": 0,
            "measurements_missing": 1,
            "responsibility_unclear": 0,
            "delivery_capacity": 0,
            "other": 0,
        }
        assert (lemvig.cases, lemvig.handovers_sent, lemvig.discharges) == (0, 0, 0)
        assert lemvig.amount == Decimal("0.00") and lemvig.average_delay_hours is None
        total = stats.total
        assert (total.cases, total.minutes, total.concluded) == (4, 125, 2)
        assert total.by_cause["catalogue_unclear"] == 2 and total.by_cause["unassessed"] == 1
        assert total.amount == Decimal("1334.75")
        assert (total.handovers_sent, total.discharges, total.delayed, total.delay_hours) == (
            4,
            4,
            3,
            37,
        )
        assert total.average_delay_hours == Decimal("12.3")
        # The neighbouring quarters get the cases across the boundaries.
        q4 = {r.municipality_id: r for r in quarterly_stats(quarter=Quarter(2025, 4)).rows}
        assert q4[figures["herning"]].cases == 1 and q4[figures["herning"]].minutes == 45
        assert q4[figures["holstebro"]].handovers_sent == 2
        q2 = {r.municipality_id: r for r in quarterly_stats(quarter=Quarter(2026, 2)).rows}
        assert q2[figures["holstebro"]].by_cause["other"] == 1
        assert q2[figures["holstebro"]].delay_hours == 10


def test_a_handful_of_queries_however_many_cases(app, world, figures):
    def statements() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
            listener = lambda *args: seen.append(1)  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            try:
                quarterly_stats(quarter=Quarter(2026, 1))
            finally:
                event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    before = statements()
    for day in range(1, 21):
        open_case(
            app, municipality=world.herning, product_type=world.hoist, at=datetime(2026, 2, day)
        )
    assert statements() == before <= 6


def _csv(client, query="?year=2026&quarter=1"):
    response = client.get("/deviations/stats.csv" + query)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return response, list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_the_csv(app, client, world, figures, coordinator):
    response, rows = _csv(client)
    assert 'filename="deviations-2026-Q1.csv"' in response.headers["Content-Disposition"]
    header, *body = rows
    assert header[:4] == ["Quarter", "Municipality", "Cases opened", "The catalogue was unclear"]
    assert len(header) == 25 and all(len(row) == 25 for row in body)
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    assert list(by_name) == ["Herning Kommune", "Holstebro Kommune", "Lemvig Kommune", "Total"]
    herning, holstebro, total = (
        by_name["Herning Kommune"],
        by_name["Holstebro Kommune"],
        by_name["Total"],
    )
    assert herning["Quarter"] == "2026-Q1"
    assert herning["Cases opened"] == "2" and herning["Not yet assessed"] == "1"
    assert herning["Settled amount (DKK)"] == "1234,50"
    assert holstebro["Average delay hours"] == "6,5"
    assert holstebro["Delayed: Measurements were missing"] == "1"
    assert by_name["Lemvig Kommune"]["Average delay hours"] == ""
    assert total["Minutes spent"] == "125" and total["Settled amount (DKK)"] == "1334,75"
    assert total["Average delay hours"] == "12,3" and total["Discharges delayed"] == "3"
    text = response.get_data(as_text=True)
    assert "Borger Statistik" not in text and "Grethe" not in text


def test_the_csv_guards_against_formulas_in_names(app, client, make, world, coordinator):
    make.organisation(name="=HYPERLINK(1)")
    _response, rows = _csv(client)
    assert "'=HYPERLINK(1)" in [row[1] for row in rows]


def test_the_page(app, client, world, figures, coordinator):
    response = client.get("/deviations/stats?year=2026&quarter=1")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "2026-Q1" in text
    assert f'data-municipality="{figures["lemvig"]}"' in text
    assert "1.234,50" in text or "1,234.50" in text
    assert 'href="/deviations/stats.csv?year=2026&amp;quarter=1"' in text
    assert "Borger Statistik" not in text
    assert 'data-testid="previous-quarter"' in text and 'data-testid="next-quarter"' in text


def test_the_current_quarter_by_default(app, client, world, coordinator):
    from depot.deviations.quarters import quarter_of
    from depot.web.i18n import local_today

    with app.app_context():
        current = quarter_of(local_today())
    text = client.get("/deviations/stats").get_data(as_text=True)
    assert str(current) in text
    assert 'data-testid="next-quarter"' not in text
    _response, rows = _csv(client, "")
    assert rows[1][0] == str(current)


@pytest.mark.parametrize(
    "query",
    [
        "?year=2026",
        "?quarter=2",
        "?year=abc&quarter=1",
        "?year=2026&quarter=5",
        "?year=1999&quarter=4",
        "?year=2999&quarter=1",
        "?year=99999999999999999999&quarter=1",
        "?year=2026&quarter=%00",
        "?quarter=2026-Q9",
    ],
)
def test_bad_quarters_are_400(client, coordinator, query):
    assert client.get("/deviations/stats" + query).status_code == 400
    assert client.get("/deviations/stats.csv" + query).status_code == 400


def test_the_quarter_may_be_written_2026_q1(client, coordinator):
    assert client.get("/deviations/stats?quarter=2026-Q1").status_code == 200


@pytest.mark.parametrize("role", ["therapist", "depot_staff", "procurement"])
def test_statistics_are_for_coordinators_and_admins(client, login_as, herning, role):
    login_as(role, herning)
    assert client.get("/deviations/stats").status_code == 403
    assert client.get("/deviations/stats.csv").status_code == 403
    assert client.get("/deviations/").status_code == 403


def test_admins_read_the_statistics(client, login_as, herning):
    login_as("admin", herning)
    assert client.get("/deviations/stats").status_code == 200
    assert client.get("/deviations/stats.csv").status_code == 200
