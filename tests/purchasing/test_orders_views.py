"""The purchase order pages: list, page, send, cancel, receive; access, bad input, double posts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from depot.extensions import db
from depot.items.models import Item
from depot.purchasing.models import PurchaseOrder, PurchaseReceipt, PurchaseRound
from depot.stock.models import StockLevel
from tests.purchasing.test_orders_world import OrderWorld, build_world


@pytest.fixture
def w(make, herning, holstebro, region) -> OrderWorld:
    return build_world(make, herning, holstebro, region)


def _english(client) -> None:
    client.post("/language/en")


def _order(app, order_id: int) -> tuple[str, int, list[int]]:
    """The order's status, version and received quantities, as stored."""
    with app.app_context():
        order = db.session.get(PurchaseOrder, order_id)
        return order.status, order.version_id, [line.received_quantity for line in order.lines]


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _url(order, action: str = "") -> str:
    return f"/procurement/orders/{order.id}" + (f"/{action}" if action else "")


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_the_orders_with_filters(app, client, login_as, w):
    sent = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")], send=True)
    draft = w.order([(w.bed, w.herning, w.depot_h, 1, "9800")])
    elsewhere = w.order([(w.bed, w.holstebro, w.depot_s, 1, "9800")], organisation=w.holstebro)
    login_as("procurement", w.herning)
    _english(client)
    page = client.get("/procurement/orders/").get_data(as_text=True)
    assert sent.number in page and draft.number in page
    assert elsewhere.number not in page  # Holstebro's, with nothing for Herning
    assert 'data-state="sent"' in page and 'data-state="draft"' in page
    assert "9,800.00" in page  # the bed's total, no order cost at Etac
    page = client.get("/procurement/orders/?status=draft").get_data(as_text=True)
    assert draft.number in page and sent.number not in page
    page = client.get(f"/procurement/orders/?supplier={w.supplier.id}").get_data(as_text=True)
    assert sent.number in page and draft.number not in page
    page = client.get("/procurement/orders/?view=receive").get_data(as_text=True)
    assert sent.number in page and draft.number not in page


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "supplier=abc",
        "supplier=-1",
        "supplier=99999999999999999999",
        "view=everything",
        "page=-3",
        "page=abc",
        "page=99999999999999",
        "status=%00",
    ],
)
def test_bad_filters_are_ignored_not_an_error(client, login_as, w, query):
    w.order([(w.chair, w.herning, w.depot_h, 2, "4200")], send=True)
    login_as("procurement", w.herning)
    response = client.get(f"/procurement/orders/?{query}")
    assert response.status_code == 200


def test_depot_staff_see_what_is_to_receive_at_their_depots(client, login_as, w):
    coming = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")], send=True)
    draft = w.order([(w.gloves, w.herning, w.depot_h, 10, "1")])
    other = w.order([(w.bed, w.holstebro, w.depot_s, 1, "9800")], send=True)
    login_as("depot_staff", w.herning)
    page = client.get("/procurement/orders/").get_data(as_text=True)
    assert 'aria-current="page" href="/procurement/orders/?view=receive"' in page
    assert coming.number in page
    assert draft.number not in page and other.number not in page
    page = client.get("/procurement/orders/?view=all").get_data(as_text=True)
    assert coming.number in page and draft.number in page and other.number not in page


def test_roles_without_orders_are_refused_the_list(client, login_as, w):
    login_as("therapist", w.herning)
    assert client.get("/procurement/orders/").status_code == 403


# --- the page and the PDF -------------------------------------------------------------------


