"""The stock pages through HTTP: lists, the stock line with its ledger, receive, issue, adjust."""

import re

import pytest
from sqlalchemy import func, select

from depot.auth.models import ROLES
from depot.extensions import db
from depot.stock import services
from depot.stock.models import StockLevel, StockMovement


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAGE_SIZE": 3}


@pytest.fixture
def stock_world(app, make, herning, holstebro):
    """Herning's depot with a consumable in stock; Holstebro's depot with another."""
    w = {"herning": herning, "holstebro": holstebro}
    w["depot"] = make.depot(owner=herning, name="Herning Depot")
    w["other_depot"] = make.depot(owner=holstebro, name="Holstebro Depot")
    w["type"] = make.product_type(reusable=False, title_da="Inkontinens", measurement_fields="")
    w["other_type"] = make.product_type(reusable=False, title_da="Sårpleje", measurement_fields="")
    w["product"] = make.product(name="Bleer str. M", reusable=False, product_type=w["type"])
    w["gauze"] = make.product(name="Gazekompres", reusable=False, product_type=w["other_type"])
    w["device"] = make.product(name="Kørestol", reusable=True)
    with app.app_context():
        movement = services.receive_stock(
            depot_id=w["depot"].id, product_id=w["product"].id, quantity=10, user=None
        )
        services.receive_stock(
            depot_id=w["other_depot"].id, product_id=w["gauze"].id, quantity=4, user=None
        )
        services.set_reorder_point(
            depot_id=w["other_depot"].id, product_id=w["gauze"].id, reorder_point=5
        )
        db.session.commit()
        w["level_id"] = movement.stock_level_id
        w["other_level_id"] = db.session.scalar(
            select(StockLevel.id).where(StockLevel.depot_id == w["other_depot"].id)
        )
    return w


@pytest.fixture
def staff(login_as, stock_world):
    """Log in as depot staff of Herning, who operate Herning's depot."""
    return login_as("depot_staff", stock_world["herning"])


@pytest.fixture
def state(app):
    """Read a stock line's balance, ledger sum and ledger length in a fresh app context."""

    def _state(level_id: int) -> tuple[int, int, int]:
        with app.app_context():
            balance = db.session.get(StockLevel, level_id).quantity
            rows = db.session.scalar(
                select(func.count()).where(StockMovement.stock_level_id == level_id)
            )
            return balance, services.ledger_sum(stock_level_id=level_id), rows

    return _state


@pytest.fixture
def peek(app):
    """Read rows in a fresh app context: `peek.all(Model, **by)`, `peek.one`, `peek.count`."""

    class Peek:
        def all(self, model, **by):
            with app.app_context():
                return db.session.scalars(select(model).filter_by(**by).order_by(model.id)).all()

        def one(self, model, **by):
            rows = self.all(model, **by)
            assert len(rows) == 1, rows
            return rows[0]

        def count(self, model, **by):
            with app.app_context():
                return db.session.scalar(select(func.count()).select_from(model).filter_by(**by))

    return Peek()


def count_testid(response, name: str) -> int:
    return response.get_data(as_text=True).count(f'data-testid="{name}"')


def row_ids(response, name: str) -> list[int]:
    html = response.get_data(as_text=True)
    return [int(i) for i in re.findall(rf'data-testid="{name}" data-id="(\d+)"', html)]


