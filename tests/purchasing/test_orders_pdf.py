"""The purchase order PDF: what the supplier needs, grouped by delivery depot, in Danish.

The supplier's table has one line per product and depot (whichever organisation the units are
for); the split between organisations follows the totals, for the receiving depot.
"""

from __future__ import annotations

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import session

from depot.config import PROJECT_ROOT
from depot.extensions import babel, db
from depot.organisations.models import Depot
from depot.purchasing.models import PurchaseOrder
from depot.purchasing.pdf import order_pdf, sheet_for
from tests.conftest import log_in
from tests.pdf_text import pdf_text
from tests.purchasing.test_orders_world import OrderWorld, build_world

PO = PROJECT_ROOT / "depot" / "translations" / "da" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def w(make, herning, holstebro, region) -> OrderWorld:
    return build_world(make, herning, holstebro, region)


def english_sheet(app, order_id: int):
    """The order's sheet in English, as a user who chose English gets it."""
    with app.test_request_context():
        session["lang"] = "en"
        return sheet_for(db.session.get(PurchaseOrder, order_id), printed_by="Ib")


def english_pdf(app, order_id: int) -> bytes:
    with app.test_request_context():
        session["lang"] = "en"
        return order_pdf(sheet_for(db.session.get(PurchaseOrder, order_id), printed_by="Ib"))


@pytest.fixture
def order(app, w):
    with app.app_context():
        depot = db.session.get(Depot, w.shared.id)
        depot.address, depot.postcode, depot.town = "Industrivej 7", "7500", "Holstebro"
        depot.opening_hours = "Man–tors 7–15, fre 7–12"
        db.session.commit()
    officer = w.user("procurement", w.region)
    order = w.make.purchase_order(
        organisation=w.region,
        contract=w.contract,
        user=officer,
        lines=[
            (w.chair, w.herning, w.depot_h, 3, "4200.00"),
            (w.gloves, w.herning, w.depot_h, 200, "1.25"),
            (w.chair, w.herning, w.shared, 2, "4200.00"),
            (w.chair, w.holstebro, w.shared, 5, "4200.00"),
        ],
        send=True,
    )
    return order


def test_the_pdf_has_what_the_supplier_needs(app, client, w, order, tmp_path):
    officer = w.user("procurement", w.region)
    assert log_in(client, officer.email).status_code == 302
    client.post("/language/en")
    with client.get(f"/procurement/orders/{order.id}/pdf") as response:
        assert response.status_code == 200
        pdf = response.data
    text = pdf_text(pdf, tmp_path)
    with app.app_context():
        stored = db.session.get(PurchaseOrder, order.id)
        hmi = stored.lines[0].product.hmi_number, stored.lines[1].product.hmi_number
        supplier = stored.supplier
        cvr, email = supplier.cvr, supplier.email
        expected = stored.expected_delivery.strftime("%d-%m-%Y")
    for wanted in (
        "Purchase order",
        f"Order no. {order.number}",
        "Region Midtjylland",  # the ordering organisation
        "Invacare Danmark A/S",
        cvr,
        email,
        "70 20 30 40",
        "RK-HJ-2026-01",
        f"Expected delivery: {expected}",
        "Delivery to Herning Hjælpemiddeldepot",
        "Delivery to Fællesdepot Midt",
        "Industrivej 7, 7500 Holstebro",
        "Man–tors 7–15, fre 7–12",
        *hmi,
        "Kørestol Action 3",
        "Engangshandsker nitril",
        "Holstebro Kommune",
        "Page 1 of 1",
        "Status: Sent",
    ):
        assert wanted in text, wanted
    rows = [" ".join(line.split()) for line in text.splitlines()]
    # One line per product and depot: no organisation in the supplier's table.
    assert any(r.endswith("Kørestol Action 3 3 DKK4,200.00 DKK12,600.00") for r in rows), rows
    assert any(r.endswith("Engangshandsker nitril 200 DKK1.25 DKK250.00") for r in rows)
    # Herning's 2 and Holstebro's 5 chairs to the shared depot are one line of 7.
    assert any(r.endswith("Kørestol Action 3 7 DKK4,200.00 DKK29,400.00") for r in rows), rows
    assert not any("DKK8,400.00" in r or "DKK21,000.00" in r for r in rows)
    assert any("Subtotal for this address DKK12,850.00" in r for r in rows)
    assert any("Subtotal for this address DKK29,400.00" in r for r in rows)
    assert any("Goods DKK42,250.00" in r for r in rows)
    assert any("Order cost DKK750.00" in r for r in rows)
    assert any("Total DKK43,000.00" in r for r in rows)
    herning_at = text.index("Delivery to Herning")
    shared_at = text.index("Delivery to Fællesdepot")
    assert text.index("Engangshandsker") < shared_at and herning_at < shared_at
    # The split between organisations comes after the totals, per depot.
    total_at = text.index("DKK43,000.00")
    allocation_at = text.index("Allocation (internal)")
    assert total_at < allocation_at
    assert text.index("Holstebro Kommune") > allocation_at
    split = text[allocation_at:]
    rows = [" ".join(line.split()) for line in split.splitlines()]
    assert any(r.endswith("Kørestol Action 3 3 Herning Kommune 3") for r in rows), rows
    assert any(r.endswith("Engangshandsker nitril 200 Herning Kommune 200") for r in rows), rows
    assert any(
        r.endswith("Kørestol Action 3 7 Herning Kommune 2 · Holstebro Kommune 5") for r in rows
    ), rows
    assert split.index("Herning Hjælpemiddeldepot") < split.index("Fællesdepot Midt")


