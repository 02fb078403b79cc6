"""The per-citizen extract of the access log (CSV for Excel), for the municipality's admins."""

import csv
import io
from datetime import datetime

import pytest

from tests.citizens.conftest import CPR, access_log
from tests.conftest import log_in


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_admin_of_the_municipality_exports_the_citizens_log(world, client, as_user, make):
    therapist = as_user("therapist", world.herning)
    client.post("/citizens/", data={"q": CPR})
    client.post("/citizens/", data={"q": "Anna"})  # a name search: no citizen id
    client.get(f"/citizens/{world.anna_id}")
    admin = as_user("admin", world.herning)
    response = client.get(f"/citizens/{world.anna_id}/access-log.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="access-log-citizen-{world.anna_id}.csv"'
    header, *rows = read_csv(response)
    assert header == ["Time (UTC)", "User email", "User name", "Action", "Criterion"]
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        (therapist.email, therapist.name, "search", "cpr"),
        (therapist.email, therapist.name, "view", ""),
        (admin.email, admin.name, "export", "access log"),
    ]
    for row in rows:
        at = datetime.fromisoformat(row[0])
        assert at.utcoffset().total_seconds() == 0
    assert CPR not in response.get_data(as_text=True)
    assert access_log(world)[-1].action == "export"


def test_a_cluster_admin_exports_any_citizens_log(world, client, as_user):
    as_user("admin", world.region)
    response = client.get(f"/citizens/{world.bo_id}/access-log.csv")
    assert response.status_code == 200
    _header, *rows = read_csv(response)
    assert [r[3] for r in rows] == ["export"]


def test_admin_of_another_municipality_gets_404_and_is_logged(world, client, as_user):
    admin = as_user("admin", world.holstebro)
    assert client.get(f"/citizens/{world.anna_id}/access-log.csv").status_code == 404
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.user_id) == (
        "export_denied",
        world.anna_id,
        admin.id,
    )
    assert client.get("/citizens/999999/access-log.csv").status_code == 404


@pytest.mark.parametrize("role", ["therapist", "depot_staff", "procurement", "coordinator"])
def test_only_admins_export(world, client, as_user, role):
    as_user(role, world.herning)
    assert client.get(f"/citizens/{world.anna_id}/access-log.csv").status_code == 403
    assert access_log(world) == []


def test_formulas_in_names_are_neutralised(world, client, as_user, make):
    user = make.user(organisation=world.herning, role="therapist", name="=cmd|' /C calc'!A0")
    log_in(client, user.email)
    client.get(f"/citizens/{world.anna_id}")
    as_user("admin", world.herning)
    _header, *rows = read_csv(client.get(f"/citizens/{world.anna_id}/access-log.csv"))
    assert rows[0][2] == "'=cmd|' /C calc'!A0"
