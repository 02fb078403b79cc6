"""Basic-package administration: cluster admins create and edit; others see or are refused."""

import pytest
from sqlalchemy import select

from depot.catalogue.validation import Duplicate, Invalid
from depot.extensions import db
from depot.requests import packages as services
from depot.requests.models import BasicPackage
from tests.conftest import log_in


@pytest.fixture
def types(make):
    return {
        "bed": make.product_type(title_da="Plejeseng"),
        "mattress": make.product_type(title_da="Tryksårsmadras"),
        "commode": make.product_type(title_da="Toiletstol"),
        "diapers": make.product_type(title_da="Bleer", reusable=False),
    }


def _login(app, client, make, organisation, role="admin"):
    user = make.user(organisation=organisation, role=role)
    assert log_in(client, user.email).status_code == 302
    client.post("/language/en")
    return user


@pytest.fixture
def cluster_admin(app, client, make, region):
    return _login(app, client, make, region)


def _form(name="Udskrivning til eget hjem", lines=(), active=True, **extra) -> dict:
    data = {"name": name, "description": "Til borgere der udskrives", **extra}
    if active:
        data["active"] = "y"
    for index, (type_id, quantity) in enumerate(lines):
        data[f"lines-{index}-product_type_id"] = str(type_id)
        data[f"lines-{index}-quantity"] = str(quantity)
    return data


def _packages(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(BasicPackage).order_by(BasicPackage.id)).all()
        return [
            (p.name, p.description, p.active, [(x.product_type_id, x.quantity) for x in p.lines])
            for p in rows
        ]


def _make_package(app, types, name="Udskrivning", **kwargs) -> int:
    with app.app_context():
        package = services.save_package(
            package=None,
            name=name,
            description=None,
            active=kwargs.get("active", True),
            lines=[(types["bed"].id, 1), (types["mattress"].id, 1)],
        )
        db.session.commit()
        return package.id


def test_a_cluster_admin_creates_a_package(app, client, cluster_admin, types):
    page = client.get("/admin/packages/new").get_data(as_text=True)
    assert "Plejeseng" in page and "Bleer" not in page  # consumables are not offered
    response = client.post(
        "/admin/packages/new",
        data=_form(lines=[(types["bed"].id, 1), ("", 1), (types["commode"].id, 2)]),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/packages/")
    assert _packages(app) == [
        (
            "Udskrivning til eget hjem",
            "Til borgere der udskrives",
            True,
            [(types["bed"].id, 1), (types["commode"].id, 2)],
        )
    ]
    page = client.get("/admin/packages/").get_data(as_text=True)
    assert "Udskrivning til eget hjem" in page and "2 × " in page
    assert 'data-testid="package-new"' in page


def test_editing_changes_quantities_and_lines_in_place(app, client, cluster_admin, types):
    package_id = _make_package(app, types)
    page = client.get(f"/admin/packages/{package_id}").get_data(as_text=True)
    assert 'name="lines-1-quantity"' in page and 'name="lines-4-product_type_id"' in page
    response = client.post(
        f"/admin/packages/{package_id}",
        data=_form(
            name="Udskrivning, stor",
            lines=[(types["mattress"].id, 3), (types["commode"].id, 1)],
            active=False,
        ),
    )
    assert response.status_code == 302
    assert _packages(app) == [
        (
            "Udskrivning, stor",
            "Til borgere der udskrives",
            False,
            [(types["mattress"].id, 3), (types["commode"].id, 1)],
        )
    ]
    assert 'data-testid="inactive-badge"' in client.get("/admin/packages/").get_data(as_text=True)


def _cases(types) -> dict:
    bed, mattress = types["bed"].id, types["mattress"].id
    return {
        "no name": _form(name="  ", lines=[(bed, 1)]),
        "name too long": _form(name="x" * 121, lines=[(bed, 1)]),
        "description too long": _form(lines=[(bed, 1)], description="x" * 2001),
        "no lines": _form(lines=[]),
        "only blank lines": _form(lines=[("", 1), ("", 3)]),
        "duplicate type": _form(lines=[(bed, 1), (mattress, 1), (bed, 2)]),
        "consumable": _form(lines=[(types["diapers"].id, 1)]),
        "unknown type": _form(lines=[(999999, 1)]),
        "junk type": _form(lines=[("abc", 1)]),
        "quantity 0": _form(lines=[(bed, 0)]),
        "quantity 21": _form(lines=[(bed, 21)]),
        "quantity missing": _form(lines=[(bed, "")]),
        "quantity junk": _form(lines=[(bed, "en")]),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no name",
        "name too long",
        "description too long",
        "no lines",
        "only blank lines",
        "duplicate type",
        "consumable",
        "unknown type",
        "junk type",
        "quantity 0",
        "quantity 21",
        "quantity missing",
        "quantity junk",
    ],
)
def test_bad_input_is_shown_on_the_form(app, client, cluster_admin, types, case):
    response = client.post("/admin/packages/new", data=_cases(types)[case])
    assert response.status_code == 200, case
    page = response.get_data(as_text=True)
    assert 'class="invalid-feedback' in page or 'data-testid="form-error"' in page, case
    assert _packages(app) == []


