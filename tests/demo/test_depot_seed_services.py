"""The demo depot data is deterministic, and the services work on it (ids, sequences)."""

from datetime import date

from sqlalchemy import func, or_, select

from depot.auth.models import User
from depot.citizens.models import Citizen
from depot.demo.generator import delete_all_data, seed_demo_data
from depot.extensions import db
from depot.items import services
from depot.items.forms import LEGAL_BASES
from depot.items.models import Item, ItemEvent
from depot.loans.models import Loan
from depot.stock import services as stock_services
from depot.stock.models import StockLevel, StockMovement
from tests.demo import depot_checks as checks


def test_same_seed_gives_the_same_depot_data_and_another_seed_does_not(app_ctx, demo_password):
    seed_demo_data(seed=11, password=demo_password)
    first = checks.depot_digest()
    delete_all_data()
    seed_demo_data(seed=11, password=demo_password)
    assert checks.depot_digest() == first
    delete_all_data()
    seed_demo_data(seed=12, password=demo_password)
    assert checks.depot_digest() != first


def test_the_services_work_on_the_seeded_data(app_ctx, demo_password):
    seed_demo_data(password=demo_password)
    db.session.commit()
    highest = db.session.scalar(select(func.max(Item.id)))
    staff = db.session.scalar(select(User).where(User.email == "depot_staff@herning.demo.dk"))
    available = db.session.scalar(
        select(Item)
        .where(
            Item.status == "available",
            Item.depot.has(owner_id=staff.organisation_id),
            or_(Item.next_inspection_due.is_(None), Item.next_inspection_due >= date.today()),
        )
        .order_by(Item.id)
    )
    # New rows get ids above the generated ones (on PostgreSQL: the sequences were advanced).
    (received,) = services.receive_items(
        product_id=available.product_id,
        depot_id=available.depot_id,
        owner_id=staff.organisation_id,
        serials=["NEW-SERIAL-0001"],
        user=staff,
    )
    assert received.id == highest + 1
    assert received.asset_tag == f"HM{highest + 1:07d}"
    services.reserve_item(item_id=available.id, user=staff)
    citizen = db.session.scalar(
        select(Citizen).where(Citizen.municipality_id == staff.organisation_id)
    )
    loan = services.lend_item(
        item_id=available.id,
        citizen_id=citizen.id,
        lender_id=staff.organisation_id,
        user=staff,
        legal_basis=LEGAL_BASES[0],
    )
    assert loan.id == db.session.scalar(select(func.max(Loan.id)))
    on_loan = db.session.scalar(
        select(Item).where(Item.status == "on_loan", Item.id != available.id).order_by(Item.id)
    )
    services.take_back_item(item_id=on_loan.id, user=staff)
    level = db.session.scalar(
        select(StockLevel).where(StockLevel.quantity > 0).order_by(StockLevel.id)
    )
    movement = stock_services.issue_stock(
        depot_id=level.depot_id, product_id=level.product_id, quantity=1, user=staff
    )
    assert movement.id == db.session.scalar(select(func.max(StockMovement.id)))
    assert stock_services.ledger_sum(stock_level_id=level.id) == level.quantity
    db.session.commit()
    last_event = db.session.scalar(select(func.max(ItemEvent.id)))
    assert db.session.get(ItemEvent, last_event).kind == "take_back"
    assert checks.item_history_problems() == []
    assert checks.loan_problems() == []
    assert checks.stock_problems() == []
