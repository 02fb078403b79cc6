"""Role × tenant access matrix over every route in `app.url_map`.

Every endpoint must be listed here with who may use it; a new route that is missing fails
`test_every_route_is_in_the_matrix`. Objects in the URLs belong to Herning; the actors come
from Herning (same tenant), Holstebro (another municipality) and the region (the cluster).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from depot.auth.models import ROLES
from tests.conftest import log_in
from tests.factories import PASSWORD

ALL = frozenset(ROLES)
ACTORS = ("herning", "holstebro", "region")


@dataclass(frozen=True)
class Route:
    url: Callable[[dict], str]
    roles: frozenset = ALL
    # How a permitted role fares by the actor's organisation: "ok", or the status for
    # actors outside the object's tenant (404 hides another tenant's records, 403 refuses).
    other_tenant: int | None = None
    region_allowed: bool = True  # the region's admins run the whole cluster
    post: bool = False  # also exercised with POST
    get: bool = True
    public: bool = False


def admin_only(**kw):
    return Route(roles=frozenset({"admin"}), **kw)


ROUTES: dict[str, Route] = {
    "web.index": Route(url=lambda w: "/"),
    "web.healthz": Route(url=lambda w: "/healthz", public=True),
    "web.set_language": Route(url=lambda w: "/language/en", public=True, post=True, get=False),
    "auth.login": Route(url=lambda w: "/login", public=True),
    "auth.logout": Route(url=lambda w: "/logout", post=True, get=False),
    "organisations.organisations": admin_only(url=lambda w: "/admin/organisations"),
    "organisations.organisation_new": Route(
        url=lambda w: "/admin/organisations/new", roles=frozenset(), post=True
    ),
    "organisations.organisation_edit": admin_only(
        url=lambda w: f"/admin/organisations/{w['herning'].id}/edit", other_tenant=403, post=True
    ),
    "organisations.depots": admin_only(url=lambda w: "/admin/depots"),
    "organisations.depot_detail": admin_only(url=lambda w: f"/admin/depots/{w['depot'].id}"),
    "organisations.depot_new": admin_only(url=lambda w: "/admin/depots/new", post=True),
    "organisations.depot_edit": admin_only(
        url=lambda w: f"/admin/depots/{w['depot'].id}/edit", other_tenant=403, post=True
    ),
    "users.users": admin_only(url=lambda w: "/admin/users"),
    "users.user_new": admin_only(url=lambda w: "/admin/users/new", post=True),
    "users.user_edit": admin_only(
        url=lambda w: f"/admin/users/{w['staff'].id}", other_tenant=404, post=True
    ),
    "users.user_password": admin_only(
        url=lambda w: f"/admin/users/{w['staff'].id}/password",
        other_tenant=404,
        post=True,
        get=False,
    ),
    "users.user_unlock": admin_only(
        url=lambda w: f"/admin/users/{w['staff'].id}/unlock", other_tenant=404, post=True, get=False
    ),
}

# Routes that only the cluster (region) admins may use, whatever the object.
CLUSTER_ONLY = {"organisations.organisation_new"}
IGNORED = {"static", "bootstrap.static"}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    missing = endpoints - set(ROUTES)
    assert not missing, f"routes missing from the access matrix: {sorted(missing)}"
    stale = set(ROUTES) - endpoints
    assert not stale, f"matrix lists routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(app, make, region, herning, holstebro):
    return {
        "region": region,
        "herning": herning,
        "holstebro": holstebro,
        "depot": make.depot(owner=herning, name="Herning Hjælpemiddeldepot"),
        "staff": make.user(organisation=herning, role="depot_staff"),
    }


def expected_status(endpoint: str, route: Route, role: str, actor: str) -> set[int]:
    if route.public:
        return {200, 302}
    if endpoint in CLUSTER_ONLY:
        return {200, 302} if role == "admin" and actor == "region" else {403}
    if role not in route.roles:
        return {403}
    if route.other_tenant and actor == "holstebro":
        return {route.other_tenant}
    if route.other_tenant and actor == "region" and not route.region_allowed:
        return {route.other_tenant}
    return {200, 302}


@pytest.mark.parametrize("role", ROLES)
def test_role_by_tenant(app, make, world, role):
    for actor in ACTORS:
        client = app.test_client()
        user = make.user(organisation=world[actor], role=role)
        assert log_in(client, user.email, PASSWORD).status_code == 302
        for endpoint, route in ROUTES.items():
            if endpoint == "auth.logout":
                continue  # would end the session the loop uses; tested in test_login
            expected = expected_status(endpoint, route, role, actor)
            url = route.url(world)
            methods = (["GET"] if route.get else []) + (["POST"] if route.post else [])
            for method in methods:
                response = client.open(url, method=method, data={})
                assert response.status_code in expected, (
                    f"{role}@{actor} {method} {url} ({endpoint}): {response.status_code}, "
                    f"expected {sorted(expected)}"
                )


def test_anonymous_gets_the_login_page_everywhere_but_public_routes(app, world):
    client = app.test_client()
    for endpoint, route in ROUTES.items():
        method = "GET" if route.get else "POST"
        response = client.open(route.url(world), method=method, data={})
        if route.public:
            assert response.status_code in {200, 302}, endpoint
        else:
            assert response.status_code == 302, endpoint
            assert "/login" in response.headers["Location"], endpoint
