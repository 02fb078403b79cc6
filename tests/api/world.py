"""A normal discharge handover for the export and API tests: 8 needs, 4 contacts.

The region's hospital sends it to Herning about a Herning citizen. Shared by
tests/handovers/test_pdf*.py, test_fhir*.py and tests/api/.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from depot.citizens.models import AccessLogEntry
from depot.extensions import db
from tests.pdf_text import pdf_text as read_pdf

CPR = "120345-6789"
PHONES = ["20112233", "30445566", "40778899", "50990011"]
DEPARTMENT = "Ortopædkirurgisk afdeling O2, Gødstrup"


def normal_handover(make, region, herning, *, send: bool = True, **fields):
    """The handover (8 needs, 4 contacts) and what the tests look for in its exports."""
    chair = make.product_type(
        title_da="Manuel kørestol (eksport)",
        measurement_fields="seat_width_cm,seat_depth_cm,max_user_weight_kg",
    )
    bed = make.product_type(
        title_da="Plejeseng (eksport)", measurement_fields="length_cm,max_user_weight_kg"
    )
    hoist = make.product_type(
        title_da="Mobil personløfter (eksport)", measurement_fields="max_user_weight_kg"
    )
    rollator = make.product_type(title_da="Rollator (eksport)", measurement_fields="height_cm")
    for product_type in (chair, bed, hoist, rollator):
        make.rule(iso_code=product_type.iso_code, responsible_party="municipality")
    citizen = make.citizen(
        municipality=herning, name="Ellen Østergaard Jensen", cpr=CPR, address="Søndergade 12"
    )
    nurse = make.user(organisation=region, role="therapist", name="Tove Terapeut")
    needed_by = datetime(2030, 1, 10, 8, 0)
    needs = [
        (
            chair,
            {
                "measurements": {
                    "seat_width_cm": 46,
                    "seat_depth_cm": 44,
                    "max_user_weight_kg": 95,
                },
                "needed_by": needed_by,
                "delivered_by": "region",
                "override_reason": "Udskrives fredag aften; kommunen kan ikke nå det.",
            },
        ),
        (bed, {"measurements": {"length_cm": 200, "max_user_weight_kg": 95}, "quantity": 1}),
        (hoist, {"measurements": {"max_user_weight_kg": 95}, "needed_by": needed_by}),
        (rollator, {"measurements": {"height_cm": 85}, "expected_duration_days": 30}),
        (chair, {"measurements": {"seat_width_cm": 48}, "note": "Ekstra hjul"}),
        (bed, {"measurements": {"length_cm": 210}, "quantity": 2}),
        (hoist, {}),
        (rollator, {"measurements": {"height_cm": 90}, "note": "Til indendørs brug"}),
    ]
    contacts = [
        {"name": "Karen Jensen", "relation": "Datter", "phone": PHONES[0], "has_key": True},
        {"name": "Per Jensen", "relation": "Søn", "phone": PHONES[1], "has_key": False},
        {"name": "Hanne Nabo", "relation": "Nabo", "phone": PHONES[2], "has_key": True},
        {"name": "Ole Olsen", "relation": "Ven", "phone": PHONES[3], "has_key": False},
    ]
    defaults = {
        "department": DEPARTMENT,
        "contact_name": "Tove Terapeut",
        "contact_phone": "78431234",
        "floor": "2. sal",
        "stairs_steps": 14,
        "has_lift": False,
        "door_width_cm": 78,
        "has_key_box": True,
        "access_note": "Nøgleboks ved bagdøren, kode hos datteren.",
        "home_situation": "Bor alene i lejlighed.",
        "consent_to_contact": True,
        "note": "Borgeren er faldtruet; hjælpemidlerne skal være på plads ved udskrivning.",
    }
    handover = make.handover(
        citizen=citizen,
        sender=region,
        user=nurse,
        needs=needs,
        contacts=contacts,
        send=send,
        **{**defaults, **fields},
    )
    return SimpleNamespace(
        handover=handover, citizen=citizen, nurse=nurse, types=[chair, bed, hoist, rollator]
    )


def pdf_pages(pdf: bytes, tmp_path) -> int:
    tool = shutil.which("pdfinfo")
    if tool is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed here; CI installs it")
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool, str(path)], capture_output=True, check=True, text=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def access_log(app, action: str | None = None) -> list[AccessLogEntry]:
    with app.app_context():
        stmt = select(AccessLogEntry).order_by(AccessLogEntry.id)
        if action:
            stmt = stmt.where(AccessLogEntry.action == action)
        return list(db.session.scalars(stmt))


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text in reading order (poppler's pdftotext)."""
    return read_pdf(pdf, tmp_path, layout=False)
