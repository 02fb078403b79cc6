"""The transfer order pages: list, page, pick & send, receive, cancel, pick list; access, bad
input on every form, double posts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from depot.distribution.models import DistributionRun, TransferOrder
from depot.extensions import db
from depot.items.models import Item, Transfer
from depot.stock.models import StockLevel
from tests.distribution.test_transfer_orders_world import TransferWorld, build_world


@pytest.fixture
def w(make, herning, holstebro, region) -> TransferWorld:
    return build_world(make, herning, holstebro, region)


def _english(client) -> None:
    client.post("/language/en")


def _url(order, action: str = "") -> str:
    return f"/depot/transfer-orders/{order.id}" + (f"/{action}" if action else "")


def _status(app, order_id: int) -> tuple[str, int, list[int]]:
    with app.app_context():
        order = db.session.get(TransferOrder, order_id)
        return order.status, order.version_id, [line.sent_quantity for line in order.lines]


def _items(app, ids) -> list[tuple[str, int]]:
    with app.app_context():
        return [
            (item.status, item.depot_id)
            for item in (db.session.get(Item, i) for i in ids)  # in the given order
        ]


def _tag(app, item_id: int) -> str:
    with app.app_context():
        return db.session.get(Item, item_id).asset_tag


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _balance(app, depot, product) -> int | None:
    with app.app_context():
        return db.session.scalar(
            select(StockLevel.quantity).where(
                StockLevel.depot_id == depot.id, StockLevel.product_id == product.id
            )
        )


def _send(app, order, picks, quantities=None):
    from depot.distribution import transfer_orders as services

    with app.app_context():
        services.send_order(order_id=order.id, picks=picks, quantities=quantities or {}, user=None)
        db.session.commit()


# --- the list -------------------------------------------------------------------------------


def test_depot_staff_see_what_to_pick_and_what_to_receive(app, client, login_as, w):
    chairs = w.items()
    outgoing = w.order()  # Herning → Holstebro, open
    incoming = w.order(source=w.depot_s, target=w.depot_h)
    w.items(depot=w.depot_s)
    other = w.make.depot(owner=w.holstebro, name="Struer Hjælpemidler")
    elsewhere = w.order(source=w.depot_s, target=other)
    _send(app, incoming, {incoming.lines[0].id: w.items(depot=w.depot_s)})
    login_as("depot_staff", w.herning)
    _english(client)
    page = client.get("/depot/transfer-orders/").get_data(as_text=True)
    assert 'aria-current="page" href="/depot/transfer-orders/?view=pick"' in page
    assert outgoing.number in page and incoming.number not in page
    page = client.get("/depot/transfer-orders/?view=receive").get_data(as_text=True)
    assert incoming.number in page and outgoing.number not in page
    assert "1 of 2 sent" in page
    page = client.get("/depot/transfer-orders/?view=all").get_data(as_text=True)
    assert outgoing.number in page and incoming.number in page
    assert elsewhere.number not in page  # between two Holstebro depots
    page = client.get("/depot/transfer-orders/?view=all&status=sent").get_data(as_text=True)
    assert incoming.number in page and outgoing.number not in page
    assert chairs  # still in the depot, nothing picked


def test_the_region_wide_roles_see_every_order_with_filters(client, login_as, w):
    first = w.order()
    second = w.order(source=w.shared, target=w.depot_s)
    login_as("coordinator", w.holstebro)
    _english(client)
    page = client.get("/depot/transfer-orders/").get_data(as_text=True)
    assert 'aria-current="page" href="/depot/transfer-orders/?view=all"' in page
    assert first.number in page and second.number in page
    page = client.get(f"/depot/transfer-orders/?depot={w.depot_h.id}").get_data(as_text=True)
    assert first.number in page and second.number not in page
    page = client.get("/depot/transfer-orders/?view=pick").get_data(as_text=True)
    assert first.number in page and second.number in page
    page = client.get("/depot/transfer-orders/?view=receive").get_data(as_text=True)
    assert "No orders are on their way." in page


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "depot=abc",
        "depot=-1",
        "depot=99999999999999999999",
        "view=everything",
        "page=-3",
        "page=abc",
        "status=%00",
    ],
)
def test_bad_filters_are_ignored_not_an_error(client, login_as, w, query):
    w.order()
    login_as("procurement", w.herning)
    assert client.get(f"/depot/transfer-orders/?{query}").status_code == 200


def test_therapists_are_refused_and_the_menu_shows_the_link(client, login_as, w):
    login_as("therapist", w.herning)
    assert client.get("/depot/transfer-orders/").status_code == 403
    assert 'data-testid="nav-transfer-orders"' not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login_as("depot_staff", w.herning)
    assert 'data-testid="nav-transfer-orders"' in client.get("/").get_data(as_text=True)


# --- the page -------------------------------------------------------------------------------


def test_the_page_shows_lines_items_history_and_the_run(app, client, login_as, w):
    with app.app_context():
        run = DistributionRun(title="Fordeling marts", organisation_id=w.region.id)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    chairs = w.items(count=2)
    w.stock(20)
    order = w.make.transfer_order(
        from_depot=w.depot_h,
        to_depot=w.depot_s,
        lines=[(w.chair_type, 3), (w.gloves, 8)],
        run_id=run_id,
    )
    staff = w.user("depot_staff", w.herning)
    with app.app_context():
        from depot.auth.models import User
        from depot.distribution import transfer_orders as services

        services.send_order(
            order_id=order.id,
            picks={order.lines[0].id: chairs},
            quantities={order.lines[1].id: 8},
            user=db.session.get(User, staff.id),
        )
        db.session.commit()
    login_as("procurement", w.region)
    _english(client)
    page = client.get(_url(order)).get_data(as_text=True)
    assert "12 22 03 Type" in page  # the type's English title, from the factory
    assert "Engangshandsker nitril" in page
    assert 'data-testid="line-short"' in page and "1 short" in page
    for item_id in chairs:
        assert _tag(app, item_id) in page
    assert "Sent " in page and staff.name in page
    assert f"Distribution run {run_id}: Fordeling marts" in page
    assert "Herning Hjælpemiddeldepot" in page and "Holstebro Hjælpemiddeldepot" in page
    assert 'data-testid="cancel-form"' not in page  # sent already
    assert 'data-testid="receive-form"' not in page  # not at the to-depot


def test_an_order_that_does_not_exist_is_not_found(client, login_as, w):
    login_as("procurement", w.region)
    for path in ("", "/pick-list", "/send"):
        assert client.get(f"/depot/transfer-orders/2147483647{path}").status_code == 404
    assert client.get("/depot/transfer-orders/2147483648").status_code == 404
    assert client.get("/depot/transfer-orders/0").status_code == 404


@pytest.mark.parametrize(
    ("role", "where", "statuses"),
    [
        # (page, pick list, send GET, receive, cancel)
        ("depot_staff", "herning", (200, 200, 200, 400, 403)),  # both depots theirs
        ("depot_staff", "holstebro", (404, 404, 404, 404, 404)),  # neither depot
        ("depot_staff", "region", (404, 404, 404, 404, 404)),
        ("therapist", "herning", (403, 403, 403, 403, 403)),
        ("procurement", "holstebro", (200, 200, 403, 403, 403)),
        ("coordinator", "herning", (200, 200, 403, 403, 403)),
        ("admin", "herning", (200, 200, 403, 403, 403)),
        ("procurement", "region", (200, 200, 403, 403, 400)),
        ("admin", "region", (200, 200, 403, 403, 400)),
    ],
)
def test_access_to_an_order(client, login_as, w, role, where, statuses):
    herning_too = w.make.depot(owner=w.herning, name="Ikast Hjælpemidler")
    order = w.order(target=herning_too)
    login_as(role, getattr(w, where))
    got = (
        client.get(_url(order)).status_code,
        client.get(_url(order, "pick-list")).status_code,
        client.get(_url(order, "send")).status_code,
        client.post(_url(order, "receive"), data={}).status_code,
        client.post(_url(order, "cancel"), data={}).status_code,
    )
    assert got == statuses


def test_the_from_depot_sends_and_the_to_depot_receives(app, client, login_as, w):
    chairs = w.items()
    order = w.order([(w.chair_type, 1)])
    _send(app, order, {order.lines[0].id: chairs})
    login_as("depot_staff", w.herning)  # the from-depot's staff may not receive
    assert client.post(_url(order, "receive"), data={"version": 2}).status_code == 403
    client.post("/logout")
    login_as("depot_staff", w.holstebro)
    assert client.get(_url(order, "send")).status_code == 403
    response = client.post(_url(order, "receive"), data={"version": 2})
    assert response.status_code == 302
    assert _items(app, chairs) == [("available", w.depot_s.id)]
    assert _status(app, order.id)[0] == "received"


def test_the_pick_list_downloads(client, login_as, w):
    order = w.order()
    login_as("depot_staff", w.herning)
    response = client.get(_url(order, "pick-list"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{order.number}.pdf"'
    assert response.data.startswith(b"%PDF")


# --- pick & send ----------------------------------------------------------------------------


def test_the_send_form_ticks_the_oldest_items_up_to_the_quantity(app, client, login_as, w):
    chairs = w.items(count=3)
    w.stock(5)
    order = w.order([(w.chair_type, 2), (w.gloves, 4)])
    login_as("depot_staff", w.herning)
    _english(client)
    page = client.get(_url(order, "send")).get_data(as_text=True)
    ticked = re.findall(r'value="(\d+)" id="pick-\d+-\d+" checked', page)
    assert [int(i) for i in ticked] == chairs[:2]
    assert f'value="{chairs[2]}"' in page  # offered, not ticked
    assert re.search(rf'name="qty_{order.lines[1].id}"[^>]*value="4"', page)


def test_sending_ticked_and_scanned_items(app, client, login_as, w):
    chairs = w.items(count=2)
    light = w.items(product=w.chair_light)
    w.stock(10)
    order = w.order([(w.chair_type, 4), (w.gloves, 6)])
    chairs_line, gloves = order.lines
    login_as("depot_staff", w.herning)
    _english(client)
    response = client.post(
        _url(order, "send"),
        data={
            "version": 1,
            f"pick_{chairs_line.id}": [str(chairs[0])],
            f"qty_{gloves.id}": "6",
            "scan": f"{_tag(app, light[0]).lower()}\n{_tag(app, chairs[0])}\n",
        },
    )
    assert response.status_code == 302
    assert _status(app, order.id) == ("sent", 2, [2, 6])
    assert _items(app, [chairs[0], light[0], chairs[1]]) == [
        ("in_transit", w.depot_h.id),
        ("in_transit", w.depot_h.id),
        ("available", w.depot_h.id),
    ]
    assert _balance(app, w.depot_h, w.gloves) == 4
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 units short of the order" in page
    # The same form again: the order is sent; nothing more moves.
    again = client.post(
        _url(order, "send"), data={"version": 1, f"pick_{chairs_line.id}": [str(chairs[1])]}
    )
    assert again.status_code == 409
    assert "already been sent" in again.get_data(as_text=True)
    assert _items(app, [chairs[1]]) == [("available", w.depot_h.id)]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no version", "The form is incomplete"),
        ("version text", "Not a valid integer value"),
        ("no quantity", "Enter the quantity sent"),
        ("quantity text", "Not a valid integer value"),
        ("quantity too large", "Enter a whole number from 0 to 4"),
        ("negative quantity", "Enter a whole number from 0 to 4"),
        ("junk pick", "Invalid item"),
        ("too many picks", "Pick at most 2 items"),
        ("nothing", "Pick at least one item"),
        ("unknown tag", "Unknown codes: HM0000000"),
        ("another type", "Not a product type on this order"),
        ("long tag", "at most 60 characters"),
        ("too many with scans", "at most 2 items can be sent"),
    ],
)
def test_bad_send_input_shows_the_form_again(app, client, login_as, w, case, message):
    chairs = w.items(count=3)
    bed = w.items(product=w.bed)
    order = w.order([(w.chair_type, 2), (w.gloves, 4)])
    line, gloves = order.lines
    good = {"version": "1", f"qty_{gloves.id}": "0", f"pick_{line.id}": [str(chairs[0])]}
    changes = {
        "no version": {"version": ""},
        "version text": {"version": "x"},
        "no quantity": {f"qty_{gloves.id}": ""},
        "quantity text": {f"qty_{gloves.id}": "fire"},
        "quantity too large": {f"qty_{gloves.id}": "5"},
        "negative quantity": {f"qty_{gloves.id}": "-1"},
        "junk pick": {f"pick_{line.id}": ["abc"]},
        "too many picks": {f"pick_{line.id}": [str(i) for i in chairs]},
        "nothing": {f"pick_{line.id}": []},
        "unknown tag": {"scan": "HM0000000"},
        "another type": {"scan": _tag(app, bed[0])},
        "long tag": {"scan": "X" * 61},
        "too many with scans": {"scan": f"{_tag(app, chairs[1])}\n{_tag(app, chairs[2])}"},
    }[case]
    login_as("depot_staff", w.herning)
    _english(client)
    response = client.post(_url(order, "send"), data={**good, **changes})
    assert response.status_code == 400, case
    assert message in response.get_data(as_text=True), case
    assert 'data-testid="send-form"' in response.get_data(as_text=True)
    assert _status(app, order.id) == ("open", 1, [0, 0])
    assert _count(app, Transfer) == 0


def test_an_item_taken_meanwhile_sends_nothing(app, client, login_as, w):
    chairs = w.items(count=2)
    w.stock(10)
    order = w.order([(w.chair_type, 2), (w.gloves, 3)])
    line, gloves = order.lines
    login_as("depot_staff", w.herning)
    _english(client)
    form = client.get(_url(order, "send")).get_data(as_text=True)
    assert 'data-testid="send-form"' in form
    with app.app_context():  # reserved for a citizen while the picker walked the shelves
        from depot.items import services as item_services

        item_services.reserve_item(item_id=chairs[1], user=None)
        db.session.commit()
    response = client.post(
        _url(order, "send"),
        data={"version": 1, f"pick_{line.id}": [str(i) for i in chairs], f"qty_{gloves.id}": 3},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "is Reserved, not available" in page and 'data-testid="send-form"' in page
    assert _status(app, order.id) == ("open", 1, [0, 0])
    assert _items(app, chairs) == [("available", w.depot_h.id), ("reserved", w.depot_h.id)]
    assert _balance(app, w.depot_h, w.gloves) == 10


def test_too_little_stock_is_a_conflict(app, client, login_as, w):
    w.stock(2)
    order = w.order([(w.gloves, 3)])
    login_as("depot_staff", w.herning)
    _english(client)
    response = client.post(
        _url(order, "send"), data={"version": 1, f"qty_{order.lines[0].id}": "3"}
    )
    assert response.status_code == 409
    assert "Only 2 in stock" in response.get_data(as_text=True)
    assert _balance(app, w.depot_h, w.gloves) == 2


def test_the_send_page_of_a_sent_order_says_so(app, client, login_as, w):
    chairs = w.items()
    order = w.order([(w.chair_type, 1)])
    _send(app, order, {order.lines[0].id: chairs})
    login_as("depot_staff", w.herning)
    _english(client)
    response = client.get(_url(order, "send"))
    assert response.status_code == 409
    assert "already been sent" in response.get_data(as_text=True)


# --- receive and cancel ---------------------------------------------------------------------


def test_bad_and_repeated_receipts(app, client, login_as, w):
    chairs = w.items()
    order = w.order([(w.chair_type, 1)])
    login_as("depot_staff", w.holstebro)
    _english(client)
    response = client.post(_url(order, "receive"), data={"version": 1})
    assert response.status_code == 409  # not sent yet
    assert "not been sent yet" in response.get_data(as_text=True)
    _send(app, order, {order.lines[0].id: chairs})
    for data in ({}, {"version": "x"}, {"version": "0"}):
        response = client.post(_url(order, "receive"), data=data)
        assert response.status_code == 400, data
    assert "The form is incomplete" in client.post(_url(order, "receive")).get_data(as_text=True)
    stale = client.post(_url(order, "receive"), data={"version": 1})
    assert stale.status_code == 409 and "changed meanwhile" in stale.get_data(as_text=True)
    assert client.post(_url(order, "receive"), data={"version": 2}).status_code == 302
    again = client.post(_url(order, "receive"), data={"version": 2})
    assert again.status_code == 409 and "already been received" in again.get_data(as_text=True)
    assert _items(app, chairs) == [("available", w.depot_s.id)]


def test_cancel_with_a_reason(app, client, login_as, w):
    order = w.order()
    officer = login_as("procurement", w.region)
    _english(client)
    page = client.get(_url(order)).get_data(as_text=True)
    assert 'data-testid="cancel-form"' in page and "confirm.js" in page
    for data, message in (
        ({"version": 1}, "Give a reason"),
        ({"version": 1, "reason": "   "}, "Give a reason"),
        ({"version": 1, "reason": "x" * 1001}, "Field cannot be longer"),
        ({"reason": "Dækket"}, "The form is incomplete"),
    ):
        response = client.post(_url(order, "cancel"), data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    response = client.post(_url(order, "cancel"), data={"version": 1, "reason": "Dækket"})
    assert response.status_code == 302
    assert _status(app, order.id)[0] == "cancelled"
    page = client.get(_url(order)).get_data(as_text=True)
    assert f"Cancelled by {officer.name}: Dækket" in page
    again = client.post(_url(order, "cancel"), data={"version": 2, "reason": "Igen"})
    assert again.status_code == 409 and "is cancelled" in again.get_data(as_text=True)


def test_a_sent_order_is_not_cancelled(app, client, login_as, w):
    chairs = w.items()
    order = w.order([(w.chair_type, 1)])
    _send(app, order, {order.lines[0].id: chairs})
    login_as("admin", w.region)
    _english(client)
    response = client.post(_url(order, "cancel"), data={"version": 2, "reason": "For sent"})
    assert response.status_code == 409
    assert "can no longer be cancelled" in response.get_data(as_text=True)
    assert _status(app, order.id)[0] == "sent"
