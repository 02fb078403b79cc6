"""Races: 32 threads behind a barrier act on the same item or stock line at once, 50 rounds.

Exactly the right number must win each round and every other contender gets a Conflict
(409 over HTTP), never anything else. The app's `app` fixture runs on a file SQLite, or on
PostgreSQL when TEST_DATABASE_URL is set, so each test covers the backend CI runs it on.
A naive read-then-write version kept here as a negative control shows that the same checker
catches double booking.
"""

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, func, select

from depot.errors import Conflict
from depot.extensions import db
from depot.items import services as item_services
from depot.items.models import Item, ItemEvent
from depot.stock import services as stock_services
from depot.stock.models import StockLevel, StockMovement
from tests import factories
from tests.integrity.conftest import CONTENDERS

ROUNDS = 50
NAIVE_ROUNDS = 5
NAIVE_PAUSE = 0.05  # seconds between the naive read and its write
WIN, LOSE = "win", "conflict"
# (units in stock, units each contender takes): the winners are stock // take, at most 32.
# Each mix has one winner taking all, 31 winners and one loser of the last unit, a few winners,
# and more units than contenders. Over HTTP it leans to winners, as a refused request renders
# the whole stock page; through the service to losers, as on SQLite each winning commit syncs.
SERVICE_STOCK_CASES = ((10, 10), (31, 1), (10, 3), (16, 1), (1, 1), (30, 2), (9, 1), (40, 1))
HTTP_STOCK_CASES = ((10, 10), (31, 1), (40, 1), (10, 3), (28, 1), (30, 2), (24, 1), (29, 1))


@dataclass(frozen=True)
class World:
    item_id: int
    level_id: int
    depot_id: int
    consumable_id: int
    emails: tuple[str, ...]


@pytest.fixture
def world(app, make):
    organisation = make.organisation(name="Herning Kommune")
    depot = make.depot(owner=organisation, name="Hjælpemiddeldepot Herning")
    product = make.product(name="Kørestol Vestmo 45")
    consumable = make.product(name="Engangsunderlag 60×90", reusable=False)
    with app.app_context():
        (item,) = item_services.receive_items(
            product_id=product.id,
            depot_id=depot.id,
            owner_id=organisation.id,
            serials=[None],
            user=None,
        )
        movement = stock_services.receive_stock(
            depot_id=depot.id, product_id=consumable.id, quantity=10, user=None
        )
        db.session.commit()
        item_id, level_id = item.id, movement.stock_level_id
    emails = tuple(
        factories.make_user(app, organisation=organisation, role="depot_staff").email
        for _ in range(CONTENDERS)
    )
    return World(item_id, level_id, depot.id, consumable.id, emails)


# The race and its judge ---------------------------------------------------------------------


def race(pool, attempt) -> list[str]:
    """Run `attempt(start)` in every contender; each calls `start()` when ready to go."""
    barrier = threading.Barrier(CONTENDERS)

    def start():
        barrier.wait(timeout=60)

    return list(pool.map(lambda _: attempt(start), range(CONTENDERS)))


def problems(outcomes: list[str], winners: int) -> list[str]:
    """What is wrong with a round: the wrong number of winners, or anything but a Conflict."""
    tally = Counter(outcomes)
    found = []
    if tally[WIN] != winners:
        found.append(f"{tally[WIN]} winners where {winners} were possible")
    strange = {outcome: n for outcome, n in tally.items() if outcome not in (WIN, LOSE)}
    if strange:
        found.append(f"outcomes other than a conflict: {strange}")
    return found


def service_attempt(app, action):
    """A contender calling a service in its own app context, committing like a request."""

    def attempt(start):
        with app.app_context():
            start()
            try:
                action()
                db.session.commit()
            except Conflict:
                db.session.rollback()
                return LOSE
            except Exception as exc:
                db.session.rollback()
                return f"{type(exc).__name__}: {exc}"
            return WIN

    return attempt


# The state between rounds, read and reset through the services ---------------------------------


def item_state(app, item_id: int) -> tuple[str, int]:
    with app.app_context():
        status = db.session.scalar(select(Item.status).where(Item.id == item_id))
        reservations = db.session.scalar(
            select(func.count())
            .select_from(ItemEvent)
            .where(ItemEvent.item_id == item_id, ItemEvent.kind == "reserve")
        )
        return status, reservations


