"""The administrator finds a citizen's access log by CPR number, posted, never in a URL."""

from sqlalchemy import select

from depot.citizens.models import AccessLogEntry
from depot.extensions import db

CPR = "010203-4321"


def test_admin_gets_own_citizens_log_by_cpr(app, client, make, login_as, herning):
    citizen = make.citizen(municipality=herning, cpr=CPR)
    login_as("admin", herning)
    with client.get("/citizens/access-log") as page:
        assert page.status_code == 200
        assert CPR not in page.get_data(as_text=True)
    response = client.post("/citizens/access-log", data={"cpr": "0102034321"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/citizens/{citizen.id}/access-log.csv")
    assert CPR not in response.headers["Location"]
    with client.get(response.headers["Location"]) as csv:
        assert csv.status_code == 200
        assert "cpr, access log" in csv.get_data(as_text=True)


def test_other_municipalitys_citizen_is_not_found_and_the_attempt_logged(
    app, client, make, login_as, herning, holstebro
):
    citizen = make.citizen(municipality=holstebro, cpr=CPR)
    login_as("admin", herning)
    with client.post("/citizens/access-log", data={"cpr": CPR}) as page:
        assert page.status_code == 200
        assert "Karla" not in page.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalars(select(AccessLogEntry)).all()[-1]
        assert (entry.action, entry.citizen_id) == ("search_denied", citizen.id)
        assert CPR not in (entry.criterion or "")


def test_cluster_admin_reaches_every_municipality(app, client, make, login_as, region, holstebro):
    citizen = make.citizen(municipality=holstebro, cpr=CPR)
    login_as("admin", region)
    response = client.post("/citizens/access-log", data={"cpr": CPR})
    assert response.headers["Location"].endswith(f"/citizens/{citizen.id}/access-log.csv")


def test_bad_cpr_input_is_answered_on_the_form(client, login_as, herning):
    login_as("admin", herning)
    for bad in ("", "310299-1234", "12345", "x" * 500, "３１０１９９-１２３４"):
        with client.post("/citizens/access-log", data={"cpr": bad}) as page:
            assert page.status_code == 200
            assert "is-invalid" in page.get_data(as_text=True)


def test_other_roles_are_refused(client, login_as, herning):
    login_as("therapist", herning)
    assert client.post("/citizens/access-log", data={"cpr": CPR}).status_code == 403


def test_a_hospital_therapist_who_found_a_patient_may_look_but_not_change(
    app, client, make, login_as, region, herning
):
    citizen = make.citizen(municipality=herning, cpr=CPR)
    login_as("therapist", region)
    with client.post("/citizens/", data={"q": CPR}) as found:
        assert found.status_code == 200
    with client.get(f"/citizens/{citizen.id}") as page:
        assert page.status_code == 200
        assert 'data-testid="citizen-edit"' not in page.get_data(as_text=True)
    assert client.get(f"/citizens/{citizen.id}/edit").status_code == 404
