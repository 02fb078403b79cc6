"""The handover PDF: content, pages, Danish labels, drafts, access and the access log."""

from datetime import datetime

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from depot.config import PROJECT_ROOT
from depot.extensions import babel, db
from depot.handovers import services
from depot.handovers.models import Handover
from depot.handovers.pdf import handover_pdf, sheet_for
from depot.requests import measurements
from tests.api.world import (
    CPR,
    DEPARTMENT,
    PHONES,
    access_log,
    normal_handover,
    pdf_pages,
    pdf_text,
)
from tests.conftest import log_in

PO = PROJECT_ROOT / "depot" / "translations" / "da" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def w(app, make, region, herning):
    return normal_handover(make, region, herning)


def _english(client):
    client.post("/language/en")


def test_the_pdf_has_what_the_municipality_needs(app, client, w, tmp_path):
    assert log_in(client, w.nurse.email).status_code == 302
    _english(client)
    with client.get(f"/handovers/{w.handover.id}/pdf") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        pdf = response.data
    assert disposition == f'inline; filename="handover-{w.handover.id}.pdf"'
    assert CPR not in disposition and CPR.replace("-", "") not in disposition
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf, tmp_path) <= 2
    text = pdf_text(pdf, tmp_path)
    for phone in PHONES:
        assert phone in text
    for expected in (
        CPR,
        "Ellen Østergaard Jensen",
        "Søndergade 12",
        "Herning Kommune",
        "Region Midtjylland",
        DEPARTMENT.split(",")[0],  # the line may wrap after the comma
        "78431234",  # the contact therapist's phone
        "Discharge report",
        "Seat width (cm): 46",
        "Seat depth (cm): 44",
        "User weight (kg): 95",
        "Length needed (cm): 210",
        "ISO 12",
        "Catalogue: Municipality",
        "Udskrives fredag aften",  # the override reason
        "Karen Jensen",
        "Datter",
        "Nøgleboks ved bagdøren",
        "78 cm",
        "The citizen consents",
        "Borgeren er faldtruet",
        "Page 1 of",
        "printed by Tove Terapeut",
    ):
        assert expected in text, expected
    assert "DRAFT" not in text


def test_printing_is_logged_without_the_cpr_number(app, client, w):
    log_in(client, w.nurse.email)
    assert client.get(f"/handovers/{w.handover.id}/pdf").status_code == 200
    [entry] = access_log(app, "print")
    assert entry.citizen_id == w.citizen.id
    assert entry.user_id == w.nurse.id
    assert entry.criterion == f"handover {w.handover.id} pdf"


@pytest.fixture
def danish_app(make_app, w, tmp_path):
    """The app with the Danish catalogue compiled (as `make test` does) into a temporary folder.

    After `w`: making the handover loads (and caches) the catalogue the plain app has."""
    folder = tmp_path / "translations" / "da" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with PO.open("rb") as source:
        catalogue = read_po(source)
    with (folder / "messages.mo").open("wb") as target:
        write_mo(target, catalogue, use_fuzzy=True)
    # Flask-Babel caches the loaded catalogues per process, on the shared extension: start
    # afresh, and leave none behind for the other tests.
    babel.domain_instance.cache.clear()
    yield make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations"))
    babel.domain_instance.cache.clear()


def test_the_pdf_is_danish_by_default(danish_app, w, tmp_path):
    client = danish_app.test_client()
    assert log_in(client, w.nurse.email).status_code == 302
    with client.get(f"/handovers/{w.handover.id}/pdf") as response:
        assert response.status_code == 200
        pdf = response.data
    text = pdf_text(pdf, tmp_path)
    assert "Sædebredde (cm): 46" in text
    assert "Telefon" in text
    assert "Seat width" not in text


def test_the_receiving_municipality_prints_it_too(app, client, make, herning, w):
    receiver = make.user(organisation=herning, role="therapist")
    log_in(client, receiver.email)
    assert client.get(f"/handovers/{w.handover.id}/pdf").status_code == 200
    assert [e.user_id for e in access_log(app, "print")] == [receiver.id]