def test_the_lines_start_on_the_first_page(app, w, tmp_path):
    """Under the heading, not on a page of their own (a table that would fit on one page)."""
    lines = [(w.chair, w.herning, w.depot_h, 1, "10.00")]
    lines += [
        (
            w.make.product(name=f"Rollator nr. {n:02}", supplier=w.supplier),
            w.herning,
            w.depot_h,
            1,
            "1",
        )
        for n in range(30)
    ]
    order = w.make.purchase_order(organisation=w.herning, contract=w.contract, lines=lines)
    pdf = english_pdf(app, order.id)
    first, *_ = pdf_text(pdf, tmp_path).split("\f")
    assert "Kørestol Action 3" in first
    assert "Rollator nr. 29" in first
    assert "Total" in first
    # Every line is for the ordering organisation: nothing to split.
    assert "Allocation (internal)" not in first


def test_a_long_order_goes_on_over_the_pages(app, w, tmp_path):
    """60 lines: the table's heading row on every page, the total after the last line."""
    products = [
        w.make.product(name=f"Rollator nr. {n:02}", supplier=w.supplier) for n in range(1, 61)
    ]
    lines = [(product, w.herning, w.depot_h, n, "100.00") for n, product in enumerate(products, 1)]
    order = w.make.purchase_order(
        organisation=w.herning, contract=w.contract, lines=lines, send=True
    )
    pdf = english_pdf(app, order.id)
    pages = pdf_text(pdf, tmp_path).rstrip("\f").split("\f")
    assert len(pages) >= 2
    assert "Rollator nr. 01" in pages[0]
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
        heading = next(" ".join(r.split()) for r in page.splitlines() if "HMI no." in r)
        assert heading == "HMI no. Product Qty Unit price Amount"
    assert "Rollator nr. 60" in pages[-1]
    last = [" ".join(r.split()) for r in pages[-1].splitlines()]
    assert any(r.endswith("Rollator nr. 60 60 DKK100.00 DKK6,000.00") for r in last), last
    assert any("Total DKK183,750.00" in r for r in last)  # 1830 × 100 + 750
    assert all("Total" not in page for page in pages[:-1])
    assert sum(page.count("Rollator nr.") for page in pages) == 60


