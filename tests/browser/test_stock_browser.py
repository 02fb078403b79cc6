"""Depot staff work a consumable end to end in the browser, then look at the depot overview."""

from datetime import timedelta

import pytest

from depot.extensions import db
from depot.items import services as items
from depot.organisations.models import utcnow
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def depot_world(app, make, herning):
    depot = make.depot(owner=herning, name="Herning Hjælpemiddeldepot")
    supplies = make.product_type(
        iso_code="09 30 12", title_da="Inkontinenshjælpemidler", reusable=False
    )
    consumable = make.product(name="Bleer str. M (pk. 30)", reusable=False, product_type=supplies)
    make.contract(products=[consumable], reference="RA-2026-07")
    hoists = make.product_type(iso_code="12 36 03", title_da="Mobile personløftere")
    rollators = make.product_type(iso_code="12 06 06", title_da="Rollatorer")
    hoist = make.product(name="Mobil løfter 180", product_type=hoists)
    rollator = make.product(name="Rollator Let", product_type=rollators)
    with app.app_context():
        received = items.receive_items(
            product_id=hoist.id,
            depot_id=depot.id,
            owner_id=herning.id,
            serials=[None] * 4,
            user=None,
            at=utcnow() - timedelta(days=120),
        ) + items.receive_items(
            product_id=rollator.id,
            depot_id=depot.id,
            owner_id=herning.id,
            serials=[None] * 6,
            user=None,
            at=utcnow() - timedelta(days=120),
        )
        for n, item in enumerate(received[:5]):
            at = utcnow() - timedelta(days=30 + 7 * n)
            items.apply_step(item_id=item.id, step_name="reserve", user=None, at=at)
            items.apply_step(item_id=item.id, step_name="lend", user=None, at=at)
        items.apply_step(item_id=received[-1].id, step_name="scrap", user=None)
        db.session.commit()
    staff = make.user(organisation=herning, role="depot_staff", name="Dorte Depot")
    return {"depot": depot, "consumable": consumable, "staff": staff}


def log_in(page, email):
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")


def test_staff_receive_issue_adjust_and_see_low_stock_and_overview(page, depot_world):
    log_in(page, depot_world["staff"].email)

    page.goto("/depot/stock")
    page.locator("[data-testid=receive-link]").click()
    page.select_option("select[name=product_id]", str(depot_world["consumable"].id))
    page.fill("input[name=quantity]", "20")
    page.fill("input[name=reason]", "Følgeseddel 4711")
    page.locator("[data-testid=receive-form] [type=submit]").click()
    balance = page.locator("[data-testid=balance]")
    assert balance.inner_text().split()[0] == "20"

    page.fill("[data-testid=issue-quantity]", "5")
    page.fill("[data-testid=issue-reason]", "Borger, Birkevej")
    page.locator("[data-testid=issue-submit]").click()
    page.wait_for_selector("[data-testid=ledger-row] >> nth=1")
    assert balance.inner_text().split()[0] == "15"

    page.fill("[data-testid=issue-quantity]", "100")
    page.locator("[data-testid=issue-submit]").click()
    error = page.locator("[data-testid=issue-error]")
    assert error.is_visible()
    assert "15" in error.inner_text() and "100" in error.inner_text()
    assert balance.inner_text().split()[0] == "15"

    page.fill("[data-testid=adjust-delta]", "-3")
    page.fill("[data-testid=adjust-reason]", "Optælling: 3 pakker beskadiget")
    page.locator("[data-testid=adjust-submit]").click()
    page.wait_for_selector("[data-testid=ledger-row] >> nth=2")
    assert balance.inner_text().split()[0] == "12"
    assert page.locator("[data-testid=ledger-agrees]").is_visible()
    assert page.locator("[data-testid=ledger-sum]").inner_text().split()[0] == "12"

    page.fill("[data-testid=reorder-reorder_point]", "15")
    page.locator("[data-testid=reorder-submit]").click()
    page.wait_for_selector("[data-testid=low-badge]")
    screenshot(page, "stock-level")

    page.locator("[data-testid=nav-stock-low]").click()
    row = page.locator("[data-testid=low-row]")
    assert row.count() == 1
    assert row.locator("[data-testid=shortfall]").inner_text() == "3"
    screenshot(page, "stock-low")
    row.locator("[data-testid=contract-lines-link]").click()
    assert page.locator("[data-testid=product-line-row]").count() == 1

    page.goto("/depot/stock")
    assert page.locator("[data-testid=stock-row].table-warning").count() == 1

    page.locator("[data-testid=nav-overview-overview]").first.click()
    assert page.locator("[data-testid=count-row]").count() == 2
    assert page.locator("[data-testid=out-row]").count() == 5
    assert page.locator("[data-testid=total-items]").inner_text() == "10"
    assert page.locator("[data-testid=utilisation-overall]").inner_text().startswith("55,6")
    screenshot(page, "depot-overview")
