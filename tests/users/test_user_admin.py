from sqlalchemy import select

from depot.auth.models import User
from depot.extensions import db
from tests.conftest import log_in


def new_user_data(**overrides):
    data = {
        "name": "Karen Jensen",
        "email": "karen@herning.dk",
        "role": "therapist",
        "password": "long-password-1",
        "confirm": "long-password-1",
        "active": "y",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_user_who_can_log_in(app, client, login_as, herning):
    login_as("admin", herning)
    response = client.post("/admin/users/new", data=new_user_data(organisation_id=str(herning.id)))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "karen@herning.dk"))
        assert user.role == "therapist" and user.organisation_id == herning.id
    other = app.test_client()
    assert log_in(other, "karen@herning.dk", "long-password-1").status_code == 302


def test_municipal_admin_cannot_place_users_in_another_organisation(
    client, login_as, herning, holstebro
):
    login_as("admin", herning)
    response = client.post(
        "/admin/users/new", data=new_user_data(organisation_id=str(holstebro.id))
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)


def test_user_list_is_tenant_scoped_and_searchable(
    client, make, login_as, herning, holstebro, region
):
    make.user(organisation=herning, name="Hanne Herning")
    make.user(organisation=holstebro, name="Holger Holstebro")
    login_as("admin", herning)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Hanne Herning" in page and "Holger Holstebro" not in page
    page = client.get("/admin/users?q=hanne").get_data(as_text=True)
    assert "Hanne Herning" in page
    page = client.get("/admin/users?q=zzz&role=therapist&page=abc").get_data(as_text=True)
    assert "Hanne Herning" not in page
    assert client.get("/admin/users?organisation_id=xyz&role=king").status_code == 200
    client.post("/logout")
    login_as("admin", region)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Hanne Herning" in page and "Holger Holstebro" in page


def test_edit_deactivate_password_and_unlock(app, client, make, login_as, herning):
    staff = make.user(organisation=herning, role="depot_staff", email="s@herning.dk")
    admin = login_as("admin", herning)
    response = client.post(
        f"/admin/users/{staff.id}",
        data={
            "name": "Søren Stilling",
            "email": "s@herning.dk",
            "role": "depot_staff",
            "organisation_id": str(herning.id),
        },
    )  # active unchecked: deactivated
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, staff.id).active is False
    assert log_in(app.test_client(), "s@herning.dk").status_code == 200
    # A new password (and a mismatch first).
    bad = client.post(
        f"/admin/users/{staff.id}/password",
        data={"password": "new-password-99", "confirm": "other-password-99"},
    )
    assert bad.status_code == 200 and "invalid-feedback" in bad.get_data(as_text=True)
    short = client.post(
        f"/admin/users/{staff.id}/password", data={"password": "short", "confirm": "short"}
    )
    assert short.status_code == 200
    ok = client.post(
        f"/admin/users/{staff.id}/password",
        data={"password": "new-password-99", "confirm": "new-password-99"},
    )
    assert ok.status_code == 302
    # Unlock clears a lock.
    with app.app_context():
        user = db.session.get(User, staff.id)
        user.failed_logins, user.locked_until = 3, user.created_at
        db.session.commit()
    assert client.post(f"/admin/users/{staff.id}/unlock").status_code == 302
    with app.app_context():
        assert db.session.get(User, staff.id).locked_until is None
    # An admin cannot lock themselves out.
    response = client.post(
        f"/admin/users/{admin.id}",
        data={
            "name": admin.name,
            "email": admin.email,
            "role": "therapist",
            "organisation_id": str(herning.id),
            "active": "y",
        },
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, admin.id).role == "admin"


def test_user_form_bad_input(client, make, login_as, herning):
    make.user(organisation=herning, email="taken@herning.dk")
    login_as("admin", herning)
    for overrides in [
        {"name": ""},
        {"email": "not-an-email"},
        {"email": "TAKEN@herning.dk"},
        {"role": "superuser"},
        {"password": "kort", "confirm": "kort"},
        {"name": "n" * 121},
        {"email": "a" * 250 + "@x.dk"},
        {"organisation_id": "abc"},
    ]:
        data = new_user_data(organisation_id=str(herning.id))
        data.update(overrides)
        response = client.post("/admin/users/new", data=data)
        assert response.status_code == 200, overrides
        assert "invalid-feedback" in response.get_data(as_text=True), overrides
    response = client.post(
        "/admin/users/new",
        data=new_user_data(
            organisation_id=str(herning.id), name="<b>Bold</b> '; DROP TABLE user_account;--"
        ),
    )
    assert response.status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page
