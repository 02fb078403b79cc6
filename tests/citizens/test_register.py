"""Registering citizens and changing their contact details."""

import pytest
from sqlalchemy import select

from depot.citizens.models import Citizen
from depot.extensions import db
from tests.citizens.conftest import (
    CPR,
    FREE_CPR,
    OTHER_CPR,
    access_log,
    assert_no_cpr_in_urls,
)

GOOD = {
    "cpr": FREE_CPR,
    "name": "Carl Øster",
    "address": "Åvej 3",
    "postcode": "7400",
    "town": "Herning",
    "phone": "+45 20 30 40 50",
}


def citizen_with(world, cpr: str) -> Citizen | None:
    with world.app.app_context():
        citizen = db.session.scalar(select(Citizen).where(Citizen.cpr == cpr))
        if citizen is not None:
            db.session.expunge(citizen)
        return citizen


def test_register_a_citizen_of_the_own_municipality(world, client, therapist):
    page = client.get("/citizens/new").get_data(as_text=True)
    assert 'data-testid="citizen-municipality-fixed"' in page
    response = client.post("/citizens/new", data={**GOOD, "cpr": FREE_CPR.replace("-", "")})
    assert response.status_code == 302
    citizen = citizen_with(world, FREE_CPR)
    assert response.headers["Location"].endswith(f"/citizens/{citizen.id}")
    assert (citizen.name, citizen.address, citizen.postcode, citizen.town, citizen.phone) == (
        "Carl Øster",
        "Åvej 3",
        "7400",
        "Herning",
        "+45 20 30 40 50",
    )
    assert citizen.municipality_id == world.herning.id
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.user_id) == ("create", citizen.id, therapist.id)
    assert entry.criterion is None


def test_a_municipal_user_cannot_choose_another_municipality(world, client, therapist):
    data = {**GOOD, "municipality_id": str(world.holstebro.id)}
    assert client.post("/citizens/new", data=data).status_code == 302
    assert citizen_with(world, FREE_CPR).municipality_id == world.herning.id


def test_a_region_user_chooses_the_municipality(world, client, as_user):
    as_user("therapist", world.region)
    page = client.get("/citizens/new").get_data(as_text=True)
    assert 'data-testid="citizen-municipality"' in page
    assert "Region Midtjylland</option>" not in page  # only municipalities
    missing = client.post("/citizens/new", data=GOOD)
    assert missing.status_code == 200
    assert "Choose the citizen's municipality." in missing.get_data(as_text=True)
    for bad in (str(world.region.id), "999999", "x"):
        response = client.post("/citizens/new", data={**GOOD, "municipality_id": bad})
        assert response.status_code == 200, bad
    assert citizen_with(world, FREE_CPR) is None
    response = client.post("/citizens/new", data={**GOOD, "municipality_id": world.holstebro.id})
    assert response.status_code == 302
    citizen = citizen_with(world, FREE_CPR)
    assert citizen.municipality_id == world.holstebro.id
    # The region registered the patient: the page opens in this session.
    assert client.get(response.headers["Location"]).status_code == 200


def test_inactive_municipalities_are_not_offered(world, client, as_user, make):
    closed = make.organisation(name="Nedlagt Kommune")
    with world.app.app_context():
        db.session.get(type(closed), closed.id).active = False
        db.session.commit()
    as_user("therapist", world.region)
    assert "Nedlagt Kommune" not in client.get("/citizens/new").get_data(as_text=True)
    response = client.post("/citizens/new", data={**GOOD, "municipality_id": closed.id})
    assert response.status_code == 200
    assert "Choose an active municipality from the list." in response.get_data(as_text=True)


def test_duplicate_cpr_of_a_visible_citizen_links_to_them(world, client, therapist):
    response = client.post("/citizens/new", data={**GOOD, "cpr": CPR})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "A citizen with this CPR number is registered already." in html
    assert f'href="/citizens/{world.anna_id}"' in html
    assert_no_cpr_in_urls(html)
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id) == ("search", world.anna_id)


