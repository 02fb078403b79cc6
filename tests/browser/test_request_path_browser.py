"""The whole path in the browser: a therapist requests a basic package for a new citizen; the
depot reserves the items, plans a run and delivers; the citizen page shows the loans; the
therapist asks for a pick-up; the depot picks the items up and starts cleaning them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from depot.extensions import db
from depot.requests.models import BasicPackage, BasicPackageLine
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
CPR = "120345-6789"
TYPES = (
    (
        "18 12 10",
        "Plejesenge",
        "length_cm,max_user_weight_kg",
        {"length_cm": 200, "max_user_weight_kg": 150},
    ),
    ("12 06 06", "Rollatorer", "max_user_weight_kg", {"max_user_weight_kg": 130}),
)


@pytest.fixture
def path_world(app, make, herning):
    depot = make.depot(owner=herning, name="Hjælpemiddeldepot Herning")
    package_lines = []
    for code, title, fields, measurements in TYPES:
        product_type = make.product_type(iso_code=code, title_da=title, measurement_fields=fields)
        product = make.product(product_type=product_type, name=f"{title} Basic", **measurements)
        make.items(product=product, depot=depot, owner=herning, count=2)
        package_lines.append(product_type)
    with app.app_context():
        package = BasicPackage(name="Udskrivning til eget hjem")
        package.lines = [BasicPackageLine(product_type_id=t.id, quantity=1) for t in package_lines]
        db.session.add(package)
        db.session.commit()
    return {
        "therapist": make.user(organisation=herning, role="therapist", name="Tina Terapeut"),
        "staff": make.user(organisation=herning, role="depot_staff", name="Dorte Depot"),
    }


def log_in(page, email):
    page.goto("/logout") if False else None
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")


def state(page, testid: str) -> str | None:
    return page.locator(f"[data-testid={testid}]").first.get_attribute("data-state")


def click(page, selector):
    page.locator(selector).first.click()
    page.wait_for_load_state()


def test_request_reserve_deliver_pick_up_and_clean(path_world, page):
    # The therapist finds no citizen with the CPR number, registers her and opens her page.
    log_in(page, path_world["therapist"].email)
    page.click("[data-testid=nav-citizens]")
    page.fill("[data-testid=citizen-q]", CPR)
    click(page, "[data-testid=citizen-search-submit]")
    assert CPR not in page.url
    click(page, "[data-testid=register-citizen]")
    page.fill("input[name=name]", "Else Jensen")
    page.fill("input[name=address]", "Østergade 12")
    page.fill("input[name=postcode]", "7400")
    page.fill("input[name=town]", "Herning")
    page.fill("input[name=phone]", "97 12 34 56")
    click(page, "[data-testid=citizen-submit]")
    assert page.locator("[data-testid=citizen-name]").inner_text().strip() == "Else Jensen"

    # She requests the basic package in one step: the lines are there, she adds measurements.
    click(page, "[data-testid=package-link]")
    assert page.locator("[data-testid=device-line]").count() >= 2
    weight = page.locator("[data-testid=device-line] input[name$=max_user_weight_kg]").first
    weight.fill("95")
    page.fill("input[name=needed_by_date]", (date.today() + timedelta(days=2)).isoformat())
    page.fill("input[name=needed_by_time]", "12:00")
    page.select_option("select[name=legal_basis]", "Serviceloven §112")
    page.select_option("select[name=purpose]", "compensation")
    page.select_option("select[name=expected_duration]", "90")
    screenshot(page, "request-new-package")
    click(page, "[data-testid=send]")
    screenshot(page, "request-sent")
    assert state(page, "request-status") == "open"
    request_url = page.url

    # The depot staff sees the request in the queue and reserves the nearest item per line.
    log_in(page, path_world["staff"].email)
    page.goto("/depot/requests/")
    screenshot(page, "queue")
    click(page, "[data-testid=queue-row] a")
    for _ in range(len(TYPES)):
        click(page, "[data-testid=line][data-status=open] [data-testid=reserve]")
    assert page.locator("[data-testid=reservation][data-status=reserved]").count() == len(TYPES)
    screenshot(page, "queue-request-reserved")

    # A run for today: add the delivery, print the run sheet, mark it delivered.
    click(page, "[data-testid=plan-delivery]")
    page.fill("[data-testid=run-driver] input, input[name=driver]", "Bo Chauffør")
    click(page, "[data-testid=run-submit]")
    click(page, "[data-testid=add-delivery]")
    assert page.locator("[data-testid=stop]").count() == 1
    assert page.locator("[data-testid=total-km]").is_visible()
    with page.expect_response(lambda r: r.url.endswith("run-sheet.pdf")) as sheet:
        page.evaluate(
            "url => fetch(url)",
            page.locator("[data-testid=run-sheet-link]").get_attribute("href"),
        )
    assert sheet.value.status == 200
    assert sheet.value.headers["content-type"] == "application/pdf"
    screenshot(page, "run-planned")
    click(page, "[data-testid=complete-stop]")
    assert page.locator("[data-testid=stop]").first.get_attribute("data-status") == "done"
    run_url = page.url

    # The therapist sees the loans on the citizen page and asks for a pick-up of the rollator.
    log_in(page, path_world["therapist"].email)
    page.goto(request_url)
    assert state(page, "request-status") == "delivered"
    assert page.locator("[data-testid=delivery-stop][data-state=done]").count() == 1
    page.goto("/citizens/")
    page.fill("[data-testid=citizen-q]", "Else")
    click(page, "[data-testid=citizen-search-submit]")
    click(page, "[data-testid=citizen-row] a")
    assert page.locator("[data-testid=open-loan]").count() == len(TYPES)
    screenshot(page, "citizen-with-loans")
    click(page, "[data-testid=request-pickup]")
    assert page.locator("[data-testid=pickup-requested]").count() >= 1

    # The next day's run fetches it; the depot picks it up and starts cleaning the item.
    log_in(page, path_world["staff"].email)
    assert run_url
    # The app's day is Copenhagen's, which is not the machine's (UTC) around midnight.
    local_today = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    tomorrow = (local_today + timedelta(days=1)).isoformat()
    page.goto(f"/depot/runs/?date={tomorrow}")
    page.fill("input[name=driver]", "Bo Chauffør")
    click(page, "[data-testid=run-submit]")
    click(page, "[data-testid=add-pickup]")
    click(page, "[data-testid=stop][data-status=planned] [data-testid=complete-stop]")
    click(page, "[data-testid=start-cleaning]")
    click(page, "[data-testid=step-start_cleaning]")
    status = page.locator("[data-testid=status] [data-testid=state-badge]").get_attribute(
        "data-state"
    )
    assert status == "cleaning"
    screenshot(page, "item-cleaning-after-pickup")
