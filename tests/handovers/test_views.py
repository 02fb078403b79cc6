"""Handover pages: the whole path (write, send, inbox, unread, read, acknowledge), the
admission notice, the inbox search, the citizen page, access logs and tenant isolation."""

from datetime import datetime, time

from flask_login import login_user
from sqlalchemy import select

from depot.auth.models import User
from depot.extensions import db
from depot.handovers import queries
from depot.handovers.models import Handover
from depot.handovers.views import inject_unread_handovers
from tests.handovers import test_views_support as support
from tests.handovers.test_views_support import (
    access_log,
    as_user,
    clear_log,
    discharge_draft,
    find_by_cpr,
    form_data,
    handover_of,
    in_use,
    need,
    save,
    sent_discharge,
    today,
    version_of,
)

world = support.world
nurse = support.nurse

CPR = "120345-1234"


def _unread(world, user) -> int:
    with world.app.test_request_context():
        login_user(db.session.get(User, user.id))
        return inject_unread_handovers()["handover_unread"]


def _row(html: str, handover_id: int) -> str:
    return html.split(f'data-testid="handover-row" data-id="{handover_id}"', 1)[1].split("</tr>")[0]


def test_write_send_receive_read_and_acknowledge(world, app, client, nurse):
    find_by_cpr(client, CPR)
    page = client.get(f"/citizens/{world.citizen.id}").get_data(as_text=True)
    assert 'data-testid="new-discharge-handover"' in page
    assert 'data-testid="new-admission-notice"' not in page  # the region writes discharges

    url = f"/handovers/new?citizen={world.citizen.id}&kind=discharge"
    confirm = client.get(url).get_data(as_text=True)
    assert "Grethe Hansen" in confirm and "Herning Kommune" in confirm
    response = client.post(url)
    assert response.status_code == 302
    handover_id = int(response.headers["Location"].rstrip("/").split("/")[-2])
    assert response.headers["Location"].endswith(f"/handovers/{handover_id}/edit")

    form = client.get(f"/handovers/{handover_id}/edit").get_data(as_text=True)
    assert 'value="Nina Sygeplejerske"' in form  # the contact therapist is filled in
    assert form.count('data-testid="device-row" data-section="needed"') == 2
    assert form.count('data-testid="device-row" data-section="in_use"') == 1
    assert form.count('data-testid="contact-row"') == 2

    data = form_data(
        version_of(world, handover_id),
        devices=[
            need(world.hoist, max_user_weight_kg=95, needed_date=today().isoformat()),
            need(world.chair, duration_days=42, seat_width_cm=45),
        ],
        contacts=[
            {"name": "Peter Hansen", "relation": "Søn", "phone": "22 33 44 55", "has_key": True}
        ],
    )
    response = save(client, handover_id, data, send=True)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/handovers/{handover_id}")
    saved = handover_of(world, handover_id)
    assert (saved.status, saved.sender_id, saved.receiver_id) == (
        "sent",
        world.region.id,
        world.herning.id,
    )
    assert [d.delivered_by for d in saved.devices_needed] == ["municipality", "region"]
    sent_box = client.get("/handovers/?box=sent").get_data(as_text=True)
    assert f'data-id="{handover_id}"' in sent_box and "Herning Kommune" in sent_box

    # The municipality's inbox: unread, in bold, counted.
    municipal = app.test_client()
    therapist = as_user(world, municipal, "therapist", world.herning)
    assert _unread(world, therapist) == 1
    with app.app_context():
        assert queries.unread_handover_count(db.session.get(User, therapist.id)) == 1
    inbox = municipal.get("/handovers/").get_data(as_text=True)
    assert 'data-testid="unread-count"' in inbox
    row = _row(inbox, handover_id)
    assert "Grethe Hansen" in row and "Region Midtjylland" in row and 'data-testid="unread"' in row
    assert 'class="fw-bold"' in row.split(">")[0]

    page = municipal.get(f"/handovers/{handover_id}").get_data(as_text=True)
    for text in (
        CPR,
        "Skolegade 3",
        "Ortopædkirurgi",
        "78 43 00 00",
        "Peter Hansen",
        "22 33 44 55",
    ):
        assert text in page
    assert "User weight (kg): 95" in page and "Seat width (cm): 45" in page
    assert 'data-testid="acknowledge"' in page
    assert handover_of(world, handover_id).read_at is not None
    assert _unread(world, therapist) == 0
    assert 'data-testid="unread"' not in _row(
        municipal.get("/handovers/").get_data(as_text=True), handover_id
    )

    response = municipal.post(f"/handovers/{handover_id}/acknowledge")
    assert response.status_code == 302
    acknowledged = handover_of(world, handover_id)
    assert (acknowledged.status, acknowledged.acknowledged_by_id) == ("acknowledged", therapist.id)
    page = client.get(f"/handovers/{handover_id}").get_data(as_text=True)
    assert 'data-testid="acknowledged"' in page  # the hospital sees it
    assert handover_of(world, handover_id).read_at == acknowledged.read_at  # the sender reads


