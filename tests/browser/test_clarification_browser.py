"""In a browser: a coordinator reads the demo catalogue, tries it, and adds a rule."""

import pytest

from depot.demo import steps_catalogue
from depot.demo.context import DemoContext
from depot.demo.reference import load_reference
from depot.demo.steps_clarification import seed_clarification_rules
from depot.extensions import db
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue(app, make, region):
    with app.app_context():
        ctx = DemoContext(seed=7, scale=1.0, password_hash="x", reference=load_reference())
        steps_catalogue.create_product_types(ctx)
        seed_clarification_rules()
        db.session.commit()
    make.product_type(iso_code="22 03 06", title_da="Lupper")  # no rule covers it
    return make.user(organisation=region, role="coordinator")


def test_a_coordinator_reads_tries_and_adds_a_rule(catalogue, page):
    user = catalogue
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")

    page.goto("/clarification/")
    assert page.locator("[data-testid=rule-row]").count() >= 10
    chairs = page.locator("[data-testid=rule-row][data-code='12 22']")
    assert "12 22 03" in chairs.locator("[data-testid=covered-types]").inner_text()
    assert (
        chairs.locator("[data-testid=precedents] a")
        .first.get_attribute("href")
        .startswith("https://")
    )
    page.select_option("[data-testid=try-type]", label="12 22 03 Manuelle kørestole")
    page.fill("[data-testid=try-days]", "42")
    page.locator("[data-testid=try-submit]").click()
    assert page.locator("[data-testid=suggestion]").get_attribute("data-party") == "region"
    screenshot(page, "clarification-catalogue")

    uncovered = page.locator("[data-testid=uncovered-type][data-code='22 03 06']")
    uncovered.get_by_role("link").click()
    assert page.locator("input[name=iso_code]").input_value() == "22 03 06"
    page.select_option("select[name=purpose]", "compensation")
    page.select_option("select[name=responsible_party]", "municipality")
    page.fill("textarea[name=guidance]", "Lupper: kommunen (serviceloven §112).")
    screenshot(page, "clarification-rule-form")
    page.locator("[data-testid=rule-save]").click()
    page.wait_for_selector("[data-testid=rule-row][data-code='22 03 06']")
    assert page.locator("[data-testid=uncovered-type]").count() == 0
