"""A Hypothesis state machine over the item and stock services, checking invariants each step.

Random sequences of operations, many of which must be refused, run through the services in
an app context and are committed on success or rolled back on refusal, as a request would.
After every step: an item is on loan iff it has exactly one open loan; in transit iff it has
exactly one open transfer; its status is the to_status of its last event; every stock
balance equals its ledger sum and is never negative; the trigger-kept item counts equal the
items; a refused operation changed nothing.
The machine also keeps its own model of what every item and stock line should be, written
independently of depot.items.services.STEPS, and compares it with the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import String, cast, delete, func, literal, select, union_all

from depot.citizens.services import create_citizen
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items import services as items
from depot.items.models import Inspection, Item, ItemCount, ItemEvent, Transfer
from depot.loans.models import Loan
from depot.organisations.models import utcnow
from depot.stock import services as stock
from depot.stock.models import StockLevel, StockMovement

MAX = stock.MAX_QUANTITY
DEPOTS = 3

# The life of an item as the issue describes it: step → (states it starts from, where it goes).
# finish_cleaning goes to `available` for a type inspected by interval only, else `inspection`.
TRANSITIONS = {
    "reserve": ({"available"}, "reserved"),
    "cancel_reservation": ({"reserved"}, "available"),
    "lend": ({"reserved"}, "on_loan"),
    "take_back": ({"on_loan"}, "returned"),
    "start_cleaning": ({"returned"}, "cleaning"),
    "finish_cleaning": ({"cleaning"}, None),
    "pass_inspection": ({"inspection", "available"}, "available"),
    "fail_inspection": ({"inspection", "available"}, "repair"),
    "send_to_repair": ({"available", "returned", "cleaning", "inspection"}, "repair"),
    "repaired": ({"repair"}, "inspection"),
    "scrap": ({"available", "returned", "cleaning", "inspection", "repair"}, "scrapped"),
    "send_transfer": ({"available"}, "in_transit"),
    "receive_transfer": ({"in_transit"}, "available"),
}
ACTIONS = tuple(TRANSITIONS)
# The usual next step from each state: round the loop of lending, cleaning and inspection.
LIFE = {
    "available": "reserve",
    "reserved": "lend",
    "on_loan": "take_back",
    "returned": "start_cleaning",
    "cleaning": "finish_cleaning",
    "inspection": "pass_inspection",
    "repair": "repaired",
    "in_transit": "receive_transfer",
}
SERIALS = st.lists(st.sampled_from(["SN-1", "SN-2", "SN-3", "SN-4", None]), min_size=1, max_size=3)
# Mostly ordinary amounts; now and then zero, negative or beyond the maximum.
QUANTITIES = st.integers(1, 12) | st.integers(-2, 40) | st.sampled_from([0, MAX, MAX + 1])
DELTAS = st.integers(-12, 12) | st.integers(-40, 40) | st.sampled_from([-MAX - 1, MAX + 1])
REASONS = st.sampled_from(["Optælling", "Optælling", "Kassation – beskadiget æske", "", "   "])
# Stock is kept of consumables; the reusable wheelchair must be refused as stock.
STOCK_PRODUCTS = st.sampled_from(("bleer", "bleer", "bleer", "underlag", "kørestol"))
STOCK_DEPOTS = st.integers(0, 1)  # few stock lines, so that operations meet on the same one


@dataclass(frozen=True)
class World:
    """The fixed rows every example works with; only items and stock are emptied between."""

    organisation_id: int
    depot_ids: tuple[int, ...]
    products: dict[str, int]  # key → product id
    citizen_ids: tuple[int, ...]


@dataclass(frozen=True)
class ItemModel:
    kind: str  # "interval": inspected every 12 months; "unplanned": no inspection plan
    status: str = "available"
    depot_id: int = 0
    overdue: bool = False
    loan_open: bool = False
    transfer_to: int | None = None


def expected_step(model: ItemModel, action: str, to_depot: int) -> tuple[type | None, ItemModel]:
    """The model's answer: the refusal expected (or None) and the item after the step."""
    if action == "send_transfer" and to_depot == model.depot_id:
        return DomainError, model
    from_states, to_state = TRANSITIONS[action]
    if model.status not in from_states or (action in ("reserve", "lend") and model.overdue):
        return Conflict, model
    if action == "finish_cleaning":
        to_state = "available" if model.kind == "interval" else "inspection"
    after = replace(model, status=to_state)
    if action == "lend":
        after = replace(after, loan_open=True)
    elif action == "take_back":
        after = replace(after, loan_open=False)
    elif action == "pass_inspection":
        after = replace(after, overdue=False)
    elif action == "send_transfer":
        after = replace(after, transfer_to=to_depot)
    elif action == "receive_transfer":
        after = replace(after, depot_id=model.transfer_to, transfer_to=None)
    return None, after


