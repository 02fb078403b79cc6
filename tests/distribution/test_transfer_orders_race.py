"""Races on transfer orders: 32 threads behind a barrier, as in tests/integrity.

Sending one order at once, each contender with an item of its own: exactly one wins, and only
its item is in transit. Receiving at once: one wins, the consumables enter the stock once.
Sending against cancelling: never both. Creating at once: every order gets its own number.
Run on PostgreSQL (TEST_DATABASE_URL) for real concurrency; SQLite serialises the writers.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from depot.distribution import services as distribution
from depot.distribution import transfer_orders as services
from depot.distribution.models import DistributionRun, TransferOrder, TransferOrderItem
from depot.extensions import db
from depot.items.models import Item, Transfer
from depot.stock.models import StockLevel, StockMovement
from depot.web.i18n import local_today
from tests.distribution.test_transfer_orders_world import TransferWorld, build_world
from tests.integrity.conftest import CONTENDERS
from tests.integrity.test_concurrency import LOSE, WIN, problems, race, service_attempt

ROUNDS = 4


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "pool_size": CONTENDERS + 4,
            "max_overflow": 4,
            "pool_timeout": 60,
        },
    }


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=CONTENDERS, thread_name_prefix="contender") as executor:
        yield executor


@pytest.fixture
def w(make, herning, holstebro, region) -> TransferWorld:
    return build_world(make, herning, holstebro, region)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_an_order_is_sent_by_one_contender_only(app, w, pool):
    for round_number in range(ROUNDS):
        items = w.items(count=CONTENDERS)
        order = w.order([(w.chair_type, 1)])
        line_id = order.lines[0].id
        turns = iter(items)

        def send(order_id=order.id, line_id=line_id, mine=turns.__next__):
            services.send_order(
                order_id=order_id, picks={line_id: [mine()]}, quantities={}, user=None
            )

        outcomes = race(pool, service_attempt(app, send))
        assert problems(outcomes, 1) == [], (round_number, Counter(outcomes))
        with app.app_context():
            assert db.session.get(TransferOrder, order.id).status == "sent"
            moving = db.session.scalars(
                select(Item.id).where(Item.id.in_(items), Item.status == "in_transit")
            ).all()
            picked = db.session.scalars(
                select(TransferOrderItem.item_id).where(TransferOrderItem.item_id.in_(items))
            ).all()
            assert len(moving) == 1 and picked == moving, round_number
            assert _count(Transfer, Transfer.item_id.in_(items)) == 1


def test_an_order_is_received_once(app, w, pool):
    w.stock(ROUNDS * 5)
    for round_number in range(ROUNDS):
        chairs = w.items(count=2)
        order = w.order([(w.chair_type, 2), (w.gloves, 5)])
        chairs_line, gloves = order.lines
        with app.app_context():
            services.send_order(
                order_id=order.id,
                picks={chairs_line.id: chairs},
                quantities={gloves.id: 5},
                user=None,
            )
            db.session.commit()
        outcomes = race(
            pool,
            service_attempt(
                app, lambda oid=order.id: services.receive_order(order_id=oid, user=None)
            ),
        )
        assert problems(outcomes, 1) == [], (round_number, Counter(outcomes))
        with app.app_context():
            balance = db.session.scalar(
                select(StockLevel.quantity).where(
                    StockLevel.depot_id == w.depot_s.id, StockLevel.product_id == w.gloves.id
                )
            )
            assert balance == 5 * (round_number + 1)
            assert _count(StockMovement, StockMovement.kind == "transfer_in") == round_number + 1
            statuses = db.session.execute(
                select(Item.status, Item.depot_id).where(Item.id.in_(chairs))
            ).all()
            assert statuses == [("available", w.depot_s.id)] * 2


def test_sending_and_cancelling_never_both_win(app, w, pool):
    for round_number in range(ROUNDS):
        items = w.items(count=CONTENDERS)
        order = w.order([(w.chair_type, 1)])
        line_id = order.lines[0].id
        turns = iter(range(CONTENDERS))

        def action(order_id=order.id, line_id=line_id, turn=turns.__next__, items=items):
            n = turn()
            if n % 2:
                services.cancel_order(order_id=order_id, user=None, reason="Ombestemt")
            else:
                services.send_order(
                    order_id=order_id, picks={line_id: [items[n]]}, quantities={}, user=None
                )

        outcomes = race(pool, service_attempt(app, action))
        assert problems(outcomes, 1) == [], (round_number, Counter(outcomes))
        with app.app_context():
            status = db.session.get(TransferOrder, order.id).status
            moving = _count(Item, Item.id.in_(items), Item.status == "in_transit")
            assert (status, moving) in (("sent", 1), ("cancelled", 0)), round_number


def test_orders_created_at_once_get_distinct_numbers(app, w, pool):
    draft = services.TransferLineDraft(
        from_depot_id=w.depot_h.id,
        to_depot_id=w.depot_s.id,
        product_type_id=w.chair_type.id,
        product_id=None,
        quantity=1,
    )
    attempt = service_attempt(
        app, lambda: services.create_transfer_orders(drafts=[draft], user=None)
    )
    outcomes = race(pool, attempt)
    assert problems(outcomes, CONTENDERS) == [], Counter(outcomes)
    assert LOSE not in outcomes and outcomes.count(WIN) == CONTENDERS
    with app.app_context():
        numbers = sorted(db.session.scalars(select(TransferOrder.number)))
        year = local_today().year
    assert numbers == [f"OF-{year}-{n:05d}" for n in range(1, CONTENDERS + 1)]


def _solved_runs(app, w, count: int) -> list[int]:
    """Runs solved by hand, each moving one chair Herning → Holstebro."""
    plan = {
        "plan": {
            "transfers": [
                {
                    "from": w.depot_h.id,
                    "to": w.depot_s.id,
                    "product": f"t{w.chair_type.id}",
                    "quantity": 1,
                }
            ]
        }
    }
    ids = []
    with app.app_context():
        for n in range(count):
            run = DistributionRun(
                title=f"Fordeling {n}",
                organisation_id=w.region.id,
                horizon_months=3,
                cost_per_km=Decimal("2"),
                shortage_penalty_factor=0.2,
                service_sets=1,
                time_limit_seconds=30,
                status="solved",
                result=json.dumps(plan),
            )
            db.session.add(run)
            db.session.flush()
            ids.append(run.id)
        db.session.commit()
    return ids


def test_of_plans_accepted_at_once_one_wins_and_the_stock_moves_once(app, w, pool):
    runs = iter(_solved_runs(app, w, CONTENDERS))

    def accept(mine=runs.__next__):
        run = db.session.get(DistributionRun, mine())
        distribution.accept_run(run=run, user=None)

    outcomes = race(pool, service_attempt(app, accept))
    assert problems(outcomes, 1) == [], Counter(outcomes)
    with app.app_context():
        accepted = _count(DistributionRun, DistributionRun.status == "accepted")
        assert accepted == 1 and _count(TransferOrder) == 1
