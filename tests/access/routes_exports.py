"""Routes of the handover exports (PDF, FHIR): therapists of the sender and the receiver.

The world's handover is a discharge handover sent by the region's hospital to Herning about a
Herning citizen: Herning's and the region's therapists get it, Holstebro's get 404.
"""

from tests.access.route import only


def extend_world(world: dict, make) -> None:
    herning, region = world["herning"], world["region"]
    citizen = make.citizen(municipality=herning, name="Inge Eksport")
    chair = make.product_type(title_da="Kørestol (exports)", measurement_fields="seat_width_cm")
    make.rule(iso_code=chair.iso_code, responsible_party="municipality")
    handover = make.handover(
        citizen=citizen,
        sender=region,
        needs=[(chair, {"measurements": {"seat_width_cm": 46}})],
        contacts=[{"name": "Jens Eksport", "relation": "Søn", "phone": "20304050"}],
        send=True,
    )
    world["exports_handover"] = handover.id


ROUTES = {
    "handover_exports.pdf": only(
        "therapist", url=lambda w: f"/handovers/{w['exports_handover']}/pdf", other_tenant=404
    ),
    "handover_exports.fhir": only(
        "therapist", url=lambda w: f"/handovers/{w['exports_handover']}/fhir", other_tenant=404
    ),
}
