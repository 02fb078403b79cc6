"""The depot overview against items received and moved with the item services.

The small fleet (hand-counted):

    product type depot     owner     items
    P1      T1   Herning   Herning   a on_loan 40 days, b on_loan 10 days, c reserved, d available
    P2      T2   Herning   Herning   e scrapped, f repair, g available
    P3      T2   Holstebro Holstebro h on_loan 5 days, i on_loan 1 day, k returned, j available

Utilisation = on loan / not scrapped: overall 4/10 = 40 %; Herning 2/6, Holstebro 2/4;
T1 2/4 = 50 %, T2 2/6.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from depot.auth.models import ROLES
from depot.citizens.models import Citizen
from depot.extensions import db
from depot.items import services as items
from depot.organisations.models import utcnow
from depot.overview import services

CITIZEN_NAME = "Karen Testesen-Blixen"


def _lend(item_id, *, citizen_id, lender_id, days_ago):
    at = utcnow() - timedelta(days=days_ago)
    items.apply_step(item_id=item_id, step_name="reserve", user=None, at=at)
    items.lend_item(item_id=item_id, citizen_id=citizen_id, lender_id=lender_id, user=None, at=at)


@pytest.fixture
def fleet(app, make, herning, holstebro):
    t1 = make.product_type(iso_code="12 36 03", title_da="Personløftere")
    t2 = make.product_type(iso_code="12 06 06", title_da="Rollatorer")
    w = {
        "herning": herning,
        "holstebro": holstebro,
        "t1": t1,
        "t2": t2,
        "p1": make.product(name="Loftlift A", product_type=t1),
        "p2": make.product(name="Rollator B", product_type=t2),
        "p3": make.product(name="Rollator C", product_type=t2),
        "d1": make.depot(owner=herning, name="Herning Depot"),
        "d2": make.depot(owner=holstebro, name="Holstebro Depot"),
    }
    with app.app_context():
        citizen = Citizen(cpr="010150-1234", name=CITIZEN_NAME, municipality_id=herning.id)
        db.session.add(citizen)
        db.session.flush()

        def receive(product, depot, owner, n):
            got = items.receive_items(
                product_id=product.id,
                depot_id=depot.id,
                owner_id=owner.id,
                serials=[None] * n,
                user=None,
                at=utcnow() - timedelta(days=100),
            )
            return [item.id for item in got]

        a, b, c, d = receive(w["p1"], w["d1"], herning, 4)
        e, f, g = receive(w["p2"], w["d1"], herning, 3)
        h, i, j, k = receive(w["p3"], w["d2"], holstebro, 4)
        lend = {"citizen_id": citizen.id, "lender_id": herning.id}
        _lend(a, days_ago=40, **lend)
        _lend(b, days_ago=10, **lend)
        items.reserve_item(item_id=c, user=None)
        items.apply_step(item_id=e, step_name="scrap", user=None)
        items.apply_step(item_id=f, step_name="send_to_repair", user=None)
        _lend(h, days_ago=5, **lend)
        _lend(i, days_ago=1, **lend)
        _lend(k, days_ago=3, **lend)
        items.take_back_item(item_id=k, user=None)
        db.session.commit()
    w["ids"] = dict(zip("abcdefghijk", [a, b, c, d, e, f, g, h, i, j, k], strict=True))
    return w


# --- the services ---------------------------------------------------------------------------


def test_counts_per_product_and_state(app_ctx, fleet):
    counts = services.state_counts()
    by_product = {row.name: row.counts for row in counts.rows}
    assert by_product == {
        "Loftlift A": {"on_loan": 2, "reserved": 1, "available": 1},
        "Rollator B": {"scrapped": 1, "repair": 1, "available": 1},
        "Rollator C": {"on_loan": 2, "returned": 1, "available": 1},
    }
    assert counts.totals == {
        "available": 3,
        "reserved": 1,
        "on_loan": 4,
        "returned": 1,
        "cleaning": 0,
        "inspection": 0,
        "repair": 1,
        "in_transit": 0,
        "scrapped": 1,
    }
    assert counts.total == 11
    # Grouped by product type (ISO code order), then by name.
    assert [row.name for row in counts.rows] == ["Rollator B", "Rollator C", "Loftlift A"]


def test_counts_filter_by_depot_type_and_owner(app_ctx, fleet):
    d1 = services.state_counts(depot_id=fleet["d1"].id)
    assert {row.name for row in d1.rows} == {"Loftlift A", "Rollator B"}
    assert d1.total == 7
    t1 = services.state_counts(product_type_id=fleet["t1"].id)
    assert [row.name for row in t1.rows] == ["Loftlift A"]
    owned = services.state_counts(owner_id=fleet["holstebro"].id)
    assert [row.name for row in owned.rows] == ["Rollator C"]
    nothing = services.state_counts(depot_id=fleet["d2"].id, owner_id=fleet["herning"].id)
    assert nothing.rows == [] and nothing.total == 0 and nothing.utilisation.share is None


def test_utilisation_hand_checked(app_ctx, fleet):
    counts = services.state_counts()
    assert (counts.utilisation.on_loan, counts.utilisation.fleet) == (4, 10)
    assert counts.utilisation.share == pytest.approx(0.4)
    by_type = {t.type_id: (t.utilisation.on_loan, t.utilisation.fleet) for t in counts.by_type}
    assert by_type == {fleet["t1"].id: (2, 4), fleet["t2"].id: (2, 6)}
    by_depot = {d.id: (u.on_loan, u.fleet) for d, u in services.utilisation_by_depot()}
    assert by_depot == {fleet["d1"].id: (2, 6), fleet["d2"].id: (2, 4)}
    only_t2 = {
        d.id: (u.on_loan, u.fleet)
        for d, u in services.utilisation_by_depot(product_type_id=fleet["t2"].id)
    }
    assert only_t2 == {fleet["d1"].id: (0, 2), fleet["d2"].id: (2, 4)}


def test_items_out_longest(app_ctx, fleet):
    ids = fleet["ids"]
    out = services.out_longest()
    assert [item.id for item in out] == [ids["a"], ids["b"], ids["h"], ids["i"]]
    today = utcnow().date()
    assert [services.days_since(item.status_changed_at, today=today) for item in out] == [
        40,
        10,
        5,
        1,
    ]
    assert [i.id for i in services.out_longest(depot_id=fleet["d2"].id)] == [ids["h"], ids["i"]]
    assert [i.id for i in services.out_longest(limit=1)] == [ids["a"]]


# --- the page -------------------------------------------------------------------------------


def cells(html: str, product_id: int) -> dict[str, str]:
    row = re.search(rf'data-product-id="{product_id}">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-state="(\w+)">([^<]*)<', row))


def totals(html: str) -> dict[str, str]:
    row = re.search(r'data-testid="totals-row">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-state="(\w+)">([^<]*)<', row))


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_overview_without_citizen_names(client, login_as, fleet, role):
    login_as(role, fleet["herning"])
    response = client.get("/depot/overview?depot=all")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CITIZEN_NAME not in html and "010150" not in html
    assert html.count('data-testid="count-row"') == 3
    assert html.count('data-testid="out-row"') == 4
    assert 'data-testid="scan-form"' in html


def test_page_shows_counts_totals_and_utilisation(client, login_as, fleet):
    login_as("coordinator", fleet["herning"])
    html = client.get("/depot/overview?depot=all").get_data(as_text=True)
    assert cells(html, fleet["p1"].id) == {
        "available": "1",
        "reserved": "1",
        "on_loan": "2",
        "returned": "0",
        "cleaning": "0",
        "inspection": "0",
        "repair": "0",
        "in_transit": "0",
        "scrapped": "0",
        "total": "4",
    }
    assert totals(html)["on_loan"] == "4" and totals(html)["total"] == "11"
    assert html.count('data-testid="type-row"') == 2
    assert re.search(r'data-testid="utilisation-overall">40[.,]0\s*%', html)
    depot_shares = re.findall(
        r'data-testid="utilisation-depot" data-depot-id="(\d+)".*?data-testid="share">([^<]*)<',
        html,
        re.S,
    )
    assert {int(d): s.replace(",", ".").strip() for d, s in depot_shares} == {
        fleet["d1"].id: "33.3 %",
        fleet["d2"].id: "50.0 %",
    }
    assert f'href="/depot/items/{fleet["ids"]["a"]}"' in html
    assert re.search(r'data-testid="days-out">40<', html)


def test_page_filters(client, login_as, fleet):
    login_as("therapist", fleet["holstebro"])
    html = client.get(f"/depot/overview?depot={fleet['d1'].id}").get_data(as_text=True)
    assert html.count('data-testid="count-row"') == 2 and totals(html)["total"] == "7"
    # One depot: its own utilisation (2 of 6), without a pass over the other depots.
    assert html.count('data-testid="utilisation-depot"') == 1
    assert re.search(r'data-testid="utilisation-overall">33[.,]3\s*%', html)
    html = client.get(f"/depot/overview?depot=all&type={fleet['t1'].id}").get_data(as_text=True)
    assert html.count('data-testid="count-row"') == 1 and totals(html)["total"] == "4"
    html = client.get(f"/depot/overview?depot=all&owner={fleet['holstebro'].id}").get_data(
        as_text=True
    )
    assert html.count('data-testid="count-row"') == 1 and totals(html)["total"] == "4"
    assert html.count('data-testid="out-row"') == 2


def test_depot_staff_start_with_their_own_depot(client, login_as, fleet):
    login_as("depot_staff", fleet["holstebro"])
    html = client.get("/depot/overview").get_data(as_text=True)
    assert html.count('data-testid="count-row"') == 1
    assert cells(html, fleet["p3"].id)["total"] == "4"


@pytest.mark.parametrize(
    "query",
    [
        "depot=abc",
        "depot=99999999999",
        "depot=999999",
        "type=-1",
        "owner=%3Cscript%3E",
        "owner=1%27%20OR%201=1",
        "page=abc",
        "page=999",
        "page=-3",
        "depot=%00",
    ],
)
def test_junk_filters_are_ignored(client, login_as, fleet, query):
    login_as("admin", fleet["herning"])
    response = client.get(f"/depot/overview?{query}")
    assert response.status_code == 200, query
    assert "<script>" not in response.get_data(as_text=True).split("</nav>", 1)[1]


def test_product_rows_are_paginated_with_totals_over_all(app, client, login_as, fleet):
    app.config["OVERVIEW_PAGE_SIZE"] = 2
    login_as("admin", fleet["herning"])
    first = client.get("/depot/overview?depot=all").get_data(as_text=True)
    second = client.get("/depot/overview?depot=all&page=2").get_data(as_text=True)
    assert first.count('data-testid="count-row"') == 2
    assert second.count('data-testid="count-row"') == 1
    assert totals(first) == totals(second)
    assert 'data-testid="pagination"' in first


def test_the_overview_runs_a_fixed_number_of_queries(app, client, login_as, make, fleet):
    """No query per product row: adding products and items does not add statements."""
    login_as("admin", fleet["herning"])

    def statements() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/depot/overview?depot=all").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    before = statements()
    more = [make.product(product_type=fleet["t1"]) for _ in range(6)]
    with app.app_context():
        for product in more:
            items.receive_items(
                product_id=product.id,
                depot_id=fleet["d1"].id,
                owner_id=fleet["herning"].id,
                serials=[None, None],
                user=None,
            )
        db.session.commit()
    assert statements() == before
