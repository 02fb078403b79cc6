"""What the access matrix knows about one route, and what each actor should get."""

from collections.abc import Callable
from dataclasses import dataclass

from depot.auth.models import ROLES

ALL = frozenset(ROLES)
OK = frozenset({200, 302})


@dataclass(frozen=True)
class Route:
    """One endpoint: its URL in the test world and who may use it.

    Objects in the world belong to Herning. Actors come from Herning (the same tenant),
    Holstebro (another municipality) and the region. `other_tenant` is the status a permitted
    role gets from Holstebro (404 hides another tenant's records, 403 refuses an action);
    `region` likewise for the region's actors (None: the region is let in).
    `expect`, when given, decides alone: (role, actor) → allowed statuses.
    """

    url: Callable[[dict], str]
    roles: frozenset = ALL
    other_tenant: int | None = None
    region: int | None = None
    post: bool = False  # also exercised with an empty POST
    get: bool = True
    public: bool = False
    expect: Callable[[str, str], frozenset] | None = None
    post_roles: frozenset | None = None  # who may POST, where it differs from `roles`

    def expected(self, role: str, actor: str, method: str = "GET") -> frozenset:
        if self.public:
            return OK
        if self.expect is not None:
            return self.expect(role, actor)
        roles = self.post_roles if method == "POST" and self.post_roles is not None else self.roles
        if role not in roles:
            return frozenset({403})
        if actor == "holstebro" and self.other_tenant:
            return frozenset({self.other_tenant})
        if actor == "region" and self.region:
            return frozenset({self.region})
        return OK


def only(*roles: str, **kwargs) -> Route:
    return Route(roles=frozenset(roles), **kwargs)


def admin_only(**kwargs) -> Route:
    return only("admin", **kwargs)