def test_unread_count_is_zero_for_other_roles_and_organisations(world, app, client):
    sent_discharge(world)
    draft_id = discharge_draft(world)
    herning_staff = world.make.user(organisation=world.herning, role="depot_staff")
    holstebro = world.make.user(organisation=world.holstebro, role="therapist")
    region = world.make.user(organisation=world.region, role="therapist")
    herning = world.make.user(organisation=world.herning, role="therapist")
    assert _unread(world, herning_staff) == 0
    assert _unread(world, holstebro) == 0
    assert _unread(world, region) == 0  # the sender's own handovers are not unread
    assert _unread(world, herning) == 1  # the draft does not count
    assert handover_of(world, draft_id).status == "draft"


def test_an_admission_notice_goes_from_the_municipality_to_the_region(world, app, client):
    therapist = as_user(world, client, "therapist", world.herning)
    page = client.get(f"/citizens/{world.citizen.id}").get_data(as_text=True)
    assert 'data-testid="new-admission-notice"' in page
    assert 'data-testid="new-discharge-handover"' not in page
    response = client.post(f"/handovers/new?citizen={world.citizen.id}&kind=admission")
    handover_id = int(response.headers["Location"].split("/")[-2])
    data = form_data(
        version_of(world, handover_id),
        devices=[in_use(world.rollator, note="Rollator i stuen")],
        department="",
        discharge_date="",
        discharge_time="",
    )
    assert save(client, handover_id, data, send=True).status_code == 302
    saved = handover_of(world, handover_id)
    assert (saved.kind, saved.status, saved.receiver_id) == ("admission", "sent", world.region.id)
    assert saved.created_by_id == therapist.id
    region = app.test_client()
    as_user(world, region, "therapist", world.region)
    inbox = region.get("/handovers/").get_data(as_text=True)
    assert "Admission notice" in _row(inbox, handover_id)
    assert "Rollator i stuen" in region.get(f"/handovers/{handover_id}").get_data(as_text=True)


def test_boxes_keep_inbox_sent_and_drafts_apart(world, client):
    sent_id = sent_discharge(world)
    draft_id = discharge_draft(world)
    as_user(world, client, "therapist", world.region)
    boxes = {
        box: client.get(f"/handovers/?box={box}").get_data(as_text=True)
        for box in ("inbox", "sent", "drafts")
    }
    assert 'data-testid="handover-row"' not in boxes["inbox"]
    assert f'data-id="{sent_id}"' in boxes["sent"] and f'data-id="{draft_id}"' not in boxes["sent"]
    assert (
        f'data-id="{draft_id}"' in boxes["drafts"] and f'data-id="{sent_id}"' not in boxes["drafts"]
    )
    junk = client.get("/handovers/?box=%00junk&page=-3")
    assert junk.status_code == 200  # read as the inbox


def test_the_inbox_logs_a_row_per_citizen_listed(world, client):
    first = sent_discharge(world)
    second = sent_discharge(world)
    therapist = as_user(world, client, "therapist", world.herning)
    clear_log(world)
    html = client.get("/handovers/").get_data(as_text=True)
    assert f'data-id="{first}"' in html and f'data-id="{second}"' in html
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.user_id) == (
        "handover_list",
        world.citizen.id,
        therapist.id,
    )
    assert entry.criterion == "handovers: inbox"


