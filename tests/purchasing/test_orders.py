"""Purchase order services: create (grouping, merging, numbering, checks), send, cancel, receive."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from depot.auth.models import User
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items.models import Item, ItemEvent
from depot.purchasing import order_queries as queries
from depot.purchasing import orders
from depot.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseReceipt
from depot.purchasing.orders import OrderLineDraft
from depot.stock.models import StockLevel, StockMovement
from depot.web import numbering
from depot.web.i18n import local_today
from tests.purchasing.test_orders_world import OrderWorld, build_world


@pytest.fixture
def w(make, herning, holstebro, region) -> OrderWorld:
    return build_world(make, herning, holstebro, region)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _user(user) -> User:
    return db.session.get(User, user.id)


# --- create ---------------------------------------------------------------------------------


def test_one_order_per_supplier_and_contract_with_lines_merged(w, app_ctx):
    buyer = _user(w.user("procurement", w.region))
    drafts = [
        w.draft(w.chair, w.herning, w.depot_h, 3, "4200.00"),
        w.draft(w.bed, w.holstebro, w.depot_s, 2, "9800.00"),
        w.draft(w.gloves, w.herning, w.depot_h, 100, "1.25"),
        w.draft(w.chair, w.herning, w.depot_h, 2, "4200.00"),  # merged with the first
        w.draft(w.chair, w.holstebro, w.depot_s, 4, "4200.00"),  # another organisation
        w.draft(w.chair, w.herning, w.shared, 1, "4200.00"),  # another depot
    ]
    made = orders.create_orders(
        drafts=drafts, organisation_id=w.region.id, user=buyer, round_id=None, note="Runde 1"
    )
    year = local_today().year
    assert [o.number for o in made] == [f"IO-{year}-00001", f"IO-{year}-00002"]
    invacare, etac = made
    assert (invacare.supplier_id, invacare.contract_id) == (w.supplier.id, w.contract.id)
    assert (etac.supplier_id, etac.contract_id) == (w.other_supplier.id, w.other_contract.id)
    for order in made:
        assert order.status == "draft"
        assert order.organisation_id == w.region.id
        assert order.created_by_id == buyer.id
        assert order.note == "Runde 1"
        assert order.sent_at is None and order.received_at is None
    assert invacare.order_cost == Decimal("750.00")
    assert etac.order_cost == Decimal("0.00")
    # The slowest contract line decides: the chair's 21 days (gloves: 10); the bed's 30.
    assert invacare.expected_delivery == local_today() + timedelta(days=21)
    assert etac.expected_delivery == local_today() + timedelta(days=30)
    lines = [
        (line.product_id, line.organisation_id, line.depot_id, line.quantity, line.unit_price)
        for line in invacare.lines
    ]
    assert lines == [
        (w.chair.id, w.herning.id, w.depot_h.id, 5, Decimal("4200.00")),
        (w.gloves.id, w.herning.id, w.depot_h.id, 100, Decimal("1.25")),
        (w.chair.id, w.holstebro.id, w.depot_s.id, 4, Decimal("4200.00")),
        (w.chair.id, w.herning.id, w.shared.id, 1, Decimal("4200.00")),
    ]
    assert {line.contract_line_id for line in invacare.lines} == {
        w.offers[(w.contract.id, w.chair.id)],
        w.offers[(w.contract.id, w.gloves.id)],
    }
    assert all(line.received_quantity == 0 for line in invacare.lines)
    assert queries.goods_total(invacare) == Decimal("42125.00")
    assert queries.order_total(invacare) == Decimal("42875.00")


def test_an_order_without_a_contract_has_no_expected_delivery(w, app_ctx):
    draft = OrderLineDraft(
        supplier_id=w.supplier.id,
        contract_id=None,
        contract_line_id=None,
        product_id=w.chair.id,
        organisation_id=w.herning.id,
        depot_id=w.depot_h.id,
        quantity=1,
        unit_price=Decimal("10"),
    )
    (order,) = orders.create_orders(drafts=[draft], organisation_id=w.herning.id, user=None)
    assert order.contract_id is None and order.expected_delivery is None
    assert order.created_by_id is None


def test_numbers_run_per_year_and_keep_counting_past_five_digits(w, app_ctx):
    year = local_today().year
    old = orders.create_orders(
        drafts=[w.draft(w.chair, w.herning, w.depot_h, 1)], organisation_id=w.herning.id, user=None
    )[0]
    assert old.number == f"IO-{year}-00001"
    old.number = f"IO-{year - 1}-00042"  # last year's order does not count
    db.session.flush()

    def one() -> str:
        (order,) = orders.create_orders(
            drafts=[w.draft(w.chair, w.herning, w.depot_h, 1)],
            organisation_id=w.herning.id,
            user=None,
        )
        return order.number

    assert one() == f"IO-{year}-00001"
    assert one() == f"IO-{year}-00002"
    db.session.get(PurchaseOrder, old.id).number = f"IO-{year}-99999"
    db.session.flush()
    assert one() == f"IO-{year}-100000"
    assert one() == f"IO-{year}-100001"


def test_a_number_taken_meanwhile_is_retried(w, app_ctx, monkeypatch):
    year = local_today().year
    orders.create_orders(
        drafts=[w.draft(w.chair, w.herning, w.depot_h, 1)], organisation_id=w.herning.id, user=None
    )
    real, calls = numbering.last_number, []

    def last_number(model, prefix):
        # Twice a stale answer, as if another transaction had just taken the number.
        calls.append(prefix)
        return 0 if len(calls) <= 2 else real(model, prefix)

    monkeypatch.setattr(numbering, "last_number", last_number)
    (order,) = orders.create_orders(
        drafts=[w.draft(w.gloves, w.herning, w.depot_h, 7)],
        organisation_id=w.herning.id,
        user=None,
    )
    assert order.number == f"IO-{year}-00002"
    assert len(calls) == 3
    assert [line.quantity for line in order.lines] == [7]
    assert _count(PurchaseOrder) == 2
    assert _count(PurchaseOrderLine) == 2


def test_no_free_number_is_a_conflict(w, app_ctx, monkeypatch):
    orders.create_orders(
        drafts=[w.draft(w.chair, w.herning, w.depot_h, 1)], organisation_id=w.herning.id, user=None
    )
    monkeypatch.setattr(numbering, "last_number", lambda model, prefix: 0)
    with pytest.raises(Conflict):
        orders.create_orders(
            drafts=[w.draft(w.chair, w.herning, w.depot_h, 1)],
            organisation_id=w.herning.id,
            user=None,
        )


BAD_DRAFTS = {
    "zero quantity": lambda w: {"quantity": 0},
    "negative quantity": lambda w: {"quantity": -3},
    "fractional quantity": lambda w: {"quantity": 1.5},
    "boolean quantity": lambda w: {"quantity": True},
    "text quantity": lambda w: {"quantity": "4"},
    "huge quantity": lambda w: {"quantity": 10**12},
    "negative price": lambda w: {"unit_price": Decimal("-0.01")},
    "NaN price": lambda w: {"unit_price": Decimal("NaN")},
    "infinite price": lambda w: {"unit_price": Decimal("Infinity")},
    "text price": lambda w: {"unit_price": "gratis"},
    "huge price": lambda w: {"unit_price": Decimal("1e30")},
    "unknown supplier": lambda w: {"supplier_id": 999999},
    "unknown contract": lambda w: {"contract_id": 999999},
    "another supplier's contract": lambda w: {"contract_id": w.other_contract.id},
    "unknown contract line": lambda w: {"contract_line_id": 999999},
    "a line of another product": lambda w: {
        "contract_line_id": w.offers[(w.contract.id, w.gloves.id)]
    },
    "a line without its contract": lambda w: {"contract_id": None},
    "unknown product": lambda w: {"product_id": 999999},
    "unknown organisation": lambda w: {"organisation_id": 999999},
    "unknown depot": lambda w: {"depot_id": 999999},
    "id out of range": lambda w: {"depot_id": 2**40},
    "id of the wrong type": lambda w: {"product_id": "1"},
}


@pytest.mark.parametrize("case", sorted(BAD_DRAFTS))
def test_bad_drafts_are_refused_and_nothing_is_created(w, app_ctx, case):
    good = w.draft(w.chair, w.herning, w.depot_h, 2, "4200.00")
    bad = OrderLineDraft(**{**good.__dict__, **BAD_DRAFTS[case](w)})
    with pytest.raises(DomainError) as refused:
        orders.create_orders(drafts=[good, bad], organisation_id=w.herning.id, user=None)
    assert refused.value.status_code == 400
    db.session.rollback()
    assert _count(PurchaseOrder) == 0


def test_other_refusals_when_creating(w, app_ctx):
    with force_locale("en"):
        with pytest.raises(DomainError, match="nothing to order"):
            orders.create_orders(drafts=[], organisation_id=w.herning.id, user=None)
        with pytest.raises(DomainError, match="Unknown organisation"):
            orders.create_orders(
                drafts=[w.draft(w.chair, w.herning, w.depot_h, 1)],
                organisation_id=999999,
                user=None,
            )
        with pytest.raises(DomainError, match="Unknown purchase round"):
            orders.create_orders(
                drafts=[w.draft(w.chair, w.herning, w.depot_h, 1)],
                organisation_id=w.herning.id,
                user=None,
                round_id=999999,
            )
        with pytest.raises(DomainError, match="two different unit prices"):
            orders.create_orders(
                drafts=[
                    w.draft(w.chair, w.herning, w.depot_h, 1, "10.00"),
                    w.draft(w.chair, w.herning, w.depot_h, 1, "11.00"),
                ],
                organisation_id=w.herning.id,
                user=None,
            )
        with pytest.raises(DomainError, match="too large"):
            orders.create_orders(
                drafts=[w.draft(w.chair, w.herning, w.depot_h, 600_000)] * 2,
                organisation_id=w.herning.id,
                user=None,
            )
        with pytest.raises(DomainError, match="too long"):
            orders.create_orders(
                drafts=[w.draft(w.chair, w.herning, w.depot_h, 1)],
                organisation_id=w.herning.id,
                user=None,
                note="x" * 3000,
            )


# --- send and cancel ------------------------------------------------------------------------


def test_send_marks_a_draft_sent_once(w, app_ctx):
    officer = _user(w.user("procurement", w.herning))
    order = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")])
    version = db.session.get(PurchaseOrder, order.id).version_id
    with force_locale("en"):
        with pytest.raises(Conflict, match="changed meanwhile"):
            orders.send_order(order_id=order.id, user=officer, expected_version=version + 1)
        sent = orders.send_order(order_id=order.id, user=officer, expected_version=version)
        assert sent.status == "sent" and sent.sent_by_id == officer.id
        assert sent.sent_at is not None and sent.version_id > version
        with pytest.raises(Conflict, match="already been sent"):
            orders.send_order(order_id=order.id, user=officer)
        with pytest.raises(DomainError) as missing:
            orders.send_order(order_id=999999, user=officer)
    assert missing.value.status_code == 404


def test_cancel_keeps_the_reason_and_refuses_after_a_receipt(w, app_ctx):
    draft = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")])
    sent = w.order([(w.gloves, w.herning, w.depot_h, 50, "1.25")], send=True)
    with force_locale("en"):
        with pytest.raises(DomainError, match="reason"):
            orders.cancel_order(order_id=draft.id, user=None, reason="  \x00 ")
        cancelled = orders.cancel_order(order_id=draft.id, user=None, reason="Forkert leverandør")
        assert cancelled.status == "cancelled"
        assert "Forkert leverandør" in cancelled.note
        with pytest.raises(Conflict, match="cancelled"):
            orders.cancel_order(order_id=draft.id, user=None, reason="igen")
        with pytest.raises(Conflict, match="cancelled"):
            orders.send_order(order_id=draft.id, user=None)
        orders.receive_line(line_id=sent.lines[0].id, quantity=10, serials=None, user=None)
        with pytest.raises(Conflict, match="no longer be cancelled"):
            orders.cancel_order(order_id=sent.id, user=None, reason="for sent")
        with pytest.raises(DomainError) as missing:
            orders.cancel_order(order_id=999999, user=None, reason="x")
    assert missing.value.status_code == 404
    assert db.session.get(PurchaseOrder, sent.id).status == "partly_received"


# --- receive --------------------------------------------------------------------------------


def test_receiving_reusable_units_creates_exactly_the_items(w, app_ctx):
    staff = _user(w.user("depot_staff", w.holstebro))
    order = w.order(
        [(w.chair, w.herning, w.depot_h, 2, "4200"), (w.chair, w.holstebro, w.depot_s, 3, "4200")],
        send=True,
    )
    line = next(line for line in order.lines if line.depot_id == w.depot_s.id)
    receipt = orders.receive_line(
        line_id=line.id, quantity=2, serials=["AC3-0001", None], user=staff, note="Pakke 1 af 2"
    )
    assert (receipt.quantity, receipt.by_id, receipt.note) == (2, staff.id, "Pakke 1 af 2")
    items = db.session.scalars(select(Item).order_by(Item.id)).all()
    assert [(i.product_id, i.owner_id, i.depot_id, i.status) for i in items] == [
        (w.chair.id, w.holstebro.id, w.depot_s.id, "available")
    ] * 2
    assert [i.serial for i in items] == ["AC3-0001", None]
    assert all(i.note == order.number for i in items)
    events = db.session.scalars(select(ItemEvent)).all()
    assert sorted((e.item_id, e.kind, e.user_id, e.depot_id) for e in events) == [
        (i.id, "received", staff.id, w.depot_s.id) for i in items
    ]
    after = db.session.get(PurchaseOrder, order.id)
    assert after.status == "partly_received" and after.received_at is None
    assert db.session.get(PurchaseOrderLine, line.id).received_quantity == 2

    orders.receive_line(line_id=line.id, quantity=1, serials=None, user=staff)
    other = next(x for x in order.lines if x.id != line.id)
    orders.receive_line(line_id=other.id, quantity=2, serials=None, user=None)
    done = db.session.get(PurchaseOrder, order.id)
    assert done.status == "received" and done.received_at is not None
    assert _count(Item) == 5
    assert _count(Item, Item.owner_id == w.herning.id, Item.depot_id == w.depot_h.id) == 2
    assert _count(PurchaseReceipt) == 3
    assert _count(StockMovement) == 0


def test_receiving_consumables_moves_stock(w, app_ctx):
    order = w.order([(w.gloves, w.herning, w.depot_h, 100, "1.25")], send=True)
    line_id = order.lines[0].id
    orders.receive_line(line_id=line_id, quantity=60, serials=None, user=None)
    orders.receive_line(line_id=line_id, quantity=40, serials=[None] * 40, user=None)
    movements = db.session.scalars(select(StockMovement).order_by(StockMovement.id)).all()
    assert [(m.kind, m.quantity, m.balance_after, m.reason) for m in movements] == [
        ("receive", 60, 60, order.number),
        ("receive", 40, 100, order.number),
    ]
    level = db.session.scalar(select(StockLevel))
    assert (level.depot_id, level.product_id, level.quantity) == (w.depot_h.id, w.gloves.id, 100)
    assert db.session.get(PurchaseOrder, order.id).status == "received"
    assert _count(Item) == 0


def test_over_receipt_is_a_conflict_and_changes_nothing(w, app_ctx):
    order = w.order([(w.chair, w.herning, w.depot_h, 3, "4200")], send=True)
    line_id = order.lines[0].id
    with force_locale("en"), pytest.raises(Conflict, match="Only 3 of Kørestol Action 3"):
        orders.receive_line(line_id=line_id, quantity=4, serials=None, user=None)
    # The savepoint is rolled back: nothing counted, nothing in the depot, still sent.
    assert db.session.get(PurchaseOrderLine, line_id).received_quantity == 0
    assert db.session.get(PurchaseOrder, order.id).status == "sent"
    assert _count(Item) == _count(PurchaseReceipt) == 0
    orders.receive_line(line_id=line_id, quantity=3, serials=None, user=None)
    with force_locale("en"), pytest.raises(Conflict, match="received in full"):
        orders.receive_line(line_id=line_id, quantity=1, serials=None, user=None)
    assert _count(Item) == 3


def test_nothing_is_received_on_a_draft_or_cancelled_order(w, app_ctx):
    draft = w.order([(w.chair, w.herning, w.depot_h, 3, "4200")])
    with force_locale("en"), pytest.raises(Conflict, match="not been sent"):
        orders.receive_line(line_id=draft.lines[0].id, quantity=1, serials=None, user=None)
    orders.cancel_order(order_id=draft.id, user=None, reason="Dublet")
    with force_locale("en"), pytest.raises(Conflict, match="cancelled"):
        orders.receive_order(
            order_id=draft.id, quantities={draft.lines[0].id: 1}, serials=None, user=None
        )
    assert _count(Item) == 0
    with pytest.raises(DomainError) as missing:
        orders.receive_line(line_id=999999, quantity=1, serials=None, user=None)
    assert missing.value.status_code == 404


@pytest.mark.parametrize(
    ("quantity", "serials", "message"),
    [
        (2, ["A"], "one serial number per unit"),
        (1, ["A", "B"], "one serial number per unit"),
        (2, ["A", "A"], "appears twice"),
        (1, ["x" * 61], "at most 60"),
        (1, "A", "Invalid serial"),
        (1, [7], "Invalid serial"),
        (0, None, "whole number above 0"),
        (-1, None, "whole number above 0"),
        (10**9, None, "too large"),
    ],
)
def test_bad_receipts_are_refused(w, app_ctx, quantity, serials, message):
    order = w.order([(w.chair, w.herning, w.depot_h, 3, "4200")], send=True)
    with force_locale("en"), pytest.raises(DomainError, match=message) as refused:
        orders.receive_line(
            line_id=order.lines[0].id, quantity=quantity, serials=serials, user=None
        )
    assert refused.value.status_code == 400
    assert _count(Item) == 0


def test_serials_for_a_consumable_are_refused(w, app_ctx):
    order = w.order([(w.gloves, w.herning, w.depot_h, 3, "1")], send=True)
    with force_locale("en"), pytest.raises(DomainError, match="consumable"):
        orders.receive_line(line_id=order.lines[0].id, quantity=1, serials=["G1"], user=None)


def test_a_serial_already_registered_is_a_conflict(w, app_ctx):
    w.make.items(product=w.chair, depot=w.depot_h, owner=w.herning)
    existing = db.session.scalar(select(Item))
    existing.serial = "AC3-0042"
    db.session.commit()
    order = w.order([(w.chair, w.herning, w.depot_h, 3, "4200")], send=True)
    with pytest.raises(Conflict):
        orders.receive_line(
            line_id=order.lines[0].id, quantity=2, serials=["AC3-0041", "AC3-0042"], user=None
        )
    assert _count(Item) == 1
    assert db.session.get(PurchaseOrderLine, order.lines[0].id).received_quantity == 0


def test_receive_order_takes_all_lines_or_none(w, app_ctx):
    order = w.order(
        [(w.chair, w.herning, w.depot_h, 2, "4200"), (w.gloves, w.herning, w.depot_h, 10, "1")],
        send=True,
    )
    chair, gloves = order.lines
    version = db.session.get(PurchaseOrder, order.id).version_id
    with pytest.raises(Conflict):
        orders.receive_order(
            order_id=order.id,
            quantities={chair.id: 2, gloves.id: 11},
            serials={chair.id: ["S1", "S2"]},
            user=None,
        )
    assert _count(Item) == _count(StockMovement) == _count(PurchaseReceipt) == 0
    assert db.session.get(PurchaseOrderLine, chair.id).received_quantity == 0
    assert db.session.get(PurchaseOrder, order.id).version_id == version
    receipts = orders.receive_order(
        order_id=order.id,
        quantities={chair.id: 2, gloves.id: 10},
        serials={chair.id: ["S1", "S2"]},
        user=None,
        note="Alt kom",
        expected_version=version,
    )
    assert sorted((r.line_id, r.quantity) for r in receipts) == [(chair.id, 2), (gloves.id, 10)]
    assert db.session.get(PurchaseOrder, order.id).status == "received"
    # The same form sent again: the version moved on.
    with force_locale("en"), pytest.raises(Conflict, match="received in full"):
        orders.receive_order(
            order_id=order.id,
            quantities={gloves.id: 1},
            serials=None,
            user=None,
            expected_version=version,
        )


def test_receive_order_refusals(w, app_ctx):
    order = w.order(
        [(w.chair, w.herning, w.depot_h, 2, "4200"), (w.gloves, w.herning, w.depot_h, 10, "1")],
        send=True,
    )
    other = w.order([(w.bed, w.herning, w.depot_h, 1, "9000")], send=True)
    chair, gloves = order.lines
    version = db.session.get(PurchaseOrder, order.id).version_id
    cases = [
        ({chair.id: 0, gloves.id: 0}, None, "at least one line"),
        ({other.lines[0].id: 1}, None, "not on order"),
        ({chair.id: -1}, None, "whole number"),
        ({chair.id: 1, gloves.id: 1}, {chair.id: ["S"], gloves.id: ["G"]}, "consumable"),
        ({chair.id: 0, gloves.id: 1}, {chair.id: ["S"]}, "received 0 times"),
        ({gloves.id: 1}, {chair.id: ["S"]}, "received 0 times"),
    ]
    with force_locale("en"):
        for quantities, serials, message in cases:
            with pytest.raises(DomainError, match=message):
                orders.receive_order(
                    order_id=order.id, quantities=quantities, serials=serials, user=None
                )
        with pytest.raises(Conflict, match="changed meanwhile"):
            orders.receive_order(
                order_id=order.id,
                quantities={gloves.id: 1},
                serials=None,
                user=None,
                expected_version=version - 1,
            )
        with pytest.raises(DomainError) as missing:
            orders.receive_order(order_id=999999, quantities={1: 1}, serials=None, user=None)
    assert missing.value.status_code == 404
    assert _count(PurchaseReceipt) == 0


def test_two_lines_with_the_same_serial_are_refused(w, app_ctx):
    order = w.order(
        [(w.chair, w.herning, w.depot_h, 1, "4200"), (w.chair, w.holstebro, w.depot_s, 1, "4200")],
        send=True,
    )
    first, second = order.lines
    with force_locale("en"), pytest.raises(DomainError, match="appears twice") as refused:
        orders.receive_order(
            order_id=order.id,
            quantities={first.id: 1, second.id: 1},
            serials={first.id: ["SN-1"], second.id: ["SN-1"]},
            user=None,
        )
    assert refused.value.status_code == 400


# --- who sees which orders ------------------------------------------------------------------


def _visible(user, **filters) -> set[int]:
    stmt = queries.order_list_query(user=_user(user), **filters)
    return {o.id for o in db.session.scalars(stmt).unique()}


def test_each_user_sees_the_orders_that_concern_them(w, app_ctx):
    herning_only = w.order([(w.chair, w.herning, w.depot_h, 1, "1")], send=True)
    for_holstebro = w.order([(w.chair, w.holstebro, w.depot_s, 1, "1")])
    shared = w.order([(w.gloves, w.herning, w.shared, 5, "1")], send=True)
    by_region = w.order([(w.bed, w.herning, w.depot_h, 1, "1")], organisation=w.region)
    everything = {herning_only.id, for_holstebro.id, shared.id, by_region.id}

    assert _visible(w.user("procurement", w.region)) == everything
    assert _visible(w.user("admin", w.region)) == everything
    assert _visible(w.user("procurement", w.herning)) == everything  # lines for Herning
    assert _visible(w.user("admin", w.holstebro)) == {for_holstebro.id}
    assert _visible(w.user("procurement", w.region), status="draft") == {
        for_holstebro.id,
        by_region.id,
    }
    assert _visible(w.user("procurement", w.region), supplier_id=w.other_supplier.id) == {
        by_region.id
    }
    herning_staff = w.user("depot_staff", w.herning)
    holstebro_staff = w.user("depot_staff", w.holstebro)
    assert _visible(herning_staff) == {herning_only.id, shared.id, by_region.id}
    assert _visible(holstebro_staff) == {for_holstebro.id, shared.id}  # a share of the depot
    assert _visible(holstebro_staff, to_receive=True) == {shared.id}
    assert _visible(herning_staff, to_receive=True) == {herning_only.id, shared.id}
    assert _visible(w.user("depot_staff", w.region)) == set()
    for role in ("therapist", "coordinator"):
        assert _visible(w.user(role, w.herning)) == set()
    # Received in full: off the list of what is still to come.
    orders.receive_line(line_id=shared.lines[0].id, quantity=5, serials=None, user=None)
    assert _visible(holstebro_staff, to_receive=True) == set()
    assert [s.id for s in queries.order_suppliers(user=_user(holstebro_staff))] == [w.supplier.id]


def test_receivable_lines_are_those_at_the_users_depots(w, app_ctx):
    order = w.order(
        [(w.chair, w.herning, w.depot_h, 1, "1"), (w.chair, w.holstebro, w.depot_s, 1, "1")],
        send=True,
    )
    order = db.session.get(PurchaseOrder, order.id)
    h, s = order.lines

    def lines(role, organisation):
        return [x.id for x in queries.receivable_lines(_user(w.user(role, organisation)), order)]

    assert lines("depot_staff", w.holstebro) == [s.id]
    assert lines("depot_staff", w.herning) == [h.id]
    assert lines("procurement", w.herning) == [h.id, s.id]  # the ordering organisation
    assert lines("procurement", w.holstebro) == []
    assert lines("therapist", w.herning) == []
