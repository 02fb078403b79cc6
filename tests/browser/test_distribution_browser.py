"""In a browser, the whole stock-distribution path: the region's procurement officer creates a
distribution run (with a what-if against the shared depot in Gødstrup), starts it, follows its
progress, reads the result and accepts it; depot staff in Herning print the pick list, pick
and send the beds to Holstebro; depot staff in Holstebro receive them."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from depot.catalogue.models import ProductType
from depot.distribution import jobs
from depot.distribution.models import (
    DistributionRun,
    TransferOrder,
    TransferOrderItem,
    TransferOrderLine,
)
from depot.extensions import db
from depot.items import services as item_services
from depot.items.models import Item, ItemEvent
from depot.organisations.models import Depot
from depot.requests.models import BasicPackage, BasicPackageLine
from depot.web.i18n import local_today
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.browser

HERNING = (56.139, 8.974)
HOLSTEBRO = (56.360, 8.616)
GODSTRUP = (56.110, 8.883)


def _place(app, depot, position, capacity_m3):
    with app.app_context():
        stored = db.session.get(Depot, depot.id)
        stored.latitude, stored.longitude = position
        stored.capacity_m3 = capacity_m3
        db.session.commit()


@pytest.fixture
def world(app, make, region, herning, holstebro):
    """Beds: Herning holds 9 and lends none; Holstebro holds none and lent four over the last
    months (all still out); every depot should keep the basic package of 2 beds ready."""
    godstrup = make.depot(
        name="Fælles depot Gødstrup", shares=[(herning, 50), (holstebro, 30), (region, 20)]
    )
    herning_depot = make.depot(owner=herning, name="Herning Hjælpemiddeldepot")
    holstebro_depot = make.depot(owner=holstebro, name="Holstebro Hjælpemiddeldepot")
    for depot, position, capacity in (
        (godstrup, GODSTRUP, 400),
        (herning_depot, HERNING, 200),
        (holstebro_depot, HOLSTEBRO, 60),
    ):
        _place(app, depot, position, capacity)
    beds = make.product_type(iso_code="18 12 10", title_da="Plejesenge")
    with app.app_context():
        stored = db.session.get(ProductType, beds.id)
        stored.volume_m3, stored.handling_factor = 1.5, 2.0
        package = BasicPackage(name="Udskrivning basis")
        package.lines.append(BasicPackageLine(product_type_id=beds.id, quantity=2))
        db.session.add(package)
        db.session.commit()
    bed = make.product(name="Plejeseng Basis 90", product_type=beds, list_price=Decimal("10000"))
    make.items(product=bed, depot=herning_depot, owner=herning, count=9)
    # Holstebro's loan history: the demand the forecast sees there.
    citizen = make.citizen(municipality=holstebro)
    lent = make.items(product=bed, depot=holstebro_depot, owner=holstebro, count=4)
    with app.app_context():
        today = local_today()
        for months_back, item in zip((1, 2, 4, 6), lent, strict=True):
            started = datetime(today.year, today.month, 10) - timedelta(days=30 * months_back)
            item_services.reserve_item(item_id=item.id, user=None)
            item_services.lend_item(
                item_id=item.id,
                citizen_id=citizen.id,
                lender_id=holstebro.id,
                user=None,
                at=started,
            )
        db.session.commit()
    return {
        "officer": make.user(organisation=region, role="procurement"),
        "herning_staff": make.user(organisation=herning, role="depot_staff"),
        "holstebro_staff": make.user(organisation=holstebro, role="depot_staff"),
        "herning_depot": herning_depot,
        "holstebro_depot": holstebro_depot,
        "godstrup": godstrup,
    }


@pytest.fixture
def gate(monkeypatch):
    """Hold the optimizer until the test has seen the progress bar (the job is in a thread)."""
    release = threading.Event()
    solve = jobs.plan_distribution

    def held(*args, **kwargs):
        release.wait(timeout=30)
        return solve(*args, **kwargs)

    monkeypatch.setattr(jobs, "plan_distribution", held)
    yield release
    release.set()  # never leave a job waiting, whatever happened
    jobs.wait_for_local_jobs(timeout=60)


def log_in(page, user):
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")


def log_out(page):
    page.locator("form[action$='/logout'] [type=submit]").click()
    page.wait_for_url("**/login")


def open_transfer_orders(page):
    page.locator("[data-testid=nav-depot]").click()
    page.locator("[data-testid=nav-transfer-orders]").click()
    page.wait_for_selector("[data-testid=transfer-views]")


def _order_to(app, depot) -> TransferOrder:
    with app.app_context():
        order = db.session.scalars(
            select(TransferOrder).where(TransferOrder.to_depot_id == depot.id)
        ).one()
        db.session.expunge(order)
        return order


def _items(app, ids) -> dict[str, tuple[str, int]]:
    """asset tag → (status, depot id)"""
    with app.app_context():
        items = db.session.scalars(select(Item).where(Item.id.in_(ids))).all()
        return {item.asset_tag: (item.status, item.depot_id) for item in items}


def test_a_whole_distribution_run_from_plan_to_received_beds(app, world, page, gate, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. The region's procurement officer plans a run and accepts it.
    log_in(page, world["officer"])
    page.locator("[data-testid=nav-procurement]").click()
    page.locator("[data-testid=nav-distribution]").click()
    page.locator("[data-testid=new-run]").click()
    page.fill("input[name=title]", "Fordeling af plejesenge")
    page.select_option("select[name=service_package]", label="Udskrivning basis")
    page.select_option("select[name=what_if_hub]", label="Fælles depot Gødstrup")
    page.locator("input[name=run_now]").uncheck()  # started from the run's page instead
    screenshot(page, "distribution-run-new")
    page.locator("[data-testid=create-run]").click()
    page.wait_for_url(re.compile(r"/procurement/distribution/\d+$"))
    page.locator("[data-testid=run-optimizer]").click()

    # The job waits at the gate: the page shows the bar, which moves as the job reports.
    bar = page.locator("[data-testid=progress-bar]")
    bar.wait_for()
    # Polled from here: wait_for_function evaluates strings, which the page's CSP forbids.
    deadline = time.monotonic() + 15
    while float(bar.get_attribute("value") or 0) <= 1:
        assert time.monotonic() < deadline, "the progress bar did not move"
        page.wait_for_timeout(100)
    screenshot(page, "distribution-run-progress")
    gate.set()
    page.wait_for_selector("[data-testid=run-result]", timeout=60_000)
    jobs.wait_for_local_jobs(timeout=60)

    with app.app_context():
        run = db.session.scalars(select(DistributionRun)).one()
        assert run.status == "solved", run.error
    before, after = (int(n) for n in page.locator("[data-testid=shortage]").inner_text().split("→"))
    assert before > after == 0
    flows = page.locator("[data-testid=flow-row]")
    assert flows.count() == 2
    assert all("Herning Hjælpemiddeldepot" in row for row in flows.all_inner_texts())
    assert page.locator("[data-testid=flow-map] svg [data-testid=flow-line]").count() == 2
    assert page.locator("[data-testid=flow-map] svg").get_attribute("role") == "img"
    what_if = page.locator("[data-testid=what-if-table]")
    assert what_if.locator("thead th").count() == 3  # the label column, current, one shared
    assert page.locator("[data-testid=what-if-stock-current]").inner_text().strip()
    assert page.locator("[data-testid=what-if-stock-shared]").inner_text().strip()
    screenshot(page, "distribution-run-result")

    page.locator("[data-testid=accept-run]").click()
    page.wait_for_selector("[data-testid=run-orders]")
    assert page.locator("[data-testid=run-orders] tbody tr").count() == 2
    with app.app_context():
        orders = db.session.scalars(select(TransferOrder)).all()
        assert {(o.from_depot_id, o.to_depot_id, o.status) for o in orders} == {
            (world["herning_depot"].id, world["holstebro_depot"].id, "open"),
            (world["herning_depot"].id, world["godstrup"].id, "open"),
        }
        assert db.session.get(DistributionRun, run.id).status == "accepted"
    order = _order_to(app, world["holstebro_depot"])
    log_out(page)

    # 2. Depot staff in Herning print the pick list, pick and send the beds to Holstebro.
    log_in(page, world["herning_staff"])
    open_transfer_orders(page)
    row = page.locator("[data-testid=transfer-row]", has_text="Holstebro Hjælpemiddeldepot")
    row.locator("[data-testid=transfer-number]").click()
    page.wait_for_selector("[data-testid=transfer-title]")
    assert order.number in page.locator("[data-testid=transfer-title]").inner_text()

    href = page.locator("[data-testid=transfer-pick-list]").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    text = pdf_text(pdf.body(), tmp_path)
    assert order.number in text

    page.locator("[data-testid=transfer-send]").click()
    page.wait_for_selector("[data-testid=send-form]")
    boxes = page.locator("[data-testid=send-form] input[type=checkbox]")
    tags = [box.get_attribute("data-testid").removeprefix("pick-") for box in boxes.all()]
    ticked = [tag for tag, box in zip(tags, boxes.all(), strict=True) if box.is_checked()]
    quantity = len(ticked)
    assert quantity >= 1 and len(tags) > quantity  # the oldest ticked, more offered
    assert any(tag in text for tag in ticked)  # the pick list names the items to fetch
    # The first proposed bed cannot be found: untick it and scan another one instead.
    missing, spare = ticked[0], tags[quantity]
    page.locator(f"[data-testid='pick-{missing}']").uncheck()
    page.fill("[data-testid=scan]", spare)
    screenshot(page, "distribution-transfer-send")
    page.locator("[data-testid=send-submit]").click()
    page.wait_for_selector("[data-testid=transfer-sent]")
    sent = set(ticked[1:]) | {spare}
    assert page.locator("[data-testid=transfer-status]").first.get_attribute("data-state") == "sent"
    shown = page.locator("[data-testid=transfer-item]")
    assert {shown.nth(i).get_attribute("data-tag") for i in range(shown.count())} == sent
    with app.app_context():
        picked = db.session.scalars(
            select(TransferOrderItem.item_id)
            .join(TransferOrderLine, TransferOrderItem.line_id == TransferOrderLine.id)
            .where(TransferOrderLine.order_id == order.id)
        ).all()
        assert db.session.get(TransferOrder, order.id).status == "sent"
    # In transit: still counted at Herning until Holstebro receives them.
    assert _items(app, picked) == {tag: ("in_transit", world["herning_depot"].id) for tag in sent}
    screenshot(page, "distribution-transfer-sent")
    log_out(page)

    # 3. Depot staff in Holstebro receive the order: the beds are available there.
    log_in(page, world["holstebro_staff"])
    open_transfer_orders(page)
    page.locator("[data-testid=view-receive]").click()
    row = page.locator(f"[data-testid=transfer-row][data-id='{order.id}']")
    row.locator("[data-testid=transfer-number]").click()
    page.locator("[data-testid=receive-submit]").click()
    page.wait_for_selector("[data-testid=transfer-received]")
    state = page.locator("[data-testid=transfer-status]").first
    assert state.get_attribute("data-state") == "received"
    screenshot(page, "distribution-transfer-received")
    assert _items(app, picked) == {tag: ("available", world["holstebro_depot"].id) for tag in sent}
    with app.app_context():
        assert db.session.get(TransferOrder, order.id).status == "received"
        events = db.session.execute(
            select(ItemEvent.item_id, ItemEvent.to_status, ItemEvent.depot_id).where(
                ItemEvent.item_id.in_(picked), ItemEvent.note == order.number
            )
        ).all()
    # Each bed's history names the order: sent from Herning, received in Holstebro.
    for item_id in picked:
        assert {(to, depot) for i, to, depot in events if i == item_id} == {
            ("in_transit", world["herning_depot"].id),
            ("available", world["holstebro_depot"].id),
        }