def test_the_page_shows_lines_receipts_and_the_round(app, client, login_as, w):
    with app.app_context():
        purchase_round = PurchaseRound(title="Kørestole forår", organisation_id=w.herning.id)
        db.session.add(purchase_round)
        db.session.commit()
        round_id = purchase_round.id
    staff = w.user("depot_staff", w.herning)
    order = w.make.purchase_order(
        organisation=w.herning,
        lines=[(w.chair, w.herning, w.depot_h, 5, "4200"), (w.gloves, w.herning, w.depot_h, 9, 1)],
        contract=w.contract,
        send=True,
        round_id=round_id,
    )
    with app.app_context():
        from depot.purchasing import orders

        orders.receive_line(line_id=order.lines[0].id, quantity=2, serials=None, user=staff)
        db.session.commit()
    login_as("procurement", w.herning)
    _english(client)
    response = client.get(_url(order))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Invacare Danmark A/S" in page and "RK-HJ-2026-01" in page
    assert re.search(r'data-testid="line-received">2<', page)
    assert re.search(r'data-testid="line-remaining">3<', page)
    assert 'data-testid="receipt-row"' in page and staff.name in page
    assert f'href="/procurement/rounds/{round_id}"' in page and "Kørestole forår" in page
    assert "21,759.00" in page  # 5 × 4,200 + 9 × 1 + 750 order cost
    assert 'data-testid="send-form"' not in page  # sent already
    assert 'data-testid="cancel-form"' not in page  # something received


def test_the_pdf_downloads_for_whoever_sees_the_order(client, login_as, w):
    order = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")])
    login_as("depot_staff", w.herning)
    response = client.get(_url(order, "pdf"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{order.number}.pdf"'
    assert response.data.startswith(b"%PDF")


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "where", "statuses"),
    [
        # (page, pdf, send, cancel, receive GET)
        ("procurement", "holstebro", (404, 404, 404, 404, 404)),
        ("admin", "holstebro", (404, 404, 404, 404, 404)),
        ("depot_staff", "holstebro", (404, 404, 404, 404, 404)),
        ("depot_staff", "region", (404, 404, 404, 404, 404)),
        ("depot_staff", "herning", (200, 200, 403, 403, 200)),
        ("therapist", "herning", (403, 403, 403, 403, 403)),
        ("coordinator", "region", (403, 403, 403, 403, 403)),
        ("procurement", "region", (200, 200, 409, 400, 200)),
        ("admin", "herning", (200, 200, 409, 400, 200)),
    ],
)
def test_access_to_an_order(client, login_as, w, role, where, statuses):
    order = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")], send=True)
    login_as(role, getattr(w, where))
    got = (
        client.get(_url(order)).status_code,
        client.get(_url(order, "pdf")).status_code,
        client.post(_url(order, "send"), data={"version": 99}).status_code,
        client.post(_url(order, "cancel"), data={"version": 99}).status_code,
        client.get(_url(order, "receive")).status_code,
    )
    assert got == statuses


def test_an_order_that_does_not_exist_is_not_found(client, login_as, w):
    login_as("procurement", w.region)
    for path in ("", "/pdf", "/receive"):
        assert client.get(f"/procurement/orders/2147483647{path}").status_code == 404
    assert client.get("/procurement/orders/2147483648").status_code == 404
    assert client.get("/procurement/orders/0").status_code == 404


# --- send and cancel ------------------------------------------------------------------------


def test_send_then_the_same_form_again_is_a_conflict(app, client, login_as, w):
    order = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")])
    login_as("procurement", w.herning)
    _english(client)
    page = client.get(_url(order)).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(_url(order, "send"), data={"version": version})
    assert response.status_code == 302
    assert _order(app, order.id)[0] == "sent"
    again = client.post(_url(order, "send"), data={"version": version})
    assert again.status_code == 409
    assert "has already been sent" in again.get_data(as_text=True)


@pytest.mark.parametrize("version", ["", "abc", "-1", "0", "1.5", "99999999999999999999"])
def test_send_with_a_broken_form_is_refused(app, client, login_as, w, version):
    order = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")])
    login_as("procurement", w.herning)
    assert client.post(_url(order, "send"), data={"version": version}).status_code == 400
    assert _order(app, order.id)[0] == "draft"


