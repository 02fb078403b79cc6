"""The JSON API of handovers: lists by box, details, FHIR; tenancy, bad input, access log."""

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.api.world import CPR, PHONES, access_log, normal_handover
from tests.conftest import log_in


@pytest.fixture
def w(app, make, region, herning):
    """A sent handover and a draft, both from the region to Herning."""
    sent = normal_handover(make, region, herning)
    draft = make.handover(citizen=sent.citizen, sender=region, user=sent.nurse)
    return sent, draft


def _client(app, make, organisation, role="therapist"):
    client = app.test_client()
    user = make.user(organisation=organisation, role=role)
    assert log_in(client, user.email).status_code == 302
    return client, user


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def test_the_receiver_lists_its_inbox_without_others_drafts(app, make, herning, w):
    sent, _draft = w
    client, user = _client(app, make, herning)
    assert _ids(client.get("/api/v1/handovers")) == [sent.handover.id]  # the inbox
    assert _ids(client.get("/api/v1/handovers?box=inbox")) == [sent.handover.id]
    assert _ids(client.get("/api/v1/handovers?box=sent")) == []
    assert _ids(client.get("/api/v1/handovers?box=drafts")) == []
    listed = access_log(app, "handover_list")
    assert {(e.user_id, e.citizen_id, e.criterion) for e in listed} == {
        (user.id, sent.citizen.id, "api handovers: inbox")
    }


def test_the_sender_lists_sent_and_drafts(app, make, region, w):
    sent, draft = w
    client, _user = _client(app, make, region)
    assert _ids(client.get("/api/v1/handovers")) == []  # nothing received
    assert _ids(client.get("/api/v1/handovers?box=sent")) == [sent.handover.id]
    assert _ids(client.get("/api/v1/handovers?box=drafts")) == [draft.id]
    assert _ids(client.get("/api/v1/handovers?box=inbox")) == []


def test_the_list_is_a_summary_without_the_cpr_number(app, make, herning, w):
    sent, _draft = w
    client, _user = _client(app, make, herning)
    response = client.get("/api/v1/handovers?box=inbox&page=1&per_page=10")
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"], body["box"]) == (1, 10, 1, "inbox")
    [item] = body["items"]
    assert item["citizen"] == {"id": sent.citizen.id, "name": "Ellen Østergaard Jensen"}
    assert item["sender"]["kind"] == "region"
    assert item["needs"] == 8
    assert item["links"]["fhir"] == f"/api/v1/handovers/{sent.handover.id}/fhir"
    assert CPR not in response.get_data(as_text=True)


def test_another_municipality_sees_nothing(app, make, holstebro, w):
    sent, draft = w
    client, _user = _client(app, make, holstebro)
    assert _ids(client.get("/api/v1/handovers")) == []
    for handover_id in (sent.handover.id, draft.id):
        for suffix in ("", "/fhir"):
            response = client.get(f"/api/v1/handovers/{handover_id}{suffix}")
            assert response.status_code == 404
            assert response.get_json()["status"] == 404
    # Each refused read is logged as a denial (it asked for personal data).
    assert [e.action for e in access_log(app)] == ["view_denied"] * 4


@pytest.mark.parametrize(
    "query",
    [
        "box=archive",
        "box=",
        "page=0",
        "page=x",
        "per_page=1000",
        "per_page=-1",
        "sort=name",
    ],
)
def test_bad_parameters_are_400_json(app, make, herning, w, query):
    client, _user = _client(app, make, herning)
    response = client.get(f"/api/v1/handovers?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400
    assert body["fields"]
    assert access_log(app) == []


def test_the_detail_has_every_field(app, make, herning, w):
    sent, _draft = w
    client, user = _client(app, make, herning)
    response = client.get(f"/api/v1/handovers/{sent.handover.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["kind"] == "discharge"
    assert body["status"] == "sent"
    assert body["citizen"]["cpr"] == CPR
    assert body["citizen"]["municipality"]["name"] == "Herning Kommune"
    assert body["door_width_cm"] == 78
    assert body["consent_to_contact"] is True
    assert body["sent_at"].endswith("+00:00")
    assert body["sent_by"] == "Tove Terapeut"
    needs = body["devices_needed"]
    assert len(needs) == 8
    assert needs[0]["measurements"] == {
        "max_user_weight_kg": 95,
        "seat_depth_cm": 44,
        "seat_width_cm": 46,
    }
    assert needs[0]["delivered_by"] == "region"
    assert needs[0]["suggested_party"] == "municipality"
    assert needs[0]["overridden"] is True
    assert needs[0]["product_type"]["title_da"] == "Manuel kørestol (eksport)"
    assert [c["phone"] for c in body["contacts"]] == PHONES
    assert body["contacts"][0]["has_key"] is True
    assert body["links"]["pdf"] == f"/handovers/{sent.handover.id}/pdf"
    [entry] = access_log(app, "view")
    assert (entry.user_id, entry.citizen_id, entry.criterion) == (
        user.id,
        sent.citizen.id,
        f"api handover {sent.handover.id}",
    )


def test_a_draft_is_the_senders_alone(app, make, region, herning, w):
    _sent, draft = w
    sender, _user = _client(app, make, region)
    body = sender.get(f"/api/v1/handovers/{draft.id}").get_json()
    assert body["status"] == "draft"
    assert "fhir" not in body["links"]
    response = sender.get(f"/api/v1/handovers/{draft.id}/fhir")
    assert response.status_code == 409
    assert response.get_json()["status"] == 409
    receiver, _user = _client(app, make, herning)
    assert receiver.get(f"/api/v1/handovers/{draft.id}").status_code == 404


def test_the_fhir_bundle_through_the_api(app, make, herning, w):
    sent, _draft = w
    client, user = _client(app, make, herning)
    response = client.get(f"/api/v1/handovers/{sent.handover.id}/fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    bundle = response.get_json(force=True)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "message"
    [entry] = access_log(app, "export")
    assert (entry.user_id, entry.citizen_id, entry.criterion) == (
        user.id,
        sent.citizen.id,
        f"api handover {sent.handover.id} fhir",
    )


def test_other_roles_get_403_json(app, make, herning, w):
    sent, _draft = w
    client, _user = _client(app, make, herning, role="depot_staff")
    for url in ("/api/v1/handovers", f"/api/v1/handovers/{sent.handover.id}"):
        response = client.get(url)
        assert response.status_code == 403
        assert response.get_json()["status"] == 403


def test_unknown_handovers_are_404_json(app, make, herning, w):
    client, _user = _client(app, make, herning)
    response = client.get("/api/v1/handovers/999999")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_anonymous_calls_get_401_json(app, w):
    response = app.test_client().get("/api/v1/handovers")
    assert response.status_code == 401
    assert response.get_json()["status"] == 401
