from sqlalchemy import select

from depot.extensions import db
from depot.organisations.models import Depot, Organisation


def test_cluster_admin_creates_and_edits_an_organisation(app, client, login_as, region):
    login_as("admin", region)
    response = client.post(
        "/admin/organisations/new",
        data={
            "name": "Skive Kommune",
            "kind": "municipality",
            "town": "Skive",
            "population": "45000",
            "latitude": "56.567",
            "longitude": "9.027",
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        skive = db.session.scalar(select(Organisation).where(Organisation.name == "Skive Kommune"))
        assert skive.population == 45000 and skive.kind == "municipality"
    response = client.post(
        f"/admin/organisations/{skive.id}/edit",
        data={
            "name": "Skive Kommune",
            "kind": "municipality",
            "population": "46000",
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert "46.000" in client.get("/admin/organisations").get_data(as_text=True)


def test_municipal_admin_edits_only_its_own_organisation(client, login_as, herning, holstebro):
    login_as("admin", herning)
    page = client.get("/admin/organisations").get_data(as_text=True)
    assert f"/admin/organisations/{herning.id}/edit" in page
    assert f"/admin/organisations/{holstebro.id}/edit" not in page
    assert client.get(f"/admin/organisations/{holstebro.id}/edit").status_code == 403
    # Its kind cannot be changed to region by a municipal admin.
    response = client.post(
        f"/admin/organisations/{herning.id}/edit",
        data={"name": "Herning Kommune", "kind": "region"},
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(
        as_text=True
    ) or "gyldigt" in response.get_data(as_text=True)


def test_organisation_form_bad_input(client, login_as, region, herning):
    login_as("admin", region)
    cases = [
        {"name": "", "kind": "municipality"},
        {"name": "x" * 121, "kind": "municipality"},
        {"name": "Ny", "kind": "county"},
        {"name": "Ny", "kind": "municipality", "population": "-5"},
        {"name": "Ny", "kind": "municipality", "population": "mange"},
        {"name": "Ny", "kind": "municipality", "latitude": "91"},
        {"name": "herning kommune", "kind": "municipality"},  # duplicate, any case
    ]
    for data in cases:
        response = client.post("/admin/organisations/new", data=data)
        assert response.status_code == 200, data
        assert "invalid-feedback" in response.get_data(as_text=True), data
    for name in ["<script>alert(1)</script>", "'; DROP TABLE organisation;--", "Æble Ø Å 轮椅"]:
        assert (
            client.post(
                "/admin/organisations/new", data={"name": name, "kind": "municipality"}
            ).status_code
            == 302
        )
    page = client.get("/admin/organisations").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Æble Ø Å 轮椅" in page


def shared_depot_data(**overrides):
    data = {
        "name": "Fælles depot Gødstrup",
        "address": "Hospitalsparken 15",
        "postcode": "7400",
        "town": "Herning",
        "latitude": "56.166",
        "longitude": "8.886",
        "capacity_m3": "2500",
        "opening_hours": "Alle dage 7-22",
        "owner_id": "0",
        "active": "y",
    }
    data.update(overrides)
    return data


def test_cluster_admin_creates_a_shared_depot_with_shares(
    app, client, login_as, region, herning, holstebro
):
    login_as("admin", region)
    data = shared_depot_data(
        **{
            "shares-0-organisation_id": str(region.id),
            "shares-0-percent": "40",
            "shares-1-organisation_id": str(herning.id),
            "shares-1-percent": "35.5",
            "shares-2-organisation_id": str(holstebro.id),
            "shares-2-percent": "24.5",
        }
    )
    response = client.post("/admin/depots/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        depot = db.session.scalar(select(Depot).where(Depot.name == "Fælles depot Gødstrup"))
        assert depot.is_shared
        assert sorted(s.percent for s in depot.shares) == [24.5, 35.5, 40.0]
    page = client.get(f"/admin/depots/{depot.id}").get_data(as_text=True)
    assert "35,50" in page
    # Editing replaces the shares.
    data.update({"shares-2-organisation_id": "0", "shares-2-percent": "", "shares-1-percent": "60"})
    assert client.post(f"/admin/depots/{depot.id}/edit", data=data).status_code == 302
    with app.app_context():
        depot = db.session.get(Depot, depot.id)
        assert sorted(s.percent for s in depot.shares) == [40.0, 60.0]


def test_depot_shares_must_add_up(client, login_as, region, herning):
    login_as("admin", region)
    for shares in [
        {},  # a shared depot without shares
        {"shares-0-organisation_id": str(region.id), "shares-0-percent": "50"},
        {
            "shares-0-organisation_id": str(region.id),
            "shares-0-percent": "50",
            "shares-1-organisation_id": str(region.id),
            "shares-1-percent": "50",
        },
        {"shares-0-organisation_id": "999999", "shares-0-percent": "100"},
    ]:
        response = client.post("/admin/depots/new", data=shared_depot_data(**shares))
        assert response.status_code == 200, shares
        assert "alert-danger" in response.get_data(
            as_text=True
        ) or "invalid-feedback" in response.get_data(as_text=True)


def test_municipal_admin_manages_own_depots_only(app, client, make, login_as, herning, holstebro):
    own = make.depot(owner=herning)
    other = make.depot(owner=holstebro)
    shared = make.depot(owner=None, shares=[(herning, 50), (holstebro, 50)])
    login_as("admin", herning)
    assert client.get(f"/admin/depots/{own.id}/edit").status_code == 200
    assert client.get(f"/admin/depots/{other.id}/edit").status_code == 403
    assert client.get(f"/admin/depots/{shared.id}/edit").status_code == 403
    # A new depot is owned by the admin's organisation; shared or foreign owners are refused.
    bad = client.post("/admin/depots/new", data=shared_depot_data(name="Nyt depot"))
    assert bad.status_code == 200
    bad = client.post(
        "/admin/depots/new", data=shared_depot_data(name="Nyt depot", owner_id=str(holstebro.id))
    )
    assert bad.status_code == 200
    ok = client.post(
        "/admin/depots/new", data=shared_depot_data(name="Nyt depot", owner_id=str(herning.id))
    )
    assert ok.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(Depot).where(Depot.name == "Nyt depot")).owner_id == herning.id
        )


def test_depot_form_bad_input(client, login_as, region, herning):
    login_as("admin", region)
    for overrides in [
        {"name": ""},
        {"address": ""},
        {"postcode": "12345"},
        {"postcode": "abcd"},
        {"capacity_m3": "-1"},
        {"latitude": "nord"},
        {"opening_hours": "x" * 501},
        {"owner_id": "abc"},
        {"name": "y" * 121},
    ]:
        data = shared_depot_data(
            owner_id=str(herning.id), **{k: v for k, v in overrides.items() if k != "owner_id"}
        )
        if "owner_id" in overrides:
            data["owner_id"] = overrides["owner_id"]
        response = client.post("/admin/depots/new", data=data)
        assert response.status_code == 200, overrides
        assert "invalid-feedback" in response.get_data(as_text=True), overrides


def test_unknown_ids_are_404(client, login_as, region):
    login_as("admin", region)
    assert client.get("/admin/depots/987654").status_code == 404
    assert client.get("/admin/organisations/987654/edit").status_code == 404
    assert client.get("/admin/users/987654").status_code == 404
