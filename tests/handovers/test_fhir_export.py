"""The FHIR R4 export: a valid message Bundle after MedCom's CareCommunication pattern."""

import base64
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from flask_babel import force_locale

from depot.extensions import db
from depot.handovers.fhir import CPR_SYSTEM, ISO_9999, MEDCOM_CATEGORIES, UCUM, handover_fhir_json
from depot.handovers.models import Handover
from tests.api.world import CPR, PHONES, access_log, normal_handover
from tests.conftest import log_in


@pytest.fixture
def w(app, make, region, herning):
    return normal_handover(make, region, herning)


def _export(app, handover_id: int) -> dict:
    with app.test_request_context(), force_locale("en"):
        text = handover_fhir_json(db.session.get(Handover, handover_id), printed_by="Tove")
    return json.loads(text)


def _resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_validates_and_follows_the_message_pattern(app, w):
    bundle = _export(app, w.handover.id)
    Bundle.model_validate(bundle)  # R4B: the R4 shape of these resources
    assert bundle["type"] == "message"
    assert bundle["timestamp"].endswith("Z") or bundle["timestamp"].endswith("+00:00")
    header = bundle["entry"][0]["resource"]
    assert header["resourceType"] == "MessageHeader"
    assert header["eventCoding"]["code"] == "care-communication-message"
    [communication] = _resources(bundle, "Communication")
    assert header["focus"] == [{"reference": f"urn:uuid:{communication['id']}"}]
    # Every reference points at an entry of the bundle.
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    assert all(url.startswith("urn:uuid:") for url in full_urls)
    references = set()

    def collect(node):
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                references.add(node["reference"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(bundle)
    assert references and references <= full_urls


def test_the_communication_carries_the_summary_and_the_pdf(app, w):
    bundle = _export(app, w.handover.id)
    [communication] = _resources(bundle, "Communication")
    [patient] = _resources(bundle, "Patient")
    [category] = communication["category"]
    assert category["coding"][0] == {
        "system": MEDCOM_CATEGORIES,
        "code": "assistive-devices",
        "display": "Assistive technology",
    }
    assert communication["subject"]["reference"] == f"urn:uuid:{patient['id']}"
    text, attachment = (
        p.get("contentString") or p.get("contentAttachment") for p in communication["payload"]
    )
    assert "Seat width (cm): 46" in text
    assert PHONES[2] in text
    assert "The citizen consents" in text
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]).startswith(b"%PDF")
    assert CPR not in attachment["title"]
    assert "The citizen consents" in communication["note"][0]["text"]
    organisations = {o["name"]: o["id"] for o in _resources(bundle, "Organization")}
    assert communication["sender"]["reference"] == f"urn:uuid:{organisations['Region Midtjylland']}"
    assert communication["recipient"][0]["reference"] == (
        f"urn:uuid:{organisations['Herning Kommune']}"
    )


def test_patient_and_related_persons(app, w):
    bundle = _export(app, w.handover.id)
    [patient] = _resources(bundle, "Patient")
    assert patient["identifier"] == [{"system": CPR_SYSTEM, "value": CPR.replace("-", "")}]
    assert patient["name"][0]["family"] == "Jensen"
    assert patient["address"][0]["line"] == ["Søndergade 12"]
    related = _resources(bundle, "RelatedPerson")
    assert [p["telecom"][0]["value"] for p in related] == PHONES
    assert all(p["patient"]["reference"] == f"urn:uuid:{patient['id']}" for p in related)
    karen = related[0]
    assert karen["name"][0]["text"] == "Karen Jensen"
    assert [r["text"] for r in karen["relationship"]] == ["Datter", "Has a key to the home"]
    assert [r["text"] for r in related[1]["relationship"]] == ["Søn"]


