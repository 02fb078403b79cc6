"""Checks of the generated depot data shared by the demo tests: invariants and a digest."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from itertools import pairwise

from sqlalchemy import func, select

from depot.catalogue.models import Product
from depot.citizens.models import Citizen
from depot.extensions import db
from depot.items.models import Item, ItemEvent, Transfer
from depot.items.services import STEPS
from depot.loans.models import Loan
from depot.organisations.models import Depot, Organisation
from depot.stock.models import StockLevel, StockMovement


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def item_history_problems() -> list[str]:
    """Every item's events form a valid walk through the state machine ending in its state."""
    problems = []
    items = {i.id: i for i in db.session.scalars(select(Item))}
    events = defaultdict(list)
    rows = db.session.execute(
        select(
            ItemEvent.item_id,
            ItemEvent.kind,
            ItemEvent.from_status,
            ItemEvent.to_status,
            ItemEvent.at,
            ItemEvent.depot_id,
        ).order_by(ItemEvent.id)
    )
    for item_id, kind, from_status, to_status, at, depot_id in rows:
        events[item_id].append((kind, from_status, to_status, at, depot_id))
    for item_id, item in items.items():
        history = events[item_id]
        if not history or history[0][:3] != ("received", None, "available"):
            problems.append(f"{item.asset_tag}: does not start with a receipt")
            continue
        for previous, (kind, from_status, to_status, at, _) in pairwise(history):
            before, at_before = previous[2], previous[3]
            step = STEPS.get(kind)
            if step is None or from_status != before or from_status not in step.from_states:
                problems.append(f"{item.asset_tag}: {kind} from {from_status} after {before}")
            elif kind != "finish_cleaning" and to_status != step.to_state:
                problems.append(f"{item.asset_tag}: {kind} leads to {to_status}")
            elif at < at_before:
                problems.append(f"{item.asset_tag}: {kind} before the previous event")
        last = history[-1]
        if item.status != last[2] or item.status_changed_at != last[3]:
            problems.append(f"{item.asset_tag}: {item.status} but last event {last[2]}")
        if item.depot_id != last[4]:
            problems.append(f"{item.asset_tag}: in depot {item.depot_id}, event {last[4]}")
    return problems


def loan_problems() -> list[str]:
    """On loan ⇔ exactly one open loan; loans match their lend and take-back events."""
    problems = []
    open_by_item = defaultdict(int)
    for loan in db.session.scalars(select(Loan)):
        if loan.returned_at is None:
            open_by_item[loan.item_id] += 1
        elif loan.returned_at < loan.started_at:
            problems.append(f"loan {loan.id} returned before it started")
    for item_id, status in db.session.execute(select(Item.id, Item.status)):
        if (status == "on_loan") != (open_by_item.get(item_id, 0) == 1):
            problems.append(f"item {item_id}: {status} with {open_by_item.get(item_id, 0)} open")
    lends = dict(
        db.session.execute(
            select(ItemEvent.loan_id, ItemEvent.at).where(ItemEvent.kind == "lend")
        ).all()
    )
    for loan_id, item_id, started in db.session.execute(
        select(Loan.id, Loan.item_id, Loan.started_at)
    ):
        if lends.get(loan_id) != started:
            problems.append(f"loan {loan_id} of item {item_id}: no lend event at its start")
    return problems


def transfer_problems() -> list[str]:
    problems = []
    open_transfers = dict(
        db.session.execute(
            select(Transfer.item_id, Transfer.from_depot_id).where(Transfer.received_at.is_(None))
        ).all()
    )
    for item_id, status, depot_id in db.session.execute(
        select(Item.id, Item.status, Item.depot_id)
    ):
        if (status == "in_transit") != (item_id in open_transfers):
            problems.append(f"item {item_id}: {status}, open transfer {item_id in open_transfers}")
        elif item_id in open_transfers and open_transfers[item_id] != depot_id:
            problems.append(f"item {item_id}: in transit from another depot")
    return problems


def stock_problems() -> list[str]:
    """Balance = ledger sum ≥ 0, and every ledger row's balance_after follows the previous."""
    problems = []
    levels = {level.id: level for level in db.session.scalars(select(StockLevel))}
    running = defaultdict(int)
    for level_id, quantity, after in db.session.execute(
        select(
            StockMovement.stock_level_id, StockMovement.quantity, StockMovement.balance_after
        ).order_by(StockMovement.id)
    ):
        running[level_id] += quantity
        if running[level_id] != after or after < 0:
            problems.append(f"stock line {level_id}: balance_after {after} != {running[level_id]}")
    for level in levels.values():
        if level.quantity != running[level.id] or level.quantity < 0:
            problems.append(f"stock line {level.id}: {level.quantity} != {running[level.id]}")
    return problems


def depot_digest() -> str:
    """Content and order of the generated depot rows (names, not ids, where they refer)."""
    depots = dict(db.session.execute(select(Depot.id, Depot.name)).all())
    organisations = dict(db.session.execute(select(Organisation.id, Organisation.name)).all())
    products = dict(db.session.execute(select(Product.id, Product.hmi_number)).all())
    cprs = dict(db.session.execute(select(Citizen.id, Citizen.cpr)).all())
    parts = [
        f"{i.asset_tag}|{i.serial}|{products[i.product_id]}|{depots[i.depot_id]}|"
        f"{organisations[i.owner_id]}|{i.status}|{i.status_changed_at}|{i.next_inspection_due}|"
        f"{i.received_at}"
        for i in db.session.scalars(select(Item).order_by(Item.id))
    ]
    tags = dict(db.session.execute(select(Item.id, Item.asset_tag)).all())
    parts += [
        f"{tags[loan.item_id]}|{cprs[loan.citizen_id]}|{organisations[loan.lender_id]}|"
        f"{loan.legal_basis}|{loan.started_at}|{loan.expected_end}|{loan.returned_at}"
        for loan in db.session.scalars(select(Loan).order_by(Loan.id))
    ]
    parts += [
        f"{tags[item_id]}|{kind}|{from_status}|{to_status}|{at}|{depots.get(depot_id)}|{note}"
        for item_id, kind, from_status, to_status, at, depot_id, note in db.session.execute(
            select(
                ItemEvent.item_id,
                ItemEvent.kind,
                ItemEvent.from_status,
                ItemEvent.to_status,
                ItemEvent.at,
                ItemEvent.depot_id,
                ItemEvent.note,
            ).order_by(ItemEvent.id)
        )
    ]
    parts += [
        f"{depots[s.depot_id]}|{products[s.product_id]}|{s.quantity}|{s.reorder_point}"
        for s in db.session.scalars(select(StockLevel).order_by(StockLevel.id))
    ]
    parts += [
        f"{m.stock_level_id}|{m.kind}|{m.quantity}|{m.balance_after}|{m.at}|{m.reason}"
        for m in db.session.scalars(select(StockMovement).order_by(StockMovement.id))
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
