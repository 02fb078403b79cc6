"""The new-request form: the two steps, basic packages, measurements, tenant checks, bad input."""

from datetime import datetime, time, timedelta

import pytest

from depot.requests import measurements
from tests.requests import test_request_views_support as support
from tests.requests.test_request_views_support import (
    access_log,
    as_user,
    details,
    line,
    new_url,
    requests_of,
    send,
    set_citizen,
)

# The shared fixtures, by name.
world = support.world
therapist = support.therapist


def test_the_form_opens_with_the_citizens_address_and_logs_the_view(world, client, therapist):
    response = client.get(new_url(world))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Skolegade 3" in page and "Anna Andersen" in page
    assert 'name="lines-0-product_type_id"' in page
    assert "lines-0-seat_width_cm" not in page  # no type chosen yet: no measurement inputs
    assert "<script>" not in page.replace("<script src=", "")
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.user_id) == (
        "view",
        world.citizen.id,
        therapist.id,
    )


def test_continue_shows_the_measurements_of_the_chosen_types(world, client, therapist):
    data = {
        **details(),
        **line(0, world.chair, 2, shown=False),
        **line(1, world.rollator, shown=False),
    }
    data["note"] = "Ring på hos naboen"
    response = client.post(new_url(world), data={**data, "proceed": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("seat_width_cm", "max_user_weight_kg", "user_height_cm"):
        assert f'name="lines-0-{name}"' in page
    assert 'name="lines-0-length_cm"' not in page
    assert 'name="lines-1-seat_width_cm"' not in page
    assert f'name="lines-0-shown_type" type="hidden" value="{world.chair.id}"' in page
    assert 'min="20"' in page and 'max="90"' in page  # the seat width's range
    assert "Vestmo 45" in page  # the products of the type to pick from
    assert 'name="lines-2-product_type_id"' in page  # blank rows for more devices
    assert "Ring på hos naboen" in page  # what was typed stays
    assert 'class="invalid-feedback' not in page  # "Continue" checks only the types
    assert requests_of(world) == []


def test_send_saves_the_request_with_its_measurements(world, client, therapist):
    response = send(
        client,
        world,
        line(0, world.chair, 2, seat_width_cm=45, max_user_weight_kg=120, user_height_cm=""),
        line(1, world.bed, product_id=world.bed_product.id, length_cm=""),
        needed_by_date=support.next_in_month(7).isoformat(),
        needed_by_time="10:00",
        urgency="urgent",
        expected_duration="lasting",
        note="Trappe til 1. sal",
    )
    (saved,) = requests_of(world)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{saved.id}")
    assert (saved.citizen_id, saved.organisation_id, saved.depot_id, saved.requested_by_id) == (
        world.citizen.id,
        world.herning.id,
        world.depot.id,
        therapist.id,
    )
    assert (saved.urgency, saved.legal_basis, saved.purpose) == (
        "urgent",
        "Serviceloven §112",
        "compensation",
    )
    assert saved.expected_duration_days is None
    # 10:00 summer time in Copenhagen
    assert saved.needed_by == datetime.combine(support.next_in_month(7), time(8, 0))
    assert saved.note == "Trappe til 1. sal"
    assert saved.package_id is None
    chair_line, bed_line = saved.lines
    assert (chair_line.product_type_id, chair_line.quantity, chair_line.product_id) == (
        world.chair.id,
        2,
        None,
    )
    assert chair_line.measurements == '{"max_user_weight_kg":120,"seat_width_cm":45}'
    assert (bed_line.product_id, bed_line.measurements) == (world.bed_product.id, "{}")
    # No coordinates of the home: none stored; a run places the stop at the postcode's centre.
    assert (saved.delivery_latitude, saved.delivery_longitude) == (None, None)
    assert [e.action for e in access_log(world)] == ["request_create"]
    assert access_log(world)[0].citizen_id == world.citizen.id


def test_winter_time_and_the_citizens_own_coordinates(world, client, therapist):
    set_citizen(world, latitude=56.13, longitude=8.97)
    send(
        client,
        world,
        line(0, world.rollator),
        needed_by_date=support.next_in_month(1).isoformat(),
        needed_by_time="10:00",
    )
    (saved,) = requests_of(world)
    assert saved.needed_by == datetime.combine(support.next_in_month(1), time(9, 0))
    assert (saved.delivery_latitude, saved.delivery_longitude) == (56.13, 8.97)
    assert saved.expected_duration_days == 90


def test_another_address_stores_no_position_of_its_own(world, client, therapist):
    set_citizen(world, latitude=56.13, longitude=8.97)
    send(
        client,
        world,
        line(0, world.rollator),
        delivery_address="Sygehusvej 1",
        delivery_postcode="7500",
    )
    send(client, world, line(0, world.rollator), delivery_address="Et sted", delivery_postcode="")
    first, second = requests_of(world)
    # Only exact positions are stored; runs place these stops approximately.
    assert (first.delivery_latitude, first.delivery_longitude) == (None, None)
    assert (second.delivery_latitude, second.delivery_longitude) == (None, None)
    assert second.delivery_postcode is None


def test_a_basic_package_fills_in_the_lines_and_opens_at_the_measurements(world, client, therapist):
    response = client.get(new_url(world, package=world.package_id))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Udskrivning til eget hjem" in page
    assert f'name="lines-0-shown_type" type="hidden" value="{world.bed.id}"' in page
    assert 'name="lines-0-length_cm"' in page and 'name="lines-1-seat_width_cm"' in page
    response = send(
        client,
        world,
        line(0, world.bed, length_cm=210),
        line(1, world.chair, seat_width_cm=44),
        package=world.package_id,
    )
    assert response.status_code == 302
    (saved,) = requests_of(world)
    assert saved.package_id == world.package_id
    assert [(x.product_type_id, x.measurements) for x in saved.lines] == [
        (world.bed.id, '{"length_cm":210}'),
        (world.chair.id, '{"seat_width_cm":44}'),
    ]


def test_the_package_picker_lists_only_active_packages(world, client, therapist):
    from depot.extensions import db
    from depot.requests.packages import deactivate_package

    page = client.get(new_url(world)).get_data(as_text=True)
    assert "Udskrivning til eget hjem" in page
    with world.app.app_context():
        deactivate_package(package_id=world.package_id)
        db.session.commit()
    page = client.get(new_url(world)).get_data(as_text=True)
    assert "Udskrivning til eget hjem" not in page


@pytest.mark.parametrize("package", ["999999", "abc", "-1", "99999999999999999999"])
def test_an_unknown_package_is_not_found(world, client, therapist, package):
    assert client.get(new_url(world, package=package)).status_code == 404
    assert send(client, world, line(0, world.bed), package=package).status_code == 404
    assert requests_of(world) == []


def test_an_inactive_package_is_not_found(world, client, therapist):
    from depot.extensions import db
    from depot.requests.packages import deactivate_package

    with world.app.app_context():
        deactivate_package(package_id=world.package_id)
        db.session.commit()
    assert client.get(new_url(world, package=world.package_id)).status_code == 404
    assert send(client, world, line(0, world.bed), package=world.package_id).status_code == 404
    assert requests_of(world) == []


def test_blank_measurements_are_not_recorded(world, client, therapist):
    send(client, world, line(0, world.chair, seat_width_cm="", max_user_weight_kg=""))
    (saved,) = requests_of(world)
    assert measurements.parse(saved.lines[0].measurements) == {}


def test_measurements_of_another_type_are_ignored(world, client, therapist):
    # A tampered form: a bed's length on a chair line is not recorded.
    send(client, world, line(0, world.chair, seat_width_cm=45, length_cm=200))
    (saved,) = requests_of(world)
    assert measurements.parse(saved.lines[0].measurements) == {"seat_width_cm": 45}


def test_a_changed_type_shows_its_measurements_before_saving(world, client, therapist):
    # The page showed a bed's inputs; the therapist switched the line to a chair and sent.
    data = line(0, world.chair, shown=False, length_cm=200)
    data["lines-0-shown_type"] = str(world.bed.id)
    response = send(client, world, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Check the measurements" in page
    assert 'name="lines-0-seat_width_cm"' in page
    assert f'name="lines-0-shown_type" type="hidden" value="{world.chair.id}"' in page
    assert requests_of(world) == []


def test_blank_rows_are_ignored_and_indexes_may_have_gaps(world, client, therapist):
    response = send(
        client,
        world,
        line(7, world.rollator),
        {"lines-0-product_type_id": "", "lines-0-quantity": "1"},
        line(1000000, world.bed, 3),
        {"lines-x-product_type_id": str(world.chair.id), "lines--1-quantity": "5"},
    )
    assert response.status_code == 302
    (saved,) = requests_of(world)
    assert [(x.product_type_id, x.quantity) for x in saved.lines] == [
        (world.rollator.id, 1),
        (world.bed.id, 3),
    ]


def test_at_most_twenty_lines_are_read(world, client, therapist):
    lines = [line(i, world.rollator) for i in range(25)]
    assert send(client, world, *lines).status_code == 302
    (saved,) = requests_of(world)
    assert len(saved.lines) == 20


def test_no_devices_is_refused(world, client, therapist):
    response = send(client, world, {"lines-0-product_type_id": ""})
    assert response.status_code == 200
    assert "Choose at least one device." in response.get_data(as_text=True)
    assert requests_of(world) == []


def _bad_cases():
    today = support.today()
    return {
        "date in the past": ({}, {"needed_by_date": (today - timedelta(days=1)).isoformat()}),
        "date too far ahead": ({}, {"needed_by_date": (today + timedelta(days=400)).isoformat()}),
        "date missing": ({}, {"needed_by_date": ""}),
        "date junk": ({}, {"needed_by_date": "31-02-2030"}),
        "time junk": ({}, {"needed_by_time": "25:99"}),
        "time missing": ({}, {"needed_by_time": ""}),
        "urgency unknown": ({}, {"urgency": "yesterday"}),
        "legal basis missing": ({}, {"legal_basis": ""}),
        "legal basis unknown": ({}, {"legal_basis": "Lovløs"}),
        "purpose unknown": ({}, {"purpose": "fun"}),
        "duration unknown": ({}, {"expected_duration": "7"}),
        "duration missing": ({}, {"expected_duration": ""}),
        "address missing": ({}, {"delivery_address": "  "}),
        "address too long": ({}, {"delivery_address": "x" * 201}),
        "postcode": ({}, {"delivery_postcode": "74000"}),
        "town too long": ({}, {"delivery_town": "x" * 81}),
        "phone": ({}, {"contact_phone": "ring til mig"}),
        "contact too long": ({}, {"contact_name": "x" * 121}),
        "note too long": ({}, {"note": "x" * 1001}),
        "depot junk": ({}, {"depot_id": "abc"}),
        "depot missing": ({}, {"depot_id": None}),
        "quantity 0": ({"quantity": 0}, {}),
        "quantity 21": ({"quantity": 21}, {}),
        "quantity missing": ({"quantity": ""}, {}),
        "quantity junk": ({"quantity": "two"}, {}),
        "seat width too small": ({"seat_width_cm": 19}, {}),
        "weight too large": ({"max_user_weight_kg": 401}, {}),
        "measurement junk": ({"seat_width_cm": "45cm"}, {}),
        "product junk": ({"product_id": "abc"}, {}),
    }


@pytest.mark.parametrize("case", list(_bad_cases()))
def test_bad_input_is_shown_on_the_form(world, client, therapist, case):
    line_values, fields = _bad_cases()[case]
    quantity = line_values.pop("quantity", 1)
    data = details(**{"depot_id": str(world.depot.id), **fields})
    data = {k: v for k, v in data.items() if v is not None}
    data.update(line(0, world.chair, quantity, **line_values))
    response = client.post(new_url(world), data={**data, "send": "1"})
    assert response.status_code == 200, case
    assert 'class="invalid-feedback' in response.get_data(as_text=True), case
    assert requests_of(world) == []


def test_a_product_of_another_type_is_refused(world, client, therapist):
    response = send(client, world, line(0, world.chair, product_id=world.bed_product.id))
    assert response.status_code == 200
    assert "Choose a product of the chosen type." in response.get_data(as_text=True)
    assert requests_of(world) == []


def test_another_organisations_depot_is_refused(world, client, therapist):
    other = world.make.depot(owner=world.holstebro, name="Holstebro Depot")
    response = send(client, world, line(0, world.rollator), depot_id=str(other.id))
    assert response.status_code == 200
    assert "Choose a depot from the list." in response.get_data(as_text=True)
    assert requests_of(world) == []


@pytest.mark.parametrize("type_value", ["consumable", "999999", "abc", "1.5", "-3"])
def test_an_unknown_or_consumable_type_is_refused(world, client, therapist, type_value):
    value = str(world.diapers.id) if type_value == "consumable" else type_value
    data = {"lines-0-product_type_id": value, "lines-0-quantity": "1", "lines-0-shown_type": value}
    for step in ("proceed", "send"):
        response = client.post(
            new_url(world), data={**details(depot_id=str(world.depot.id)), **data, step: "1"}
        )
        assert response.status_code == 200
        assert 'data-testid="error-lines-0-product_type_id"' in response.get_data(as_text=True)
    assert requests_of(world) == []


def test_another_municipalitys_citizen_is_not_found_and_the_denial_logged(world, client, therapist):
    url = new_url(world, citizen=world.other_citizen)
    assert client.get(url).status_code == 404
    assert (
        send(client, world, line(0, world.rollator), citizen=world.other_citizen).status_code == 404
    )
    assert requests_of(world) == []
    entries = access_log(world)
    assert [(e.action, e.citizen_id) for e in entries] == [
        ("view_denied", world.other_citizen.id),
        ("view_denied", world.other_citizen.id),
    ]


@pytest.mark.parametrize("citizen", ["999999", "abc", "0", "", "99999999999999999999"])
def test_an_unknown_citizen_is_not_found(world, client, therapist, citizen):
    assert client.get(f"/requests/new?citizen={citizen}").status_code == 404


def test_without_a_citizen_the_therapist_is_sent_to_find_one(world, client, therapist):
    response = client.get("/requests/new")
    assert response.status_code == 302


def test_a_hospital_therapist_requests_for_a_patient_it_has_a_request_for(world, client):
    # The region sees the citizens it has a request for (depot.citizens.access).
    world.make.request(
        citizen=world.citizen,
        organisation=world.region,
        depot=world.depot,
        product_type=world.rollator,
    )
    as_user(world, client, "therapist", world.region)
    response = send(client, world, line(0, world.bed))
    assert response.status_code == 302
    assert requests_of(world)[-1].organisation_id == world.region.id


@pytest.mark.parametrize("role", ["depot_staff", "admin", "procurement", "coordinator"])
def test_only_therapists_request(world, client, role):
    as_user(world, client, role, world.herning)
    assert client.get(new_url(world)).status_code == 403
    assert send(client, world, line(0, world.bed)).status_code == 403
    assert requests_of(world) == []
