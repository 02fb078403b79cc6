"""Routes of the handover pages: therapists only, for handovers their organisation sent or
(once sent) received.

The world's citizen belongs to Herning. Herning writes admission notices to the region, so
Herning is the sender and the region the receiver; Holstebro gets 404 everywhere. Drafts are
the sender's alone (404 for the region). The region's discharge handover to Herning serves
the discharge page. Routes that change a handover get a fresh one per call, so the matrix
can run in any order.
"""

from tests.access.route import ALL, Route, only

THERAPIST = frozenset({"therapist"})


def extend_world(world: dict, make) -> None:
    herning, region = world["herning"], world["region"]
    product_type = make.product_type(title_da="Plejeseng (handovers)", measurement_fields="")
    citizen = make.citizen(municipality=herning, name="Hanne Matrix")
    need = (product_type, {"delivered_by": "municipality", "override_reason": "matrix"})

    def admission(send: bool = True):
        return make.handover(
            citizen=citizen,
            sender=herning,
            receiver=region,
            kind="admission",
            needs=[need],
            send=send,
        )

    sent = admission()
    world["handovers_citizen"] = citizen.id
    world["handovers_sent"] = sent.id
    world["handovers_device"] = sent.devices[0].id
    world["handovers_draft"] = admission(send=False).id
    world["handovers_new_draft"] = lambda: admission(send=False).id
    world["handovers_new_sent"] = lambda: admission().id
    world["handovers_discharge"] = make.handover(
        citizen=citizen, sender=region, needs=[need], send=True
    ).id


def _by_actor(herning: frozenset, region: frozenset):
    """Therapists: `herning` or `region` by tenant, 404 for Holstebro; 403 for other roles."""

    def expect(role: str, actor: str) -> frozenset:
        if role not in THERAPIST:
            return frozenset({403})
        return {"herning": herning, "region": region}.get(actor, frozenset({404}))

    return expect


ROUTES = {
    # POST with an empty search box: the inbox again, with the box's error.
    "handovers.inbox": only("therapist", url=lambda w: "/handovers/", post=True),
    # The region may not write the citizen's admission notice (it receives them).
    "handovers.new": only(
        "therapist",
        url=lambda w: f"/handovers/new?citizen={w['handovers_citizen']}&kind=admission",
        other_tenant=404,
        region=403,
        post=True,
    ),
    "handovers.handover": only(
        "therapist", url=lambda w: f"/handovers/{w['handovers_sent']}", other_tenant=404
    ),
    # POST with an empty form: the form again, with its errors.
    "handovers.edit": only(
        "therapist",
        url=lambda w: f"/handovers/{w['handovers_draft']}/edit",
        other_tenant=404,
        region=404,
        post=True,
    ),
    # Without the version it was shown in, a draft is not sent (400).
    "handovers.send": Route(
        roles=ALL,
        url=lambda w: f"/handovers/{w['handovers_new_draft']()}/send",
        post=True,
        get=False,
        expect=_by_actor(frozenset({400}), frozenset({404})),
    ),
    "handovers.acknowledge": Route(
        roles=ALL,
        url=lambda w: f"/handovers/{w['handovers_new_sent']()}/acknowledge",
        post=True,
        get=False,
        expect=_by_actor(frozenset({403}), frozenset({302})),
    ),
    # Empty: no devices chosen (400), or none left for the organisation to request (409).
    "handovers.create_requests": Route(
        roles=ALL,
        url=lambda w: f"/handovers/{w['handovers_sent']}/requests",
        post=True,
        get=False,
        expect=_by_actor(frozenset({400, 409}), frozenset({400, 409})),
    ),
    "handovers.record_delivery": Route(
        roles=ALL,
        url=lambda w: f"/handovers/{w['handovers_sent']}/devices/{w['handovers_device']}/delivery",
        post=True,
        get=False,
        expect=_by_actor(frozenset({400}), frozenset({400})),
    ),
    "handovers.discharge": only(
        "therapist",
        url=lambda w: f"/handovers/{w['handovers_discharge']}/discharge",
        other_tenant=404,
        post=True,
    ),
    "handovers.delete": only(
        "therapist",
        url=lambda w: f"/handovers/{w['handovers_new_draft']()}/delete",
        other_tenant=404,
        region=404,
        post=True,
        get=False,
    ),
}
