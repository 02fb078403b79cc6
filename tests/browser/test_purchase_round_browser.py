"""In a browser, a whole purchase round: the region's procurement officer prepares a round for
Herning and Holstebro, reads the forecast and its chart, edits the demand and a budget, runs
the optimizer (a background job; the page follows its progress and shows the result),
accepts, sends the purchase order and downloads its PDF; depot staff at the shared depot
receive it and the items appear in the depot."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from depot.extensions import db
from depot.items import services as item_services
from depot.items.models import Item
from depot.purchasing import jobs
from depot.purchasing.models import PurchaseOrder
from depot.web.i18n import local_today
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app, make, region, herning, holstebro):
    shared = make.depot(
        name="Fælles depot Gødstrup", shares=[(herning, 50), (holstebro, 30), (region, 20)]
    )
    make.depot(owner=herning, name="Herning Hjælpemiddeldepot")
    make.depot(owner=holstebro, name="Holstebro Hjælpemiddeldepot")
    supplier = make.supplier(name="Senge A/S", order_cost=Decimal("500"))
    product = make.product(name="Plejeseng Basis 90", supplier=supplier)
    make.contract(supplier=supplier, products=[product], breaks=((1, "100.00"), (10, "80.00")))
    # Herning lent a bed in six of the last seven months, all still out: demand, no stock.
    citizen = make.citizen(municipality=herning)
    items = make.items(product=product, depot=shared, owner=herning, count=6)
    with app.app_context():
        today = local_today()
        for months_back, item in zip((1, 2, 3, 5, 6, 7), items, strict=True):
            started = datetime(today.year, today.month, 10) - timedelta(days=30 * months_back)
            item_services.reserve_item(item_id=item.id, user=None)
            item_services.lend_item(
                item_id=item.id, citizen_id=citizen.id, lender_id=herning.id, user=None, at=started
            )
        db.session.commit()
    return {
        "officer": make.user(organisation=region, role="procurement"),
        "depot_staff": make.user(organisation=herning, role="depot_staff"),
        "product": product,
        "herning": herning,
        "holstebro": holstebro,
    }


def log_in(page, user):
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")


def test_a_whole_purchase_round(app, world, page):
    log_in(page, world["officer"])
    page.locator("[data-testid=nav-procurement]").click()
    page.locator("[data-testid=nav-rounds]").click()
    page.locator("[data-testid=new-round]").click()
    page.fill("input[name=title]", "Plejesenge 2027")
    page.get_by_label("Holstebro Kommune").check()
    page.get_by_label("Herning Kommune").check()
    page.get_by_label("Region Midtjylland").uncheck()
    page.select_option("select[name=delivery_depot]", label="Fælles depot Gødstrup")
    screenshot(page, "purchase-round-new")
    page.locator("[data-testid=create-round]").click()

    # The demand page: Herning's forecast comes from its six loans; Holstebro has none.
    product_id = world["product"].id
    herning_cell = page.locator(f"[data-testid=q-{world['herning'].id}-{product_id}]")
    forecast = int(herning_cell.input_value())
    assert forecast > 0
    holstebro_cell = page.locator(f"[data-testid=q-{world['holstebro'].id}-{product_id}]")
    assert holstebro_cell.input_value() == "0"

    page.get_by_role("link", name="Plejeseng Basis 90").first.click()
    chart = page.locator("[data-testid=forecast-chart] svg").first
    assert chart.get_attribute("role") == "img"
    screenshot(page, "purchase-round-forecast-chart")
    page.go_back()

    page.fill(f"input[name=budget-{world['herning'].id}]", "500,00")
    page.locator("[data-testid=save-participants]").click()
    assert page.locator(f"input[name=budget-{world['herning'].id}]").input_value() == "500,00"

    page.locator(f"[data-testid=q-{world['herning'].id}-{product_id}]").fill("6")
    page.locator(f"[data-testid=q-{world['holstebro'].id}-{product_id}]").fill("5")
    screenshot(page, "purchase-round-demand")
    page.locator("[data-testid=save-and-run]").click()

    # The job runs in the background; the page follows it and shows the result.
    page.wait_for_selector("[data-testid=round-result]", timeout=60_000)
    jobs.wait_for_local_jobs(timeout=60)
    # Together 11 × 80 + 500 = 1,380; alone 1,100 + 1,000 = 2,100: a saving of 720 (34.3 %).
    assert "1.380,00" in page.locator("[data-testid=total-together]").inner_text()
    assert "2.100,00" in page.locator("[data-testid=total-alone]").inner_text()
    assert "720,00" in page.locator("[data-testid=saving]").inner_text()
    assert "34,3" in page.locator("[data-testid=saving-pct]").inner_text()
    assert page.locator("[data-testid=split-row]").count() == 2
    assert page.locator("[data-testid=over-budget]").count() == 1  # Herning: 740 > 500
    assert page.locator("[data-testid=core] .badge").count() == 1
    screenshot(page, "purchase-round-result")

    # Herning is over its budget: accepting needs a deliberate tick, then a confirmation.
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=over-budget-ok]").check()
    page.locator("[data-testid=accept-round]").click()
    page.locator("[data-testid=round-orders] a").first.click()
    page.locator("[data-testid=send-form] [type=submit]").click()
    assert page.locator("[data-testid=order-status]").first.get_attribute("data-state") == "sent"
    pdf = page.request.get(page.locator("[data-testid=order-pdf]").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    screenshot(page, "purchase-order")
    page.locator("form[action$='/logout'] [type=submit]").click()

    # Depot staff at the shared depot receive the whole order.
    log_in(page, world["depot_staff"])
    page.goto("/procurement/orders/")
    page.locator("[data-testid=order-row] a").first.click()
    page.locator("[data-testid=order-receive]").click()
    lines = page.locator("[data-testid=receive-line]")
    assert lines.count() == 2
    screenshot(page, "purchase-order-receive")
    page.locator("[data-testid=receive-submit]").click()
    page.wait_for_selector("[data-testid=receipt-row]")
    with app.app_context():
        order = db.session.scalars(select(PurchaseOrder)).one()
        assert order.status == "received"
        received = db.session.scalar(
            select(func.count())
            .select_from(Item)
            .where(Item.product_id == product_id, Item.status == "available")
        )
        assert received == 11