def test_other_tenants_and_roles_are_refused(app, client, make, holstebro, herning, w):
    log_in(client, make.user(organisation=holstebro, role="therapist").email)
    assert client.get(f"/handovers/{w.handover.id}/pdf").status_code == 404
    client = app.test_client()
    log_in(client, make.user(organisation=herning, role="depot_staff").email)
    assert client.get(f"/handovers/{w.handover.id}/pdf").status_code == 403
    assert client.get("/handovers/999999/pdf").status_code == 403
    assert access_log(app, "print") == []


def test_a_draft_prints_for_its_sender_marked_as_draft(
    app, client, make, region, herning, tmp_path
):
    draft = normal_handover(make, region, herning, send=False)
    log_in(client, draft.nurse.email)
    _english(client)
    with client.get(f"/handovers/{draft.handover.id}/pdf") as response:
        assert response.status_code == 200
        pdf = response.data
    text = pdf_text(pdf, tmp_path)
    assert "DRAFT" in text
    assert PHONES[0] in text
    other = app.test_client()
    log_in(other, make.user(organisation=herning, role="therapist").email)
    assert other.get(f"/handovers/{draft.handover.id}/pdf").status_code == 404


def test_an_admission_notice_and_a_recorded_discharge(app, make, region, herning, tmp_path):
    citizen = make.citizen(municipality=herning, name="Åge Ærtebølle")
    chair = make.product_type(title_da="Kørestol (adm)", measurement_fields="seat_width_cm")
    make.rule(iso_code=chair.iso_code)
    notice = make.handover(
        citizen=citizen,
        sender=herning,
        kind="admission",
        needs=[(chair, {"measurements": {"seat_width_cm": 42}})],
        send=True,
    )
    discharge = normal_handover(make, region, herning)
    with app.test_request_context(), force_locale("en"):
        notice_text = pdf_text(
            handover_pdf(sheet_for(db.session.get(Handover, notice.id), printed_by="X")), tmp_path
        )
        handover = db.session.get(Handover, discharge.handover.id)
        services.record_discharge(
            handover=handover,
            discharged_at=datetime(2030, 1, 11, 9, 0),
            delay_hours=20,
            delay_cause="device_not_ready",
            delay_note="Sengen kom en dag for sent.",
            user=None,
        )
        outcome_text = pdf_text(handover_pdf(sheet_for(handover, printed_by="X")), tmp_path)
        db.session.rollback()
    assert "Admission report" in notice_text
    assert "Åge Ærtebølle" in notice_text
    assert "Seat width (cm): 42" in notice_text
    assert "20 hours" in outcome_text
    assert "The device was not ready" in outcome_text
    assert "Sengen kom en dag for sent." in outcome_text


def test_the_worst_normal_case_stays_within_two_pages(app, make, region, herning, tmp_path):
    """8 needs with every measurement and an override each, 4 contacts, long notes."""
    w = normal_handover(
        make,
        region,
        herning,
        note="Lang bemærkning. " * 40,
        home_situation="Bor alene. " * 20,
        access_note="Trappe uden gelænder. " * 10,
    )
    with app.test_request_context():
        handover = db.session.get(Handover, w.handover.id)
        for row in handover.devices_needed:
            allowed = measurements.fields_for(row.product_type.measurement_list)
            row.measurements = measurements.dump({r.name: r.minimum + 10 for r in allowed})
            row.delivered_by = "region"
            row.override_reason = "Kommunen kan ikke levere inden udskrivningen fredag aften."
            row.note = "Leveres til opgangen; ring på hos naboen."
        pdf = handover_pdf(sheet_for(handover, printed_by="Tove Terapeut"))
        db.session.rollback()
    assert pdf_pages(pdf, tmp_path) <= 2


def test_text_the_font_lacks_does_not_break_the_pdf(app, make, region, herning, tmp_path):
    w = normal_handover(make, region, herning, note="Ring først ☎ — <b>vigtigt</b> & 🦽")
    with app.test_request_context():
        pdf = handover_pdf(
            sheet_for(db.session.get(Handover, w.handover.id), printed_by="<script>")
        )
    text = pdf_text(pdf, tmp_path)
    assert "<b>vigtigt</b> &" in text
    assert "<script>" in text
