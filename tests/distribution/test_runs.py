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
from procurement.optimizer.distribute import plan_distribution
from procurement.optimizer.parse_distribute import parse_distribution

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
    assert "18 12 10 Type" in html  # the product type in the page's language (English)


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
        ({"shortage_penalty_factor": "x"}, "Enter a number like 0,5."),
        ({"shortage_penalty_factor": "0,005"}, "at most two decimals"),
        ({"horizon_months": "9" * 400}, "Not a valid integer value"),
        ({"time_limit_seconds": "abc"}, "Not a valid integer value"),
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


def test_a_hub_without_coordinates_is_not_offered_and_refused(app, client, login_as, world, make):
    login_as("procurement", world["region"])
    nowhere = make.depot(name="Depot uden placering")
    with app.app_context():
        stored = db.session.merge(nowhere)
        stored.latitude = stored.longitude = None
        db.session.commit()
    form = client.get("/procurement/distribution/new").get_data(as_text=True)
    assert "Depot uden placering" not in form and "Gødstrup fællesdepot" in form
    response = _create(client, world, what_if_hub=str(nowhere.id))
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(DistributionRun)).first() is None


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


def test_a_shared_depot_closed_after_the_run_was_made_fails_the_run_with_its_reason(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    _create(client, world, run_now="")
    run_id = _run(app).id
    with app.app_context():
        db.session.merge(world["godstrup"]).active = False
        db.session.commit()
    assert client.post(f"/procurement/distribution/{run_id}/run").status_code == 302
    jobs.wait_for_local_jobs(timeout=60)
    run = _run(app)
    assert (run.status, run.error) == ("failed", "hub_unplaced")
    html = client.get(f"/procurement/distribution/{run_id}").get_data(as_text=True)
    assert "The shared depot of the comparison is closed" in html


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


def test_the_input_downloads_as_solved_and_solves_to_the_same_plan(
    app, client, login_as, world, make
):
    login_as("procurement", world["region"])
    nowhere = make.depot(name="Depot uden placering")
    with app.app_context():
        stored = db.session.merge(nowhere)
        stored.latitude = stored.longitude = None
        db.session.commit()
    _create(client, world)
    jobs.wait_for_local_jobs(timeout=60)
    run = _run(app)
    plan = json.loads(run.result)["plan"]

    response = client.get(f"/procurement/distribution/{run.id}/instance.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    instance = parse_distribution(response.get_json())
    again = plan_distribution(instance, time_limit=30.0)
    assert again.status == "optimal"
    assert again.total_cost == pytest.approx(plan["total_cost"])
    assert {d.id for d in instance.depots} == {
        world["godstrup"].id,
        world["herning_depot"].id,
        world["holstebro_depot"].id,
    }
    beds = next(p for p in instance.products if p.id.startswith("t"))
    assert (beds.volume, beds.handling) == (1.5, 2.0)

    # The depot without a position is left out, and the page says so.
    html = client.get(f"/procurement/distribution/{run.id}").get_data(as_text=True)
    assert 'data-testid="left-out"' in html and "Depot uden placering" in html
    assert 'data-testid="instance-download"' in html

    # Later stock changes don't change the input as solved.
    extra = make.product(product_type=make.product_type())
    make.items(product=extra, depot=world["godstrup"], owner=world["region"], count=3)
    assert client.get(f"/procurement/distribution/{run.id}/instance.json").get_json() == (
        response.get_json()
    )

    # A plan stored without its input (solved before inputs were kept) has none to give.
    with app.app_context():
        stored = db.session.get(DistributionRun, run.id)
        stored.result = json.dumps(
            {key: value for key, value in json.loads(stored.result).items() if key != "instance"}
        )
        db.session.commit()
    assert client.get(f"/procurement/distribution/{run.id}/instance.json").status_code == 404
    html = client.get(f"/procurement/distribution/{run.id}").get_data(as_text=True)
    assert 'data-testid="instance-download"' not in html


def test_a_draft_run_downloads_the_input_as_it_would_be_now(app, client, login_as, world):
    login_as("procurement", world["region"])
    _create(client, world, run_now="")
    run = _run(app)
    assert run.status == "draft"
    data = client.get(f"/procurement/distribution/{run.id}/instance.json").get_json()
    stock = {(row["depot"], row["product"]): row["quantity"] for row in data["stock"]}
    assert sum(stock.values()) == 6
    assert {row["depot"] for row in data["stock"]} == {world["herning_depot"].id}
    # Two beds per depot from the basic package at least.
    assert all(row["quantity"] >= 2 for row in data["demand"])
    assert len(data["transport"]) == 6
    assert client.get("/procurement/distribution/999999/instance.json").status_code == 404


def test_the_progress_note_reads_as_a_sentence(app, client, login_as, world):
    login_as("procurement", world["region"])
    _create(client, world, run_now="")
    run = _run(app)
    with app.app_context():
        stored = db.session.get(DistributionRun, run.id)
        stored.status, stored.progress, stored.progress_note = "running", 40, "solve 3/12"
        stored.started_at = stored.created_at
        db.session.commit()
    status = client.get(f"/procurement/distribution/{run.id}/status").get_json()
    assert status["step"] == "Optimising (3/12)" and status["progress"] == 40
    html = client.get(f"/procurement/distribution/{run.id}").get_data(as_text=True)
    assert "Optimising (3/12)" in html


def _solved_run(app, client, world, **overrides) -> int:
    before = {r.id for r in _runs(app)}
    _create(client, world, **overrides)
    jobs.wait_for_local_jobs(timeout=60)
    (run,) = [r for r in _runs(app) if r.id not in before]
    assert run.status == "solved", run.error
    return run.id


def _runs(app) -> list[DistributionRun]:
    with app.app_context():
        runs = db.session.scalars(select(DistributionRun)).all()
        for run in runs:
            db.session.expunge(run)
        return runs


def test_a_second_plan_is_refused_while_the_first_ones_orders_are_open(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    first = _solved_run(app, client, world)
    second = _solved_run(app, client, world)
    assert client.post(f"/procurement/distribution/{first}/accept").status_code == 302

    page = client.get(f"/procurement/distribution/{second}").get_data(as_text=True)
    assert 'data-testid="replace-open"' in page
    refused = client.post(f"/procurement/distribution/{second}/accept")
    assert refused.status_code == 409
    assert "would move the same stock twice" in refused.get_data(as_text=True)
    with app.app_context():
        orders = db.session.scalars(select(TransferOrder)).all()
        assert {o.run_id for o in orders} == {first} and len(orders) == 2
        assert db.session.get(DistributionRun, second).status == "solved"

    with app.app_context():
        shown = [f"{o.id}:{o.version_id}" for o in db.session.scalars(select(TransferOrder))]
    assert all(f'name="replace_order" value="{value}"' in page for value in shown)
    url = f"/procurement/distribution/{second}/accept"
    # Only the orders the user saw are cancelled: one missing, or a bad value, is refused.
    partial = client.post(url, data={"replace_open": "y", "replace_order": shown[:1]})
    assert partial.status_code == 409 and "changed meanwhile" in partial.get_data(as_text=True)
    bad = client.post(url, data={"replace_open": "y", "replace_order": ["x:1"]})
    assert bad.status_code == 400
    # With the deliberate tick the earlier run's open orders are cancelled, with the reason.
    replaced = client.post(url, data={"replace_open": "y", "replace_order": shown})
    assert replaced.status_code == 302
    with app.app_context():
        orders = db.session.scalars(select(TransferOrder).order_by(TransferOrder.id)).all()
        assert [(o.run_id, o.status) for o in orders] == [
            (first, "cancelled"),
            (first, "cancelled"),
            (second, "open"),
            (second, "open"),
        ]
        assert f"replaced by distribution run {second}" in orders[0].note
    again = client.post(f"/procurement/distribution/{second}/accept")
    assert again.status_code == 409
    assert "accepted already" in again.get_data(as_text=True)


def test_a_danish_decimal_comma_in_the_penalty_is_read_as_a_decimal(app, client, login_as, world):
    login_as("procurement", world["region"])
    run_id = _solved_run(app, client, world, shortage_penalty_factor="0,5")
    with app.app_context():
        assert db.session.get(DistributionRun, run_id).shortage_penalty_factor == Decimal("0.5")


def test_the_result_separates_devices_from_consumables_and_speaks_the_pages_language(
    app, client, login_as, world, make
):
    login_as("procurement", world["region"])
    run_id = _solved_run(app, client, world)
    beds = f"t{_bed_type(app)}"
    h, s_ = world["herning_depot"].id, world["holstebro_depot"].id
    line = {"demand": 0, "before": 0, "after": 0}
    with app.app_context():
        db.session.get(ProductType, int(beds[1:])).title_en = "Care beds"
        run = db.session.get(DistributionRun, run_id)
        result = json.loads(run.result)
        result["labels"] = {beds: "18 12 10 Plejesenge", "p99": "Handsker"}
        result["plan"]["stock_after"] = [
            {**line, "depot": h, "product": beds, "shortage_before": 3, "shortage_after": 1},
            {**line, "depot": s_, "product": beds, "shortage_before": 2, "shortage_after": 0},
            {
                **line,
                "depot": s_,
                "product": "p99",
                "shortage_before": 7,
                "shortage_after": 7,
            },
        ]
        run.result = json.dumps(result)
        db.session.commit()
    html = client.get(f"/procurement/distribution/{run_id}").get_data(as_text=True)
    assert 'data-testid="shortage">5 → 1<' in html
    assert "Consumables short: 7 → 7 units" in html and "No depot has consumables" in html
    assert 'data-testid="result-explained"' in html and 'data-testid="solved-at"' in html
    # Product types are named in the page's language (English here), consumables as stored.
    assert "18 12 10 Care beds" in html and "Plejesenge" not in html
    assert "Handsker" in html


def _bed_type(app) -> int:
    with app.app_context():
        return db.session.scalars(
            select(ProductType.id).where(ProductType.iso_code == "18 12 10")
        ).one()


def test_a_cancelled_run_keeps_its_plan_to_read_and_a_draft_says_what_comes(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    run_id = _solved_run(app, client, world)
    assert client.post(f"/procurement/distribution/{run_id}/cancel").status_code == 302
    html = client.get(f"/procurement/distribution/{run_id}").get_data(as_text=True)
    assert 'data-testid="run-cancelled"' in html and 'data-testid="run-result"' in html
    assert 'data-testid="accept-run"' not in html
    assert client.post(f"/procurement/distribution/{run_id}/accept").status_code == 409
    _create(client, world, run_now="")
    draft = max(r.id for r in _runs(app))
    html = client.get(f"/procurement/distribution/{draft}").get_data(as_text=True)
    assert 'data-testid="run-draft"' in html
    assert 'href="/procurement/distribution/"' in html  # the way back to the list
