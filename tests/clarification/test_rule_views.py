"""The catalogue page, "try it", and the rule form: who may edit, and what bad input gets."""

import pytest

from depot.clarification.models import ClarificationRule
from tests.clarification.conftest import text_of

VALID = {
    "iso_code": "12 22",
    "purpose": "compensation",
    "responsible_party": "municipality",
    "duration_threshold_days": "180",
    "short_term_party": "region",
    "guidance": "Kørestol efter operation",
    "precedents": "Principafgørelse https://www.ast.dk/\nMøde 2026",
}


def test_every_role_reads_the_catalogue_but_only_editors_see_edit_links(
    app, client, login_as, make, herning
):
    make.rule(iso_code="12 22", guidance="Kørestole")
    login_as("therapist", herning)
    page = text_of(client.get("/clarification/"))
    assert "Kørestole" in page and 'data-testid="rule-row"' in page
    assert "/clarification/new" not in page and "/edit" not in page
    assert "/clarification/import" not in page
    assert "/clarification/export.csv" in page


def test_the_page_shows_types_thresholds_links_and_uncovered_types(client, coordinator, make):
    make.product_type(iso_code="12 22 03", title_da="Manuelle kørestole")
    make.product_type(iso_code="09 12 03", title_da="Toiletstole")
    make.rule(
        iso_code="12 22",
        duration_threshold_days=90,
        short_term_party="region",
        precedents='Afgørelse https://www.ast.dk/a\njavascript:alert(1)\nhttp://x.dk/"><b>x',
    )
    page = text_of(client.get("/clarification/"))
    assert "12 22 03 Manuelle kørestole" in page
    assert "under 90 days: Region" in page
    assert '<a href="https://www.ast.dk/a"' in page
    assert 'href="javascript' not in page.lower() and "javascript:alert(1)</li>" in page
    assert "<b>x" not in page  # shown as text, escaped
    assert 'data-testid="uncovered-type" data-code="09 12 03"' in page
    assert "/clarification/new?code=09+12+03" in page


def test_try_it_shows_the_suggestion(client, coordinator, make):
    chair = make.product_type(iso_code="12 22 03", title_da="Manuelle kørestole")
    make.rule(iso_code="12 22", duration_threshold_days=180, short_term_party="region")
    page = text_of(client.get(f"/clarification/?type={chair.id}&days=30"))
    assert 'data-testid="suggestion" data-party="region"' in page
    page = text_of(client.get(f"/clarification/?type={chair.id}"))
    assert 'data-testid="suggestion" data-party="municipality"' in page
    assert "A lasting need" in page


@pytest.mark.parametrize(
    "query",
    [
        "type=abc&days=x",
        "type=99999999999&days=-3",
        "type=2147483647&days=99999999999999",
        "q=%00%27;--&party=state&purpose=<b>",
        "type=1%00&days=1e9",
    ],
)
def test_junk_in_the_query_is_ignored(client, coordinator, make, query):
    make.rule(iso_code="12 22")
    response = client.get(f"/clarification/?{query}")
    assert response.status_code == 200
    assert 'data-testid="suggestion"' not in text_of(response)


def test_filter_by_code(client, coordinator, make):
    make.rule(iso_code="12 22")
    make.rule(iso_code="09 12")
    page = text_of(client.get("/clarification/?q=122203"))
    assert 'data-code="12 22"' in page and 'data-code="09 12"' not in page
    page = text_of(client.get("/clarification/?q=nothing-like-this"))
    assert 'data-testid="no-results"' in page


def test_a_coordinator_creates_edits_and_deletes_a_rule(client, coordinator, stored):
    response = client.post("/clarification/new", data=VALID | {"iso_code": "1222"})
    assert response.status_code == 302
    rule = stored()["12 22"]
    assert rule.updated_by_id == coordinator.id
    assert (rule.duration_threshold_days, rule.short_term_party) == (180, "region")
    assert rule.precedent_list == ["Principafgørelse https://www.ast.dk/", "Møde 2026"]
    assert client.get(f"/clarification/{rule.id}/edit").status_code == 200
    response = client.post(
        f"/clarification/{rule.id}/edit",
        data=VALID | {"duration_threshold_days": "", "short_term_party": "", "guidance": ""},
    )
    assert response.status_code == 302
    rule = stored()["12 22"]
    assert rule.duration_threshold_days is None and rule.short_term_party is None
    assert rule.guidance is None
    assert client.post(f"/clarification/{rule.id}/delete").status_code == 302
    assert stored() == {}
    assert client.post(f"/clarification/{rule.id}/delete").status_code == 404


