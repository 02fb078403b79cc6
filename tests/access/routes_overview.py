"""Routes of the depot overview: counts of items are not personal data; every role looks."""

from tests.access.route import Route


def extend_world(world: dict, make) -> None:
    """The overview needs no objects of its own: it counts whatever items the world holds."""


ROUTES: dict[str, Route] = {
    "overview.overview": Route(url=lambda w: "/depot/overview"),
}
