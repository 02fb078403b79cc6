"""Races on purchase orders: 32 threads behind a barrier, as in tests/integrity.

Receiving one unit each on a line with fewer units left: exactly as many win as there are
units, every other contender gets a Conflict, and the depot holds exactly the units ordered.
Receiving against cancelling: never both. Accepting at once: every order gets its own number.
Run on PostgreSQL (TEST_DATABASE_URL) for real concurrency; SQLite serialises the writers.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from depot.extensions import db
from depot.items.models import Item
from depot.purchasing import orders
from depot.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseReceipt
from depot.web.i18n import local_today
from tests.integrity.conftest import CONTENDERS
from tests.integrity.test_concurrency import LOSE, WIN, problems, race, service_attempt
from tests.purchasing.test_orders_world import OrderWorld, build_world

# Units on the line per round: the last unit alone, a few, one less than the contenders, more.
UNITS = (1, 3, 1, 31, 1, 5, 1, 40, 2, 1)


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
def w(make, herning, holstebro, region) -> OrderWorld:
    return build_world(make, herning, holstebro, region)


def _state(app, order_id: int, line_id: int) -> tuple[str, int, int, int]:
    """The order's status, the line's received units, its receipts and the items made."""
    with app.app_context():
        order = db.session.get(PurchaseOrder, order_id)
        received = db.session.get(PurchaseOrderLine, line_id).received_quantity
        receipts = db.session.scalar(
            select(func.count())
            .select_from(PurchaseReceipt)
            .where(PurchaseReceipt.line_id == line_id)
        )
        items = db.session.scalar(
            select(func.count()).select_from(Item).where(Item.note == order.number)
        )
        return order.status, received, receipts, items


def test_the_last_units_of_a_line_are_received_once(app, w, pool):
    for round_number, units in enumerate(UNITS):
        order = w.order([(w.chair, w.herning, w.depot_h, units, "4200")], send=True)
        line_id = order.lines[0].id
        attempt = service_attempt(
            app,
            lambda line_id=line_id: orders.receive_line(
                line_id=line_id, quantity=1, serials=None, user=None
            ),
        )
        outcomes = race(pool, attempt)
        winners = min(units, CONTENDERS)
        assert problems(outcomes, winners) == [], (round_number, units, Counter(outcomes))
        status = "received" if winners == units else "partly_received"
        assert _state(app, order.id, line_id) == (status, winners, winners, winners)


def test_receiving_and_cancelling_never_both_win(app, w, pool):
    for round_number in range(6):
        order = w.order([(w.gloves, w.herning, w.depot_h, 100, "1")], send=True)
        line_id = order.lines[0].id
        actions = iter(range(CONTENDERS))

        def action(line_id=line_id, order_id=order.id, turn=actions.__next__):
            if turn() % 2:
                orders.cancel_order(order_id=order_id, user=None, reason="Ombestemt")
            else:
                orders.receive_line(line_id=line_id, quantity=1, serials=None, user=None)

        outcomes = race(pool, service_attempt(app, action))
        strange = {o for o in outcomes if o not in (WIN, LOSE)}
        assert not strange, (round_number, Counter(outcomes))
        status, received, receipts, _items = _state(app, order.id, line_id)
        wins = outcomes.count(WIN)
        if status == "cancelled":
            assert (wins, received, receipts) == (1, 0, 0), round_number
        else:
            assert status == "partly_received", round_number
            assert received == receipts == wins >= 1, round_number


def test_orders_accepted_at_once_get_distinct_numbers(app, w, pool):
    draft = w.draft(w.chair, w.herning, w.depot_h, 1)
    attempt = service_attempt(
        app,
        lambda: orders.create_orders(drafts=[draft], organisation_id=w.herning.id, user=None),
    )
    outcomes = race(pool, attempt)
    assert problems(outcomes, CONTENDERS) == [], Counter(outcomes)
    with app.app_context():
        numbers = sorted(db.session.scalars(select(PurchaseOrder.number)))
        year = local_today().year
    assert numbers == [f"IO-{year}-{n:05d}" for n in range(1, CONTENDERS + 1)]
