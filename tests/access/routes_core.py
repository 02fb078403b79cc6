"""Routes of the base app: front page, login, administration."""

from tests.access.route import OK, Route, admin_only


def extend_world(world: dict, make) -> None:
    world["depot"] = make.depot(owner=world["herning"], name="Herning Hjælpemiddeldepot")
    world["staff"] = make.user(organisation=world["herning"], role="depot_staff")


def _cluster_admin_only(role: str, actor: str) -> frozenset:
    return OK if role == "admin" and actor == "region" else frozenset({403})


ROUTES: dict[str, Route] = {
    "web.index": Route(url=lambda w: "/"),
    "web.healthz": Route(url=lambda w: "/healthz", public=True),
    "web.set_language": Route(url=lambda w: "/language/en", public=True, post=True, get=False),
    "auth.login": Route(url=lambda w: "/login", public=True),
    "auth.account": Route(url=lambda w: "/account", post=True),
    "auth.logout": Route(url=lambda w: "/logout", post=True, get=False),
    "organisations.organisations": admin_only(url=lambda w: "/admin/organisations"),
    "organisations.organisation_new": Route(
        url=lambda w: "/admin/organisations/new", post=True, expect=_cluster_admin_only
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
        url=lambda w: f"/admin/users/{w['staff'].id}/unlock",
        other_tenant=404,
        post=True,
        get=False,
    ),
}