def test_search_by_name_and_by_cpr_in_the_post_body(world, client):
    grethe = sent_discharge(world)
    other_citizen = world.make.citizen(municipality=world.herning, name="Karl Jensen")
    karl = sent_discharge(world, citizen=other_citizen)
    as_user(world, client, "therapist", world.herning)
    clear_log(world)

    html = client.post("/handovers/", data={"q": "grETHe"}).get_data(as_text=True)
    assert f'data-id="{grethe}"' in html and f'data-id="{karl}"' not in html
    search, listed = access_log(world)
    assert (search.action, search.criterion, search.citizen_id) == (
        "search",
        "handover: name grETHe",
        None,
    )
    assert (listed.action, listed.citizen_id) == ("handover_list", world.citizen.id)

    clear_log(world)
    response = client.post("/handovers/?box=inbox", data={"q": "1203451234"})
    html = response.get_data(as_text=True)
    assert f'data-id="{grethe}"' in html and f'data-id="{karl}"' not in html
    search, _listed = access_log(world)
    assert (search.action, search.criterion, search.citizen_id) == (
        "search",
        "handover: cpr",
        world.citizen.id,
    )
    assert CPR not in response.request.url
    for entry in access_log(world):
        assert "120345" not in (entry.criterion or "")

    clear_log(world)
    html = client.post("/handovers/", data={"q": "150385-2468"}).get_data(as_text=True)
    assert 'data-testid="no-results"' in html
    (entry,) = access_log(world)
    assert (entry.action, entry.criterion, entry.citizen_id) == ("search", "handover: cpr", None)

    clear_log(world)
    html = client.post("/handovers/", data={"q": "020260-4321"}).get_data(as_text=True)  # Bo
    assert 'data-testid="handover-row"' not in html
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id) == ("search_denied", world.other.id)


def test_bad_searches_are_form_errors(world, client):
    as_user(world, client, "therapist", world.herning)
    clear_log(world)
    for q in ("", "a", "Grethe 12", "320199-1234", "x" * 500, "\x00\x00"):
        response = client.post("/handovers/", data={"q": q})
        assert response.status_code == 200, q
        assert 'data-testid="error-q"' in response.get_data(as_text=True), q
    assert [e.action for e in access_log(world)] == []


def test_the_citizen_page_lists_the_handovers_the_user_may_see(world, app, client):
    sent_id = sent_discharge(world)
    draft_id = discharge_draft(world)
    as_user(world, client, "therapist", world.herning)
    html = client.get(f"/citizens/{world.citizen.id}").get_data(as_text=True)
    assert f'data-testid="citizen-handover" data-id="{sent_id}"' in html
    assert f'data-id="{draft_id}"' not in html  # the region's draft is not Herning's to see
    region = app.test_client()
    as_user(world, region, "therapist", world.region)
    html = region.get(f"/citizens/{world.citizen.id}").get_data(as_text=True)
    assert f'data-id="{sent_id}"' in html and f'data-id="{draft_id}"' in html
    staff = app.test_client()
    as_user(world, staff, "depot_staff", world.herning)
    html = staff.get(f"/citizens/{world.citizen.id}").get_data(as_text=True)
    assert 'data-testid="citizen-handovers"' not in html and "handover-actions" not in html


def test_other_tenants_get_404_and_the_denial_is_logged(world, app, client):
    sent_id = sent_discharge(world)
    draft_id = discharge_draft(world)
    other = as_user(world, client, "therapist", world.holstebro)
    clear_log(world)
    for url in (
        f"/handovers/{sent_id}",
        f"/handovers/{sent_id}/edit",
        f"/handovers/{sent_id}/discharge",
        f"/handovers/{draft_id}",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/handovers/{sent_id}/acknowledge",
        f"/handovers/{draft_id}/send",
        f"/handovers/{draft_id}/delete",
    ):
        assert client.post(url).status_code == 404, url
    entries = access_log(world)
    assert {(e.action, e.citizen_id, e.user_id) for e in entries} == {
        ("view_denied", world.citizen.id, other.id)
    }
    assert len(entries) == 7
    html = client.get("/handovers/").get_data(as_text=True)
    assert 'data-testid="handover-row"' not in html
    # The receiver does not see the sender's drafts.
    as_user(world, client, "therapist", world.herning)
    assert client.get(f"/handovers/{draft_id}").status_code == 404
    assert client.get(f"/handovers/{draft_id}/edit").status_code == 404
    assert client.get("/handovers/99999999").status_code == 404


