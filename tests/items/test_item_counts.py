"""item_count, kept by database triggers, always equals a live count of the items."""

from sqlalchemy import func, select

from depot.citizens.services import create_citizen
from depot.demo.generator import seed_demo_data
from depot.extensions import db
from depot.items import services
from depot.items.models import Item, ItemCount


def live_counts() -> dict:
    rows = db.session.execute(
        select(Item.depot_id, Item.product_id, Item.owner_id, Item.status, func.count()).group_by(
            Item.depot_id, Item.product_id, Item.owner_id, Item.status
        )
    ).all()
    return {tuple(r[:4]): r[4] for r in rows}


def kept_counts() -> dict:
    rows = db.session.execute(
        select(
            ItemCount.depot_id,
            ItemCount.product_id,
            ItemCount.owner_id,
            ItemCount.status,
            ItemCount.n,
        ).where(ItemCount.n > 0)
    ).all()
    return {tuple(r[:4]): r[4] for r in rows}


def test_counts_follow_every_change(app_ctx, make):
    org = make.organisation()
    depot, other = make.depot(owner=org), make.depot(owner=org)
    product = make.product()
    citizen = create_citizen(cpr="010150-1234", name="Test", municipality_id=org.id)
    items = services.receive_items(
        product_id=product.id,
        depot_id=depot.id,
        owner_id=org.id,
        serials=["a", "b", "c", None],
        user=None,
    )
    assert kept_counts() == live_counts() == {(depot.id, product.id, org.id, "available"): 4}
    services.reserve_item(item_id=items[0].id, user=None)
    services.lend_item(item_id=items[0].id, citizen_id=citizen.id, lender_id=org.id, user=None)
    services.send_transfer(item_id=items[1].id, to_depot_id=other.id, user=None)
    services.receive_transfer(item_id=items[1].id, user=None)
    services.apply_step(item_id=items[2].id, step_name="scrap", user=None)
    db.session.flush()
    assert kept_counts() == live_counts()
    assert kept_counts()[(other.id, product.id, org.id, "available")] == 1


def test_counts_after_the_demo_seed(app_ctx):
    seed_demo_data(seed=7, scale=1.0, password="demo-password-2026")
    assert kept_counts() == live_counts()
    assert sum(kept_counts().values()) == db.session.scalar(select(func.count(Item.id)))
