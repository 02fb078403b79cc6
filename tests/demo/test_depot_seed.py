"""The demo depot: items, a year of loan history, inspections, transfers and consumable stock."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from depot.demo.context import DEMO_ANCHOR
from depot.demo.generator import delete_all_data, seed_demo_data
from depot.extensions import db
from depot.items.forms import LEGAL_BASES
from depot.items.models import Inspection, InspectionPlan, Item, ItemEvent, Transfer
from depot.loans.models import Loan
from depot.organisations.models import Depot
from depot.stock import services as stock_services
from depot.stock.models import StockLevel, StockMovement
from tests.demo import depot_checks as checks


@pytest.fixture
def summary(app_ctx, demo_password):
    return seed_demo_data(password=demo_password)


def test_volumes_at_scale_1(summary):
    assert summary.items == checks.count(Item) == 2_000
    assert 2_000 <= summary.loans == checks.count(Loan) <= 4_000
    assert summary.item_events == checks.count(ItemEvent) > 4 * summary.loans + summary.items
    assert summary.inspections == checks.count(Inspection) > 500
    assert summary.transfers == checks.count(Transfer) >= 10
    assert summary.inspection_plans == checks.count(InspectionPlan) == 6
    assert summary.stock_levels == checks.count(StockLevel) >= 40
    assert summary.stock_movements == checks.count(StockMovement) > 2_000
    # A quarter to a third of the fleet is on loan at the end; a few items were scrapped.
    by_status = select(Item.status, func.count()).group_by(Item.status)
    states = Counter(dict(db.session.execute(by_status).all()))
    assert 0.25 <= states["on_loan"] / summary.items <= 0.35
    assert summary.open_loans == states["on_loan"]
    assert 5 <= states["scrapped"] <= 60
    assert states["reserved"] and states["in_transit"] and states["inspection"]


def test_items_are_spread_over_the_depots_and_owned_by_the_depots_owners(summary):
    per_depot = dict(
        db.session.execute(select(Item.depot_id, func.count()).group_by(Item.depot_id)).all()
    )
    depots = db.session.scalars(select(Depot)).all()
    assert set(per_depot) == {d.id for d in depots}
    shared = next(d for d in depots if d.is_shared)
    by_population = sorted((d for d in depots if not d.is_shared), key=lambda d: d.owner.population)
    assert per_depot[shared.id] == max(per_depot.values())
    assert per_depot[by_population[-1].id] > 2 * per_depot[by_population[0].id]
    shareholders = {s.organisation_id for s in shared.shares}
    shared_owners = set(
        db.session.scalars(select(Item.owner_id).where(Item.depot_id == shared.id).distinct())
    )
    assert shared_owners == shareholders
    # Items of municipal depots belong to the depot's owner, unless they were transferred.
    transferred = set(db.session.scalars(select(Transfer.item_id)))
    for item in db.session.scalars(select(Item).join(Depot).where(Depot.owner_id.is_not(None))):
        assert item.owner_id == item.depot.owner_id or item.id in transferred


def test_asset_tags_and_serials(summary):
    items = db.session.scalars(select(Item)).all()
    assert all(i.asset_tag == f"HM{i.id:07d}" for i in items)
    serials = [i.serial for i in items if i.serial]
    assert len(serials) == len(set(serials)) > 0.8 * len(items)
    assert len({i.asset_tag for i in items}) == len(items)


def test_every_item_history_is_a_valid_walk_ending_in_its_state(summary):
    assert checks.item_history_problems() == []


def test_open_loans_and_transfers_agree_with_the_states(summary):
    assert checks.loan_problems() == []
    assert checks.transfer_problems() == []


def test_stock_balances_equal_their_ledgers_and_some_lines_are_low(summary):
    assert checks.stock_problems() == []
    low = db.session.scalars(stock_services.low_stock()).all()
    assert 1 <= len(low) < summary.stock_levels / 2


def test_history_covers_the_year_before_the_anchor(summary):
    anchor = DEMO_ANCHOR
    first = anchor.replace(year=anchor.year - 1)
    latest = db.session.scalar(select(func.max(ItemEvent.at)))
    assert latest.date() < anchor
    assert db.session.scalar(select(func.max(StockMovement.at))).date() < anchor
    started = db.session.scalars(select(Loan.started_at)).all()
    assert sum(s.date() >= first for s in started) > 0.7 * len(started)
    # Loans start every month of the year, more in winter than in summer.
    months = Counter(s.month for s in started if s.date() >= first)
    assert len(months) == 12
    assert months[1] + months[2] > months[6] + months[8]
    # Cross-organisation loans exist (lender ≠ owner), but they are the exception.
    cross = checks.count(Loan, Loan.lender_id != Item.owner_id, Loan.item_id == Item.id)
    assert 0 < cross < 0.1 * summary.loans
    assert set(db.session.scalars(select(Loan.legal_basis).distinct())) <= set(LEGAL_BASES)


def test_inspections_a_handful_overdue_some_due_soon(summary):
    anchor = DEMO_ANCHOR
    in_use = Item.status != "scrapped"
    overdue = checks.count(Item, in_use, Item.next_inspection_due < anchor)
    soon = checks.count(
        Item, in_use, Item.next_inspection_due.between(anchor, anchor + timedelta(days=30))
    )
    assert 1 <= overdue <= 25
    assert soon >= 5
    # Items out with a citizen are never overdue: they were inspected before they went out.
    assert checks.count(Item, Item.status == "on_loan", Item.next_inspection_due < anchor) == 0
    failed = checks.count(Inspection, Inspection.passed.is_(False))
    assert 0 < failed < 0.1 * summary.inspections


def test_the_seed_at_scale_1_stays_fast(app_ctx, demo_password):
    # A guard against accidental per-row flushes, not a benchmark: typically about 1 s.
    started = time.perf_counter()
    seed_demo_data(password=demo_password)
    assert time.perf_counter() - started < 20


def test_exact_volumes_for_the_benchmark(app_ctx, demo_password):
    summary = seed_demo_data(password=demo_password, items=600, loans=250, depots=10, scale=0.5)
    assert summary.items == checks.count(Item) == 600
    assert summary.loans == checks.count(Loan) == 250
    assert summary.depots == checks.count(Depot) == 10
    assert len(set(db.session.scalars(select(Depot.name)))) == 10
    assert checks.item_history_problems() == []
    assert checks.loan_problems() == []
    delete_all_data()
    with pytest.raises(ValueError):
        seed_demo_data(password=demo_password, depots=5)
    with pytest.raises(ValueError):
        seed_demo_data(password=demo_password, items=-1)