def test_one_device_request_per_need_with_its_measurements(app, w):
    bundle = _export(app, w.handover.id)
    requests = _resources(bundle, "DeviceRequest")
    assert len(requests) == 8
    chair = requests[0]
    assert chair["status"] == "active"
    assert chair["intent"] == "order"
    coding = chair["codeCodeableConcept"]["coding"][0]
    assert coding["system"] == ISO_9999
    assert coding["code"] == w.types[0].iso_code
    assert coding["display"] == "Manuel kørestol (eksport)"
    parameters = {
        p["code"]["coding"][0]["code"]: (p["code"]["text"], p["valueQuantity"])
        for p in chair["parameter"]
    }
    assert parameters["quantity"][1]["value"] == 1
    assert parameters["seat_width_cm"] == (
        "Seat width (cm)",
        {"value": 46, "unit": "cm", "system": UCUM, "code": "cm"},
    )
    assert parameters["max_user_weight_kg"][1]["code"] == "kg"
    assert chair["occurrenceDateTime"].startswith("2030-01-10T08:00:00")
    organisations = {o["name"]: o["id"] for o in _resources(bundle, "Organization")}
    assert chair["performer"]["reference"] == f"urn:uuid:{organisations['Region Midtjylland']}"
    notes = " ".join(n["text"] for n in chair["note"])
    assert "To be delivered by: Region" in notes
    assert "Catalogue: Municipality" in notes
    assert "Udskrives fredag aften" in notes
    assert requests[1]["performer"]["reference"] == f"urn:uuid:{organisations['Herning Kommune']}"
    assert [p["valueQuantity"]["value"] for p in requests[5]["parameter"]] == [2, 210]


def test_row_resources_keep_their_ids_between_exports(app, w):
    first, second = _export(app, w.handover.id), _export(app, w.handover.id)
    assert _resources(first, "Patient")[0]["id"] == _resources(second, "Patient")[0]["id"]
    assert first["id"] != second["id"]  # a new message each time


def test_an_admission_notice_exports_too(app, make, herning):
    citizen = make.citizen(municipality=herning)
    region = make.organisation(name="Region (admission)", kind="region", population=None)
    chair = make.product_type(measurement_fields="seat_width_cm")
    make.rule(iso_code=chair.iso_code)
    notice = make.handover(
        citizen=citizen,
        sender=herning,
        kind="admission",
        receiver=region,
        needs=[(chair, {"measurements": {"seat_width_cm": 40}})],
        send=True,
    )
    bundle = _export(app, notice.id)
    Bundle.model_validate(bundle)
    [request] = _resources(bundle, "DeviceRequest")
    assert request["performer"]["display"] == "Herning Kommune"
    assert _resources(bundle, "RelatedPerson") == []


def test_a_bare_handover_still_makes_a_valid_bundle(app, make, region, herning):
    """No needs, no contacts, no times: nothing left as an empty list or a null."""
    citizen = make.citizen(municipality=herning, name="Enkeltnavn")
    bare = make.handover(citizen=citizen, sender=region, admitted_at=None, contact_phone=None)
    bundle = _export(app, bare.id)
    Bundle.model_validate(bundle)
    [communication] = _resources(bundle, "Communication")
    assert "about" not in communication
    assert "sent" not in communication
    assert _resources(bundle, "DeviceRequest") == []
    assert _resources(bundle, "Patient")[0]["name"][0]["family"] == "Enkeltnavn"


# --- the download ---------------------------------------------------------------------------


def test_the_download_is_fhir_json_and_logged(app, client, w):
    log_in(client, w.nurse.email)
    with client.get(f"/handovers/{w.handover.id}/fhir") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/fhir+json"
        disposition = response.headers["Content-Disposition"]
        bundle = response.get_json(force=True)
    assert disposition == f'attachment; filename="handover-{w.handover.id}.fhir.json"'
    Bundle.model_validate(bundle)
    [entry] = access_log(app, "export")
    assert (entry.citizen_id, entry.user_id, entry.criterion) == (
        w.citizen.id,
        w.nurse.id,
        f"handover {w.handover.id} fhir",
    )


def test_a_draft_is_not_exported(app, client, make, region, herning):
    draft = normal_handover(make, region, herning, send=False)
    log_in(client, draft.nurse.email)
    assert client.get(f"/handovers/{draft.handover.id}/fhir").status_code == 409
    assert access_log(app, "export") == []


def test_other_tenants_get_404(app, client, make, holstebro, herning, w):
    log_in(client, make.user(organisation=holstebro, role="therapist").email)
    assert client.get(f"/handovers/{w.handover.id}/fhir").status_code == 404
    receiver = app.test_client()
    log_in(receiver, make.user(organisation=herning, role="therapist").email)
    assert receiver.get(f"/handovers/{w.handover.id}/fhir").status_code == 200
