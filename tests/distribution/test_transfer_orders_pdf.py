"""The pick list PDF: the depots, a line per product type or consumable with the proposed
items' asset tags and boxes to tick, signature lines, page X of Y; Danish by default."""

from __future__ import annotations

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import session
from sqlalchemy import update

from depot.config import PROJECT_ROOT
from depot.distribution.models import TransferOrder
from depot.distribution.pdf import pick_list_pdf, sheet_for
from depot.extensions import babel, db
from depot.items.models import Item
from depot.organisations.models import Depot
from tests.conftest import log_in
from tests.distribution.test_transfer_orders_world import TransferWorld, build_world
from tests.pdf_text import pdf_text

PO = PROJECT_ROOT / "depot" / "translations" / "da" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def w(make, herning, holstebro, region) -> TransferWorld:
    return build_world(make, herning, holstebro, region)


def english(app, order_id: int, fn=pick_list_pdf):
    """The order's pick list (or, with fn=None, its sheet) in English."""
    with app.test_request_context():
        session["lang"] = "en"
        sheet = sheet_for(db.session.get(TransferOrder, order_id), printed_by="Ib Hansen")
        return fn(sheet) if fn else sheet


def _tags(app, ids) -> list[str]:
    with app.app_context():
        return [db.session.get(Item, i).asset_tag for i in ids]


@pytest.fixture
def order(app, w):
    with app.app_context():
        depot = db.session.get(Depot, w.depot_s.id)
        depot.address, depot.postcode, depot.town = "Industrivej 7", "7500", "Holstebro"
        depot.opening_hours = "Man–tors 7–15, fre 7–12"
        db.session.commit()
    return w.order([(w.chair_type, 2), (w.bed_type, 1), (w.gloves, 12)], note="Fra kørsel 4")


def test_an_open_order_lists_the_proposed_items_to_tick(app, w, order, tmp_path):
    chairs = w.items(count=4)
    w.items(product=w.chair_light, status="reserved")
    w.stock(40)
    with app.app_context():
        db.session.execute(update(Item).where(Item.id == chairs[3]).values(serial="SN-77"))
        db.session.commit()
    text = pdf_text(english(app, order.id), tmp_path)
    tags = _tags(app, chairs)
    for wanted in (
        "Pick list",
        f"Transfer order {order.number}",
        "Status: To pick",
        "Herning Hjælpemiddeldepot",
        "Holstebro Hjælpemiddeldepot",
        "Industrivej 7, 7500 Holstebro",
        "Man–tors 7–15, fre 7–12",
        "12 22 03 Type",  # the chair type's English title
        "Ordered: 2",
        "Alternatives, if an item cannot be found",
        "SN-77",
        "Engangshandsker nitril",
        "Only 0 available in the depot",  # no bed
        "Fra kørsel 4",
        "Picked and sent by",
        "Received by",
        "Signature",
        "Page 1 of 1",
        f"Pick list {order.number} · printed by Ib Hansen at",
    ):
        assert wanted in text, wanted
    assert all(tag in text for tag in tags)  # two to pick, two alternatives
    assert text.index(tags[1]) < text.index("Alternatives") < text.index(tags[2])
    gloves = [line for line in text.splitlines() if "Engangshandsker nitril" in line][-1]
    assert gloves.split()[-3:] == ["12", "40", "______________"]  # ordered, in stock, count


def test_a_sent_order_lists_the_items_sent(app, w, order, tmp_path):
    chairs = w.items(count=3)
    with app.app_context():
        from depot.distribution import transfer_orders as services

        line = db.session.get(TransferOrder, order.id).lines[0]
        services.send_order(
            order_id=order.id, picks={line.id: [chairs[2]]}, quantities={}, user=None
        )
        db.session.commit()
    sheet = english(app, order.id, fn=None)
    assert sheet.picked and sheet.status == "In transit"
    assert [item.tag for item in sheet.lines[0].items] == _tags(app, chairs[2:])
    assert sheet.lines[0].sent == "1" and sheet.lines[0].alternatives == []
    text = pdf_text(english(app, order.id), tmp_path)
    assert "Ordered: 2 · Sent: 1" in text
    assert "Nothing was sent on this line." in text  # the bed
    assert _tags(app, chairs[:1])[0] not in text


def test_a_long_list_goes_on_over_the_pages_with_its_heading(app, w, tmp_path):
    chairs = w.items(count=90)
    order = w.order([(w.chair_type, 85)])
    text = pdf_text(english(app, order.id), tmp_path)
    pages = text.split("\f")
    assert "Page 1 of 3" in pages[0] and "Page 3 of 3" in pages[2]
    assert all("Asset tag" in page for page in pages[:3])  # the heading, repeated
    tags = _tags(app, chairs)
    assert all(tag in text for tag in tags[:88])  # 85 to pick, 3 alternatives
    assert tags[88] not in text


def test_a_cancelled_order_says_so_across_the_page(app, w):
    order = w.order()
    with app.app_context():
        from depot.distribution import transfer_orders as services

        services.cancel_order(order_id=order.id, user=None, reason="Ikke brug for det")
        db.session.commit()
    sheet = english(app, order.id, fn=None)
    assert (sheet.status, sheet.watermark) == ("Cancelled", "CANCELLED")


@pytest.fixture
def danish_app(make_app, tmp_path):
    """The app with the Danish catalogue compiled (as `make test` does) into a temporary folder."""
    folder = tmp_path / "translations" / "da" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with PO.open("rb") as source:
        catalogue = read_po(source)
    with (folder / "messages.mo").open("wb") as target:
        write_mo(target, catalogue, use_fuzzy=True)
    danish = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations"))
    with danish.app_context():  # the catalogues are cached on the shared extension
        babel.domain_instance.cache.clear()
    yield danish
    with danish.app_context():
        babel.domain_instance.cache.clear()


def test_the_pick_list_is_danish_by_default(danish_app, w, order, tmp_path):
    w.items(count=2)
    client = danish_app.test_client()
    assert log_in(client, w.user("depot_staff", w.herning).email).status_code == 302
    with client.get(f"/depot/transfer-orders/{order.id}/pick-list") as response:
        assert response.status_code == 200
        text = pdf_text(response.data, tmp_path)
    for wanted in (
        "Manuelle kørestole",
        "Adresse",
        "Stregkodenummer",
        "Side 1 af 1",
        "Underskrift",
    ):
        assert wanted in text, wanted
    for english_word in ("Address", "Page 1 of 1", "Signature", "Type"):
        assert english_word not in text, english_word