def expected_stock(product: str, kind: str, amount: int, balance: int, reason: str = "x"):
    """The refusal expected for a stock operation (or None), and the balance after it."""
    if kind == "adjust":
        if not reason.strip() or amount == 0 or abs(amount) > MAX:
            return DomainError, balance
    elif kind == "reorder_point":
        if not 0 <= amount <= MAX or product == "kørestol":
            return DomainError, balance
        return None, balance
    elif not 0 < amount <= MAX:
        return DomainError, balance
    if product == "kørestol":
        return DomainError, balance
    after = balance - amount if kind == "issue" else balance + amount
    return (Conflict, balance) if after < 0 else (None, after)


SNAPSHOT_COLUMNS = (
    (Item.id, Item.status, Item.depot_id, Item.next_inspection_due, Item.serial, Item.asset_tag),
    (ItemEvent.id, ItemEvent.item_id, ItemEvent.to_status),
    (Loan.id, Loan.item_id, Loan.returned_at),
    (Transfer.id, Transfer.item_id, Transfer.to_depot_id, Transfer.received_at),
    (Inspection.id, Inspection.item_id, Inspection.passed),
    (StockLevel.id, StockLevel.quantity, StockLevel.reorder_point),
    (StockMovement.id, StockMovement.quantity, StockMovement.balance_after),
    (ItemCount.depot_id, ItemCount.product_id, ItemCount.owner_id, ItemCount.status, ItemCount.n),
)


def _table_as_text(columns):
    """All rows of the columns as one string, aggregated in the database."""
    row = literal("")
    for column in columns:
        row = row + func.coalesce(cast(column, String), "-") + "|"
    return select(func.coalesce(func.aggregate_strings(row, ";"), "")).scalar_subquery()


SNAPSHOT = select(*(_table_as_text(columns) for columns in SNAPSHOT_COLUMNS))


def snapshot() -> tuple:
    """Every row the operations touch (in one round trip), to show a refusal changed nothing."""
    return tuple(tuple(sorted(table.split(";"))) for table in db.session.execute(SNAPSHOT).one())


def _per_item(model, *, open_column=None, value=None):
    """A correlated subquery over the rows of `model` that belong to the current item."""
    query = select(value if value is not None else func.count()).where(model.item_id == Item.id)
    if open_column is not None:
        query = query.where(open_column.is_(None))
    return query.scalar_subquery()


