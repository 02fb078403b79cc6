"""Findings of a new user's walk through the transfer order pages: huge numbers are a message,
counts read in the singular, a scanned item's own reason comes first, in-transit items name
where they are going, the run is linked only for those who may open it (and shown in the
list), a cancelled order offers no pick list, items due for inspection soon are not proposed,
and the receiving card points to receiving one by one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update

from depot.distribution import picking
from depot.distribution import transfer_orders as services
from depot.distribution.models import DistributionRun, TransferOrder
from depot.errors import DomainError
from depot.extensions import db
from depot.items.models import Item, Transfer
from depot.web.i18n import local_today
from tests.distribution.test_transfer_orders_pdf import english
from tests.distribution.test_transfer_orders_world import TransferWorld, build_world

HUGE = "9" * 400


@pytest.fixture
def w(make, herning, holstebro, region) -> TransferWorld:
    return build_world(make, herning, holstebro, region)


def _url(order, action: str = "") -> str:
    return f"/depot/transfer-orders/{order.id}" + (f"/{action}" if action else "")


def _tag(app, item_id: int) -> str:
    with app.app_context():
        return db.session.get(Item, item_id).asset_tag


def _state(app, order_id: int) -> tuple[str, int]:
    with app.app_context():
        order = db.session.get(TransferOrder, order_id)
        return order.status, order.version_id


def _send(app, order, picks, quantities=None) -> None:
    with app.app_context():
        services.send_order(order_id=order.id, picks=picks, quantities=quantities or {}, user=None)
        db.session.commit()


def _run(app, region, title: str) -> int:
    with app.app_context():
        run = DistributionRun(title=title, organisation_id=region.id, status="accepted")
        db.session.add(run)
        db.session.commit()
        return run.id


def _english(client) -> None:
    client.post("/language/en")


# --- B3: a 400-digit number is bad input, not an OverflowError --------------------------------


@pytest.mark.parametrize("where", ["send version", "quantity", "cancel version"])
def test_a_huge_number_is_a_message_not_a_server_error(app, client, login_as, w, where):
    chairs = w.items()
    w.stock(5)
    order = w.order([(w.chair_type, 1), (w.gloves, 2)])
    line, gloves = order.lines
    if where == "cancel version":
        login_as("procurement", w.region)
        data = {"version": HUGE, "reason": "Dækket"}
        action = "cancel"
    else:
        login_as("depot_staff", w.herning)
        data = {
            "version": HUGE if where == "send version" else "1",
            f"pick_{line.id}": [str(chairs[0])],
            f"qty_{gloves.id}": HUGE if where == "quantity" else "1",
        }
        action = "send"
    _english(client)
    response = client.post(_url(order, action), data=data)
    assert response.status_code == 400
    assert "Not a valid integer value" in response.get_data(as_text=True)
    assert _state(app, order.id) == ("open", 1)


def test_a_huge_version_on_receiving_is_a_message(app, client, login_as, w):
    chairs = w.items()
    order = w.order([(w.chair_type, 1)])
    _send(app, order, {order.lines[0].id: chairs})
    login_as("depot_staff", w.holstebro)
    _english(client)
    for version in (HUGE, "-" + HUGE, "1e400", "９"):  # the last: a full-width digit
        response = client.post(_url(order, "receive"), data={"version": version})
        assert response.status_code == 400, version
        assert "Not a valid integer value" in response.get_data(as_text=True), version
    assert _state(app, order.id) == ("sent", 2)


# --- P5: counts in the singular; the scanned item's own reason first --------------------------


def test_one_too_many_scanned_says_to_untick_the_item_not_sent(app, client, login_as, w):
    ticked, scanned = w.items(count=2)
    order = w.order([(w.chair_type, 1)])
    line = order.lines[0]
    login_as("depot_staff", w.herning)
    _english(client)
    response = client.post(
        _url(order, "send"),
        data={"version": "1", f"pick_{line.id}": [str(ticked)], "scan": _tag(app, scanned)},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "at most 1 item can be sent on this line" in page
    assert "If you scanned a replacement, untick the item you do not send." in page
    assert "1 items" not in page
    assert _state(app, order.id) == ("open", 1)


def test_ticking_too_many_counts_in_the_singular(app, client, login_as, w):
    chairs = w.items(count=2)
    order = w.order([(w.chair_type, 1)])
    line = order.lines[0]
    login_as("depot_staff", w.herning)
    _english(client)
    response = client.post(
        _url(order, "send"), data={"version": "1", f"pick_{line.id}": [str(i) for i in chairs]}
    )
    assert response.status_code == 400
    assert "Pick at most 1 item on this line." in response.get_data(as_text=True)


def test_the_services_count_units_in_the_singular(app_ctx, w):
    w.stock(5)
    order = db.session.get(TransferOrder, w.order([(w.gloves, 1)]).id)
    with force_locale("en"):  # the message is lazy: read it in English too
        with pytest.raises(DomainError) as refused:
            services.send_order(
                order_id=order.id, picks={}, quantities={order.lines[0].id: 2}, user=None
            )
        assert str(refused.value.message) == (
            "Engangshandsker nitril: at most 1 unit can be sent on this line."
        )


@pytest.mark.parametrize("why", ["reserved", "in transit", "elsewhere"])
def test_a_scanned_item_that_cannot_go_gives_its_own_reason(app, client, login_as, w, why):
    """The worker scans a replacement without unticking the proposed item: the replacement's
    own problem is what they need to hear, not that the line is one item over."""
    ticked = w.items()
    if why == "reserved":
        scanned = w.items(status="reserved")
    elif why == "elsewhere":
        scanned = w.items(depot=w.shared)
    else:
        scanned = w.items()
        earlier = w.order([(w.chair_type, 1)], target=w.shared)
        _send(app, earlier, {earlier.lines[0].id: scanned})
    order = w.order([(w.chair_type, 1)])
    line = order.lines[0]
    login_as("depot_staff", w.herning)
    _english(client)
    tag = _tag(app, scanned[0])
    response = client.post(
        _url(order, "send"),
        data={"version": "1", f"pick_{line.id}": [str(ticked[0])], "scan": tag},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    expected = {
        "reserved": f"{tag} is Reserved, not available",
        "in transit": f"{tag} is In transit, not available",
        "elsewhere": f"{tag} is not in Herning Hjælpemiddeldepot",
    }[why]
    assert expected in page and 'data-testid="send-form"' in page
    assert "can be sent on this line" not in page
    assert _state(app, order.id) == ("open", 1)


def test_an_item_gone_with_the_order_itself_reports_the_order(w, app_ctx):
    """Someone sent this very order (and the item with it) after the slower sender loaded it:
    the order's state is the news, not that the item is in transit."""
    chairs = w.items()
    order = db.session.get(TransferOrder, w.order([(w.chair_type, 1)]).id)
    assert order.status == "open"  # as the slower sender loaded it
    db.session.execute(
        update(TransferOrder)
        .where(TransferOrder.id == order.id)
        .values(status="sent", version_id=2)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(update(Item).where(Item.id.in_(chairs)).values(status="in_transit"))
    assert order.status == "open"
    with force_locale("en"), pytest.raises(DomainError, match="already been sent"):
        services.send_order(
            order_id=order.id, picks={order.lines[0].id: chairs}, quantities={}, user=None
        )
    db.session.rollback()


def test_a_short_send_says_unit_in_the_singular(app, client, login_as, w):
    chairs = w.items()
    order = w.order([(w.chair_type, 2)])
    login_as("depot_staff", w.herning)
    _english(client)
    response = client.post(
        _url(order, "send"),
        data={"version": "1", f"pick_{order.lines[0].id}": [str(chairs[0])]},
        follow_redirects=True,
    )
    assert f"Transfer order {order.number} is sent, 1 unit short of the order." in (
        response.get_data(as_text=True)
    )


# --- P7: an item in transit names where it is going ------------------------------------------


def test_an_item_in_transit_shows_where_it_is_going(app, client, login_as, w):
    chairs = w.items()
    order = w.order([(w.chair_type, 1)])
    _send(app, order, {order.lines[0].id: chairs})
    login_as("depot_staff", w.herning)
    _english(client)
    page = client.get(_url(order)).get_data(as_text=True)
    now = re.search(r'data-testid="transfer-item-now">(.*?)</td>', page, re.S).group(1)
    assert "In transit" in now and "→ Holstebro Hjælpemiddeldepot" in now
    assert "Herning" not in now
    client.post("/logout")
    login_as("depot_staff", w.holstebro)
    assert client.post(_url(order, "receive"), data={"version": 2}).status_code == 302
    page = client.get(_url(order)).get_data(as_text=True)
    now = re.search(r'data-testid="transfer-item-now">(.*?)</td>', page, re.S).group(1)
    assert "Available" in now and "Holstebro Hjælpemiddeldepot" in now and "→" not in now


# --- P8 and the list: the run, linked only for those who may open it -------------------------


@pytest.mark.parametrize(
    ("role", "where", "linked"),
    [
        ("coordinator", "herning", False),
        ("procurement", "region", True),
        ("admin", "herning", True),
        ("depot_staff", "herning", True),
    ],
)
def test_the_run_is_linked_only_for_those_who_may_open_it(
    app, client, login_as, w, role, where, linked
):
    run_id = _run(app, w.region, "Fordeling marts")
    order = w.make.transfer_order(
        from_depot=w.depot_h, to_depot=w.depot_s, lines=[(w.chair_type, 1)], run_id=run_id
    )
    login_as(role, getattr(w, where))
    _english(client)
    href = f'href="/procurement/distribution/{run_id}"'
    page = client.get(_url(order)).get_data(as_text=True)
    assert f"Distribution run {run_id}: Fordeling marts" in page
    assert (href in page) is linked
    listing = client.get("/depot/transfer-orders/?view=all").get_data(as_text=True)
    cell = re.search(r'data-testid="transfer-row-run">(.*?)</td>', listing, re.S).group(1)
    assert f"Distribution run {run_id}" in cell and "Fordeling marts" not in cell
    assert (href in cell) is linked
    run_page = client.get(f"/procurement/distribution/{run_id}").status_code
    assert (run_page == 200) is linked  # a link is never a way to a 403


def test_the_list_tells_orders_of_two_runs_apart(app, client, login_as, w):
    first, second = _run(app, w.region, "Marts"), _run(app, w.region, "April")
    for run_id in (first, second):
        w.make.transfer_order(
            from_depot=w.depot_h, to_depot=w.depot_s, lines=[(w.chair_type, 1)], run_id=run_id
        )
    w.order()  # written by hand
    login_as("procurement", w.region)
    _english(client)
    page = client.get("/depot/transfer-orders/?view=all").get_data(as_text=True)
    cells = re.findall(r'data-testid="transfer-row-run">(.*?)</td>', page, re.S)
    assert len(cells) == 3
    assert f"Distribution run {second}" in cells[1] and f"Distribution run {first}" in cells[2]
    assert "Written by hand" in cells[0]
    assert "one order per pair of depots and run" in page


# --- a cancelled order offers no pick list ----------------------------------------------------


def test_a_cancelled_order_offers_no_pick_list(app, client, login_as, w):
    order = w.order()
    login_as("procurement", w.region)
    page = client.get(_url(order)).get_data(as_text=True)
    assert 'data-testid="transfer-pick-list"' in page
    assert client.post(_url(order, "cancel"), data={"version": 1, "reason": "Dækket"}).status_code
    assert _state(app, order.id)[0] == "cancelled"
    page = client.get(_url(order)).get_data(as_text=True)
    assert 'data-testid="transfer-pick-list"' not in page
    assert client.get(_url(order, "pick-list")).status_code == 200  # still there, marked


# --- P12: items due for inspection soon are not proposed -------------------------------------


def test_items_due_for_inspection_soon_are_not_proposed_nor_alternatives(app, client, login_as, w):
    chairs = w.items(count=5)
    margin = picking.INSPECTION_MARGIN_DAYS
    with app.app_context():
        today = local_today()
        due = {
            chairs[0]: today + timedelta(days=2),
            chairs[1]: today + timedelta(days=margin - 1),
            chairs[2]: today + timedelta(days=margin),
        }  # chairs[3] and [4]: no inspection plan
        for item_id, day in due.items():
            db.session.execute(
                update(Item).where(Item.id == item_id).values(next_inspection_due=day)
            )
        db.session.commit()
    order = w.order([(w.chair_type, 1)])
    sheet = english(app, order.id, fn=None)
    listed = [i.tag for i in sheet.lines[0].items + sheet.lines[0].alternatives]
    assert listed == [_tag(app, i) for i in chairs[2:]]
    login_as("depot_staff", w.herning)
    _english(client)
    page = client.get(_url(order, "send")).get_data(as_text=True)
    offered = [int(i) for i in re.findall(r'type="checkbox" name="pick_\d+" value="(\d+)"', page)]
    assert offered == chairs[2:]
    assert f"at least {margin} days to their next inspection" in page
    # Scanning one due soon is the worker's choice: it is sent.
    response = client.post(_url(order, "send"), data={"version": "1", "scan": _tag(app, chairs[0])})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Item, chairs[0]).status == "in_transit"


# --- P11: receiving one by one is pointed to -------------------------------------------------


def test_the_receiving_card_points_to_receiving_one_by_one(app, client, login_as, w):
    chairs = w.items(count=2)
    order = w.order([(w.chair_type, 2)])
    _send(app, order, {order.lines[0].id: chairs})
    login_as("depot_staff", w.holstebro)
    _english(client)
    page = client.get(_url(order)).get_data(as_text=True)
    assert 'data-testid="receive-one-by-one"' in page
    link = f'href="/depot/transfers?depot={w.depot_s.id}" data-testid="receive-transfers-link"'
    assert link in page
    transfers = client.get(f"/depot/transfers?depot={w.depot_s.id}")
    assert transfers.status_code == 200
    assert _tag(app, chairs[0]) in transfers.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Transfer)) == 2
