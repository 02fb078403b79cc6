"""The depot pages render for every role that may view them, with the right content."""

from datetime import timedelta

import pytest

from depot.auth.models import ROLES
from depot.extensions import db
from depot.items.models import InspectionPlan
from depot.organisations.models import utcnow
from tests.items import test_views_support as support
from tests.items.test_views_support import new_item

# The shared fixtures, by name.
as_user = support.as_user
staff = support.staff
world = support.world

PAGES = (
    "/depot/",
    "/depot/scan?code=NOPE",
    "/depot/items",
    "/depot/transfers",
    "/depot/inspections",
    "/depot/inspection-plans",
    "/depot/labels",
)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_viewer(world, client, as_user, role):
    item_id = new_item(world, "on_loan", serial="SN-VIEW")
    as_user(role, world.holstebro)
    for url in (*PAGES, f"/depot/items/{item_id}", f"/depot/labels?ids={item_id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'data-testid="scan"' in response.data, url


def test_receive_page_is_for_depot_staff_only(world, client, as_user):
    for role in ROLES:
        as_user(role, world.herning)
        expected = 200 if role == "depot_staff" else 403
        assert client.get("/depot/receive").status_code == expected, role


def test_anonymous_users_are_sent_to_the_login_page(world, client):
    for url in (*PAGES, "/depot/receive"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_home_counts_the_chosen_depots_items_by_state(world, client, staff):
    new_item(world)
    new_item(world)
    new_item(world, "repair")
    new_item(world, depot=world.other)
    page = client.get(f"/depot/?depot={world.depot.id}").get_data(as_text=True)
    assert 'data-testid="count-available"' in page
    available = page.split('data-testid="count-available"')[1]
    assert '<div class="display-6" data-testid="count-value">2</div>' in available
    repair = page.split('data-testid="count-repair"')[1]
    assert 'data-testid="count-value">1</div>' in repair
    # The choice is remembered for the next page without ?depot=.
    page = client.get(f"/depot/?depot={world.other.id}").get_data(as_text=True)
    assert 'data-testid="count-value">1</div>' in page.split('data-testid="count-available"')[1]
    page = client.get("/depot/").get_data(as_text=True)
    assert f'<option value="{world.other.id}" selected>' in page
    # Junk or a depot the staff member does not work in falls back to the remembered one.
    for junk in ("abc", "-1", "99999999999", str(world.holstebro_depot.id)):
        assert client.get(f"/depot/?depot={junk}").status_code == 200
    assert 'data-testid="link-receive"' in page


def test_home_for_a_viewer_offers_every_depot_and_no_receive_link(world, client, as_user):
    as_user("therapist", world.holstebro)
    page = client.get(f"/depot/?depot={world.depot.id}").get_data(as_text=True)
    for depot in (world.depot, world.other, world.holstebro_depot):
        assert f'<option value="{depot.id}"' in page
    assert 'data-testid="link-receive"' not in page


def test_scan_finds_items_by_asset_tag_in_any_case_or_by_serial(world, client, staff):
    item_id = new_item(world, serial="SN-ABC-1")
    tag = f"HM{item_id:07d}"
    for code in (tag, tag.lower(), f"  {tag}  ", "SN-ABC-1"):
        response = client.get("/depot/scan", query_string={"code": code})
        assert response.status_code == 302, code
        assert response.headers["Location"].endswith(f"/depot/items/{item_id}")


@pytest.mark.parametrize(
    "code",
    ["NOPE-1", "<script>alert(1)</script>", "'; DROP TABLE item; --", "Æblegrød ☃", "x" * 300],
)
def test_an_unknown_code_is_shown_back_escaped_on_the_home_page(world, client, staff, code):
    response = client.get("/depot/scan", query_string={"code": code})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="scan-unknown"' in page
    assert "<script>alert" not in page
    shown = page.split('data-testid="scan-code">')[1].split("</code>")[0]
    assert len(shown) <= 100 * 6  # at most 100 characters, escaped
    if code.isascii() and "<" not in code and "'" not in code:
        assert code[:100] in shown


def test_scanning_nothing_or_a_cpr_number_says_so_without_echoing_it(world, client, staff):
    for query in ({}, {"code": ""}, {"code": "   "}, {"code": "\x00"}):
        response = client.get("/depot/scan", query_string=query)
        assert response.status_code == 200
        assert 'data-testid="scan-unknown"' in response.get_data(as_text=True)
    page = client.get("/depot/scan", query_string={"code": "010150-1234"}).get_data(as_text=True)
    assert 'data-testid="scan-unknown"' in page
    assert "010150" not in page


def _rows(page: str) -> list[str]:
    return [chunk.split('"')[0] for chunk in page.split('data-testid="item-row" data-id="')[1:]]


def test_item_search_and_filters(world, client, staff, make):
    walker = make.product(name="Rollator Topro Olympos")
    a = new_item(world, serial="ALPHA-1")
    b = new_item(world, "repair", serial="BETA-2")
    c = new_item(world, depot=world.other)
    with world.app.app_context():
        from depot.items import services

        (d,) = services.receive_items(
            product_id=walker.id,
            depot_id=world.holstebro_depot.id,
            owner_id=world.holstebro.id,
            serials=["GAMMA"],
            user=None,
        )
        db.session.commit()
        d = d.id

    def ids(**query):
        response = client.get("/depot/items", query_string=query)
        assert response.status_code == 200
        return sorted(int(i) for i in _rows(response.get_data(as_text=True)))

    assert ids() == sorted([a, b, c, d])
    assert ids(q=f"hm{a:07d}") == [a]
    assert ids(q="ALPHA") == [a]
    assert ids(q="olympos") == [d]
    assert ids(q="%") == []
    assert ids(q="_") == []
    assert ids(depot=world.other.id) == [c]
    assert ids(status="repair") == [b]
    assert ids(product=walker.id) == [d]
    assert ids(owner=world.holstebro.id) == [d]
    assert ids(type=walker.product_type_id) == [d]
    assert ids(depot=world.depot.id, status="available") == [a]
    # Junk filters are ignored with a warning, never a 500.
    for junk in (
        {"status": "flying"},
        {"depot": "abc"},
        {"depot": "99999999999999"},
        {"product": "-3"},
        {"sort": "evil"},
        {"page": "abc"},
        {"page": "0"},
        {"q": "x" * 500},
        {"q": "<b>'\";--"},
        {"q": "\x00"},
    ):
        assert client.get("/depot/items", query_string=junk).status_code == 200, junk


def test_item_list_sorts_and_paginates(world, client, staff, app):
    app.config["PAGE_SIZE"] = 3
    created = [new_item(world) for _ in range(7)]
    page1 = _rows(client.get("/depot/items?sort=tag").get_data(as_text=True))
    page3 = _rows(client.get("/depot/items?sort=tag&page=3").get_data(as_text=True))
    assert [int(i) for i in page1] == created[:3]
    assert [int(i) for i in page3] == created[6:]
    desc = _rows(client.get("/depot/items?sort=-tag").get_data(as_text=True))
    assert [int(i) for i in desc] == created[::-1][:3]
    assert client.get("/depot/items?page=999").status_code == 200


def test_the_item_page_shows_facts_timeline_and_steps(world, client, staff):
    item_id = new_item(world, "returned", serial="SN-T1")
    page = client.get(f"/depot/items/{item_id}").get_data(as_text=True)
    assert f"HM{item_id:07d}" in page
    assert "SN-T1" in page
    assert 'data-state="returned"' in page
    kinds = [c.split('"')[0] for c in page.split('data-testid="event" data-kind="')[1:]]
    assert kinds == ["take_back", "lend", "reserve", "received"]  # newest first
    for step in ("start_cleaning", "send_to_repair", "scrap"):
        assert f'data-testid="step-{step}"' in page
    assert 'data-testid="step-reserve"' not in page
    assert 'data-testid="lend-form"' not in page


def test_forms_appear_for_the_state_the_item_is_in(world, client, staff):
    def page(item_id):
        return client.get(f"/depot/items/{item_id}").get_data(as_text=True)

    reserved = page(new_item(world, "reserved"))
    assert 'data-testid="lend-form"' in reserved
    for basis in ("Serviceloven §112", "Serviceloven §113b", "Arbejdsmiljø"):
        assert basis in reserved
    available = page(new_item(world))
    assert 'data-testid="transfer-form"' in available
    assert f'<option value="{world.other.id}">' in available
    assert f'<option value="{world.holstebro_depot.id}">' in available
    assert 'data-testid="inspect-form"' not in available
    due_soon = utcnow().date() + timedelta(days=10)
    assert 'data-testid="inspect-form"' in page(new_item(world, due=due_soon))
    assert 'data-testid="inspect-form"' in page(new_item(world, "inspection"))
    in_transit = page(new_item(world, "in_transit"))
    assert 'data-testid="receive-transfer-submit"' in in_transit
    assert 'data-testid="transfer"' in in_transit


def test_viewers_see_no_action_buttons(world, client, as_user):
    item_id = new_item(world, "reserved")
    for role, org in (("therapist", world.herning), ("depot_staff", world.holstebro)):
        as_user(role, org)
        page = client.get(f"/depot/items/{item_id}").get_data(as_text=True)
        assert 'data-testid="steps"' not in page
        assert 'data-testid="lend-form"' not in page


def test_an_overdue_inspection_is_shown_in_red(world, client, staff):
    item_id = new_item(world, due=utcnow().date() - timedelta(days=1))
    page = client.get(f"/depot/items/{item_id}").get_data(as_text=True)
    assert 'data-testid="next-inspection" data-overdue="1"' in page
    assert "text-danger" in page.split('data-testid="next-inspection"')[0][-80:]


def test_unknown_items_are_404(world, client, staff):
    for url in ("/depot/items/999999", "/depot/items/0", "/depot/items/abc", "/depot/items/-1"):
        assert client.get(url).status_code == 404, url
    assert client.get("/depot/items/99999999999999999").status_code == 404


def test_inspections_page_lists_overdue_first_then_due_then_awaiting(world, client, staff):
    today = utcnow().date()
    later = new_item(world, due=today + timedelta(days=20))
    overdue = new_item(world, due=today - timedelta(days=3))
    awaiting = new_item(world, "inspection")
    new_item(world, due=today + timedelta(days=90))  # not due yet
    new_item(world, depot=world.other, due=today - timedelta(days=1))  # another depot
    page = client.get(f"/depot/inspections?depot={world.depot.id}").get_data(as_text=True)
    rows = [int(c.split('"')[0]) for c in page.split('data-testid="inspection-row" data-id="')[1:]]
    assert rows == [overdue, later, awaiting]
    assert f'data-id="{overdue}" class="table-danger" data-overdue="1"' in page


def test_transfers_page_lists_incoming_and_outgoing_with_receive_buttons(world, client, as_user):
    item_id = new_item(world, "in_transit")  # Herning Depot → Herning Nord
    as_user("depot_staff", world.herning)
    incoming = client.get(f"/depot/transfers?depot={world.other.id}").get_data(as_text=True)
    assert f'data-testid="transfer-row" data-item="{item_id}"' in incoming.split("outgoing")[0]
    assert 'data-testid="receive-transfer"' in incoming
    outgoing = client.get(f"/depot/transfers?depot={world.depot.id}").get_data(as_text=True)
    assert 'data-testid="incoming-empty"' in outgoing
    assert f'data-item="{item_id}"' in outgoing
    assert 'data-testid="receive-transfer"' not in outgoing
    as_user("coordinator", world.holstebro)
    page = client.get(f"/depot/transfers?depot={world.other.id}").get_data(as_text=True)
    assert f'data-item="{item_id}"' in page
    assert 'data-testid="receive-transfer"' not in page


def test_inspection_plans_list_and_prefill(world, client, staff, app):
    type_id = world.product.product_type_id
    with app.app_context():
        db.session.add(
            InspectionPlan(
                product_type_id=type_id,
                interval_months=12,
                after_every_loan=True,
                instructions="Tjek <b>bremser</b>",
            )
        )
        db.session.commit()
    page = client.get("/depot/inspection-plans").get_data(as_text=True)
    assert 'data-testid="plan-interval">12<' in page
    assert "Tjek &lt;b&gt;bremser&lt;/b&gt;" in page
    assert 'data-testid="plan-form"' in page
    prefilled = client.get(f"/depot/inspection-plans?type={type_id}").get_data(as_text=True)
    assert 'name="interval_months" type="number" value="12"' in prefilled
    assert client.get("/depot/inspection-plans?type=abc").status_code == 200


def test_inspection_plans_are_read_only_for_other_roles(world, client, as_user):
    for role in ("therapist", "procurement", "coordinator"):
        as_user(role, world.herning)
        page = client.get("/depot/inspection-plans").get_data(as_text=True)
        assert 'data-testid="plan-table"' in page
        assert 'data-testid="plan-form"' not in page