def test_a_taken_name_is_refused_whatever_its_case(app, client, cluster_admin, types):
    package_id = _make_package(app, types, name="Udskrivning")
    other_id = _make_package(app, types, name="Genoptræning")
    data = _form(name="UDSKRIVNING", lines=[(types["bed"].id, 1)])
    response = client.post("/admin/packages/new", data=data)
    assert response.status_code == 409
    assert "exists already" in response.get_data(as_text=True)
    response = client.post(f"/admin/packages/{other_id}", data=data)
    assert response.status_code == 409
    # Its own name is not a clash.
    data = _form(name="Udskrivning", lines=[(types["bed"].id, 2)])
    assert client.post(f"/admin/packages/{package_id}", data=data).status_code == 302


def test_an_unknown_package_is_not_found(app, client, cluster_admin):
    assert client.get("/admin/packages/999999").status_code == 404
    assert client.post("/admin/packages/999999", data=_form()).status_code == 404


def test_a_municipal_admin_sees_the_list_but_may_not_change_it(app, client, make, herning, types):
    package_id = _make_package(app, types)
    _login(app, client, make, herning)
    page = client.get("/admin/packages/")
    assert page.status_code == 200
    assert 'data-testid="package-new"' not in page.get_data(as_text=True)
    assert 'data-testid="package-edit"' not in page.get_data(as_text=True)
    assert client.get("/admin/packages/new").status_code == 403
    data = _form(name="Ny", lines=[(types["bed"].id, 1)])
    assert client.post("/admin/packages/new", data=data).status_code == 403
    assert client.get(f"/admin/packages/{package_id}").status_code == 403
    assert client.post(f"/admin/packages/{package_id}", data=data).status_code == 403
    assert [p[0] for p in _packages(app)] == ["Udskrivning"]


@pytest.mark.parametrize("role", ["therapist", "depot_staff", "procurement", "coordinator"])
def test_other_roles_are_refused(app, client, make, region, types, role):
    package_id = _make_package(app, types)
    _login(app, client, make, region, role=role)
    assert client.get("/admin/packages/").status_code == 403
    assert client.get("/admin/packages/new").status_code == 403
    assert client.post(f"/admin/packages/{package_id}", data=_form()).status_code == 403


def test_the_services_refuse_bad_packages(app_ctx, types):
    bed = types["bed"].id
    with pytest.raises(Invalid):
        services.save_package(package=None, name="A", description=None, active=True, lines=[])
    with pytest.raises(Invalid):
        services.save_package(
            package=None, name="A", description=None, active=True, lines=[(bed, 1), (bed, 1)]
        )
    with pytest.raises(Invalid):
        services.save_package(
            package=None,
            name="A",
            description=None,
            active=True,
            lines=[(types["diapers"].id, 1)],
        )
    with pytest.raises(Invalid):
        services.save_package(
            package=None, name="A", description=None, active=True, lines=[(bed, 21)]
        )
    services.save_package(package=None, name="A", description=None, active=True, lines=[(bed, 1)])
    with pytest.raises(Duplicate):
        services.save_package(
            package=None, name=" a ", description=None, active=True, lines=[(bed, 1)]
        )


def test_deactivating_a_package(app_ctx, types):
    package = services.save_package(
        package=None, name="A", description=None, active=True, lines=[(types["bed"].id, 1)]
    )
    assert services.deactivate_package(package_id=package.id).active is False
    with pytest.raises(Invalid):
        services.deactivate_package(package_id=999999)