# Everything the item invariants need, one row per item, in one round trip.
ITEM_FACTS = select(
    Item.id,
    Item.status,
    Item.depot_id,
    Item.next_inspection_due.label("due"),
    _per_item(Loan, open_column=Loan.returned_at).label("open_loans"),
    _per_item(Transfer, open_column=Transfer.received_at).label("open_transfers"),
    _per_item(
        Transfer, open_column=Transfer.received_at, value=func.max(Transfer.to_depot_id)
    ).label("transfer_to"),
    select(ItemEvent.to_status)
    .where(ItemEvent.item_id == Item.id)
    .order_by(ItemEvent.id.desc())
    .limit(1)
    .scalar_subquery()
    .label("last_event_status"),
)
# The trigger-kept counts per depot, product, owner and state, beside the items counted anew.
_COUNT_KEY = ("depot_id", "product_id", "owner_id", "status")
COUNTS = union_all(
    select(literal("kept"), *(getattr(ItemCount, c) for c in _COUNT_KEY), ItemCount.n).where(
        ItemCount.n != 0
    ),
    select(literal("items"), *(getattr(Item, c) for c in _COUNT_KEY), func.count()).group_by(
        *(getattr(Item, c) for c in _COUNT_KEY)
    ),
)
# The same for stock lines: balance, the sum of the ledger and the last balance_after.
STOCK_FACTS = select(
    StockLevel.depot_id,
    StockLevel.product_id,
    StockLevel.quantity,
    StockLevel.reorder_point,
    select(func.coalesce(func.sum(StockMovement.quantity), 0))
    .where(StockMovement.stock_level_id == StockLevel.id)
    .scalar_subquery()
    .label("ledger"),
    select(StockMovement.balance_after)
    .where(StockMovement.stock_level_id == StockLevel.id)
    .order_by(StockMovement.id.desc())
    .limit(1)
    .scalar_subquery()
    .label("last_balance_after"),
)


def empty_operational_tables() -> None:
    for model in (
        ItemEvent,
        Inspection,
        Transfer,
        Loan,
        Item,
        ItemCount,
        StockMovement,
        StockLevel,
    ):
        db.session.execute(delete(model))
    db.session.commit()