def test_duplicate_cpr_of_another_municipality_reveals_nothing(world, client, therapist):
    response = client.post("/citizens/new", data={**GOOD, "cpr": OTHER_CPR})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "already registered with another municipality" in html
    assert "Bo Berg" not in html and "Holstebro" not in html
    assert f"/citizens/{world.bo_id}" not in html
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id) == ("search_denied", world.bo_id)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cpr": ""}, "This field is required."),
        ({"cpr": "12345"}, "A CPR number has 10 digits"),
        ({"cpr": "310250-1234"}, "does not begin with a real birth date"),
        ({"cpr": "290293-1234"}, "does not begin with a real birth date"),
        ({"cpr": "０１０１５０-１２３４"}, "A CPR number has 10 digits"),  # full-width digits
        ({"cpr": "1" * 30}, "Field cannot be longer than 20 characters."),
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"address": ""}, "This field is required."),
        ({"address": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"postcode": "740"}, "A postcode has 4 digits."),
        ({"postcode": "74000"}, "A postcode has 4 digits."),
        ({"postcode": "abcd"}, "A postcode has 4 digits."),
        ({"town": ""}, "This field is required."),
        ({"town": "x" * 81}, "Field cannot be longer than 80 characters."),
        ({"phone": "20-30-40-50"}, "A phone number has digits, spaces and + only."),
        ({"phone": "1" * 31}, "Field cannot be longer than 30 characters."),
        ({"name": "Carl\x00"}, None),  # NUL dropped by the filter: saved
    ],
)
def test_bad_registrations_are_explained(world, client, therapist, changes, message):
    response = client.post("/citizens/new", data={**GOOD, **changes})
    if message is None:
        assert response.status_code == 302
        assert citizen_with(world, FREE_CPR).name == "Carl"
        return
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert citizen_with(world, FREE_CPR) is None
    assert [e.action for e in access_log(world)] == []


def test_an_empty_phone_is_none(world, client, therapist):
    assert client.post("/citizens/new", data={**GOOD, "phone": " "}).status_code == 302
    assert citizen_with(world, FREE_CPR).phone is None


def test_prefill_with_a_tampered_cpr_shows_an_empty_field(world, client, therapist):
    response = client.post("/citizens/new", data={"cpr": "<script>", "prefill": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert access_log(world) == []


# --- changes --------------------------------------------------------------------------------


def test_edit_contact_details(world, client, therapist):
    url = f"/citizens/{world.anna_id}/edit"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="Anna Ærø"' in html and 'name="cpr"' not in html
    assert 'name="municipality_id"' not in html
    data = {
        "name": "Anna Ærø Jensen",
        "address": "Skolegade 1",
        "postcode": "7400",
        "town": "Herning",
        "phone": "",
        # Not editable here: ignored.
        "cpr": OTHER_CPR,
        "municipality_id": world.holstebro.id,
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/citizens/{world.anna_id}")
    citizen = citizen_with(world, CPR)
    assert citizen.name == "Anna Ærø Jensen"
    assert citizen.municipality_id == world.herning.id
    view, change = access_log(world)
    assert (view.action, view.criterion) == ("view", "edit")
    assert (change.action, change.citizen_id, change.criterion) == (
        "change",
        world.anna_id,
        "changed: name",
    )


def test_saving_without_changes_logs_nothing(world, client, therapist):
    data = {"name": "Anna Ærø", "address": "Skolegade 1", "postcode": "7400", "town": "Herning"}
    assert client.post(f"/citizens/{world.anna_id}/edit", data=data).status_code == 302
    assert access_log(world) == []


@pytest.mark.parametrize(
    "changes",
    [{"name": ""}, {"postcode": "12"}, {"phone": "abc"}, {"town": "x" * 81}, {"address": ""}],
)
def test_bad_changes_are_explained(world, client, therapist, changes):
    data = {"name": "Anna", "address": "Vej 1", "postcode": "7400", "town": "Herning", **changes}
    response = client.post(f"/citizens/{world.anna_id}/edit", data=data)
    assert response.status_code == 200
    assert 'class="invalid-feedback d-block"' in response.get_data(as_text=True)
    assert citizen_with(world, CPR).name == "Anna Ærø"


def test_another_municipalitys_citizen_cannot_be_changed(world, client, therapist):
    data = {"name": "X", "address": "Vej 1", "postcode": "7400", "town": "Herning"}
    assert client.get(f"/citizens/{world.bo_id}/edit").status_code == 404
    assert client.post(f"/citizens/{world.bo_id}/edit", data=data).status_code == 404
    assert citizen_with(world, OTHER_CPR).name == "Bo Berg"
    assert [(e.action, e.citizen_id) for e in access_log(world)] == [
        ("view_denied", world.bo_id),
        ("view_denied", world.bo_id),
    ]
