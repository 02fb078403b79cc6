"""Role × tenant access matrix over every route in `app.url_map`.

Each domain lists its routes in a `routes_*.py` module beside this file (ROUTES, and
`extend_world` to create the objects its URLs need). A route in the app that no module lists
fails `test_every_route_is_in_the_matrix`.
"""

import importlib
import pkgutil

import pytest

import tests.access
from depot.auth.models import ROLES
from tests.conftest import log_in
from tests.factories import PASSWORD

ACTORS = ("herning", "holstebro", "region")
IGNORED = {"static", "bootstrap.static"}
MODULES = [
    importlib.import_module(f"tests.access.{m.name}")
    for m in pkgutil.iter_modules(tests.access.__path__)
    if m.name.startswith("routes_")
]
ROUTES = {endpoint: route for module in MODULES for endpoint, route in module.ROUTES.items()}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    missing = endpoints - set(ROUTES)
    assert not missing, f"routes missing from the access matrix: {sorted(missing)}"
    stale = set(ROUTES) - endpoints
    assert not stale, f"matrix lists routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(app, make, region, herning, holstebro):
    world = {"region": region, "herning": herning, "holstebro": holstebro}
    for module in MODULES:
        module.extend_world(world, make)
    return world


@pytest.mark.parametrize("role", ROLES)
def test_role_by_tenant(app, make, world, role):
    for actor in ACTORS:
        client = app.test_client()
        user = make.user(organisation=world[actor], role=role)
        assert log_in(client, user.email, PASSWORD).status_code == 302
        for endpoint, route in ROUTES.items():
            if endpoint == "auth.logout":
                continue  # would end the session the loop uses; tested in test_login
            url = route.url(world)
            methods = (["GET"] if route.get else []) + (["POST"] if route.post else [])
            for method in methods:
                expected = route.expected(role, actor, method)
                with client.open(url, method=method, data={}) as response:
                    assert response.status_code in expected, (
                        f"{role}@{actor} {method} {url} ({endpoint}): "
                        f"{response.status_code}, expected {sorted(expected)}"
                    )


def test_anonymous_gets_the_login_page_everywhere_but_public_routes_and_the_api(app, world):
    client = app.test_client()
    for endpoint, route in ROUTES.items():
        method = "GET" if route.get else "POST"
        with client.open(route.url(world), method=method, data={}) as response:
            if route.public:
                assert response.status_code in {200, 302}, endpoint
            elif endpoint.startswith("api."):
                assert response.status_code == 401, endpoint
                assert response.is_json, endpoint
            else:
                assert response.status_code == 302, endpoint
                assert "/login" in response.headers["Location"], endpoint