class DepotMachine(RuleBasedStateMachine):
    app = None
    world: World = None
    items = Bundle("items")

    def __init__(self):
        super().__init__()
        self.context = self.app.app_context()
        self.context.push()
        empty_operational_tables()
        self.model: dict[int, ItemModel] = {}
        self.serials: set[str] = set()
        self.balances: dict[tuple[int, int], int] = {}  # (depot id, product id) → units
        self.reorder_points: dict[tuple[int, int], int] = {}

    def teardown(self):
        db.session.rollback()
        self.context.pop()

    def attempt(self, expected: type | None, call):
        """Run one operation like a request: commit on success, roll back a refusal."""
        before = snapshot() if expected is not None else None  # a success is checked apart
        try:
            result = call()
        except DomainError as exc:
            db.session.rollback()
            assert type(exc) is expected, (
                f"refused ({type(exc).__name__}: {exc}); model: {expected}"
            )
            assert snapshot() == before, "a refused operation changed the database"
            return None
        db.session.commit()
        assert expected is None, f"succeeded where the model expected {expected.__name__}"
        return result

    # Items ------------------------------------------------------------------------------

    @rule(
        target=items,
        kind=st.sampled_from(["interval", "unplanned", "bleer"]),
        depot=st.integers(0, DEPOTS - 1),
        serials=SERIALS,
        overdue=st.booleans(),
    )
    def receive_items(self, kind, depot, serials, overdue):
        given = [s for s in serials if s]
        if kind == "bleer" or len(set(given)) != len(given):
            expected = DomainError
        elif self.serials & set(given):
            expected = Conflict
        else:
            expected = None
        depot_id = self.world.depot_ids[depot]
        # Received 800 days ago with a 12-month plan: overdue for inspection today.
        at = utcnow() - timedelta(days=800) if overdue else None
        received = self.attempt(
            expected,
            lambda: items.receive_items(
                product_id=self.world.products[kind],
                depot_id=depot_id,
                owner_id=self.world.organisation_id,
                serials=serials,
                user=None,
                at=at,
            ),
        )
        if received is None:
            return multiple()
        self.serials |= set(given)
        for item in received:
            self.model[item.id] = ItemModel(
                kind=kind, depot_id=depot_id, overdue=overdue and kind == "interval"
            )
        return multiple(*(item.id for item in received))

    def perform(self, item_id: int, action: str, to_depot: int, citizen: int):
        if action == "reserve":
            return items.reserve_item(item_id=item_id, user=None)
        if action == "lend":
            return items.lend_item(
                item_id=item_id,
                citizen_id=self.world.citizen_ids[citizen],
                lender_id=self.world.organisation_id,
                user=None,
                legal_basis="SEL § 112",
            )
        if action == "take_back":
            return items.take_back_item(item_id=item_id, user=None)
        if action == "finish_cleaning":
            return items.finish_cleaning(item_id=item_id, user=None)
        if action in ("pass_inspection", "fail_inspection"):
            return items.record_inspection(
                item_id=item_id, passed=action == "pass_inspection", user=None, note="Tjek"
            )
        if action == "send_transfer":
            return items.send_transfer(item_id=item_id, to_depot_id=to_depot, user=None)
        if action == "receive_transfer":
            return items.receive_transfer(item_id=item_id, user=None)
        return items.apply_step(item_id=item_id, step_name=action, user=None, note="Trin")

    def act(self, item_id: int, action: str, depot: int, citizen: int):
        to_depot = self.world.depot_ids[depot]
        expected, after = expected_step(self.model[item_id], action, to_depot)
        result = self.attempt(expected, lambda: self.perform(item_id, action, to_depot, citizen))
        if expected is None:
            assert result is not None
            self.model[item_id] = after

    @rule(
        item=items,
        action=st.sampled_from(ACTIONS),
        depot=st.integers(0, DEPOTS - 1),
        citizen=st.integers(0, 1),
    )
    def any_step(self, item, action, depot, citizen):
        """Any step on any item: often refused."""
        self.act(item, action, depot, citizen)

    @rule(item=items, steps=st.integers(1, 6), data=st.data())
    def possible_steps(self, item, steps, data):
        """A few steps the model allows, mostly along the item's life, so items get far."""
        for _ in range(steps):
            model = self.model[item]
            choices = [
                (action, depot)
                for action in ACTIONS
                for depot in range(DEPOTS)
                if expected_step(model, action, self.world.depot_ids[depot])[0] is None
            ]
            along = [(a, d) for a, d in choices if a == LIFE.get(model.status)]
            if along and data.draw(st.integers(0, 3)):
                choices = along
            if not choices:
                return
            action, depot = data.draw(st.sampled_from(choices))
            self.act(item, action, depot, data.draw(st.integers(0, 1)))

    @rule(item=items, data=st.data())
    def impossible_step(self, item, data):
        """A step the model says the item's state refuses: it must be refused, changing nothing."""
        model = self.model[item]
        choices = [
            (action, depot)
            for action in ACTIONS
            for depot in range(DEPOTS)
            if expected_step(model, action, self.world.depot_ids[depot])[0] is not None
        ]
        action, depot = data.draw(st.sampled_from(choices))
        self.act(item, action, depot, data.draw(st.integers(0, 1)))

    # Stock ------------------------------------------------------------------------------

    def stock_operation(self, kind: str, depot: int, product: str, amount: int, reason="x"):
        key = (self.world.depot_ids[depot], self.world.products[product])
        balance = self.balances.get(key, 0)
        expected, after = expected_stock(product, kind, amount, balance, reason)
        arguments = {"depot_id": key[0], "product_id": key[1], "user": None}
        if kind == "receive":
            call = lambda: stock.receive_stock(**arguments, quantity=amount, reason="Levering")  # noqa: E731
        elif kind == "issue":
            call = lambda: stock.issue_stock(**arguments, quantity=amount, reason="Udlevering")  # noqa: E731
        elif kind == "adjust":
            call = lambda: stock.adjust_stock(**arguments, delta=amount, reason=reason)  # noqa: E731
        else:
            del arguments["user"]
            call = lambda: stock.set_reorder_point(**arguments, reorder_point=amount)  # noqa: E731
        result = self.attempt(expected, call)
        if expected is None:
            assert result is not None
            self.balances[key] = after
            if kind == "reorder_point":
                self.reorder_points[key] = amount

    @rule(
        kind=st.sampled_from(["receive", "receive", "issue", "issue", "adjust", "reorder_point"]),
        depot=STOCK_DEPOTS,
        product=STOCK_PRODUCTS,
        amount=QUANTITIES,
        delta=DELTAS,
        reason=REASONS,
    )
    def change_stock(self, kind, depot, product, amount, delta, reason):
        """Receive, issue or adjust stock, or set a reorder point; often refused."""
        amount = delta if kind == "adjust" else amount
        self.stock_operation(kind, depot, product, amount, reason)

    @precondition(lambda self: any(self.balances.values()))
    @rule(extra=st.sampled_from([0, 0, 1]), data=st.data())
    def issue_the_rest(self, extra, data):
        """Take exactly what is left of a line (the balance goes to 0), or one more (refused)."""
        lines = sorted(
            (depot, product)
            for depot in range(DEPOTS)
            for product in ("bleer", "underlag")
            if self.balances.get((self.world.depot_ids[depot], self.world.products[product]))
        )
        depot, product = data.draw(st.sampled_from(lines))
        key = (self.world.depot_ids[depot], self.world.products[product])
        self.stock_operation("issue", depot, product, self.balances[key] + extra)

    # Invariants -------------------------------------------------------------------------

    @invariant()
    def items_agree_with_loans_transfers_and_events(self):
        rows = db.session.execute(ITEM_FACTS).all()
        today = utcnow().date()
        assert {row.id for row in rows} == set(self.model)
        for row in rows:
            assert row.open_loans <= 1 and row.open_transfers <= 1, row
            assert (row.status == "on_loan") == (row.open_loans == 1), row
            assert (row.status == "in_transit") == (row.open_transfers == 1), row
            assert row.last_event_status == row.status, row
            model = self.model[row.id]
            actual = replace(
                model,
                status=row.status,
                depot_id=row.depot_id,
                overdue=row.due is not None and row.due < today,
                loan_open=row.open_loans == 1,
                transfer_to=row.transfer_to,
            )
            assert actual == model, (actual, model)

    @invariant()
    def kept_item_counts_equal_the_items(self):
        counts = {"kept": {}, "items": {}}
        for source, *key, n in db.session.execute(COUNTS):
            counts[source][tuple(key)] = n
        assert counts["kept"] == counts["items"]

    @invariant()
    def balances_equal_the_ledger_and_are_never_negative(self):
        seen = set()
        for row in db.session.execute(STOCK_FACTS):
            key = (row.depot_id, row.product_id)
            seen.add(key)
            assert row.quantity >= 0, row
            # A line with no movement yet (made by setting a reorder point) stands at 0.
            last_balance_after = 0 if row.last_balance_after is None else row.last_balance_after
            assert row.quantity == row.ledger == last_balance_after, row
            assert row.quantity == self.balances.get(key, 0), (row, self.balances)
            assert row.reorder_point == self.reorder_points.get(key, 0), row
        assert {key for key, units in self.balances.items() if units} <= seen