def test_cancel_needs_a_reason_and_happens_once(app, client, login_as, w):
    order = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")], send=True)
    version = _order(app, order.id)[1]
    login_as("admin", w.herning)
    _english(client)
    for data in (
        {"version": version},
        {"version": version, "reason": "   "},
        {"version": version, "reason": "x" * 1001},
        {"version": "x", "reason": "Fejl"},
    ):
        assert client.post(_url(order, "cancel"), data=data).status_code == 400
    assert _order(app, order.id)[0] == "sent"
    data = {"version": version, "reason": "Bestilt to gange"}
    assert client.post(_url(order, "cancel"), data=data).status_code == 302
    assert _order(app, order.id)[0] == "cancelled"
    again = client.post(_url(order, "cancel"), data=data)
    assert again.status_code == 409
    page = client.get(_url(order)).get_data(as_text=True)
    assert "Bestilt to gange" in page
    assert client.get(_url(order, "receive")).status_code == 409
    assert client.post(_url(order, "receive"), data={"version": version}).status_code == 409


# --- receive --------------------------------------------------------------------------------


def _form_fields(page: str) -> dict[str, str]:
    """The receive form's inputs and their values, as a browser would send them."""
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\s*([^<]*)</textarea>', page))
    return fields


def test_receive_in_two_deliveries(app, client, login_as, w):
    order = w.order(
        [(w.chair, w.herning, w.depot_h, 3, "4200"), (w.gloves, w.herning, w.depot_h, 50, "1")],
        send=True,
    )
    chair, gloves = (line.id for line in order.lines)
    staff = login_as("depot_staff", w.herning)
    _english(client)
    page = client.get(_url(order, "receive")).get_data(as_text=True)
    fields = _form_fields(page)
    assert fields[f"qty_{chair}"] == "3" and fields[f"qty_{gloves}"] == "50"
    assert f"serials_{chair}" in fields and f"serials_{gloves}" not in fields
    first = {
        **fields,
        f"qty_{chair}": "2",
        f"serials_{chair}": "AC3-1\r\nAC3-2\r\n",
        f"qty_{gloves}": "0",
    }
    assert client.post(_url(order, "receive"), data=first).status_code == 302
    assert _order(app, order.id)[0::2] == ("partly_received", [2, 0])
    # The same form sent twice: the order has moved on.
    again = client.post(_url(order, "receive"), data=first)
    assert again.status_code == 409
    assert "changed meanwhile" in again.get_data(as_text=True)
    fields = _form_fields(client.get(_url(order, "receive")).get_data(as_text=True))
    assert fields[f"qty_{chair}"] == "1"
    assert client.post(_url(order, "receive"), data=fields).status_code == 302
    assert _order(app, order.id)[0::2] == ("received", [3, 50])
    with app.app_context():
        items = db.session.scalars(select(Item).order_by(Item.id)).all()
        assert [(i.serial, i.owner_id, i.depot_id) for i in items] == [
            ("AC3-1", w.herning.id, w.depot_h.id),
            ("AC3-2", w.herning.id, w.depot_h.id),
            (None, w.herning.id, w.depot_h.id),
        ]
        assert db.session.scalar(select(StockLevel.quantity)) == 50
        by = set(db.session.scalars(select(PurchaseReceipt.by_id)))
        assert by == {staff.id}
    page = client.get(_url(order)).get_data(as_text=True)
    assert page.count('data-testid="receipt-row"') == 3
    assert client.get(_url(order, "receive")).status_code == 409  # received in full


BAD_RECEIPTS = {
    "not a number": ({"qty": "tre"}, "Not a valid integer value"),
    "negative": ({"qty": "-1"}, "from 0 to 3"),
    "more than remains": ({"qty": "4"}, "from 0 to 3"),
    "huge": ({"qty": "99999999999999999999999"}, "from 0 to 3"),
    "empty": ({"qty": ""}, "0 if none"),
    "missing": ({"qty": None}, "0 if none"),
    "all zero": ({"qty": "0", "gloves": "0"}, "at least one line"),
    "too few serials": ({"qty": "2", "serials": "S1"}, "one serial number per unit"),
    "too many serials": ({"qty": "1", "serials": "S1\nS2"}, "one serial number per unit"),
    "the same serial twice": ({"qty": "2", "serials": "S1\nS1"}, "appears twice"),
    "a serial too long": ({"qty": "1", "serials": "S" * 61}, "at most 60"),
    "no version": ({"version": None}, "Reload the page"),
    "a junk version": ({"version": "v2"}, "Not a valid integer value"),
    "a long note": ({"note": "n" * 2001}, "longer than 2000"),
}