def reset_item(app, item_id: int) -> None:
    with app.app_context():
        item_services.apply_step(item_id=item_id, step_name="cancel_reservation", user=None)
        db.session.commit()


def stock_state(app, level_id: int) -> tuple[int, int, int]:
    """The balance, the sum of the ledger and the number of issues so far."""
    with app.app_context():
        balance = db.session.scalar(select(StockLevel.quantity).where(StockLevel.id == level_id))
        issues = db.session.scalar(
            select(func.count())
            .select_from(StockMovement)
            .where(StockMovement.stock_level_id == level_id, StockMovement.kind == "issue")
        )
        return balance, stock_services.ledger_sum(stock_level_id=level_id), issues


def reset_stock(app, world: World, units: int) -> None:
    with app.app_context():
        balance = db.session.get(StockLevel, world.level_id).quantity
        if balance != units:
            stock_services.adjust_stock(
                depot_id=world.depot_id,
                product_id=world.consumable_id,
                delta=units - balance,
                reason="Optælling før næste runde",
                user=None,
            )
            db.session.commit()


# Over HTTP: a cookie-keeping client from the standard library ----------------------------------


class HttpClient:
    """One logged-in user talking to the live server; one connection per request."""

    def __init__(self, port: int):
        self.port = port
        self.cookies = SimpleCookie()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        try:
            connection.request("POST", path, body=urlencode(data), headers=headers)
            response = connection.getresponse()
            response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(header)
            return response.status, response.headers.get("Location", "")
        finally:
            connection.close()


def logged_in_clients(port: int, emails) -> list[HttpClient]:
    clients = []
    for email in emails:
        client = HttpClient(port)
        status, location = client.post("/login", {"email": email, "password": factories.PASSWORD})
        assert status == 302 and "/login" not in location, (status, location)
        clients.append(client)
    return clients


def http_attempt(clients: list[HttpClient], path: str, data: dict):
    """A contender POSTing with its own session: 302 wins, 409 loses, anything else is wrong."""
    free = list(clients)
    lock = threading.Lock()

    def attempt(start):
        with lock:
            client = free.pop()
        try:
            start()
            status, location = client.post(path, data)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            with lock:
                free.append(client)
        if status == 302 and "/login" not in location:
            return WIN
        return LOSE if status == 409 else f"HTTP {status} {location}".strip()

    return attempt


# The real thing ----------------------------------------------------------------------------


def assert_one_reservation_per_round(app, pool, world: World, attempt) -> None:
    for round_number in range(ROUNDS):
        outcomes = race(pool, attempt)
        assert problems(outcomes, 1) == [], (round_number, Counter(outcomes))
        assert item_state(app, world.item_id) == ("reserved", round_number + 1)
        reset_item(app, world.item_id)


