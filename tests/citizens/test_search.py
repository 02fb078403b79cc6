"""Finding citizens: by CPR (POST only) or by name, within the user's own organisation."""

from types import SimpleNamespace

import pytest

from tests.citizens.conftest import (
    CPR,
    FREE_CPR,
    OTHER_CPR,
    access_log,
    assert_no_cpr_in_urls,
)


def search(client, q):
    return client.post("/citizens/", data={"q": q})


def rows(html: str) -> int:
    return html.count('data-testid="citizen-row"')


def test_the_search_page_is_a_post_form(world, client, therapist):
    response = client.get("/citizens/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'method="post" action="/citizens/"' in html
    assert access_log(world) == []


@pytest.mark.parametrize("q", [CPR, CPR.replace("-", ""), f"  {CPR} "])
def test_find_an_own_citizen_by_cpr(world, client, therapist, q):
    response = search(client, q)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert rows(html) == 1
    assert "Anna Ærø" in html
    assert f'href="/citizens/{world.anna_id}"' in html
    assert "01-01-1950" in html  # the birth date, from the CPR number
    assert "Herning Kommune" in html
    assert_no_cpr_in_urls(html)
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.user_id, entry.criterion) == (
        "search",
        world.anna_id,
        therapist.id,
        "cpr",
    )


def test_another_municipalitys_citizen_is_not_found_by_cpr(world, client, therapist):
    response = search(client, OTHER_CPR)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert rows(html) == 0
    assert "Bo Berg" not in html and "Holstebro" not in html
    assert "not registered in your municipality" in html
    # Answered exactly like an unknown number: nothing reveals that the citizen exists.
    unknown = search(client, FREE_CPR).get_data(as_text=True)
    assert unknown.replace(FREE_CPR, "X") == html.replace(OTHER_CPR, "X")
    denied, unknown_entry = access_log(world)
    assert (denied.action, denied.citizen_id, denied.criterion) == (
        "search_denied",
        world.bo_id,
        "cpr",
    )
    assert (unknown_entry.action, unknown_entry.citizen_id) == ("search", None)


def test_unknown_cpr_offers_registration_by_post(world, client, therapist):
    html = search(client, FREE_CPR).get_data(as_text=True)
    assert 'data-testid="register-offer"' in html
    assert 'action="/citizens/new"' in html
    assert f'name="cpr" type="hidden" value="{FREE_CPR}"' in html
    assert_no_cpr_in_urls(html)
    # The offer opens the registration form with the CPR number filled in, saving nothing.
    response = client.post("/citizens/new", data={"cpr": FREE_CPR, "prefill": "1"})
    assert response.status_code == 200
    form_html = response.get_data(as_text=True)
    assert f'value="{FREE_CPR}"' in form_html
    assert "This field is required" not in form_html
    assert_no_cpr_in_urls(form_html)
    assert [e.action for e in access_log(world)] == ["search"]


def test_a_region_user_finds_any_citizen_by_exact_cpr(world, client, as_user):
    user = as_user("therapist", world.region)
    html = search(client, CPR).get_data(as_text=True)
    assert rows(html) == 1 and "Anna Ærø" in html
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.user_id) == ("search", world.anna_id, user.id)
    # … and may open the page of the patient in front of them in this session.
    assert client.get(f"/citizens/{world.anna_id}").status_code == 200
    # Not by name, though: there is no request for Anna yet.
    html = search(client, "anna").get_data(as_text=True)
    assert rows(html) == 0
    # Another region user (a new session) has not found Anna: 404.
    as_user("therapist", world.region)
    assert client.get(f"/citizens/{world.anna_id}").status_code == 404


def test_a_region_user_finds_by_name_the_citizens_with_a_request(world, client, as_user, make):
    product_type = make.product_type()
    make.request(
        citizen=SimpleNamespace(id=world.anna_id),
        organisation=world.region,
        depot=world.depot,
        product_type=product_type,
    )
    as_user("therapist", world.region)
    html = search(client, "ANNA").get_data(as_text=True)
    assert rows(html) == 1
    assert rows(search(client, "Bo Berg").get_data(as_text=True)) == 0


@pytest.mark.parametrize("q", ["anna", "ÆRØ", "ærø", "nna æ", "Anna Ærø"])
def test_find_by_name_case_insensitively(world, client, therapist, q):
    html = search(client, q).get_data(as_text=True)
    assert rows(html) == 1
    assert "Anna Ærø" in html
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.criterion) == ("search", None, f"name: {q}")


def test_name_search_stays_in_the_own_municipality(world, client, therapist):
    html = search(client, "Berg").get_data(as_text=True)
    assert rows(html) == 0
    assert "Bo Berg" not in html


def test_name_search_treats_wildcards_literally(world, client, therapist):
    assert rows(search(client, "%%").get_data(as_text=True)) == 0
    assert rows(search(client, "A_na").get_data(as_text=True)) == 0


def test_name_search_sorted_and_limited_to_50(world, client, therapist, make):
    for n in range(52):
        make.citizen(municipality=world.herning, name=f"Jensen {n:02d}")
    html = search(client, "jensen").get_data(as_text=True)
    assert rows(html) == 50
    assert 'data-testid="more-results"' in html
    assert html.index("Jensen 00") < html.index("Jensen 01") < html.index("Jensen 49")
    assert "Jensen 50" not in html


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Type a CPR number, or at least 2 letters of a name."),
        ("   ", "Type a CPR number, or at least 2 letters of a name."),
        ("a", "Type at least 2 letters of the name."),
        ("010150-123", "A CPR number has 10 digits"),
        ("01015012345", "A CPR number has 10 digits"),
        ("0101-50-1234", "A CPR number has 10 digits"),
        ("310250-1234", "does not begin with a real birth date"),
        ("320150-1234", "does not begin with a real birth date"),
        ("290293-1234", "does not begin with a real birth date"),
        ("Anna 010150-1234", "a name has no digits"),
        ("x" * 121, "Field cannot be longer than 120 characters."),
    ],
)
def test_bad_searches_are_explained(world, client, therapist, q, message):
    response = search(client, q)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert rows(html) == 0
    assert access_log(world) == []


def test_a_search_with_a_31_february_date(world, client, therapist):
    html = search(client, "310250-1234").get_data(as_text=True)
    assert "does not begin with a real birth date" in html


def test_a_cpr_is_never_put_in_a_url(world, client, therapist):
    # Even a GET with the CPR in the query string searches nothing.
    response = client.get(f"/citizens/?q={CPR}")
    assert response.status_code == 200
    assert rows(response.get_data(as_text=True)) == 0
    assert access_log(world) == []


@pytest.mark.parametrize("role", ["procurement", "coordinator", "admin"])
def test_other_roles_may_not_search(world, client, as_user, role):
    as_user(role, world.herning)
    assert client.get("/citizens/").status_code == 403
    assert search(client, CPR).status_code == 403
    assert access_log(world) == []


def test_depot_staff_search_their_own_municipality(world, client, as_user):
    as_user("depot_staff", world.herning)
    assert rows(search(client, CPR).get_data(as_text=True)) == 1
    assert rows(search(client, OTHER_CPR).get_data(as_text=True)) == 0


def test_the_searched_name_is_escaped(world, client, therapist):
    html = search(client, "<b>onclick</b>").get_data(as_text=True)
    assert "<b>onclick</b>" not in html
    assert "&lt;b&gt;onclick&lt;/b&gt;" in html