def test_other_roles_get_403(world, client):
    sent_id = sent_discharge(world)
    for role in ("depot_staff", "coordinator", "procurement", "admin"):
        as_user(world, client, role, world.herning)
        assert client.get("/handovers/").status_code == 403, role
        assert client.get(f"/handovers/{sent_id}").status_code == 403, role
        assert client.post(f"/handovers/{sent_id}/acknowledge").status_code == 403, role


def test_who_may_start_which_kind(world, client):
    url = "/handovers/new?citizen={}&kind={}"
    as_user(world, client, "therapist", world.herning)
    assert client.get(url.format(world.citizen.id, "discharge")).status_code == 403
    assert client.post(url.format(world.citizen.id, "discharge")).status_code == 403
    assert client.get(url.format(world.citizen.id, "admission")).status_code == 200
    assert client.get(url.format(world.other.id, "admission")).status_code == 404  # Holstebro's
    for junk in (
        "kind=discharge",
        f"citizen={world.citizen.id}&kind=junk",
        "citizen=abc&kind=admission",
        "citizen=99999999999&kind=admission",
        "citizen=-1&kind=admission",
    ):
        assert client.get(f"/handovers/new?{junk}").status_code == 404, junk
    as_user(world, client, "therapist", world.region)
    # The region has not found Grethe by CPR in this session: 404, not a hint that she exists.
    assert client.get(url.format(world.citizen.id, "discharge")).status_code == 404
    find_by_cpr(client, CPR)
    assert client.get(url.format(world.citizen.id, "discharge")).status_code == 200
    assert client.get(url.format(world.citizen.id, "admission")).status_code == 403
    with world.app.app_context():
        assert db.session.scalar(select(Handover.id)) is None


def test_the_confirm_page_lists_the_loans_and_an_existing_draft(world, client, nurse):
    draft_id = discharge_draft(world)
    find_by_cpr(client, CPR)
    clear_log(world)
    html = client.get(f"/handovers/new?citizen={world.citizen.id}&kind=discharge").get_data(
        as_text=True
    )
    assert 'data-testid="no-prefill"' in html
    assert f"/handovers/{draft_id}/edit" in html
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.criterion) == (
        "view",
        world.citizen.id,
        "new handover",
    )
    client.post(f"/handovers/new?citizen={world.citizen.id}&kind=discharge")
    assert [e.action for e in access_log(world)][-1] == "handover_create"


def test_a_draft_can_be_deleted_by_its_sender_only(world, app, client, nurse):
    draft_id = discharge_draft(world)
    sent_id = sent_discharge(world)
    other = app.test_client()
    as_user(world, other, "therapist", world.herning)
    assert other.post(f"/handovers/{sent_id}/delete").status_code == 403
    assert client.post(f"/handovers/{sent_id}/delete").status_code == 409
    response = client.post(f"/handovers/{draft_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/handovers/?box=drafts"
    )
    assert handover_of(world, draft_id) is None
    assert handover_of(world, sent_id) is not None
    assert access_log(world)[-1].criterion == f"handover {draft_id} draft deleted"


def test_dates_are_typed_and_shown_in_local_time(world, client, nurse):
    draft_id = discharge_draft(world)
    day = today()
    data = form_data(
        version_of(world, draft_id),
        devices=[need(world.hoist)],
        admitted_date=day.isoformat(),
        admitted_time="08:15",
        discharge_date=day.isoformat(),
        discharge_time="16:45",
    )
    assert save(client, draft_id, data).status_code == 302
    saved = handover_of(world, draft_id)
    from zoneinfo import ZoneInfo

    local = ZoneInfo("Europe/Copenhagen")
    expected = (
        datetime.combine(day, time(8, 15), local).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    )
    assert saved.admitted_at == expected
    html = client.get(f"/handovers/{draft_id}/edit").get_data(as_text=True)
    assert 'value="08:15"' in html and 'value="16:45"' in html
    page = client.get(f"/handovers/{draft_id}").get_data(as_text=True)
    assert f"{day:%d-%m-%Y} 16:45" in page