# --- pages for every role -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_pages_but_only_operating_staff_get_the_forms(
    client, login_as, stock_world, role
):
    login_as(role, stock_world["herning"])
    level_url = f"/depot/stock/{stock_world['level_id']}"
    for url in ("/depot/stock", "/depot/stock?depot=all", level_url, "/depot/stock/low"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert count_testid(response, "scan-form") == 1
    page = client.get(level_url)
    operates = role == "depot_staff"
    assert count_testid(page, "issue") == int(operates)
    assert count_testid(page, "adjust") == int(operates)
    assert count_testid(page, "reorder") == int(operates)
    assert count_testid(page, "view-only") == int(not operates)
    assert client.get("/depot/stock/receive").status_code == (200 if operates else 403)


def test_staff_of_another_municipality_see_the_line_without_forms(client, login_as, stock_world):
    login_as("depot_staff", stock_world["holstebro"])
    page = client.get(f"/depot/stock/{stock_world['level_id']}")
    assert page.status_code == 200
    assert count_testid(page, "issue") == 0
    assert count_testid(page, "view-only") == 1


def test_depot_staff_start_in_their_depot_and_can_see_all(client, staff, stock_world):
    own = client.get("/depot/stock")
    assert row_ids(own, "stock-row") == [stock_world["level_id"]]
    everything = client.get("/depot/stock?depot=all")
    assert set(row_ids(everything, "stock-row")) == {
        stock_world["level_id"],
        stock_world["other_level_id"],
    }
    other = client.get(f"/depot/stock?depot={stock_world['other_depot'].id}")
    assert row_ids(other, "stock-row") == [stock_world["other_level_id"]]


def test_other_roles_start_in_the_shared_view(client, login_as, stock_world):
    login_as("therapist", stock_world["herning"])
    assert len(row_ids(client.get("/depot/stock"), "stock-row")) == 2


def test_search_type_and_low_filters(client, staff, stock_world):
    base = "/depot/stock?depot=all"
    assert row_ids(client.get(base + "&q=bleer"), "stock-row") == [stock_world["level_id"]]
    assert row_ids(client.get(base + "&q=" + stock_world["gauze"].hmi_number), "stock-row") == [
        stock_world["other_level_id"]
    ]
    assert row_ids(client.get(f"{base}&type={stock_world['other_type'].id}"), "stock-row") == [
        stock_world["other_level_id"]
    ]
    low = client.get(base + "&low=y")
    assert row_ids(low, "stock-row") == [stock_world["other_level_id"]]
    assert 'data-low="1" class="table-warning"' in low.get_data(as_text=True)
    assert row_ids(client.get(base + "&q=%25"), "stock-row") == []  # LIKE wildcards are literal


def test_levels_are_paginated(app, client, staff, make, stock_world):
    products = [make.product(name=f"Handsker {n}", reusable=False) for n in range(5)]
    with app.app_context():
        for product in products:
            services.receive_stock(
                depot_id=stock_world["depot"].id, product_id=product.id, quantity=1, user=None
            )
        db.session.commit()
    first = row_ids(client.get("/depot/stock"), "stock-row")
    second = row_ids(client.get("/depot/stock?page=2"), "stock-row")
    assert len(first) == 3 and len(second) == 3 and not set(first) & set(second)
    assert count_testid(client.get("/depot/stock"), "pagination") == 1


def test_low_stock_list_shows_shortfall_and_links_to_the_contract_lines(client, staff, stock_world):
    response = client.get("/depot/stock/low?depot=all")
    assert row_ids(response, "low-row") == [stock_world["other_level_id"]]
    html = response.get_data(as_text=True)
    assert re.search(r'data-testid="shortfall">1<', html)
    assert f'href="/catalogue/products/{stock_world["gauze"].id}"' in html
    # Herning's staff start with their own depot, where nothing is low.
    assert row_ids(client.get("/depot/stock/low"), "low-row") == []


# --- actions --------------------------------------------------------------------------------


def test_issue_takes_units_and_writes_a_ledger_row(client, staff, stock_world, state, peek):
    level_id = stock_world["level_id"]
    response = client.post(
        f"/depot/stock/{level_id}/issue", data={"quantity": "3", "reason": "Borger 12"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/depot/stock/{level_id}")
    assert state(level_id) == (7, 7, 2)
    newest = peek.all(StockMovement, stock_level_id=level_id)[-1]
    assert (newest.kind, newest.quantity, newest.balance_after) == ("issue", -3, 7)
    assert (newest.user_id, newest.reason) == (staff.id, "Borger 12")


def test_issuing_more_than_the_balance_answers_409_and_changes_nothing(
    client, staff, stock_world, state
):
    level_id = stock_world["level_id"]
    response = client.post(f"/depot/stock/{level_id}/issue", data={"quantity": "11"})
    assert response.status_code == 409
    assert count_testid(response, "issue-error") == 1
    html = response.get_data(as_text=True)
    assert "10" in html and "11" in html
    assert state(level_id) == (10, 10, 1)


def test_adjust_needs_a_reason_and_a_nonzero_change(client, staff, stock_world, state):
    level_id = stock_world["level_id"]
    url = f"/depot/stock/{level_id}/adjust"
    assert client.post(url, data={"delta": "-2", "reason": ""}).status_code == 400
    assert client.post(url, data={"delta": "0", "reason": "Optælling"}).status_code == 400
    assert client.post(url, data={"delta": "-11", "reason": "Optælling"}).status_code == 409
    assert state(level_id) == (10, 10, 1)
    assert client.post(url, data={"delta": "-2", "reason": "Optælling"}).status_code == 302
    assert client.post(url, data={"delta": "+5", "reason": "Fundet"}).status_code == 302
    assert state(level_id) == (13, 13, 3)


def test_reorder_point_puts_the_line_on_the_low_list(client, staff, stock_world, state):
    level_id = stock_world["level_id"]
    url = f"/depot/stock/{level_id}/reorder-point"
    assert client.post(url, data={"reorder_point": "12"}).status_code == 302
    assert row_ids(client.get("/depot/stock/low"), "low-row") == [level_id]
    page = client.get(f"/depot/stock/{level_id}")
    assert count_testid(page, "low-badge") == 1
    assert client.post(url, data={"reorder_point": "0"}).status_code == 302
    assert row_ids(client.get("/depot/stock/low"), "low-row") == []
    assert state(level_id) == (10, 10, 1)  # a reorder point is no movement


def test_receive_creates_the_line_and_redirects_to_it(client, staff, stock_world, peek):
    response = client.get("/depot/stock/receive")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert stock_world["gauze"].name in html  # every active consumable is offered
    assert stock_world["device"].name not in html  # reusable devices are not
    assert (
        stock_world["other_depot"].name
        not in html.split('name="depot_id"')[1].split("</select>")[0]
    )
    response = client.post(
        "/depot/stock/receive",
        data={
            "depot_id": stock_world["depot"].id,
            "product_id": stock_world["gauze"].id,
            "quantity": "25",
            "reason": "Følgeseddel 4711",
        },
    )
    assert response.status_code == 302
    level = peek.one(
        StockLevel, depot_id=stock_world["depot"].id, product_id=stock_world["gauze"].id
    )
    assert response.headers["Location"].endswith(f"/depot/stock/{level.id}")
    assert level.quantity == 25
    movement = peek.one(StockMovement, stock_level_id=level.id)
    assert (movement.kind, movement.quantity, movement.reason) == (
        "receive",
        25,
        "Følgeseddel 4711",
    )


def test_receive_refuses_reusable_inactive_and_unknown_products(
    app, client, staff, make, stock_world, peek
):
    inactive = make.product(reusable=False)
    with app.app_context():
        db.session.get(type(inactive), inactive.id).active = False
        db.session.commit()
    before = peek.count(StockMovement)
    for product_id in (stock_world["device"].id, inactive.id, 999999, "abc", ""):
        response = client.post(
            "/depot/stock/receive",
            data={"depot_id": stock_world["depot"].id, "product_id": product_id, "quantity": "1"},
        )
        assert response.status_code == 400, product_id
    assert peek.count(StockMovement) == before


def test_receive_into_another_organisations_depot_is_refused(client, staff, stock_world, peek):
    response = client.post(
        "/depot/stock/receive",
        data={
            "depot_id": stock_world["other_depot"].id,
            "product_id": stock_world["gauze"].id,
            "quantity": "1",
        },
    )
    assert response.status_code == 403
    assert peek.count(StockLevel, depot_id=stock_world["other_depot"].id) == 1
    response = client.post(
        "/depot/stock/receive",
        data={"depot_id": 999999, "product_id": stock_world["gauze"].id, "quantity": "1"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("role", [r for r in ROLES if r != "depot_staff"])
def test_only_depot_staff_act(client, login_as, stock_world, state, role):
    login_as(role, stock_world["herning"])
    level_id = stock_world["level_id"]
    for action, data in (
        ("issue", {"quantity": "1"}),
        ("adjust", {"delta": "1", "reason": "x"}),
        ("reorder-point", {"reorder_point": "1"}),
    ):
        assert client.post(f"/depot/stock/{level_id}/{action}", data=data).status_code == 403
    data = {"depot_id": stock_world["depot"].id, "product_id": stock_world["product"].id}
    assert client.post("/depot/stock/receive", data=data | {"quantity": "1"}).status_code == 403
    assert state(level_id) == (10, 10, 1)


def test_staff_of_another_municipality_cannot_act(client, login_as, stock_world, state):
    login_as("depot_staff", stock_world["holstebro"])
    level_id = stock_world["level_id"]
    for action, data in (
        ("issue", {"quantity": "1"}),
        ("adjust", {"delta": "1", "reason": "x"}),
        ("reorder-point", {"reorder_point": "1"}),
    ):
        assert client.post(f"/depot/stock/{level_id}/{action}", data=data).status_code == 403
    assert state(level_id) == (10, 10, 1)
    # ... but they do work their own depot's lines.
    other = stock_world["other_level_id"]
    assert client.post(f"/depot/stock/{other}/issue", data={"quantity": "1"}).status_code == 302


def test_staff_with_a_share_of_a_shared_depot_operate_it(
    app, client, login_as, make, stock_world, state
):
    shared = make.depot(shares=[(stock_world["herning"], 60), (stock_world["holstebro"], 40)])
    with app.app_context():
        movement = services.receive_stock(
            depot_id=shared.id, product_id=stock_world["product"].id, quantity=5, user=None
        )
        db.session.commit()
    login_as("depot_staff", stock_world["holstebro"])
    url = f"/depot/stock/{movement.stock_level_id}/issue"
    assert client.post(url, data={"quantity": "2"}).status_code == 302
    assert state(movement.stock_level_id) == (3, 3, 2)


def test_balance_equals_ledger_sum_after_a_sequence_through_http(client, staff, stock_world):
    depot_id, product_id = stock_world["depot"].id, stock_world["gauze"].id
    response = client.post(
        "/depot/stock/receive",
        data={"depot_id": depot_id, "product_id": product_id, "quantity": "20"},
    )
    level_id = int(response.headers["Location"].rsplit("/", 1)[1])
    base = f"/depot/stock/{level_id}"
    steps = [
        ("issue", {"quantity": "7"}, 302),
        ("adjust", {"delta": "-3", "reason": "Optalt"}, 302),
        ("issue", {"quantity": "11"}, 409),
        ("issue", {"quantity": "10"}, 302),
        ("adjust", {"delta": "4", "reason": "Retur"}, 302),
        ("issue", {"quantity": "5"}, 409),
        ("issue", {"quantity": "4"}, 302),
    ]
    for action, data, expected in steps:
        assert client.post(f"{base}/{action}", data=data).status_code == expected, (action, data)
    page = client.get(base)
    html = page.get_data(as_text=True)
    assert re.search(r'data-testid="balance">0\b', html)
    assert re.search(r'data-testid="ledger-sum">0\b', html)
    assert count_testid(page, "ledger-agrees") == 1
    assert count_testid(page, "ledger-row") == 3  # PAGE_SIZE 3: newest first, paginated
    quantities = re.findall(
        r'data-testid="ledger-row" data-kind="\w+" data-quantity="(-?\d+)"', html
    )
    assert quantities == ["-4", "4", "-10"]
    all_rows = sum(count_testid(client.get(f"{base}?page={n}"), "ledger-row") for n in (1, 2))
    assert all_rows == 6


def test_the_ledger_shows_who_and_why_escaped(client, staff, stock_world):
    level_id = stock_world["level_id"]
    reason = "<script>alert(1)</script> Ærø"
    assert (
        client.post(
            f"/depot/stock/{level_id}/adjust", data={"delta": "1", "reason": reason}
        ).status_code
        == 302
    )
    html = client.get(f"/depot/stock/{level_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ærø" in html
    assert "<script>alert(1)" not in html
    assert staff.name in html
