"""Distribution runs through the pages: create, the background job, the result and the what-if
comparison, accept into transfer orders; refusals, bad input and who may do what."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from depot.catalogue.models import ProductType
from depot.distribution import jobs
from depot.distribution.models import DistributionRun, TransferOrder
from depot.extensions import db
from depot.requests.models import BasicPackage, BasicPackageLine

HERNING = (56.139, 8.974)
HOLSTEBRO = (56.360, 8.616)
GODSTRUP = (56.110, 8.883)


@pytest.fixture(autouse=True)
def _english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def _place(app, depot, position):
    with app.app_context():
        stored = db.session.merge(depot)
        stored.latitude, stored.longitude = position
        db.session.commit()


@pytest.fixture
def world(app, make, region, herning, holstebro):
    """Beds: Herning holds 6, Holstebro none; the basic package asks for 2 beds per depot.
    Moving a bed (handling 2) costs about 30 km × 2 kr. × 2 = 120 kr.; a shortage 0.2 × 10,000."""
    godstrup = make.depot(name="Gødstrup fællesdepot")
    herning_depot = make.depot(owner=herning, name="Herning depot")
    holstebro_depot = make.depot(owner=holstebro, name="Holstebro depot")
    for depot, position in (
        (godstrup, GODSTRUP),
        (herning_depot, HERNING),
        (holstebro_depot, HOLSTEBRO),
    ):
        _place(app, depot, position)
    beds = make.product_type(iso_code="18 12 10", title_da="Plejesenge")
    with app.app_context():
        stored = db.session.get(ProductType, beds.id)
        stored.volume_m3, stored.handling_factor = 1.5, 2.0
        package = BasicPackage(name="Udskrivning basis")
        package.lines.append(BasicPackageLine(product_type_id=beds.id, quantity=2))
        db.session.add(package)
        db.session.commit()
        package_id = package.id
    bed = make.product(name="Plejeseng 90", product_type=beds, list_price=Decimal("10000"))
    make.items(product=bed, depot=herning_depot, owner=herning, count=6)
    return {
        "godstrup": godstrup,
        "herning_depot": herning_depot,
        "holstebro_depot": holstebro_depot,
        "package": package_id,
        "region": region,
        "herning": herning,
    }


def _create(client, world, **overrides):
    data = {
        "title": "Fordeling december",
        "horizon_months": "3",
        "cost_per_km": "2,00",
        "shortage_penalty_factor": "0.2",
        "service_package": str(world["package"]),
        "service_sets": "1",
        "what_if_hub": str(world["godstrup"].id),
        "time_limit_seconds": "30",
        "run_now": "y",
    }
    data.update(overrides)
    return client.post("/procurement/distribution/new", data=data)


def _run(app) -> DistributionRun:
    with app.app_context():
        run = db.session.scalars(select(DistributionRun)).one()
        db.session.expunge(run)
        return run


def test_a_run_moves_beds_to_the_depot_without_and_compares_one_shared_depot(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    response = _create(client, world)
    assert response.status_code == 302
    jobs.wait_for_local_jobs(timeout=60)
    run = _run(app)
    assert run.status == "solved", run.error
    result = json.loads(run.result)
    plan = result["plan"]
    # Holstebro and Gødstrup each lack the package's 2 beds; Herning has 4 to spare.
    moved = {(int(t["to"]), t["quantity"]) for t in plan["transfers"]}
    assert moved == {(world["holstebro_depot"].id, 2), (world["godstrup"].id, 2)}
    assert plan["shortage_before"] == 4 and plan["shortage_after"] == 0
    assert all(int(t["from"]) == world["herning_depot"].id for t in plan["transfers"])
    assert result["what_if"]["shared"]["stock_holding_depots"] == 1

    page = client.get(f"/procurement/distribution/{run.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="run-result"' in html and 'data-testid="what-if-table"' in html
    assert html.count('data-testid="flow-row"') == 2
    assert html.count('data-testid="flow-line"') == 2  # the schematic's arrows
    assert "18 12 10 Plejesenge" in html


def test_accepting_creates_one_open_transfer_order_per_pair_and_only_once(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    _create(client, world)
    jobs.wait_for_local_jobs(timeout=60)
    run_id = _run(app).id
    assert client.post(f"/procurement/distribution/{run_id}/accept").status_code == 302
    with app.app_context():
        orders = db.session.scalars(select(TransferOrder).order_by(TransferOrder.id)).all()
        assert {(o.from_depot_id, o.to_depot_id) for o in orders} == {
            (world["herning_depot"].id, world["holstebro_depot"].id),
            (world["herning_depot"].id, world["godstrup"].id),
        }
        assert all(o.status == "open" and o.run_id == run_id for o in orders)
        assert [line.quantity for o in orders for line in o.lines] == [2, 2]
    assert client.post(f"/procurement/distribution/{run_id}/accept").status_code == 409
    assert client.post(f"/procurement/distribution/{run_id}/run").status_code == 409
    with app.app_context():
        assert len(db.session.scalars(select(TransferOrder)).all()) == 2


def test_a_run_where_nothing_pays_proposes_no_transfer(app, client, login_as, world):
    login_as("procurement", world["region"])
    # A shortage costs nothing: no transfer is worth its transport.
    _create(client, world, shortage_penalty_factor="0")
    jobs.wait_for_local_jobs(timeout=60)
    run = _run(app)
    assert run.status == "solved"
    assert json.loads(run.result)["plan"]["transfers"] == []
    html = client.get(f"/procurement/distribution/{run.id}").get_data(as_text=True)
    assert 'data-testid="no-flows"' in html and 'data-testid="accept-run"' not in html
    assert client.post(f"/procurement/distribution/{run.id}/accept").status_code == 400


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "Give the run a title."),
        ({"horizon_months": "0"}, "from 1 to 24"),
        ({"cost_per_km": "-1"}, "Enter an amount from 0 to"),
        ({"cost_per_km": "abc"}, "Enter an amount like 1234,50."),
        ({"shortage_penalty_factor": "101"}, "from 0 to 100"),
        ({"shortage_penalty_factor": "x"}, "Not a valid decimal value"),
        ({"service_sets": "51"}, "from 0 to 50"),
        ({"service_package": "999999"}, "Not a valid choice"),
        ({"what_if_hub": "x"}, "is-invalid"),
        ({"time_limit_seconds": "1"}, "from 5 to 3600"),
    ],
)
def test_bad_run_forms_are_refused(app, client, login_as, world, overrides, message):
    login_as("procurement", world["region"])
    response = _create(client, world, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(DistributionRun)).first() is None


def test_a_hub_without_coordinates_is_refused(app, client, login_as, world, make):
    login_as("procurement", world["region"])
    nowhere = make.depot(name="Depot uden placering")
    with app.app_context():
        stored = db.session.merge(nowhere)
        stored.latitude = stored.longitude = None
        db.session.commit()
    response = _create(client, world, what_if_hub=str(nowhere.id))
    assert response.status_code == 400
    assert "have coordinates" in response.get_data(as_text=True)


def test_only_the_region_runs_and_everyone_with_a_depot_role_looks(
    app, client, login_as, world, make
):
    login_as("procurement", world["region"])
    _create(client, world)
    jobs.wait_for_local_jobs(timeout=60)
    run_id = _run(app).id
    client.post("/logout")
    login_as("procurement", world["herning"])
    assert client.get(f"/procurement/distribution/{run_id}").status_code == 200
    assert client.get("/procurement/distribution/new").status_code == 403
    assert client.post(f"/procurement/distribution/{run_id}/accept").status_code == 403
    client.post("/logout")
    login_as("depot_staff", world["herning"])
    assert client.get(f"/procurement/distribution/{run_id}").status_code == 200
    assert client.post(f"/procurement/distribution/{run_id}/cancel").status_code == 403
    client.post("/logout")
    login_as("therapist", world["herning"])
    assert client.get(f"/procurement/distribution/{run_id}").status_code == 403
    client.post("/logout")
    login_as("admin", world["region"])  # a cluster admin
    assert client.post(f"/procurement/distribution/{run_id}/cancel").status_code == 302
    assert _run(app).status == "cancelled"


def test_the_status_json_and_a_crashed_job(app, client, login_as, world, monkeypatch):
    login_as("procurement", world["region"])

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "plan_distribution", explode)
    _create(client, world)
    jobs.wait_for_local_jobs(timeout=60)
    run = _run(app)
    assert run.status == "failed" and run.error == "crashed"
    status = client.get(f"/procurement/distribution/{run.id}/status").get_json()
    assert status["status"] == "failed" and status["finished"] is True
    html = client.get(f"/procurement/distribution/{run.id}").get_data(as_text=True)
    assert 'data-testid="run-failure"' in html and "boom" not in html
    monkeypatch.undo()
    assert client.post(f"/procurement/distribution/{run.id}/run").status_code == 302
    jobs.wait_for_local_jobs(timeout=60)
    assert _run(app).status == "solved"
