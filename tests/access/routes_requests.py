"""Routes of the therapists' request pages: therapists only, for their own tenant's citizens.

The world's citizen belongs to Herning and has a request from Herning. Holstebro's and the
region's therapists get 404 for the citizen and the request (the region has no request for
her). Each cancel gets a request of its own, so the matrix can run in any order.
"""

from tests.access.route import only


def extend_world(world: dict, make) -> None:
    herning = world["herning"]
    depot = make.depot(owner=herning, name="Herning Hjælpemidler (requests)")
    product_type = make.product_type(title_da="Rollator (requests)", measurement_fields="")
    citizen = make.citizen(municipality=herning, name="Kaj Matrix")

    def new_request() -> int:
        return make.request(
            citizen=citizen, organisation=herning, depot=depot, product_type=product_type
        ).id

    world["requests_citizen"] = citizen.id
    world["requests_request"] = new_request()
    world["requests_new_request"] = new_request


ROUTES = {
    "requests.requests": only("therapist", url=lambda w: "/requests/"),
    # POST with an empty form: the form again ("Continue" is the default step).
    "requests.new": only(
        "therapist",
        url=lambda w: f"/requests/new?citizen={w['requests_citizen']}",
        other_tenant=404,
        region=404,
        post=True,
    ),
    "requests.request": only(
        "therapist",
        url=lambda w: f"/requests/{w['requests_request']}",
        other_tenant=404,
        region=404,
    ),
    "requests.cancel": only(
        "therapist",
        url=lambda w: f"/requests/{w['requests_new_request']()}/cancel",
        other_tenant=404,
        region=404,
        post=True,
        get=False,
    ),
}
