"""Routes of the JSON API: therapists only; a handover of another tenant is 404.

The world's handover is sent by the region's hospital to Herning: Herning's and the region's
therapists read it, Holstebro's get 404. Every therapist may list (their own organisation's).
"""

from tests.access.route import only


def extend_world(world: dict, make) -> None:
    herning, region = world["herning"], world["region"]
    citizen = make.citizen(municipality=herning, name="Ib Api")
    bed = make.product_type(title_da="Plejeseng (api)", measurement_fields="length_cm")
    make.rule(iso_code=bed.iso_code, responsible_party="municipality")
    handover = make.handover(
        citizen=citizen,
        sender=region,
        needs=[(bed, {"measurements": {"length_cm": 200}})],
        send=True,
    )
    world["api_handover"] = handover.id


ROUTES = {
    "api.handovers": only("therapist", url=lambda w: "/api/v1/handovers?box=inbox"),
    "api.handover": only(
        "therapist", url=lambda w: f"/api/v1/handovers/{w['api_handover']}", other_tenant=404
    ),
    "api.handover_fhir": only(
        "therapist", url=lambda w: f"/api/v1/handovers/{w['api_handover']}/fhir", other_tenant=404
    ),
}