def test_long_names_wrap_between_words(app, w, tmp_path):
    long_name = "Region Midtjylland (Hjælpemiddelenheden Vest / Hospitalsenheden Vest)"
    chair = 'Vestmo Slange til kørestolshjul 24" med forstærket ventil og ekstra slidbane'
    with app.app_context():
        db.session.get(type(w.region), w.region.id).name = long_name
        db.session.commit()
    product = w.make.product(name=chair, supplier=w.supplier)
    order = w.make.purchase_order(
        organisation=w.herning,
        contract=w.contract,
        lines=[
            (product, w.region, w.depot_h, 4, "102.00"),
            (product, w.herning, w.depot_h, 1, "102.00"),
        ],
    )
    pdf = english_pdf(app, order.id)
    words = pdf_text(pdf, tmp_path).split()
    for word in (*long_name.split(), *chair.split()):
        assert word in words, word


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_a_draft_or_cancelled_order_says_so(app, client, w, tmp_path, status):
    order = w.order([(w.chair, w.herning, w.depot_h, 1, "1")])
    if status == "cancelled":
        with app.app_context():
            from depot.purchasing.orders import cancel_order

            cancel_order(order_id=order.id, user=None, reason="Dublet")
            db.session.commit()
    assert log_in(client, w.user("admin", w.herning).email).status_code == 302
    client.post("/language/en")
    text = pdf_text(client.get(f"/procurement/orders/{order.id}/pdf").data, tmp_path)
    label = status.capitalize()
    assert f"Status: {label}" in text  # as any other state, "Status: Sent"
    sheet = english_sheet(app, order.id)
    assert (sheet.status, sheet.watermark) == (label, label.upper())  # across the page
    if status == "cancelled":
        # The reason, in the note (stored in the language of whoever cancelled).
        assert ": Dublet" in text[text.index("Note") :]


def test_a_sent_order_has_no_draft_mark_and_a_long_one_numbers_its_pages(app, w, tmp_path):
    lines = [(w.gloves, w.herning, w.depot_h, 1, "1.00")]
    lines += [(w.chair, w.herning, w.depot_h, 1, "1.00")]
    # Many depots: many groups, several pages.
    depots = [w.make.depot(owner=w.herning, name=f"Satellitdepot {n}") for n in range(40)]
    lines += [(w.chair, w.herning, depot, 1 + n, "99.95") for n, depot in enumerate(depots)]
    order = w.make.purchase_order(
        organisation=w.herning, contract=w.contract, lines=lines, send=True
    )
    with app.test_request_context():
        pdf = order_pdf(sheet_for(db.session.get(PurchaseOrder, order.id), printed_by="Ib"))
    text = pdf_text(pdf, tmp_path)
    pages = text.count("\f")
    assert pages >= 3
    assert f"Side {pages} af {pages}" in text or f"Page {pages} of {pages}" in text
    assert "DRAFT" not in text and "KLADDE" not in text
    assert "Satellitdepot 39" in text


def test_text_the_font_lacks_does_not_break_the_pdf(app, w, tmp_path):
    with app.app_context():
        db.session.get(Depot, w.depot_h.id).opening_hours = "Ring først ☎ — <b>hverdage</b> & 🦽"
        db.session.commit()
    order = w.order([(w.chair, w.herning, w.depot_h, 1, "1")])
    with app.test_request_context():
        pdf = order_pdf(sheet_for(db.session.get(PurchaseOrder, order.id), printed_by="<i>x"))
    text = pdf_text(pdf, tmp_path)
    assert "<b>hverdage</b> &" in text
    assert "<i>x" in text


@pytest.fixture
def danish_app(make_app, w, tmp_path):
    """The app with the Danish catalogue compiled (as `make test` does) into a temporary folder."""
    folder = tmp_path / "translations" / "da" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with PO.open("rb") as source:
        catalogue = read_po(source)
    with (folder / "messages.mo").open("wb") as target:
        write_mo(target, catalogue, use_fuzzy=True)
    babel.domain_instance.cache.clear()
    yield make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations"))
    babel.domain_instance.cache.clear()


def test_the_pdf_is_danish_by_default(danish_app, w, order, tmp_path):
    client = danish_app.test_client()
    assert log_in(client, w.user("procurement", w.region).email).status_code == 302
    with client.get(f"/procurement/orders/{order.id}/pdf") as response:
        assert response.status_code == 200
        text = pdf_text(response.data, tmp_path)
    for wanted in ("Leverandør", "CVR-nummer", "Telefon", "Side 1 af 1", "12.600,00 kr."):
        assert wanted in text, wanted
    assert "43.000,00 kr." in text
    assert "Status: Sendt" in text
    for english in ("Supplier", "Phone", "Page 1 of 1", "DKK"):
        assert english not in text, english


def test_a_danish_draft_says_kladde(danish_app, w):
    order = w.order([(w.chair, w.herning, w.depot_h, 1, "1")])
    with danish_app.test_request_context():
        sheet = sheet_for(db.session.get(PurchaseOrder, order.id), printed_by="Ib")
    assert (sheet.status, sheet.watermark) == ("Kladde", "KLADDE")
