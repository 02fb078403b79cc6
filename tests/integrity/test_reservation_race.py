"""Races on requests: 32 contenders reserve for request lines at once.

One item, 32 requests: exactly one reservation wins (the item's conditional UPDATE). One line
of one unit, 32 different items: exactly one wins too (the line's unit is claimed by a
conditional UPDATE on `allocated` before the item is touched).
"""

import pytest
from sqlalchemy import func, select

from depot.extensions import db
from depot.items.models import Item
from depot.requests import services
from depot.requests.models import RequestLine, Reservation
from tests.integrity.conftest import CONTENDERS
from tests.integrity.test_concurrency import problems, race, service_attempt

ROUNDS = 10


@pytest.fixture
def setting(make, herning):
    depot = make.depot(owner=herning)
    product_type = make.product_type()
    product = make.product(product_type=product_type)
    items = make.items(product=product, depot=depot, owner=herning, count=CONTENDERS)
    citizen = make.citizen(municipality=herning)
    requests = [
        make.request(citizen=citizen, organisation=herning, depot=depot, product_type=product_type)
        for _ in range(CONTENDERS)
    ]
    return {
        "items": [i.id for i in items],
        "lines": [r.lines[0].id for r in requests],
    }


def _release_all(app):
    with app.app_context():
        for reservation_id in db.session.scalars(
            select(Reservation.id).where(Reservation.status == "reserved")
        ).all():
            services.release_reservation(reservation_id=reservation_id, user=None)
        db.session.commit()


def _active(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Reservation.id)).where(Reservation.status == "reserved")
        )


def test_one_item_for_32_requests_is_reserved_once(app, setting, pool):
    item_id = setting["items"][0]
    for _ in range(ROUNDS):
        lines = iter(setting["lines"])
        next_line = lines.__next__

        def action(line_id_of=next_line):
            services.reserve_for_line(line_id=line_id_of(), item_id=item_id, user=None)

        outcomes = race(pool, service_attempt(app, action))
        assert problems(outcomes, 1) == []
        assert _active(app) == 1
        _release_all(app)


def test_the_last_unit_of_a_line_is_reserved_once(app, setting, pool):
    line_id = setting["lines"][0]
    for _ in range(ROUNDS):
        items = iter(setting["items"])
        next_item = items.__next__

        def action(item_id_of=next_item):
            services.reserve_for_line(line_id=line_id, item_id=item_id_of(), user=None)

        outcomes = race(pool, service_attempt(app, action))
        assert problems(outcomes, 1) == []
        with app.app_context():
            assert db.session.get(RequestLine, line_id).allocated == 1
            reserved = db.session.scalar(
                select(func.count(Item.id)).where(Item.status == "reserved")
            )
            assert reserved == 1
        _release_all(app)
