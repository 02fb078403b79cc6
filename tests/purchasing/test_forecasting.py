"""Demand forecast from the depot's data: history, expected returns, usable stock, net demand."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import event, update

from depot.errors import DomainError
from depot.extensions import db
from depot.items.models import Item, ItemEvent
from depot.loans.models import Loan
from depot.organisations.models import Depot
from depot.purchasing.forecasting import forecast_demand, month_labels
from depot.stock.models import StockLevel, StockMovement
from procurement.forecast import forecast

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TODAY = date(2026, 3, 15)  # history months with 6: 2025-09 … 2026-02
LABELS = ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]


def local(year, month, day, hour=12, minute=0) -> datetime:
    """A Danish wall-clock time as the naive UTC time the database stores."""
    moment = datetime(year, month, day, hour, minute, tzinfo=COPENHAGEN)
    return (moment - moment.utcoffset()).replace(tzinfo=None)


class World:
    """Rows written directly, with chosen times; ids kept for the assertions."""

    def __init__(self, make, herning, holstebro, region):
        self.make, self.app = make, make.app
        self.herning, self.holstebro, self.region = herning, holstebro, region
        self.citizen = make.citizen(municipality=herning)
        self.depot_h = make.depot(owner=herning)
        self.depot_s = make.depot(owner=holstebro)

    def items(self, product, owner, count, status="available", depot=None):
        depot = depot or (self.depot_h if owner.id == self.herning.id else self.depot_s)
        items = self.make.items(product=product, depot=depot, owner=owner, count=count)
        if status != "available":
            with self.app.app_context():
                db.session.execute(
                    update(Item).where(Item.id.in_([i.id for i in items])).values(status=status)
                )
                db.session.commit()
        return items

    def loan(self, item, lender, started_at, *, returned_at=None, expected_end=None) -> int:
        with self.app.app_context():
            loan = Loan(
                item_id=item.id,
                citizen_id=self.citizen.id,
                lender_id=lender.id,
                owner_id=item.owner_id,
                started_at=started_at,
                returned_at=returned_at,
                expected_end=expected_end,
            )
            db.session.add(loan)
            db.session.commit()
            return loan.id

    def loans(self, product, lender, starts, owner=None, **kwargs) -> None:
        """One returned loan of a fresh (on-loan-free) item per start time."""
        items = self.items(product, owner or lender, len(starts), status="returned")
        for item, start in zip(items, starts, strict=True):
            self.loan(item, lender, start, returned_at=start + timedelta(days=3), **kwargs)

    def open_loans(self, product, lender, count, expected_end, owner=None) -> None:
        items = self.items(product, owner or lender, count, status="on_loan")
        for item in items:
            self.loan(item, lender, local(2025, 5, 2), expected_end=expected_end)

    def returned(self, product, lender, steps, at) -> None:
        """An item taken back from a loan, then moved through (kind, to_status) steps."""
        (item,) = self.items(product, lender, 1, status=steps[-1][1] if steps else "returned")
        loan_id = self.loan(item, lender, local(2025, 4, 1), returned_at=at)
        with self.app.app_context():
            status = "on_loan"
            for kind, to_status in [("take_back", "returned"), *steps]:
                db.session.add(
                    ItemEvent(
                        item_id=item.id,
                        at=at,
                        kind=kind,
                        from_status=status,
                        to_status=to_status,
                        loan_id=loan_id,
                    )
                )
                db.session.flush()
                status = to_status
            db.session.commit()

    def stock(self, depot, product, quantity, movements=()) -> None:
        """A stock line with the given balance and ledger rows (kind, signed quantity, at)."""
        with self.app.app_context():
            level = StockLevel(depot_id=depot.id, product_id=product.id, quantity=quantity)
            db.session.add(level)
            db.session.flush()
            for kind, delta, at in movements:
                db.session.add(
                    StockMovement(
                        stock_level_id=level.id,
                        kind=kind,
                        quantity=delta,
                        balance_after=quantity,
                        at=at,
                    )
                )
            db.session.commit()


REFURBISHED = [("start_cleaning", "cleaning"), ("finish_cleaning", "available")]
SCRAPPED = [("start_cleaning", "cleaning"), ("send_to_repair", "repair"), ("scrap", "scrapped")]


@pytest.fixture
def world(make, herning, holstebro, region):
    w = World(make, herning, holstebro, region)
    w.chair = make.product(name="Kørestol")
    w.bed = make.product(name="Plejeseng")
    w.walker = make.product(name="Rollator")  # only for the refurbish history
    consumable_type = make.product_type(reusable=False)
    w.gloves = make.product(name="Handsker", reusable=False, product_type=consumable_type)
    w.shared = make.depot(shares=[(herning, 50), (holstebro, 50)])
    w.inactive = make.depot(owner=herning)
    with w.app.app_context():
        db.session.execute(update(Depot).where(Depot.id == w.inactive.id).values(active=False))
        db.session.commit()
    return w


def _by_pair(results):
    return {(r.organisation_id, r.product_id): r for r in results}


def test_month_labels():
    assert month_labels(TODAY, 6) == LABELS
    assert month_labels(date(2026, 1, 1), 3) == ["2025-10", "2025-11", "2025-12"]
    assert len(month_labels(TODAY, 24)) == 24
    assert month_labels(TODAY, 24)[0] == "2024-03"


def test_forecast_from_loans_issues_returns_and_stock(app_ctx, world):
    w, herning, holstebro = world, world.herning, world.holstebro
    # Herning lends chairs: 2 in September plus one at 00:10 on 1 September Danish time
    # (still 31 August in UTC), one on 30 November at 23:30 (November), one on 1 December
    # at 00:30 (30 November in UTC, but December in Denmark), three in February.
    w.loans(w.chair, herning, [local(2025, 9, 3), local(2025, 9, 20), local(2025, 9, 1, 0, 10)])
    w.loans(w.chair, herning, [local(2025, 11, 30, 23, 30), local(2025, 12, 1, 0, 30)])
    w.loans(w.chair, herning, [local(2026, 2, 2), local(2026, 2, 10), local(2026, 2, 27)])
    # Outside the window: 31 August 23:50 Danish time, and this month.
    w.loans(w.chair, herning, [local(2025, 8, 31, 23, 50), local(2026, 3, 2)])
    # Holstebro lends 2 of its own chairs and 1 of Herning's in January: Holstebro's demand.
    w.loans(w.chair, holstebro, [local(2026, 1, 5), local(2026, 1, 6)])
    w.loans(w.chair, holstebro, [local(2026, 1, 7)], owner=herning)
    # The region's loans are not asked for and count for nobody.
    w.loans(w.chair, w.region, [local(2026, 2, 3)] * 4)

    # Open loans: Herning 5 due back within 12 months (one is overdue already), 2 due later,
    # 1 without an end; Holstebro 7 due back within the horizon.
    w.open_loans(w.chair, herning, 4, date(2026, 6, 30))
    w.open_loans(w.chair, herning, 1, date(2026, 1, 31))
    w.open_loans(w.chair, herning, 1, date(2027, 3, 15))  # today + 12 months: not before
    w.open_loans(w.chair, herning, 1, date(2027, 6, 1))
    w.open_loans(w.chair, herning, 1, None)
    w.open_loans(w.chair, holstebro, 7, date(2026, 12, 1))

    # What became of returned walkers (rate per lender): Herning 6 refurbished, 4 scrapped
    # (10 returns → its own rate 0.6); one still in cleaning and one returned before the
    # window don't count. Holstebro: 4 scrapped, under 10 → everyone's rate 6 / 14.
    for _ in range(6):
        w.returned(w.walker, herning, REFURBISHED, local(2025, 10, 1))
    for _ in range(4):
        w.returned(w.walker, herning, SCRAPPED, local(2025, 11, 1))
    w.returned(w.walker, herning, [("start_cleaning", "cleaning")], local(2026, 2, 1))
    w.returned(w.walker, herning, [("scrap", "scrapped")], local(2025, 8, 1))
    for _ in range(4):
        w.returned(w.walker, holstebro, [("scrap", "scrapped")], local(2025, 12, 1))

    # Usable stock: Herning owns 4 available chairs in its depot and 1 in Holstebro's; one in
    # repair doesn't count; 2 available beds. Holstebro has 1 available chair.
    w.items(w.chair, herning, 4)
    w.items(w.chair, herning, 1, depot=w.depot_s)
    w.items(w.chair, herning, 1, status="repair")
    w.items(w.bed, herning, 2)
    w.items(w.chair, holstebro, 1)

    # Gloves: Herning issues 5 + 3 in October and 10 in January; receipts and adjustments
    # are not demand; 30 in stock. Its inactive depot's 5 don't count as stock. Holstebro
    # issues 7 in December and has none left. Issues from the shared depot count for nobody.
    w.stock(
        w.depot_h,
        w.gloves,
        30,
        [
            ("receive", 100, local(2025, 9, 1)),
            ("issue", -5, local(2025, 10, 3)),
            ("issue", -3, local(2025, 10, 31, 23, 59)),
            ("adjust", -2, local(2025, 11, 4)),
            ("issue", -10, local(2026, 1, 9)),
            ("issue", -4, local(2026, 3, 1)),
        ],
    )
    w.stock(w.inactive, w.gloves, 5, [("issue", -1, local(2025, 9, 9))])
    w.stock(w.depot_s, w.gloves, 0, [("issue", -7, local(2025, 12, 12))])
    w.stock(w.shared, w.gloves, 50, [("issue", -20, local(2026, 2, 2))])

    results = forecast_demand(
        organisation_ids=[holstebro.id, herning.id, herning.id],
        product_ids=[w.gloves.id, w.chair.id, w.bed.id],
        horizon_months=12,
        today=TODAY,
        history_months=6,
    )
    products = sorted([w.chair.id, w.bed.id, w.gloves.id])
    orgs = sorted([herning.id, holstebro.id])
    assert [(r.product_id, r.organisation_id) for r in results] == [
        (p, o) for p in products for o in orgs
    ]
    by = _by_pair(results)

    chair = by[herning.id, w.chair.id]
    assert chair.history == [3, 0, 1, 1, 0, 3]
    # ADI 6/4 = 1.5 → SBA. Croston: z 3, p 1; month 3 (q 2): z 2.8, p 1.1; month 4 (q 1):
    # z 2.62, p 1.09; month 6 (q 2): z 2.658, p 1.181 → 2.2506/month, × 0.95 × 12 = 25.657.
    assert chair.method == "sba"
    assert chair.gross == 25.7
    assert chair.expected_returns == 3  # 5 due × 0.6
    assert chair.usable_stock == 5
    assert chair.net == 18  # ceil(25.7 − 3 − 5)

    chair_s = by[holstebro.id, w.chair.id]
    assert chair_s.history == [0, 0, 0, 0, 3, 0]
    # One month with demand → the mean 3/6 = 0.5 a month, 6 over 12 months.
    assert (chair_s.method, chair_s.gross) == ("mean", 6.0)
    assert chair_s.expected_returns == 3  # 7 due × everyone's 6/14
    assert chair_s.usable_stock == 1
    assert chair_s.net == 2

    bed = by[herning.id, w.bed.id]
    assert (bed.history, bed.method, bed.gross) == ([0] * 6, "none", 0.0)
    assert (bed.expected_returns, bed.usable_stock, bed.net) == (0, 2, 0)
    bed_s = by[holstebro.id, w.bed.id]
    assert (bed_s.usable_stock, bed_s.net) == (0, 0)

    gloves = by[herning.id, w.gloves.id]
    # September's 1 is from Herning's inactive depot: still Herning's demand.
    assert gloves.history == [1, 8, 0, 0, 10, 0]
    # 3 months with demand, ADI 2 → SBA. Croston: z 1, p 1; month 2 (q 1): z 1.7, p 1;
    # month 5 (q 3): z 2.53, p 1.2 → 2.1083; × 0.95 × 12 = 24.035 → 24.0. 30 in stock: net 0.
    assert gloves.method == "sba"
    assert gloves.gross == 24.0 == round(forecast([1, 8, 0, 0, 10, 0], 12).total, 1)
    assert (gloves.expected_returns, gloves.usable_stock, gloves.net) == (0, 30, 0)

    gloves_s = by[holstebro.id, w.gloves.id]
    assert gloves_s.history == [0, 0, 0, 7, 0, 0]
    assert (gloves_s.method, gloves_s.gross) == ("mean", 14.0)  # 7/6 × 12
    assert (gloves_s.expected_returns, gloves_s.usable_stock, gloves_s.net) == (0, 0, 14)


def test_gross_and_net_for_the_gloves_by_hand(app_ctx, world):
    w = world
    # 4 units in each of 6 months: smooth → SES = 4 a month, 24 over 6 months; 10 in stock.
    w.stock(
        w.depot_h,
        w.gloves,
        10,
        [
            ("issue", -4, local(y, m, 15))
            for y, m in [(2025, 9), (2025, 10), (2025, 11), (2025, 12), (2026, 1), (2026, 2)]
        ],
    )
    (line,) = forecast_demand(
        organisation_ids=[w.herning.id],
        product_ids=[w.gloves.id],
        horizon_months=6,
        today=TODAY,
        history_months=6,
    )
    assert (line.method, line.history, line.gross) == ("ses", [4] * 6, 24.0)
    assert (line.usable_stock, line.net) == (10, 14)


def test_refurbish_rate_without_data_comes_from_the_config(app, app_ctx, world):
    w = world
    w.open_loans(w.chair, w.herning, 4, date(2026, 5, 1))
    args = dict(
        organisation_ids=[w.herning.id],
        product_ids=[w.chair.id],
        horizon_months=3,
        today=TODAY,
        history_months=6,
    )
    assert forecast_demand(**args)[0].expected_returns == 3  # 4 × 0.85 = 3.4
    app.config["REFURBISH_RATE"] = 0.5
    assert forecast_demand(**args)[0].expected_returns == 2
    # Due after today + 1 month: not expected back within a 1-month horizon.
    assert forecast_demand(**{**args, "horizon_months": 1})[0].expected_returns == 0


def test_history_months_default_and_labels_agree(app_ctx, world):
    w = world
    w.loans(w.chair, w.herning, [local(2024, 3, 1, 0, 5), local(2024, 2, 29, 23, 0)])
    (line,) = forecast_demand(
        organisation_ids=[w.herning.id], product_ids=[w.chair.id], horizon_months=1, today=TODAY
    )
    labels = month_labels(TODAY, 24)
    assert len(line.history) == len(labels) == 24
    assert labels[0] == "2024-03"
    assert line.history[0] == 1 and sum(line.history) == 1


def test_few_grouped_queries_whatever_the_number_of_pairs(app_ctx, world, make):
    w = world
    products = [make.product() for _ in range(5)] + [w.gloves]
    w.open_loans(products[0], w.herning, 2, date(2026, 4, 1))
    w.loans(products[1], w.holstebro, [local(2025, 12, 1)])
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        results = forecast_demand(
            organisation_ids=[w.herning.id, w.holstebro.id, w.region.id],
            product_ids=[p.id for p in products],
            horizon_months=6,
            today=TODAY,
            history_months=12,
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(results) == 18
    # Products, loans, issues, open loans, refurbish (own, everyone's), items, stock.
    assert len(statements) <= 9, statements


def test_bad_arguments(app_ctx, world):
    w = world
    base = dict(organisation_ids=[w.herning.id], product_ids=[w.chair.id], today=TODAY)
    with pytest.raises(DomainError):
        forecast_demand(**base, horizon_months=0)
    with pytest.raises(DomainError):
        forecast_demand(**base, horizon_months=3, history_months=0)
    with pytest.raises(DomainError):
        forecast_demand(
            organisation_ids=[w.herning.id], product_ids=[2_000_000], horizon_months=3, today=TODAY
        )
    assert (
        forecast_demand(
            organisation_ids=[], product_ids=[w.chair.id], horizon_months=3, today=TODAY
        )
        == []
    )


CHART = (
    "{% from 'purchasing/_chart.html' import demand_chart %}"
    "{{ demand_chart(history, rate, horizon, labels, title, chart_id='c1') }}"
)


def test_chart_renders_one_bar_per_month_and_the_legend(app):
    with app.test_request_context(), force_locale("en"):
        html = render_template_string(
            CHART,
            history=[3, 0, 1, 1, 0, 3],
            rate=2.14,
            horizon=12,
            labels=LABELS,
            title="Kørestol <Herning>",
        )
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="bar"') == 6
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Kørestol &lt;Herning&gt;</title>' in svg
    assert "Demand per month" in svg and "Forecast per month, next 12 months" in svg
    assert 'stroke-dasharray="7 4"' in svg and 'class="forecast"' in svg
    assert re.search(r'data-testid="chart-y-max">3<', svg)
    assert ">2025-09<" in svg and ">2026-02<" in svg
    assert "<script" not in html
    # The month with 0 is a zero-height bar; the 3s reach the top of the plot (150 high).
    assert svg.count('height="150.00"') == 2 and svg.count('height="0.00"') == 2
    table = html[html.index("<details") :]
    assert table.count("<tr><td>") == 6
    assert "2.1" in table and "25.7" in table


def test_chart_without_history(app):
    with app.test_request_context(), force_locale("en"):
        html = render_template_string(CHART, history=[], rate=0, horizon=1, labels=[], title="Seng")
    assert 'class="bar"' not in html
    assert "No demand history." in html and "next month" in html


def test_a_products_series_starts_with_its_first_demand_but_spans_six_months():
    from depot.purchasing.forecasting import _series_start

    # First demand anywhere in month 18 of 24: the series starts there.
    assert _series_start([[0] * 18 + [1, 1, 0, 1, 1, 1], [0] * 24]) == 18
    # Given several series, the earliest decides (the round passes one organisation's).
    assert _series_start([[0] * 20 + [1] * 4, [0] * 10 + [1] * 14]) == 10
    # A product first lent last month still looks back six months; no demand: six months.
    assert _series_start([[0] * 23 + [1]]) == 18
    assert _series_start([[0] * 24]) == 18
    assert _series_start([[1] + [0] * 23]) == 0
    assert _series_start([[0, 0, 1]]) == 0  # shorter than six months: all of it
    # Trimmed, six loans in the last seven months forecast about one a month, not one a year.
    history = [0] * 17 + [1, 1, 1, 0, 1, 1, 1]
    assert forecast(history[_series_start([history]) :], 12).total > 8
    assert forecast(history, 12).total < 2


def test_units_on_open_purchase_orders_are_subtracted(app, make, herning, holstebro):
    product = make.product(name="Seng på vej")
    depot = make.depot(owner=herning)
    citizen = make.citizen(municipality=herning)
    items = make.items(product=product, depot=depot, owner=herning, count=6)
    with app.app_context():
        from depot.items import services as item_services

        months = [(2026, 2), (2026, 1), (2025, 12), (2025, 11), (2025, 10), (2025, 9)]
        for (year, month), item in zip(months, items, strict=True):
            item_services.reserve_item(item_id=item.id, user=None)
            item_services.lend_item(
                item_id=item.id,
                citizen_id=citizen.id,
                lender_id=herning.id,
                user=None,
                at=local(year, month, 10),
            )
        db.session.commit()
        before = forecast_demand(
            organisation_ids=[herning.id], product_ids=[product.id], horizon_months=12, today=TODAY
        )[0]
    make.purchase_order(
        organisation=herning, lines=[(product, herning, depot, 4, "100.00")], send=True
    )
    make.purchase_order(  # another municipality's order doesn't count for Herning
        organisation=holstebro, lines=[(product, holstebro, depot, 9, "100.00")], send=True
    )
    with app.app_context():
        after = forecast_demand(
            organisation_ids=[herning.id], product_ids=[product.id], horizon_months=12, today=TODAY
        )[0]
    assert before.on_order == 0 and after.on_order == 4
    assert before.gross == after.gross and before.gross > 4
    assert after.net == max(0, before.net - 4)