def test_the_new_form_takes_the_code_from_the_uncovered_list(client, coordinator):
    page = text_of(client.get("/clarification/new?code=09+12+03"))
    assert 'value="09 12 03"' in page


def test_an_admin_may_edit_too(client, login_as, herning, stored):
    login_as("admin", herning)
    assert client.post("/clarification/new", data=VALID).status_code == 302
    assert "12 22" in stored()


@pytest.mark.parametrize("role", ["therapist", "depot_staff", "procurement"])
def test_others_may_not_edit(client, login_as, make, herning, stored, role):
    rule = make.rule(iso_code="12 22")
    login_as(role, herning)
    assert client.get("/clarification/new").status_code == 403
    assert client.post("/clarification/new", data=VALID | {"iso_code": "09"}).status_code == 403
    assert client.post(f"/clarification/{rule.id}/edit", data=VALID).status_code == 403
    assert client.post(f"/clarification/{rule.id}/delete").status_code == 403
    assert client.get("/clarification/import").status_code == 403
    assert set(stored()) == {"12 22"}


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"iso_code": "1"}, 400, "pairs of digits"),
        ({"iso_code": "12 22 03 04"}, 400, "pairs of digits"),
        ({"iso_code": "ab cd"}, 400, "pairs of digits"),
        ({"iso_code": ""}, 200, "This field is required."),
        ({"iso_code": "1" * 500}, 200, "Field cannot be longer than 20 characters."),
        ({"purpose": "fun"}, 200, "Not a valid choice."),
        ({"responsible_party": "<script>"}, 200, "Not a valid choice."),
        ({"short_term_party": ""}, 400, "Choose who provides for needs shorter"),
        ({"duration_threshold_days": ""}, 400, "Give the threshold in days"),
        ({"short_term_party": "municipality"}, 400, "must differ from the responsible party"),
        ({"duration_threshold_days": "0"}, 200, "Enter a whole number from 1 to 3650."),
        ({"duration_threshold_days": "3651"}, 200, "Enter a whole number from 1 to 3650."),
        ({"duration_threshold_days": "9" * 40}, 200, "Enter a whole number from 1 to 3650."),
        ({"duration_threshold_days": "ten"}, 200, "Not a valid integer value."),
        ({"guidance": "x" * 5000}, 200, "Field cannot be longer than 4000 characters."),
        ({"precedents": "a" * 600}, 400, "at most 500 characters"),
        ({"precedents": "a | b"}, 400, "without “|”"),
        ({"precedents": "x\n" * 40}, 400, "At most 30 precedents."),
        ({"precedents": "y" * 100_000}, 200, "Field cannot be longer than"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, coordinator, stored, change, status, message):
    response = client.post("/clarification/new", data=VALID | change)
    assert response.status_code == status
    assert message in text_of(response)
    assert stored() == {}


def test_a_duplicate_code_is_a_clear_conflict(client, coordinator, make, stored):
    make.rule(iso_code="12 22")
    other = make.rule(iso_code="12 23")
    response = client.post("/clarification/new", data=VALID | {"iso_code": "12.22"})
    assert response.status_code == 409
    assert "A rule for ISO 12 22 exists already." in text_of(response)
    response = client.post(f"/clarification/{other.id}/edit", data=VALID)
    assert response.status_code == 409
    assert set(stored()) == {"12 22", "12 23"}


def test_nul_bytes_are_dropped_and_html_is_escaped(client, coordinator, stored):
    data = VALID | {
        "iso_code": "12\x00 22",
        "guidance": "<script>alert(1)</script>\x00",
        "precedents": "Møde\x00 2026",
    }
    assert client.post("/clarification/new", data=data).status_code == 302
    rule = stored()["12 22"]
    assert rule.guidance == "<script>alert(1)</script>"
    assert rule.precedents == "Møde 2026"
    page = text_of(client.get("/clarification/"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_unknown_rule_ids_are_not_found(client, coordinator):
    assert client.get("/clarification/999/edit").status_code == 404
    assert client.get("/clarification/99999999999/edit").status_code == 404
    assert client.get("/clarification/1/delete").status_code == 405


def test_an_unchanged_save_keeps_the_stamp(client, coordinator, make, stored):
    rule = make.rule(iso_code="12 22", guidance="G")
    data = {
        "iso_code": "12 22",
        "purpose": "compensation",
        "responsible_party": "municipality",
        "guidance": "G",
    }
    response = client.post(f"/clarification/{rule.id}/edit", data=data, follow_redirects=True)
    assert "Nothing was changed." in text_of(response), text_of(response)[-3000:]
    assert stored()["12 22"].updated_by_id is None
    assert isinstance(stored()["12 22"], ClarificationRule)
