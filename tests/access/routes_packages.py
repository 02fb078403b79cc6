"""Routes of the basic-package administration: every admin sees the list; only the cluster
(region) admins create and edit packages."""

from depot.extensions import db
from depot.requests.packages import save_package
from tests.access.route import OK, Route, admin_only


def extend_world(world: dict, make) -> None:
    product_type = make.product_type(title_da="Plejeseng (packages)")
    with make.app.app_context():
        package = save_package(
            package=None,
            name="Udskrivning (packages)",
            description=None,
            active=True,
            lines=[(product_type.id, 1)],
        )
        db.session.commit()
        world["packages_package"] = package.id


def _cluster_admin_only(role: str, actor: str) -> frozenset:
    return OK if role == "admin" and actor == "region" else frozenset({403})


ROUTES = {
    "packages.packages": admin_only(url=lambda w: "/admin/packages/"),
    # POST with an empty form: the form again with its messages.
    "packages.new": Route(
        url=lambda w: "/admin/packages/new", post=True, expect=_cluster_admin_only
    ),
    "packages.edit": Route(
        url=lambda w: f"/admin/packages/{w['packages_package']}",
        post=True,
        expect=_cluster_admin_only,
    ),
}
