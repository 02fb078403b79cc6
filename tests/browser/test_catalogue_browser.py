import re

import pytest

from depot.demo.generator import seed_demo_data
from depot.extensions import db
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
PASSWORD = "demo-password-2026"


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo_data(seed=7, scale=1.0, password=PASSWORD)
        db.session.commit()


def log_in(page, email):
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")


def test_procurement_browses_searches_and_edits_the_catalogue(demo, page):
    log_in(page, "procurement@herning.demo.dk")
    page.get_by_role("link", name="Katalog").first.click()
    rows = page.locator("[data-testid=product-row]")
    assert rows.count() > 10
    screenshot(page, "catalogue-products")

    page.fill("[data-testid=product-search]", "rollator")
    page.locator("[data-testid=product-filters] [type=submit]").first.click()
    assert rows.count() >= 1
    for text in rows.all_inner_texts():
        assert "rollator" in text.lower()

    rows.first.locator("a").first.click()
    name = page.locator("[data-testid=product-name]").inner_text()
    assert page.locator("[data-testid=list-price]").inner_text().endswith("kr.")
    screenshot(page, "catalogue-product")

    page.locator("[data-testid=edit]").click()
    page.fill("input[name=list_price]", "1234,50")
    page.locator("form [type=submit]").last.click()
    page.wait_for_selector("[data-testid=list-price]")
    assert (
        re.sub(r"\s", " ", page.locator("[data-testid=list-price]").inner_text()) == "1.234,50 kr."
    )
    assert name.split()[0] in page.locator("[data-testid=product-name]").inner_text()

    page.get_by_role("link", name="Aftaler").first.click()
    page.locator("table a").first.click()
    assert page.get_by_text("Prisspring").first.is_visible()
    screenshot(page, "catalogue-contract")


def test_a_therapist_browses_but_cannot_edit(demo, page):
    log_in(page, "therapist@holstebro.demo.dk")
    page.goto("/catalogue/products")
    assert page.locator("[data-testid=product-new]").count() == 0
    page.locator("[data-testid=product-row] a").first.click()
    assert page.locator("[data-testid=edit]").count() == 0
