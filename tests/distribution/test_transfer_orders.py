"""Transfer order services: create (grouping, merging, numbering, checks), the proposal, send,
receive (items and consumables), cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update

from depot.auth.models import User
from depot.distribution import picking
from depot.distribution import transfer_orders as services
from depot.distribution.models import (
    DistributionRun,
    TransferOrder,
    TransferOrderItem,
    TransferOrderLine,
)
from depot.distribution.transfer_orders import TransferLineDraft
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items import services as item_services
from depot.items.models import Item, ItemEvent, Transfer
from depot.organisations.models import Depot, utcnow
from depot.stock.models import StockLevel, StockMovement
from depot.stock.services import ledger_sum
from depot.web import numbering
from depot.web.i18n import local_today
from tests.distribution.test_transfer_orders_world import TransferWorld, build_world


@pytest.fixture
def w(make, herning, holstebro, region) -> TransferWorld:
    return build_world(make, herning, holstebro, region)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _user(user) -> User:
    return db.session.get(User, user.id)


def _draft(w, what=None, quantity=1, source=None, target=None) -> TransferLineDraft:
    what = what or w.chair_type
    typed = what in (w.chair_type, w.bed_type)
    return TransferLineDraft(
        from_depot_id=(source or w.depot_h).id,
        to_depot_id=(target or w.depot_s).id,
        product_type_id=what.id if typed else None,
        product_id=None if typed else what.id,
        quantity=quantity,
    )


def _item(item_id: int) -> Item:
    return db.session.get(Item, item_id, populate_existing=True)


def _balance(depot, product) -> int:
    return db.session.scalar(
        select(StockLevel.quantity).where(
            StockLevel.depot_id == depot.id, StockLevel.product_id == product.id
        )
    )


def _days_ago(days: int):
    return local_today() - timedelta(days=days)


# --- create ---------------------------------------------------------------------------------


def test_one_order_per_depot_pair_with_lines_merged(w, app_ctx):
    officer = _user(w.user("procurement", w.region))
    drafts = [
        _draft(w, w.chair_type, 2),
        _draft(w, w.gloves, 40),
        _draft(w, w.bed_type, 1, source=w.shared),  # another pair
        _draft(w, w.chair_type, 3),  # merged with the first
        _draft(w, w.chair_type, 1, target=w.shared),  # another pair
        _draft(w, w.gloves, 10),  # merged
    ]
    made = services.create_transfer_orders(drafts=drafts, user=officer, note="Runde 1")
    year = local_today().year
    assert [o.number for o in made] == [f"OF-{year}-{n:05d}" for n in (1, 2, 3)]
    first, second, third = made
    assert (first.from_depot_id, first.to_depot_id) == (w.depot_h.id, w.depot_s.id)
    assert (second.from_depot_id, second.to_depot_id) == (w.shared.id, w.depot_s.id)
    assert (third.from_depot_id, third.to_depot_id) == (w.depot_h.id, w.shared.id)
    assert [(ln.product_type_id, ln.product_id, ln.quantity) for ln in first.lines] == [
        (w.chair_type.id, None, 5),
        (None, w.gloves.id, 50),
    ]
    assert [(ln.product_type_id, ln.quantity) for ln in second.lines] == [(w.bed_type.id, 1)]
    for order in made:
        assert order.status == "open" and order.version_id == 1
        assert order.created_by_id == officer.id and order.note == "Runde 1"
        assert order.run_id is None and order.sent_at is None
        assert all(ln.sent_quantity == ln.received_quantity == 0 for ln in order.lines)


def test_orders_carry_their_distribution_run(w, app_ctx):
    run = DistributionRun(title="Fordeling marts", organisation_id=w.region.id)
    db.session.add(run)
    db.session.flush()
    (order,) = services.create_transfer_orders(drafts=[_draft(w)], user=None, run_id=run.id)
    assert order.run_id == run.id and order.created_by_id is None


def test_numbers_run_per_year_and_keep_counting_past_five_digits(w, app_ctx):
    year = local_today().year

    def one() -> str:
        (order,) = services.create_transfer_orders(drafts=[_draft(w)], user=None)
        return order.number

    assert one() == f"OF-{year}-00001"
    first = db.session.scalar(select(TransferOrder))
    first.number = f"OF-{year - 1}-00042"  # last year's order does not count
    db.session.flush()
    assert one() == f"OF-{year}-00001"
    assert one() == f"OF-{year}-00002"
    first.number = f"OF-{year}-99999"
    db.session.flush()
    assert one() == f"OF-{year}-100000"


def test_a_number_taken_meanwhile_is_retried(w, app_ctx, monkeypatch):
    year = local_today().year
    services.create_transfer_orders(drafts=[_draft(w)], user=None)
    real, calls = numbering.last_number, []

    def last_number(model, prefix):
        calls.append(prefix)
        return 0 if len(calls) <= 2 else real(model, prefix)

    monkeypatch.setattr(numbering, "last_number", last_number)
    (order,) = services.create_transfer_orders(drafts=[_draft(w, w.gloves, 7)], user=None)
    assert order.number == f"OF-{year}-00002" and len(calls) == 3
    assert [line.quantity for line in order.lines] == [7]
    assert _count(TransferOrder) == 2 and _count(TransferOrderLine) == 2


def test_no_free_number_is_a_conflict(w, app_ctx, monkeypatch):
    services.create_transfer_orders(drafts=[_draft(w)], user=None)
    monkeypatch.setattr(numbering, "last_number", lambda model, prefix: 0)
    with pytest.raises(Conflict):
        services.create_transfer_orders(drafts=[_draft(w)], user=None)


BAD_DRAFTS = {
    "zero quantity": lambda w: {"quantity": 0},
    "negative quantity": lambda w: {"quantity": -3},
    "fractional quantity": lambda w: {"quantity": 1.5},
    "boolean quantity": lambda w: {"quantity": True},
    "text quantity": lambda w: {"quantity": "4"},
    "quantity over the limit": lambda w: {"quantity": 100_001},
    "the same depot": lambda w: {"to_depot_id": w.depot_h.id},
    "unknown from-depot": lambda w: {"from_depot_id": 999999},
    "unknown to-depot": lambda w: {"to_depot_id": 999999},
    "id out of range": lambda w: {"to_depot_id": 2**40},
    "id of the wrong type": lambda w: {"from_depot_id": str(w.depot_h.id)},
    "type and product": lambda w: {"product_id": w.gloves.id},
    "neither type nor product": lambda w: {"product_type_id": None},
    "unknown type": lambda w: {"product_type_id": 999999},
    "unknown product": lambda w: {"product_type_id": None, "product_id": 999999},
    "a reusable product": lambda w: {"product_type_id": None, "product_id": w.chair.id},
}


@pytest.mark.parametrize("case", sorted(BAD_DRAFTS))
def test_bad_drafts_are_refused_and_nothing_is_created(w, app_ctx, case):
    good = _draft(w, w.chair_type, 2)
    bad = TransferLineDraft(**{**good.__dict__, **BAD_DRAFTS[case](w)})
    with pytest.raises(DomainError) as refused:
        services.create_transfer_orders(drafts=[good, bad], user=None)
    assert refused.value.status_code == 400
    db.session.rollback()
    assert _count(TransferOrder) == 0


def test_other_refusals_when_creating(w, app_ctx):
    with force_locale("en"):
        with pytest.raises(DomainError, match="nothing to transfer"):
            services.create_transfer_orders(drafts=[], user=None)
        with pytest.raises(DomainError, match="Unknown distribution run"):
            services.create_transfer_orders(drafts=[_draft(w)], user=None, run_id=999999)
        with pytest.raises(DomainError, match="too large"):
            services.create_transfer_orders(drafts=[_draft(w, quantity=60_000)] * 2, user=None)
        with pytest.raises(DomainError, match="too long"):
            services.create_transfer_orders(drafts=[_draft(w)], user=None, note="x" * 3000)
        with pytest.raises(DomainError, match="Invalid transfer line"):
            services.create_transfer_orders(drafts=[{"quantity": 1}], user=None)
        db.session.execute(update(Depot).where(Depot.id == w.depot_s.id).values(active=False))
        with pytest.raises(DomainError, match="inactive depot"):
            services.create_transfer_orders(drafts=[_draft(w)], user=None)
    db.session.rollback()
    assert _count(TransferOrder) == 0


# --- the proposal ---------------------------------------------------------------------------


def test_the_proposal_is_available_items_of_the_type_oldest_first(w, app_ctx):
    old = w.items(count=2)
    light = w.items(product=w.chair_light)  # another product of the same type
    w.items(status="reserved")
    w.items(depot=w.shared)  # elsewhere
    w.items(product=w.bed)  # another type
    overdue = w.items()
    due_today = w.items()
    due_soon = w.items()  # due before it is of much use at the other depot
    due_later = w.items()
    db.session.execute(
        update(Item).where(Item.id.in_(overdue)).values(next_inspection_due=_days_ago(1))
    )
    db.session.execute(
        update(Item).where(Item.id.in_(due_today)).values(next_inspection_due=local_today())
    )
    margin = picking.INSPECTION_MARGIN_DAYS
    db.session.execute(
        update(Item)
        .where(Item.id.in_(due_soon))
        .values(next_inspection_due=local_today() + timedelta(days=margin - 1))
    )
    db.session.execute(
        update(Item)
        .where(Item.id.in_(due_later))
        .values(next_inspection_due=local_today() + timedelta(days=margin))
    )
    long_ago = utcnow() - timedelta(days=400)
    db.session.execute(update(Item).where(Item.id == old[1]).values(received_at=long_ago))
    order = db.session.get(TransferOrder, w.order([(w.chair_type, 2), (w.gloves, 3)]).id)
    chairs, gloves = order.lines
    proposed = [item.id for item in picking.proposed_items(line=chairs)]
    assert proposed == [old[1], old[0], *light, *due_later]
    assert [i.id for i in picking.proposed_items(line=chairs, limit=2)] == [old[1], old[0]]
    assert picking.proposed_items(line=gloves) == []


def test_scanned_codes_become_picks_by_type(w, app_ctx):
    chairs = w.items(count=2)
    light = w.items(product=w.chair_light)
    bed = w.items(product=w.bed)
    order = db.session.get(TransferOrder, w.order().id)
    tags = {i: _item(i).asset_tag for i in [*chairs, *light, *bed]}
    line = order.lines[0]
    picks = picking.picks_from_codes(
        order=order, codes=[tags[chairs[0]], tags[light[0]].lower(), tags[chairs[0]]]
    )
    assert picks == {line.id: [chairs[0], light[0]]}
    with force_locale("en"):
        with pytest.raises(DomainError, match="Unknown codes: HM9999999"):
            picking.picks_from_codes(order=order, codes=["HM9999999"])
        with pytest.raises(DomainError, match="Not a product type on this order"):
            picking.picks_from_codes(order=order, codes=[tags[bed[0]]])
        with pytest.raises(DomainError, match="At most"):
            picking.picks_from_codes(order=order, codes=["x"] * 2001)


# --- send -----------------------------------------------------------------------------------


def test_sending_puts_the_picked_items_in_transit_with_the_order_number(w, app_ctx):
    chairs = w.items(count=3)
    order = w.order([(w.chair_type, 3)])
    staff = _user(w.user("depot_staff", w.herning))
    line_id = order.lines[0].id
    sent = services.send_order(
        order_id=order.id, picks={line_id: chairs[:2]}, quantities={}, user=staff
    )
    db.session.commit()
    assert sent.status == "sent" and sent.sent_by_id == staff.id and sent.sent_at is not None
    assert sent.version_id == 2
    assert sent.lines[0].sent_quantity == 2  # short-picked: 2 of 3
    for item_id in chairs[:2]:
        item = _item(item_id)
        assert item.status == "in_transit" and item.depot_id == w.depot_h.id
        transfer = db.session.scalar(select(Transfer).where(Transfer.item_id == item_id))
        assert (transfer.from_depot_id, transfer.to_depot_id) == (w.depot_h.id, w.depot_s.id)
        assert transfer.sent_by_id == staff.id and transfer.received_at is None
        event = db.session.scalar(
            select(ItemEvent).where(ItemEvent.item_id == item_id).order_by(ItemEvent.id.desc())
        )
        assert (event.kind, event.from_status, event.to_status) == (
            "send_transfer",
            "available",
            "in_transit",
        )
        assert event.note == order.number and event.user_id == staff.id
    assert _item(chairs[2]).status == "available"
    picked = db.session.scalars(select(TransferOrderItem).order_by(TransferOrderItem.item_id))
    assert [(p.line_id, p.item_id) for p in picked] == [(line_id, i) for i in chairs[:2]]


PICK_REFUSALS = {
    "reserved": ("reserved", Conflict, "is Reserved, not available"),
    "elsewhere": ("elsewhere", Conflict, "is not in Herning Hjælpemiddeldepot"),
    "in the to-depot": ("target", Conflict, "is not in Herning Hjælpemiddeldepot"),
    "another type": ("bed", DomainError, "is not of the type 12 22 03"),
    "unknown": ("unknown", DomainError, "does not exist"),
}


@pytest.mark.parametrize("case", sorted(PICK_REFUSALS))
def test_one_bad_pick_sends_nothing(w, app_ctx, case):
    kind, error, message = PICK_REFUSALS[case]
    good = w.items(count=2)
    bad = {
        "reserved": lambda: w.items(status="reserved"),
        "elsewhere": lambda: w.items(depot=w.shared),
        "target": lambda: w.items(depot=w.depot_s),
        "bed": lambda: w.items(product=w.bed),
        "unknown": lambda: [999999],
    }[kind]()
    w.stock(10)
    order = w.order([(w.chair_type, 3), (w.gloves, 5)])
    chairs, gloves = order.lines
    with force_locale("en"), pytest.raises(error, match=message) as refused:
        services.send_order(
            order_id=order.id,
            picks={chairs.id: [*good, *bad]},
            quantities={gloves.id: 5},
            user=None,
        )
    assert refused.value.status_code == (409 if error is Conflict else 400)
    db.session.rollback()
    assert db.session.get(TransferOrder, order.id).status == "open"
    assert [_item(i).status for i in good] == ["available", "available"]
    assert _count(Transfer) == 0 and _count(TransferOrderItem) == 0
    assert _balance(w.depot_h, w.gloves) == 10
    assert _count(StockMovement, StockMovement.kind == "transfer_out") == 0


def test_bad_picks_are_refused(w, app_ctx):
    chairs = w.items(count=3)
    order = w.order([(w.chair_type, 2), (w.gloves, 5)])
    other = w.order([(w.bed_type, 1)])
    line, gloves = order.lines
    cases = [
        ({line.id: chairs}, {}, "at most 2 items"),
        ({line.id: [chairs[0], chairs[0]]}, {}, "picked twice"),
        ({line.id: ["1"]}, {}, "Invalid picks"),
        ({line.id: str(chairs[0])}, {}, "Invalid picks"),
        ({other.lines[0].id: chairs[:1]}, {}, "not on transfer order"),
        ({gloves.id: chairs[:1]}, {}, "sent as a quantity"),
        ({}, {line.id: 1}, "sent as picked items"),
        ({}, {gloves.id: 6}, "at most 5 units can be sent"),
        ({}, {gloves.id: -1}, "whole number"),
        ({}, {gloves.id: "2"}, "whole number"),
        ({}, {gloves.id: 0}, "at least one item"),
        ({line.id: []}, {}, "at least one item"),
        ([], {}, "Invalid picks"),
    ]
    with force_locale("en"):
        for picks, quantities, message in cases:
            with pytest.raises(DomainError, match=message) as refused:
                services.send_order(
                    order_id=order.id, picks=picks, quantities=quantities, user=None
                )
            assert refused.value.status_code == 400, message
        with pytest.raises(DomainError, match="No such transfer order") as missing:
            services.send_order(order_id=999999, picks={}, quantities={}, user=None)
        assert missing.value.status_code == 404
    assert db.session.get(TransferOrder, order.id).status == "open"


def test_an_order_is_sent_once(w, app_ctx):
    chairs = w.items(count=2)
    order = w.order()
    line_id = order.lines[0].id
    services.send_order(order_id=order.id, picks={line_id: chairs[:1]}, quantities={}, user=None)
    with force_locale("en"), pytest.raises(Conflict, match="already been sent"):
        services.send_order(
            order_id=order.id, picks={line_id: chairs[1:]}, quantities={}, user=None
        )
    db.session.rollback()
    assert _item(chairs[1]).status == "available"


def test_a_stale_form_is_a_conflict(w, app_ctx):
    chairs = w.items()
    order = w.order()
    with force_locale("en"), pytest.raises(Conflict, match="changed meanwhile"):
        services.send_order(
            order_id=order.id,
            picks={order.lines[0].id: chairs},
            quantities={},
            user=None,
            expected_version=7,
        )
    db.session.rollback()
    assert _item(chairs[0]).status == "available"


# --- receive --------------------------------------------------------------------------------


def test_receiving_makes_the_items_available_in_the_to_depot(w, app_ctx):
    chairs = w.items(count=2)
    order = w.order()
    services.send_order(
        order_id=order.id, picks={order.lines[0].id: chairs}, quantities={}, user=None
    )
    db.session.commit()
    staff = _user(w.user("depot_staff", w.holstebro))
    received = services.receive_order(order_id=order.id, user=staff, expected_version=2)
    db.session.commit()
    assert received.status == "received" and received.received_by_id == staff.id
    assert received.lines[0].received_quantity == 2 and received.version_id == 3
    for item_id in chairs:
        item = _item(item_id)
        assert (item.status, item.depot_id) == ("available", w.depot_s.id)
        transfer = db.session.scalar(select(Transfer).where(Transfer.item_id == item_id))
        assert transfer.received_at is not None and transfer.received_by_id == staff.id
        kinds = db.session.execute(
            select(ItemEvent.kind, ItemEvent.depot_id, ItemEvent.note)
            .where(ItemEvent.item_id == item_id)
            .order_by(ItemEvent.id)
        ).all()
        assert kinds == [
            ("received", w.depot_h.id, None),
            ("send_transfer", w.depot_h.id, order.number),
            ("receive_transfer", w.depot_s.id, order.number),
        ]
    with force_locale("en"), pytest.raises(Conflict, match="already been received"):
        services.receive_order(order_id=order.id, user=staff)


def test_an_item_received_on_the_transfers_page_first_is_not_received_twice(w, app_ctx):
    chairs = w.items(count=2)
    order = w.order()
    services.send_order(
        order_id=order.id, picks={order.lines[0].id: chairs}, quantities={}, user=None
    )
    item_services.receive_transfer(item_id=chairs[0], user=None)
    services.receive_order(order_id=order.id, user=None)
    assert [(_item(i).status, _item(i).depot_id) for i in chairs] == [
        ("available", w.depot_s.id)
    ] * 2
    assert _count(ItemEvent, ItemEvent.kind == "receive_transfer") == 2


def test_nothing_is_received_before_sending_or_after_cancelling(w, app_ctx):
    order = w.order()
    with force_locale("en"):
        with pytest.raises(Conflict, match="not been sent yet"):
            services.receive_order(order_id=order.id, user=None)
        services.cancel_order(order_id=order.id, user=None, reason="Ikke nødvendig")
        with pytest.raises(Conflict, match="is cancelled"):
            services.receive_order(order_id=order.id, user=None)
        with pytest.raises(Conflict, match="is cancelled"):
            services.send_order(order_id=order.id, picks={}, quantities={}, user=None)
        with pytest.raises(DomainError, match="No such transfer order"):
            services.receive_order(order_id=999999, user=None)


# --- consumables ----------------------------------------------------------------------------


def test_consumables_move_between_the_stocks_through_the_ledger(w, app_ctx):
    w.stock(10)
    chairs = w.items()
    order = w.order([(w.chair_type, 1), (w.gloves, 6)])
    chairs_line, gloves = order.lines
    services.send_order(
        order_id=order.id,
        picks={chairs_line.id: chairs},
        quantities={gloves.id: 4},
        user=None,
    )
    assert _balance(w.depot_h, w.gloves) == 6
    assert db.session.get(TransferOrderLine, gloves.id).sent_quantity == 4
    out = db.session.scalar(select(StockMovement).where(StockMovement.kind == "transfer_out"))
    assert (out.quantity, out.balance_after, out.reason) == (-4, 6, order.number)
    services.receive_order(order_id=order.id, user=None)
    assert _balance(w.depot_s, w.gloves) == 4
    line = db.session.get(TransferOrderLine, gloves.id)
    assert (line.sent_quantity, line.received_quantity) == (4, 4)
    into = db.session.scalar(select(StockMovement).where(StockMovement.kind == "transfer_in"))
    assert (into.quantity, into.balance_after, into.reason) == (4, 4, order.number)
    for level in db.session.scalars(select(StockLevel)):
        assert ledger_sum(stock_level_id=level.id) == level.quantity


def test_stock_never_goes_negative(w, app_ctx):
    w.stock(3)
    order = w.order([(w.gloves, 5)])
    with force_locale("en"), pytest.raises(Conflict, match="Only 3 in stock") as refused:
        services.send_order(
            order_id=order.id, picks={}, quantities={order.lines[0].id: 5}, user=None
        )
    assert refused.value.status_code == 409
    db.session.rollback()
    assert _balance(w.depot_h, w.gloves) == 3
    assert db.session.get(TransferOrder, order.id).status == "open"
    # With no stock line at all in the from-depot, likewise.
    empty = w.order([(w.gloves, 1)], source=w.shared)
    with pytest.raises(Conflict):
        services.send_order(
            order_id=empty.id, picks={}, quantities={empty.lines[0].id: 1}, user=None
        )


# --- cancel ---------------------------------------------------------------------------------


def test_cancelling_an_open_order_keeps_the_reason(w, app_ctx):
    officer = _user(w.user("procurement", w.region))
    order = w.order(note="Fra kørsel 4")
    with force_locale("en"):
        cancelled = services.cancel_order(
            order_id=order.id, user=officer, reason="  Dækket på anden vis ", expected_version=1
        )
    assert cancelled.status == "cancelled" and cancelled.version_id == 2
    assert cancelled.note == f"Fra kørsel 4\n\nCancelled by {officer.name}: Dækket på anden vis"
    with force_locale("en"), pytest.raises(Conflict, match="is cancelled"):
        services.cancel_order(order_id=order.id, user=officer, reason="igen")


def test_a_sent_order_cannot_be_cancelled(w, app_ctx):
    chairs = w.items()
    order = w.order()
    services.send_order(
        order_id=order.id, picks={order.lines[0].id: chairs}, quantities={}, user=None
    )
    with force_locale("en"):
        with pytest.raises(Conflict, match="can no longer be cancelled"):
            services.cancel_order(order_id=order.id, user=None, reason="For sent")
        for reason, message in (("", "Give a reason"), ("x" * 1001, "too long"), (3, "Invalid")):
            with pytest.raises(DomainError, match=message) as refused:
                services.cancel_order(order_id=order.id, user=None, reason=reason)
            assert refused.value.status_code == 400
        with pytest.raises(DomainError, match="No such transfer order"):
            services.cancel_order(order_id=999999, user=None, reason="?")