def assert_the_right_number_take_stock(app, pool, world: World, cases, make_attempt) -> None:
    issued = 0
    for round_number in range(ROUNDS):
        units, take = cases[round_number % len(cases)]
        reset_stock(app, world, units)
        winners = min(CONTENDERS, units // take)
        outcomes = race(pool, make_attempt(take))
        assert problems(outcomes, winners) == [], (round_number, units, take, Counter(outcomes))
        issued += winners
        balance, ledger, issues = stock_state(app, world.level_id)
        assert balance == units - winners * take >= 0, (round_number, balance)
        assert balance == ledger, (round_number, balance, ledger)
        assert issues == issued


def test_one_reservation_wins_each_round_through_the_service(app, pool, world):
    attempt = service_attempt(
        app, lambda: item_services.reserve_item(item_id=world.item_id, user=None)
    )
    assert_one_reservation_per_round(app, pool, world, attempt)


def test_one_reservation_wins_each_round_over_http(app, pool, world, live_server):
    clients = logged_in_clients(live_server, world.emails)
    attempt = http_attempt(
        clients, f"/depot/items/{world.item_id}/steps/reserve", {"note": "Samtidig reservation"}
    )
    assert_one_reservation_per_round(app, pool, world, attempt)


def test_only_the_units_in_stock_are_taken_through_the_service(app, pool, world):
    def make_attempt(take):
        return service_attempt(
            app,
            lambda: stock_services.issue_stock(
                depot_id=world.depot_id,
                product_id=world.consumable_id,
                quantity=take,
                user=None,
                reason="Udlevering",
            ),
        )

    assert_the_right_number_take_stock(app, pool, world, SERVICE_STOCK_CASES, make_attempt)


def test_only_the_units_in_stock_are_taken_over_http(app, pool, world, live_server):
    clients = logged_in_clients(live_server, world.emails)

    def make_attempt(take):
        return http_attempt(
            clients,
            f"/depot/stock/{world.level_id}/issue",
            {"quantity": str(take), "reason": "Udlevering til borger"},
        )

    assert_the_right_number_take_stock(app, pool, world, HTTP_STOCK_CASES, make_attempt)


# The negative control: the naive read-then-write that the checker must catch -------------------


@pytest.fixture
def naive_engine(app):
    """Autocommit connections of their own: no BEGIN IMMEDIATE, no row locks held."""
    with app.app_context():
        url = db.engine.url
        db.engine.dispose()  # give the idle pool back before opening 32 more connections
    engine = create_engine(
        url, isolation_level="AUTOCOMMIT", pool_size=CONTENDERS, max_overflow=0, pool_timeout=60
    )
    yield engine
    engine.dispose()


def naive_attempt(engine, work):
    """Check a connection out before the start, then read, pause, and write unconditionally."""
    mark = "?" if engine.dialect.name == "sqlite" else "%s"

    def attempt(start):
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            start()
            return work(cursor, mark)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    return attempt


def naive_reserve(item_id: int):
    def work(cursor, mark):
        cursor.execute(f"SELECT status FROM item WHERE id = {mark}", (item_id,))
        (status,) = cursor.fetchone()
        time.sleep(NAIVE_PAUSE)
        if status != "available":
            return LOSE
        cursor.execute(f"UPDATE item SET status = 'reserved' WHERE id = {mark}", (item_id,))
        return WIN

    return work


def naive_issue(level_id: int, take: int):
    def work(cursor, mark):
        cursor.execute(f"SELECT quantity FROM stock_level WHERE id = {mark}", (level_id,))
        (quantity,) = cursor.fetchone()
        time.sleep(NAIVE_PAUSE)
        if quantity < take:
            return LOSE
        cursor.execute(
            f"UPDATE stock_level SET quantity = {mark} WHERE id = {mark}",
            (quantity - take, level_id),
        )
        cursor.execute(
            "INSERT INTO stock_movement (stock_level_id, kind, quantity, balance_after, at, reason)"
            f" VALUES ({mark}, 'issue', {mark}, {mark}, CURRENT_TIMESTAMP, 'naiv')",
            (level_id, -take, quantity - take),
        )
        return WIN

    return work


def test_the_checker_catches_a_naive_double_reservation(app, pool, world, naive_engine):
    winners_per_round = []
    for _ in range(NAIVE_ROUNDS):
        outcomes = race(pool, naive_attempt(naive_engine, naive_reserve(world.item_id)))
        winners = Counter(outcomes)[WIN]
        winners_per_round.append(winners)
        if winners >= 2:
            assert any("winners" in problem for problem in problems(outcomes, 1))
        reset_item(app, world.item_id)
    print(f"naive reservation, winners per round: {winners_per_round}")
    assert max(winners_per_round) >= 2, winners_per_round


def test_the_checker_catches_a_naive_overdraft_of_stock(app, pool, world, naive_engine):
    winners_per_round, mismatches = [], 0
    for _ in range(NAIVE_ROUNDS):
        reset_stock(app, world, 10)
        before = stock_state(app, world.level_id)
        outcomes = race(pool, naive_attempt(naive_engine, naive_issue(world.level_id, 10)))
        winners = Counter(outcomes)[WIN]
        winners_per_round.append(winners)
        if winners >= 2:
            assert any("winners" in problem for problem in problems(outcomes, 1))
        balance, ledger, _ = stock_state(app, world.level_id)
        # Lost updates: the ledger records every naive winner, the balance only one.
        mismatches += (balance - ledger) != (before[0] - before[1])
    print(f"naive issue, winners per round: {winners_per_round}")
    assert max(winners_per_round) >= 2, winners_per_round
    assert mismatches >= 1
