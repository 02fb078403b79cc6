import pytest

from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.stock import services
from depot.stock.models import StockLevel


@pytest.fixture
def consumable(app_ctx, make):
    org = make.organisation()
    depot = make.depot(owner=org)
    product = make.product(name="Engangsløftesejl", reusable=False)
    return depot, product


def test_receive_issue_adjust_keep_balance_equal_to_ledger(consumable):
    depot, product = consumable
    services.receive_stock(depot_id=depot.id, product_id=product.id, quantity=10, user=None)
    services.issue_stock(depot_id=depot.id, product_id=product.id, quantity=3, user=None)
    services.adjust_stock(
        depot_id=depot.id, product_id=product.id, delta=-2, reason="Optælling", user=None
    )
    level = services.stock_level(depot_id=depot.id, product_id=product.id)
    assert level.quantity == 5 == services.ledger_sum(stock_level_id=level.id)


def test_stock_never_goes_negative(consumable):
    depot, product = consumable
    services.receive_stock(depot_id=depot.id, product_id=product.id, quantity=2, user=None)
    with pytest.raises(Conflict, match="2"):
        services.issue_stock(depot_id=depot.id, product_id=product.id, quantity=3, user=None)
    with pytest.raises(DomainError):
        services.issue_stock(depot_id=depot.id, product_id=product.id, quantity=0, user=None)
    with pytest.raises(DomainError):
        services.adjust_stock(
            depot_id=depot.id, product_id=product.id, delta=1, reason=" ", user=None
        )
    level = db.session.get(
        StockLevel, services.stock_level(depot_id=depot.id, product_id=product.id).id
    )
    assert level.quantity == 2


def test_reusable_products_are_not_stock(app_ctx, make):
    depot = make.depot(owner=make.organisation())
    product = make.product(reusable=True)
    with pytest.raises(DomainError):
        services.receive_stock(depot_id=depot.id, product_id=product.id, quantity=1, user=None)


def test_low_stock_list(consumable):
    depot, product = consumable
    services.receive_stock(depot_id=depot.id, product_id=product.id, quantity=4, user=None)
    services.set_reorder_point(depot_id=depot.id, product_id=product.id, reorder_point=5)
    low = db.session.scalars(services.low_stock(depot_id=depot.id)).all()
    assert [row.product_id for row in low] == [product.id]


def test_the_balance_cannot_outgrow_its_column(consumable):
    depot, product = consumable
    level = services.stock_level(depot_id=depot.id, product_id=product.id)
    level.quantity = services.MAX_BALANCE - 5  # as if after many receipts
    db.session.flush()
    with pytest.raises(DomainError):
        services.receive_stock(depot_id=depot.id, product_id=product.id, quantity=6, user=None)
    services.receive_stock(depot_id=depot.id, product_id=product.id, quantity=5, user=None)
