"""Demo step: simulate the fleet's year (depot.demo.history) and write its rows in bulk.

Items, loans, item events, inspections and transfers are written with explicit ids through
depot.demo.bulk (COPY on PostgreSQL). Item events are append-only (a trigger refuses UPDATE),
so every row is written once with its final values; ids follow time, so that each item's
events in id order are its history.
"""

from __future__ import annotations

from datetime import date, timedelta
from operator import itemgetter

from depot.demo import bulk
from depot.demo.context import DemoContext
from depot.demo.history import History
from depot.items.models import Inspection, Item, ItemEvent, Transfer
from depot.loans.models import Loan

ITEM_COLUMNS = (
    "id", "asset_tag", "serial", "product_id", "owner_id", "depot_id", "status",
    "status_changed_at", "next_inspection_due", "received_at", "note",
)  # fmt: skip
LOAN_COLUMNS = (
    "id", "item_id", "citizen_id", "lender_id", "owner_id", "legal_basis", "started_at",
    "expected_end", "returned_at", "note",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "item_id", "at", "user_id", "kind", "from_status", "to_status", "depot_id", "loan_id",
    "note",
)  # fmt: skip
INSPECTION_COLUMNS = ("id", "item_id", "at", "user_id", "passed", "note")
TRANSFER_COLUMNS = (
    "id", "item_id", "from_depot_id", "to_depot_id", "sent_at", "sent_by_id", "received_at",
    "received_by_id",
)  # fmt: skip


def create_history(ctx: DemoContext) -> None:
    """Items with 12 months of loans, cleaning, inspections, repairs and transfers."""
    fleet = ctx.fleet
    for kind in ("items", "item events", "loans", "open loans", "inspections", "transfers"):
        ctx.written[kind] = 0
    if fleet is None or not len(fleet):
        return
    history = History(ctx, fleet)
    history.run()
    # An exact loan count: requests stop at the target; if they fell short (cancellations,
    # requests nobody could serve), run the year again with correspondingly more requests.
    for _ in range(3):
        if ctx.loan_count is None or history.kept_loans >= ctx.loan_count:
            break
        shortfall = ctx.loan_count / max(history.kept_loans, 1)
        history = History(ctx, fleet, correction=history.correction * shortfall * 1.02)
        history.run()
    clock, end = fleet.clock, fleet.clock.end
    start, minutes = clock.start, timedelta(minutes=1)
    depot_ids = [d.id for d in ctx.depots]
    staff = history.staff

    events = [e for e in history.events if e[0] < end]
    events.sort(key=itemgetter(0))  # stable: an item's events keep their order
    status: list[str] = [""] * len(fleet)
    changed = [0] * len(fleet)
    depot = list(fleet.depot)
    for t, i, _kind, _from, to_status, d, _loan, _note in events:
        status[i], changed[i], depot[i] = to_status, t, d

    loans = sorted(
        (index for index, loan in enumerate(history.loans) if loan.started < end),
        key=lambda index: history.loans[index].started,
    )
    first_loan = bulk.next_id(Loan.__table__)
    loan_ids = {index: first_loan + n for n, index in enumerate(loans)}

    def item_rows():
        for i in range(len(fleet)):
            due = history.due[i]
            yield (
                fleet.first_id + i, fleet.asset_tag(i), fleet.serial[i], fleet.product[i],
                fleet.owner[i], depot_ids[depot[i]], status[i], start + changed[i] * minutes,
                date.fromordinal(due) if due is not None else None,
                start + fleet.received[i] * minutes, None,
            )  # fmt: skip

    def loan_rows():
        for index in loans:
            loan = history.loans[index]
            yield (
                loan_ids[index], fleet.first_id + loan.item, loan.citizen_id, loan.lender_id,
                fleet.owner[loan.item], loan.legal_basis, start + loan.started * minutes,
                date.fromordinal(loan.expected_end) if loan.expected_end else None,
                start + loan.returned * minutes if loan.returned is not None else None, None,
            )  # fmt: skip

    first_event = bulk.next_id(ItemEvent.__table__)

    def event_rows():
        for n, (t, i, kind, from_status, to_status, d, loan, note) in enumerate(events):
            yield (
                first_event + n, fleet.first_id + i, start + t * minutes, staff[d], kind,
                from_status, to_status, depot_ids[d], loan_ids.get(loan), note,
            )  # fmt: skip

    inspections = sorted((row for row in history.inspections if row[0] < end), key=itemgetter(0))
    first_inspection = bulk.next_id(Inspection.__table__)

    def inspection_rows():
        for n, (t, i, d, passed, note) in enumerate(inspections):
            at = start + t * minutes
            yield (first_inspection + n, fleet.first_id + i, at, staff[d], passed, note)

    transfers = [row for row in history.transfers if row[3] < end]
    first_transfer = bulk.next_id(Transfer.__table__)

    def transfer_rows():
        for n, (i, source, target, sent, arrived) in enumerate(transfers):
            received = arrived < end
            yield (
                first_transfer + n, fleet.first_id + i, depot_ids[source], depot_ids[target],
                start + sent * minutes, staff[source],
                start + arrived * minutes if received else None,
                staff[target] if received else None,
            )  # fmt: skip

    ctx.written["items"] = bulk.write_rows(Item.__table__, ITEM_COLUMNS, item_rows())
    ctx.written["loans"] = bulk.write_rows(Loan.__table__, LOAN_COLUMNS, loan_rows())
    ctx.written["open loans"] = sum(history.loans[i].returned is None for i in loans)
    ctx.written["item events"] = bulk.write_rows(ItemEvent.__table__, EVENT_COLUMNS, event_rows())
    ctx.written["inspections"] = bulk.write_rows(
        Inspection.__table__, INSPECTION_COLUMNS, inspection_rows()
    )
    ctx.written["transfers"] = bulk.write_rows(
        Transfer.__table__, TRANSFER_COLUMNS, transfer_rows()
    )
    bulk.advance_sequences(
        model.__table__ for model in (Item, Loan, ItemEvent, Inspection, Transfer)
    )
