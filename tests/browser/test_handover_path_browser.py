"""The whole handover path in the browser (issue 5): the hospital therapist writes and sends a
discharge handover with a bed the municipality delivers and a hoist the hospital lends against
the catalogue's advice; the municipality's therapist finds it in the inbox, acknowledges it
and requests the bed in one step; the hospital records that it delivered the hoist, which
opens a deviation case; the coordinator assesses it, marks it discussed and concludes it, and
the quarter's statistics count it for the municipality."""

import re

import pytest

from depot.web.i18n import local_today
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
CPR = "070342-1188"


@pytest.fixture
def world(app, make, region, herning):
    bed = make.product_type(
        iso_code="18 12 10", title_da="Plejeseng", measurement_fields="length_cm,max_user_weight_kg"
    )
    hoist = make.product_type(
        iso_code="12 36 03", title_da="Mobil personløfter", measurement_fields="max_user_weight_kg"
    )
    make.rule(iso_code="18 12", responsible_party="municipality")
    make.rule(iso_code="12 36", responsible_party="municipality")
    make.depot(owner=herning, name="Hjælpemiddeldepot Herning")
    make.citizen(municipality=herning, name="Else Marie Holm", cpr=CPR, address="Bredgade 4")
    with app.app_context():
        today = local_today()
    return {
        "today": today,
        "bed": bed,
        "hoist": hoist,
        "nurse": make.user(organisation=region, role="therapist", name="Nadia Ergoterapeut"),
        "therapist": make.user(organisation=herning, role="therapist", name="Tina Terapeut"),
        "coordinator": make.user(organisation=region, role="coordinator", name="Kim Koordinator"),
    }


def log_in(page, email):
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")


def click(page, selector):
    page.locator(selector).first.click()
    page.wait_for_load_state()


def test_discharge_handover_to_concluded_deviation_case(world, page):
    today = world["today"]
    # The hospital writes the handover.
    log_in(page, world["nurse"].email)
    page.goto("/citizens/")
    page.fill("[data-testid=citizen-q]", CPR)
    click(page, "[data-testid=citizen-search-submit]")
    assert CPR not in page.url
    click(page, "[data-testid=citizen-row] a")
    click(page, "[data-testid=new-discharge-handover]")
    click(page, "[data-testid=start-handover]")
    handover_id = re.search(r"/handovers/(\d+)/edit", page.url).group(1)
    page.fill("[data-testid=department]", "Ortopædkirurgisk afsnit, Gødstrup")
    page.fill("[data-testid=contact_phone]", "78 43 55 10")
    page.fill("[data-testid=discharge_date]", today.isoformat())
    page.fill("[data-testid=discharge_time]", "18:00")
    bed, hoist = (
        page.locator("[data-testid=device-row][data-section=needed]").nth(i) for i in (0, 1)
    )
    bed.locator("[data-testid=device-type]").select_option(str(world["bed"].id))
    bed.locator("[data-testid=measurement-length_cm]").fill("200")
    bed.locator("[data-testid=measurement-max_user_weight_kg]").fill("88")
    hoist.locator("[data-testid=device-type]").select_option(str(world["hoist"].id))
    hoist.locator("[data-testid=measurement-max_user_weight_kg]").fill("88")
    hoist.locator("[data-testid=device-delivered-by]").select_option("region")
    hoist.locator("[data-testid=device-override-reason]").fill(
        "Udskrives fredag aften; afsnittet låner sin egen lift ud over weekenden"
    )
    contact = page.locator("[data-testid=contact-row]").first
    contact.locator("[data-testid=contact-name]").fill("Jens Holm")
    contact.locator("[data-testid=contact-relation]").fill("søn")
    contact.locator("[data-testid=contact-phone]").fill("40 12 34 56")
    contact.locator("[data-testid=contact-has-key]").check()
    page.check("[data-testid=consent_to_contact]")
    click(page, "[data-testid=send]")
    assert page.locator("[data-testid=handover-status]").first.get_attribute("data-state") == (
        "sent"
    )
    needed = page.inner_text("[data-testid=devices-needed]")
    assert "200" in needed and "88" in needed
    pdf = page.request.get(page.locator("[data-testid=pdf-link]").first.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    screenshot(page, "handover-path-sent")

    # The municipality receives, acknowledges and requests the bed in one step.
    log_in(page, world["therapist"].email)
    assert page.inner_text("[data-testid=nav-handover-unread]").strip().startswith("1")
    click(page, "[data-testid=nav-handovers]")
    click(page, "[data-testid=handover-row] a")
    assert "40 12 34 56" in page.inner_text("[data-testid=handover-contacts]")
    click(page, "[data-testid=acknowledge]")
    assert page.locator("[data-testid=acknowledged]").is_visible()
    assert page.locator("[data-testid=need-checkbox]").count() == 1  # the bed; not the hoist
    click(page, "[data-testid=create-requests]")
    assert page.locator("[data-testid=new-request-link]").first.is_visible()
    screenshot(page, "handover-path-requested")

    # The hospital records that it delivered the hoist: a deviation case opens by itself.
    log_in(page, world["nurse"].email)
    page.goto(f"/handovers/{handover_id}")
    hoist_row = page.locator("[data-testid=device-needed]").nth(1)
    hoist_row.locator("[data-testid=delivery-party]").select_option("region")
    hoist_row.locator("[data-testid=record-delivery]").click()
    page.wait_for_load_state()
    case = page.locator("[data-testid=deviation-case]").first
    assert case.locator("[data-testid=case-status]").get_attribute("data-state") == "open"

    # The coordinator assesses, discusses and concludes the case.
    log_in(page, world["coordinator"].email)
    click(page, "[data-testid=nav-coordination]")
    click(page, "[data-testid=nav-deviations]")
    row = page.locator("[data-testid=case-row]").first
    assert "Else Marie Holm" not in page.content()  # no personal data for the coordinators
    row.locator("a").first.click()
    page.wait_for_load_state()
    page.select_option("[data-testid=assess-form] select[name=cause]", "after_hours")
    page.fill("[data-testid=assess-form] input[name=minutes_spent]", "25")
    click(page, "[data-testid=assess-form] [type=submit]")
    page.fill("[data-testid=discuss-form] input[name=meeting_date]", today.isoformat())
    click(page, "[data-testid=discuss-form] [type=submit]")
    page.fill(
        "[data-testid=conclude-form] textarea[name=conclusion]",
        "Afsnittet leverede liften ved udskrivning fredag aften; kommunen overtager den mandag.",
    )
    click(page, "[data-testid=conclude-form] [type=submit]")
    assert page.locator("[data-testid=case-status]").first.get_attribute("data-state") == (
        "concluded"
    )
    assert page.locator("[data-testid=read-only]").is_visible()
    screenshot(page, "handover-path-case-concluded")

    page.goto("/deviations/stats")
    herning_row = page.locator("[data-testid=case-stats-row]", has_text="Herning")
    assert herning_row.locator("[data-testid=cases]").inner_text().strip() == "1"
    assert herning_row.locator("[data-testid=minutes]").inner_text().strip() == "25"
    screenshot(page, "handover-path-statistics")
