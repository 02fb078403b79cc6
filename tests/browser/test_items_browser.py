"""Depot staff in the browser: scan, receive, and walk an item through its whole life."""

import pytest

from depot.citizens.services import create_citizen
from depot.extensions import db
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
CPR = "030370-1234"


@pytest.fixture
def depot_world(app, make, herning):
    depot = make.depot(owner=herning, name="Herning Hjælpemiddeldepot")
    make.depot(owner=herning, name="Herning Nord")
    product = make.product(name="Kørestol Vestmo 45")
    staff = make.user(organisation=herning, role="depot_staff", name="Dorte Depot")
    with app.app_context():
        create_citizen(cpr=CPR, name="Anna Andersen", municipality_id=herning.id)
        db.session.commit()
    return {"depot": depot, "product": product, "staff": staff}


def log_in(page, email):
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")


def scan(page, code):
    box = page.locator("[data-testid=scan]").first
    box.fill(code)
    box.press("Enter")
    page.wait_for_load_state()


def step(page, name):
    page.locator(f"[data-testid=step-{name}]").click()
    page.wait_for_selector("[data-testid=timeline]")


def status(page) -> str:
    return page.locator("[data-testid=status] [data-testid=state-badge]").get_attribute(
        "data-state"
    )


def test_depot_staff_receive_scan_and_walk_an_item_through_its_life(depot_world, page):
    log_in(page, depot_world["staff"].email)
    page.goto("/depot/")
    assert page.locator("[data-testid=scan]").first.evaluate("e => e === document.activeElement")
    screenshot(page, "depot-home")

    # An unknown code says so and shows the code back.
    scan(page, "UKENDT-<42>")
    assert page.locator("[data-testid=scan-unknown]").is_visible()
    assert page.locator("[data-testid=scan-code]").inner_text() == "UKENDT-<42>"

    # Receive two items with serial numbers.
    page.locator("[data-testid=link-receive]").click()
    page.select_option("[data-testid=product_id]", label="Kørestol Vestmo 45")
    page.select_option("[data-testid=depot_id]", label="Herning Hjælpemiddeldepot")
    page.fill("[data-testid=serials]", "VM45-0001\nVM45-0002")
    page.locator("[data-testid=receive-submit]").click()
    rows = page.locator("[data-testid=received-row]")
    rows.first.wait_for()
    assert rows.count() == 2
    assert page.locator("[data-testid=received-row] [data-testid=serial]").all_inner_texts() == [
        "VM45-0001",
        "VM45-0002",
    ]
    tag = rows.first.locator("[data-testid=asset-tag]").inner_text()
    assert tag.startswith("HM")
    assert page.locator("[data-testid=print-labels]").is_visible()
    screenshot(page, "items-received")

    # A handheld scanner types the tag (any case) and presses Enter.
    scan(page, tag.lower())
    page.wait_for_url("**/depot/items/*")
    assert page.locator("[data-testid=asset-tag]").inner_text() == tag
    assert status(page) == "available"

    step(page, "reserve")
    assert status(page) == "reserved"

    page.fill("[data-testid=lend-cpr]", CPR)
    page.select_option("[data-testid=lend-legal-basis]", "Serviceloven §112")
    page.fill("[data-testid=lend-note]", "Midlertidigt efter udskrivelse")
    page.locator("[data-testid=lend-submit]").click()
    page.wait_for_selector("[data-testid=holder-name]")
    assert status(page) == "on_loan"
    assert page.locator("[data-testid=holder-name]").inner_text() == "Anna Andersen"
    assert CPR not in page.url and CPR.replace("-", "") not in page.url
    screenshot(page, "item-on-loan")

    step(page, "take_back")
    assert status(page) == "returned"
    step(page, "start_cleaning")
    assert status(page) == "cleaning"
    step(page, "finish_cleaning")
    assert status(page) == "inspection"

    page.locator("[data-testid=inspect-passed]").check()
    page.fill("[data-testid=inspect-note]", "Bremser og hjul i orden")
    page.locator("[data-testid=inspect-submit]").click()
    page.wait_for_selector("[data-testid=timeline]")
    assert status(page) == "available"

    kinds = [e.get_attribute("data-kind") for e in page.locator("[data-testid=event]").all()]
    assert kinds == [
        "pass_inspection",
        "finish_cleaning",
        "start_cleaning",
        "take_back",
        "lend",
        "reserve",
        "received",
    ]
    assert "Bremser og hjul i orden" in page.locator("[data-testid=timeline]").inner_text()
    screenshot(page, "item-page")

    page.goto("/depot/items")
    assert page.locator("[data-testid=item-row]").count() == 2
    screenshot(page, "items-list")
    page.goto("/depot/inspections")
    screenshot(page, "items-inspections")