@pytest.fixture
def world(app, make):
    organisation = make.organisation(name="Herning Kommune")
    depots = tuple(make.depot(owner=organisation).id for _ in range(DEPOTS))
    interval_type, unplanned_type = make.product_type(), make.product_type()
    products = {
        "interval": make.product(product_type=interval_type, name="Personløfter Ædelgran").id,
        "unplanned": make.product(product_type=unplanned_type, name="Rollator Øresund").id,
        "bleer": make.product(name="Bleer str. M", reusable=False).id,
        "underlag": make.product(name="Engangsunderlag 60×90", reusable=False).id,
    }
    products["kørestol"] = products["unplanned"]
    with app.app_context():
        items.save_inspection_plan(
            product_type_id=interval_type.id, interval_months=12, after_every_loan=False
        )
        citizens = tuple(
            create_citizen(cpr=cpr, name=name, municipality_id=organisation.id).id
            for cpr, name in (("010150-1234", "Åse Ørum"), ("020260-2345", "Bjørn Æbelø"))
        )
        db.session.commit()
    return World(organisation.id, depots, products, citizens)


def test_random_operations_keep_every_invariant(app, world):
    DepotMachine.app, DepotMachine.world = app, world
    run_state_machine_as_test(
        DepotMachine,
        settings=settings(
            max_examples=50,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