@pytest.mark.parametrize("case", sorted(BAD_RECEIPTS))
def test_bad_receipts_are_shown_again_with_the_message(app, client, login_as, w, case):
    order = w.order(
        [(w.chair, w.herning, w.depot_h, 3, "4200"), (w.gloves, w.herning, w.depot_h, 5, "1")],
        send=True,
    )
    chair, gloves = (line.id for line in order.lines)
    login_as("depot_staff", w.herning)
    _english(client)
    fields = _form_fields(client.get(_url(order, "receive")).get_data(as_text=True))
    changes, message = BAD_RECEIPTS[case]
    names = {"qty": f"qty_{chair}", "serials": f"serials_{chair}", "gloves": f"qty_{gloves}"}
    for key, value in changes.items():
        name = names.get(key, key)
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    response = client.post(_url(order, "receive"), data=fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _order(app, order.id)[0::2] == ("sent", [0, 0])
    assert _count(app, Item) == 0


def test_a_serial_number_already_registered_is_a_conflict(app, client, login_as, w):
    w.make.items(product=w.chair, depot=w.depot_s, owner=w.holstebro)
    with app.app_context():
        db.session.scalar(select(Item)).serial = "AC3-9"
        db.session.commit()
    order = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")], send=True)
    line = order.lines[0].id
    login_as("procurement", w.herning)
    _english(client)
    fields = _form_fields(client.get(_url(order, "receive")).get_data(as_text=True))
    response = client.post(
        _url(order, "receive"), data={**fields, f"serials_{line}": "AC3-8\nAC3-9"}
    )
    assert response.status_code == 409
    assert "AC3-9" in response.get_data(as_text=True)
    assert _count(app, Item) == 1
    assert _order(app, order.id)[0::2] == ("sent", [0])


def test_nothing_is_received_on_a_draft(app, client, login_as, w):
    order = w.order([(w.chair, w.herning, w.depot_h, 2, "4200")])
    login_as("procurement", w.herning)
    _english(client)
    response = client.get(_url(order, "receive"))
    assert response.status_code == 409
    assert "not been sent yet" in response.get_data(as_text=True)
    line = order.lines[0].id
    assert client.post(_url(order, "receive"), data={f"qty_{line}": "1"}).status_code == 409
    assert _order(app, order.id)[0::2] == ("draft", [0])


def test_depot_staff_receive_only_the_lines_for_their_depot(app, client, login_as, w):
    order = w.order(
        [(w.chair, w.herning, w.depot_h, 1, "4200"), (w.chair, w.holstebro, w.depot_s, 2, "4200")],
        send=True,
    )
    mine, theirs = (line.id for line in order.lines)
    login_as("depot_staff", w.holstebro)
    fields = _form_fields(client.get(_url(order, "receive")).get_data(as_text=True))
    assert f"qty_{theirs}" in fields and f"qty_{mine}" not in fields
    fields[f"qty_{mine}"] = "1"  # not on this form: ignored
    assert client.post(_url(order, "receive"), data=fields).status_code == 302
    assert _order(app, order.id)[0::2] == ("partly_received", [0, 2])
    page = client.get(_url(order, "receive")).get_data(as_text=True)
    assert 'data-testid="nothing-to-receive"' in page
    assert client.post(_url(order, "receive"), data=fields).status_code == 409  # stale
    current = {"version": _order(app, order.id)[1], f"qty_{mine}": "1"}
    assert client.post(_url(order, "receive"), data=current).status_code == 400
    assert _order(app, order.id)[0::2] == ("partly_received", [0, 2])
