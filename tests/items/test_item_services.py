from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from depot.citizens.services import create_citizen
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items import services
from depot.items.models import Item, ItemEvent
from depot.loans.models import Loan


@pytest.fixture
def setup(app_ctx, make):
    org = make.organisation(name="Herning Kommune")
    depot = make.depot(owner=org)
    other_depot = make.depot(owner=org)
    product = make.product(name="Kørestol Vestmo 45")
    citizen = create_citizen(cpr="010150-1234", name="Anna Andersen", municipality_id=org.id)
    return {
        "org": org,
        "depot": depot,
        "other": other_depot,
        "product": product,
        "citizen": citizen,
    }


def receive(setup, serials=("SN-1",)):
    return services.receive_items(
        product_id=setup["product"].id,
        depot_id=setup["depot"].id,
        owner_id=setup["org"].id,
        serials=list(serials),
        user=None,
    )


def test_receive_gives_asset_tags_and_a_received_event(setup):
    items = receive(setup, ["A1", "A2", None])
    assert [i.asset_tag for i in items] == [f"HM{i.id:07d}" for i in items]
    assert {i.status for i in items} == {"available"}
    events = db.session.scalars(select(ItemEvent).where(ItemEvent.item_id == items[0].id)).all()
    assert [e.kind for e in events] == ["received"]
    assert services.find_item_by_code(code=items[0].asset_tag.lower()).id == items[0].id
    assert services.find_item_by_code(code=" A2 ").id == items[1].id
    assert services.find_item_by_code(code="nope") is None


def test_duplicate_serials_are_refused(setup):
    receive(setup, ["X1"])
    with pytest.raises(Conflict):
        receive(setup, ["X1"])
    with pytest.raises(DomainError):
        receive(setup, ["Y1", "Y1"])


def test_the_whole_life_of_an_item(setup):
    (item,) = receive(setup)
    services.reserve_item(item_id=item.id, user=None)
    loan = services.lend_item(
        item_id=item.id, citizen_id=setup["citizen"].id, lender_id=setup["org"].id, user=None
    )
    assert db.session.get(Item, item.id).status == "on_loan"
    services.take_back_item(item_id=item.id, user=None)
    assert db.session.get(Loan, loan.id).returned_at is not None
    services.apply_step(item_id=item.id, step_name="start_cleaning", user=None)
    services.finish_cleaning(item_id=item.id, user=None)
    assert db.session.get(Item, item.id).status == "inspection"
    services.record_inspection(item_id=item.id, passed=True, user=None)
    assert db.session.get(Item, item.id).status == "available"
    kinds = [
        e.kind
        for e in db.session.scalars(
            select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(ItemEvent.id)
        )
    ]
    assert kinds == [
        "received",
        "reserve",
        "lend",
        "take_back",
        "start_cleaning",
        "finish_cleaning",
        "pass_inspection",
    ]


def test_invalid_steps_are_refused_with_a_message(setup):
    (item,) = receive(setup)
    with pytest.raises(Conflict, match="HM"):
        services.apply_step(item_id=item.id, step_name="lend", user=None)
    services.reserve_item(item_id=item.id, user=None)
    with pytest.raises(Conflict):
        services.reserve_item(item_id=item.id, user=None)
    with pytest.raises(Conflict):
        services.apply_step(item_id=item.id, step_name="scrap", user=None)


def test_overdue_items_cannot_be_reserved(setup):
    (item,) = receive(setup)
    item.next_inspection_due = date.today() - timedelta(days=1)
    db.session.flush()
    with pytest.raises(Conflict, match="eftersyn"):
        services.reserve_item(item_id=item.id, user=None)


def test_inspection_plan_sets_due_dates(setup, make):
    services.save_inspection_plan(
        product_type_id=setup["product"].product_type_id, interval_months=12, after_every_loan=False
    )
    at = datetime(2026, 1, 31, 10, 0)
    (item,) = services.receive_items(
        product_id=setup["product"].id,
        depot_id=setup["depot"].id,
        owner_id=setup["org"].id,
        serials=["P1"],
        user=None,
        at=at,
    )
    assert item.next_inspection_due == date(2027, 1, 31)
    services.record_inspection(item_id=item.id, passed=False, user=None, at=at)
    assert db.session.get(Item, item.id).status == "repair"
    assert services.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    # Without an after-every-loan plan, cleaning leads straight back to available.
    services.apply_step(item_id=item.id, step_name="repaired", user=None)
    services.record_inspection(item_id=item.id, passed=True, user=None)
    services.reserve_item(item_id=item.id, user=None)
    services.lend_item(
        item_id=item.id, citizen_id=setup["citizen"].id, lender_id=setup["org"].id, user=None
    )
    services.take_back_item(item_id=item.id, user=None)
    services.apply_step(item_id=item.id, step_name="start_cleaning", user=None)
    assert services.finish_cleaning(item_id=item.id, user=None).status == "available"


def test_transfer_between_depots(setup):
    (item,) = receive(setup)
    services.send_transfer(item_id=item.id, to_depot_id=setup["other"].id, user=None)
    assert db.session.get(Item, item.id).status == "in_transit"
    with pytest.raises(Conflict):
        services.reserve_item(item_id=item.id, user=None)
    moved = services.receive_transfer(item_id=item.id, user=None)
    assert moved.status == "available" and moved.depot_id == setup["other"].id


def test_history_is_append_only_in_the_database(setup):
    (item,) = receive(setup)
    event = db.session.scalar(select(ItemEvent).where(ItemEvent.item_id == item.id))
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(
            db.update(ItemEvent).where(ItemEvent.id == event.id).values(note="rewritten")
        )
        db.session.flush()
