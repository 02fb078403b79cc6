"""The handover path in the browser: the hospital therapist finds the patient, writes a
discharge handover (the measurement inputs follow the product type) and sends it; the
municipal therapist sees it as new in the inbox, reads it, acknowledges it and requests the
devices the municipality delivers."""

from datetime import timedelta

import pytest

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.handovers.test_views_support import today

pytestmark = pytest.mark.browser
CPR = "120345-1234"


@pytest.fixture
def people(app, make, region, herning):
    hoist = make.product_type(
        iso_code="12 36 03", title_da="Mobil personløfter", measurement_fields="max_user_weight_kg"
    )
    make.product_type(
        iso_code="12 22 03", title_da="Manuel kørestol", measurement_fields="seat_width_cm"
    )
    make.rule(iso_code="12 36", responsible_party="municipality")
    make.depot(owner=herning, name="Herning Hjælpemidler")
    make.citizen(municipality=herning, name="Grethe Hansen", cpr=CPR, address="Skolegade 3")
    return {
        "hoist": hoist,
        "nurse": make.user(organisation=region, role="therapist", name="Nina Sygeplejerske"),
        "therapist": make.user(organisation=herning, role="therapist", name="Tina Terapeut"),
    }


def log_in(page, email):
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")
    page.locator("form[action='/language/en'] button").click()  # English pages
    page.wait_for_load_state()


def click(page, selector):
    page.locator(selector).first.click()
    page.wait_for_load_state()


def test_write_send_read_acknowledge_and_request(people, page):
    log_in(page, people["nurse"].email)
    page.goto("/citizens/")
    page.fill("[data-testid=citizen-q]", CPR)
    click(page, "[data-testid=citizen-search-submit]")
    assert CPR not in page.url
    click(page, "[data-testid=citizen-row] a")
    click(page, "[data-testid=new-discharge-handover]")
    click(page, "[data-testid=start-handover]")
    assert page.url.endswith("/edit")

    page.fill("[data-testid=department]", "Ortopædkirurgi, Gødstrup")
    page.fill("[data-testid=contact_phone]", "78 43 00 00")
    page.fill("[data-testid=discharge_date]", (today() + timedelta(days=2)).isoformat())
    page.fill("[data-testid=discharge_time]", "11:00")
    needed = page.locator("[data-testid=device-row][data-section=needed]").first
    # Before a type is chosen no measurement input is shown; the hoist shows its own.
    assert needed.locator("[data-testid=measurement-max_user_weight_kg]").is_hidden()
    needed.locator("[data-testid=device-type]").select_option(str(people["hoist"].id))
    assert needed.locator("[data-testid=measurement-max_user_weight_kg]").is_visible()
    assert needed.locator("[data-testid=measurement-seat_width_cm]").is_hidden()
    needed.locator("[data-testid=measurement-max_user_weight_kg]").fill("95")
    contact = page.locator("[data-testid=contact-row]").first
    contact.locator("[data-testid=contact-name]").fill("Peter Hansen")
    contact.locator("[data-testid=contact-phone]").fill("22 33 44 55")
    contact.locator("[data-testid=contact-has-key]").check()
    page.check("[data-testid=consent_to_contact]")
    screenshot(page, "handover-edit")
    click(page, "[data-testid=send]")
    assert page.locator("[data-testid=handover-status]").first.get_attribute("data-state") == "sent"
    assert "User weight (kg): 95" in page.inner_text("[data-testid=devices-needed]")
    screenshot(page, "handover-sent")

    log_in(page, people["therapist"].email)
    page.goto("/handovers/")
    assert page.locator("[data-testid=unread-count]").is_visible()
    row = page.locator("[data-testid=handover-row]").first
    assert row.get_attribute("data-unread") == "1" and "Grethe Hansen" in row.inner_text()
    screenshot(page, "handover-inbox")
    click(page, "[data-testid=handover-row] a")
    assert "22 33 44 55" in page.inner_text("[data-testid=handover-contacts]")
    click(page, "[data-testid=acknowledge]")
    assert page.locator("[data-testid=acknowledged]").is_visible()
    assert page.locator("[data-testid=need-checkbox]").first.is_checked()
    click(page, "[data-testid=create-requests]")
    link = page.locator("[data-testid=new-request-link]").first
    assert link.is_visible()
    screenshot(page, "handover-requested")
    click(page, "[data-testid=new-request-link]")
    assert "/requests/" in page.url
