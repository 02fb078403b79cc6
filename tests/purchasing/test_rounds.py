"""Purchase rounds end to end through the pages: create, edit demand, run the job, the result,
accept into purchase orders; conflicts, bad input, tenancy, and the RQ path."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from depot.extensions import db
from depot.purchasing import jobs, services
from depot.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRound,
    PurchaseRoundDemand,
)
from depot.web.i18n import local_today
from procurement.optimizer.parse import parse_purchase


@pytest.fixture(autouse=True)
def _english(app):
    """Assert on the English source strings."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def world(app, make, herning, holstebro, region):
    """Two municipalities with a depot each, a shared depot, one product on one contract:
    list price 100 from 1 unit, 80 from 10; the supplier's order cost is 500."""
    shared = make.depot(name="Fælles depot Gødstrup")
    herning_depot = make.depot(owner=herning, name="Herning depot")
    holstebro_depot = make.depot(owner=holstebro, name="Holstebro depot")
    supplier = make.supplier(name="Senge A/S", order_cost=Decimal("500"))
    product = make.product(name="Plejeseng Basis", supplier=supplier)
    contract = make.contract(
        supplier=supplier, products=[product], breaks=((1, "100.00"), (10, "80.00"))
    )
    return {
        "shared": shared,
        "herning_depot": herning_depot,
        "holstebro_depot": holstebro_depot,
        "supplier": supplier,
        "product": product,
        "contract": contract,
        "herning": herning,
        "holstebro": holstebro,
        "region": region,
    }


def _create(client, world, **overrides):
    data = {
        "title": "Senge 2027",
        "participants": [world["herning"].id, world["holstebro"].id],
        "contracts": [world["contract"].id],
        "horizon_months": "12",
        "delivery": "shared",
        "delivery_depot": str(world["shared"].id),
        "time_limit_seconds": "30",
        "with_shapley": "y",
    }
    data.update(overrides)
    return client.post("/procurement/rounds/new", data=data)


def _round(app) -> PurchaseRound:
    with app.app_context():
        purchase_round = db.session.scalars(select(PurchaseRound)).one()
        db.session.expunge(purchase_round)
        return purchase_round


def _lines(app, round_id) -> dict[int, PurchaseRoundDemand]:
    with app.app_context():
        rows = db.session.scalars(
            select(PurchaseRoundDemand).where(PurchaseRoundDemand.round_id == round_id)
        ).all()
        return {row.organisation_id: row.id for row in rows}


def _set_demand(client, app, world, round_id, herning=6, holstebro=5, then=None):
    lines = _lines(app, round_id)
    data = {
        f"q-{lines[world['herning'].id]}": str(herning),
        f"q-{lines[world['holstebro'].id]}": str(holstebro),
    }
    if then:
        data["then"] = then
    return client.post(f"/procurement/rounds/{round_id}/demand", data=data)


def _solve(client, app, world):
    assert _create(client, world).status_code == 302
    round_id = _round(app).id
    response = _set_demand(client, app, world, round_id, then="run")
    assert response.status_code == 302
    jobs.wait_for_local_jobs(timeout=60)
    return round_id


def test_a_whole_round_shows_the_saving_and_the_splits(app, client, login_as, world):
    login_as("procurement", world["region"])
    response = _create(client, world)
    assert response.status_code == 302
    purchase_round = _round(app)
    assert response.headers["Location"].endswith(f"/procurement/rounds/{purchase_round.id}/demand")
    assert purchase_round.status == "draft"
    # No loan history: the forecast is 0 for both participants; the page lets us edit it.
    page = client.get(f"/procurement/rounds/{purchase_round.id}/demand?all=1")
    assert page.status_code == 200 and "Plejeseng Basis" in page.get_data(as_text=True)

    assert _set_demand(client, app, world, purchase_round.id, then="run").status_code == 302
    jobs.wait_for_local_jobs(timeout=60)
    purchase_round = _round(app)
    assert purchase_round.status == "solved", purchase_round.error
    plan = json.loads(purchase_round.result)
    # Together: 11 units reach the 10-unit break: 11 × 80 + 500 = 1,380.
    # Alone: Herning 6 × 100 + 500 = 1,100; Holstebro 5 × 100 + 500 = 1,000.
    assert plan["total_cost"] == 1380
    assert plan["standalone_cost"] == {
        str(world["herning"].id): 1100,
        str(world["holstebro"].id): 1000,
    }
    assert plan["saving"] == 720
    # Shapley of two: ½·alone + ½·(joint − the other alone).
    assert plan["shapley"] == {str(world["herning"].id): 740, str(world["holstebro"].id): 640}
    assert plan["in_core"] is True

    page = client.get(f"/procurement/rounds/{purchase_round.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="round-result"' in html
    assert "720.00" in html and "34.3" in html  # 720 / 2,100 = 34.3 %
    assert "740" in html and "640" in html
    assert html.count('data-testid="split-row"') == 2
    title = html[html.index("<title>") : html.index("</title>")]
    assert "Senge 2027" in title and "<script" not in title
    assert 'data-testid="verdict"' in html and "Buying together saves" in html
    assert "from 10 units" in html  # the break the joint order reaches


def test_accepting_drafts_one_order_per_supplier_with_a_line_per_participant(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    round_id = _solve(client, app, world)
    response = client.post(f"/procurement/rounds/{round_id}/accept")
    assert response.status_code == 302
    with app.app_context():
        orders = db.session.scalars(select(PurchaseOrder)).all()
        assert len(orders) == 1
        order = orders[0]
        assert order.status == "draft" and order.round_id == round_id
        assert order.supplier_id == world["supplier"].id
        lines = db.session.scalars(
            select(PurchaseOrderLine).order_by(PurchaseOrderLine.quantity)
        ).all()
        assert [(line.organisation_id, line.quantity) for line in lines] == [
            (world["holstebro"].id, 5),
            (world["herning"].id, 6),
        ]
        assert {line.unit_price for line in lines} == {Decimal("80.00")}
        assert {line.depot_id for line in lines} == {world["shared"].id}
        assert db.session.get(PurchaseRound, round_id).status == "accepted"
    # A second accept (a double click) is a conflict, and drafts nothing more.
    again = client.post(f"/procurement/rounds/{round_id}/accept")
    assert again.status_code == 409
    with app.app_context():
        assert len(db.session.scalars(select(PurchaseOrder)).all()) == 1
    # The accepted round can't be changed or run again.
    assert client.post(f"/procurement/rounds/{round_id}/run").status_code == 409
    lines = _lines(app, round_id)
    changed = client.post(
        f"/procurement/rounds/{round_id}/demand", data={f"q-{lines[world['herning'].id]}": "9"}
    )
    assert changed.status_code == 409


def test_delivery_to_each_depot_puts_each_participants_units_in_its_own_depot(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    assert _create(client, world, delivery="each", delivery_depot="").status_code == 302
    round_id = _round(app).id
    _set_demand(client, app, world, round_id, then="run")
    jobs.wait_for_local_jobs(timeout=60)
    assert client.post(f"/procurement/rounds/{round_id}/accept").status_code == 302
    with app.app_context():
        depots = {
            line.organisation_id: line.depot_id
            for line in db.session.scalars(select(PurchaseOrderLine))
        }
    assert depots == {
        world["herning"].id: world["herning_depot"].id,
        world["holstebro"].id: world["holstebro_depot"].id,
    }


def test_budgets_are_saved_and_an_overrun_is_shown(app, client, login_as, world):
    login_as("procurement", world["region"])
    assert _create(client, world).status_code == 302
    round_id = _round(app).id
    bad = client.post(
        f"/procurement/rounds/{round_id}/participants",
        data={f"budget-{world['herning'].id}": "mange penge"},
    )
    assert bad.status_code == 400
    assert "Enter an amount" in bad.get_data(as_text=True)
    for junk in ("1e9", "NaN", "-5", "12,345", "9" * 30):
        response = client.post(
            f"/procurement/rounds/{round_id}/participants",
            data={f"budget-{world['herning'].id}": junk},
        )
        assert response.status_code == 400, junk
    thousands = client.post(
        f"/procurement/rounds/{round_id}/participants",
        data={f"budget-{world['herning'].id}": "150.000"},
    )
    assert thousands.status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(PurchaseRound)).one().participants
        assert {p.organisation_id: p.budget for p in stored}[world["herning"].id] == Decimal(150000)
    ok = client.post(
        f"/procurement/rounds/{round_id}/participants",
        data={
            f"budget-{world['herning'].id}": "500,00",
            f"depot-{world['holstebro'].id}": str(world["holstebro_depot"].id),
        },
    )
    assert ok.status_code == 302
    _set_demand(client, app, world, round_id, then="run")
    jobs.wait_for_local_jobs(timeout=60)
    html = client.get(f"/procurement/rounds/{round_id}").get_data(as_text=True)
    # Herning's Shapley share is 740 against a budget of 500.
    assert 'data-testid="over-budget"' in html
    assert html.count('data-testid="over-budget"') == 1
    # Accepting an over-budget plan takes a deliberate tick.
    refused = client.post(f"/procurement/rounds/{round_id}/accept")
    assert refused.status_code == 400
    assert "Over budget: Herning Kommune" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(PurchaseOrder)).first() is None
    ticked = client.post(f"/procurement/rounds/{round_id}/accept", data={"over_budget_ok": "y"})
    assert ticked.status_code == 302


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "10000001", "99999999999999999999", " "])
def test_bad_quantities_save_nothing(app, client, login_as, world, value):
    login_as("procurement", world["region"])
    _create(client, world)
    round_id = _round(app).id
    lines = _lines(app, round_id)
    response = client.post(
        f"/procurement/rounds/{round_id}/demand",
        data={f"q-{lines[world['herning'].id]}": "4", f"q-{lines[world['holstebro'].id]}": value},
    )
    assert response.status_code == 400
    assert 'data-testid="error-summary"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PurchaseRoundDemand, lines[world["herning"].id]).quantity == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "Give the round a title."),
        ({"participants": []}, "Choose at least one participant."),
        ({"contracts": []}, "Choose at least one contract."),
        ({"contracts": ["999999"]}, "Not a valid choice"),
        ({"participants": ["x"]}, "Choose at least one participant."),
        ({"horizon_months": "0"}, "from 1 to 24"),
        ({"horizon_months": "x"}, "Not a valid integer"),
        ({"time_limit_seconds": "99999999999"}, "from 5 to 3600"),
        ({"delivery": "drone"}, "Not a valid choice"),
        ({"delivery_depot": ""}, "Choose the depot the shared delivery goes to."),
        ({"needed_by": "2020-01-01"}, "after today"),
        ({"iso_prefix": "abc"}, "ISO code"),
    ],
)
def test_bad_round_forms_are_refused_with_a_message(
    app, client, login_as, world, overrides, message
):
    login_as("procurement", world["region"])
    response = _create(client, world, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(PurchaseRound)).first() is None


def test_a_municipality_runs_rounds_for_itself_only(app, client, login_as, world):
    # A round reads every participant's loan history and stock: joint rounds are the region's.
    login_as("procurement", world["herning"])
    form = client.get("/procurement/rounds/new").get_data(as_text=True)
    assert "Holstebro Kommune" not in form
    for participants in ([world["holstebro"].id], [world["herning"].id, world["holstebro"].id]):
        response = _create(client, world, participants=participants)
        assert response.status_code == 400
        assert "Not a valid choice" in response.get_data(as_text=True)
    alone = _create(client, world, participants=[world["herning"].id])
    assert alone.status_code == 302
    # Nor can it deliver into another municipality's depot.
    other = _create(
        client,
        world,
        participants=[world["herning"].id],
        delivery_depot=world["holstebro_depot"].id,
    )
    assert other.status_code == 400


def test_run_refuses_without_demand_and_without_a_usable_offer(app, client, login_as, world):
    login_as("procurement", world["region"])
    _create(client, world)
    round_id = _round(app).id
    empty = client.post(f"/procurement/rounds/{round_id}/run")
    assert empty.status_code == 400
    assert "There is no demand" in empty.get_data(as_text=True)
    # A delivery date closer than the contract's lead time (14 days) leaves no offer.
    with app.app_context():
        purchase_round = db.session.get(PurchaseRound, round_id)
        purchase_round.needed_by = local_today() + timedelta(days=3)
        db.session.commit()
    _set_demand(client, app, world, round_id)
    late = client.post(f"/procurement/rounds/{round_id}/run")
    assert late.status_code == 400
    assert "Plejeseng Basis" in late.get_data(as_text=True)
    assert _round(app).status == "draft"


def test_a_second_run_while_one_is_queued_is_a_conflict(app, client, login_as, world):
    login_as("procurement", world["region"])
    _create(client, world)
    round_id = _round(app).id
    _set_demand(client, app, world, round_id)
    with app.app_context():
        purchase_round = db.session.get(PurchaseRound, round_id)
        services.request_run(purchase_round=purchase_round, user=None, today=local_today())
        db.session.commit()
    response = client.post(f"/procurement/rounds/{round_id}/run")
    assert response.status_code == 409
    status = client.get(f"/procurement/rounds/{round_id}/status").get_json()
    assert status["status"] == "queued" and status["finished"] is False
    assert status["stale"] is False and status["time_limit_seconds"] == 30
    page = client.get(f"/procurement/rounds/{round_id}").get_data(as_text=True)
    assert 'data-testid="round-progress"' in page and "purchasing.js" in page
    # Cancelling is possible while queued; the job, if it comes, leaves it alone.
    assert client.post(f"/procurement/rounds/{round_id}/cancel").status_code == 302
    with app.app_context():
        jobs.run_round(round_id)
    assert _round(app).status == "cancelled"


def test_editing_the_demand_after_solving_returns_the_round_to_draft(app, client, login_as, world):
    login_as("procurement", world["region"])
    round_id = _solve(client, app, world)
    assert _round(app).status == "solved"
    assert _set_demand(client, app, world, round_id, herning=7).status_code == 302
    purchase_round = _round(app)
    assert purchase_round.status == "draft" and purchase_round.result is None


def test_the_instance_download_follows_the_command_line_contract(app, client, login_as, world):
    login_as("procurement", world["region"])
    _create(client, world)
    round_id = _round(app).id
    _set_demand(client, app, world, round_id)
    response = client.get(f"/procurement/rounds/{round_id}/instance.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    instance = parse_purchase(data)
    assert {d.quantity for d in instance.demand} == {5, 6}
    assert data["suppliers"] == [{"id": world["supplier"].id, "order_cost": 500.0}]
    assert data["offers"][0]["price_breaks"] == [
        {"min_qty": 1, "unit_price": 100.0},
        {"min_qty": 10, "unit_price": 80.0},
    ]


def test_tenancy_participants_look_the_runner_changes_others_get_404(
    app, client, login_as, world, make
):
    login_as("procurement", world["region"])
    round_id = _solve(client, app, world)
    client.post("/logout")
    # Holstebro takes part: it may look, not change.
    login_as("procurement", world["holstebro"])
    assert client.get(f"/procurement/rounds/{round_id}").status_code == 200
    assert client.post(f"/procurement/rounds/{round_id}/accept").status_code == 403
    assert client.post(f"/procurement/rounds/{round_id}/run").status_code == 403
    client.post("/logout")
    # Struer does not: the round doesn't exist for it.
    struer = make.organisation(name="Struer Kommune")
    login_as("procurement", struer)
    for url in ("", "/demand", "/status", "/instance.json"):
        assert client.get(f"/procurement/rounds/{round_id}{url}").status_code == 404, url
    listing = client.get("/procurement/rounds/").get_data(as_text=True)
    assert "Senge 2027" not in listing
    client.post("/logout")
    # The region's procurement officers see and run every round.
    login_as("procurement", world["region"])
    assert "Senge 2027" in client.get("/procurement/rounds/").get_data(as_text=True)
    assert client.post(f"/procurement/rounds/{round_id}/accept").status_code == 302
    client.post("/logout")
    login_as("therapist", world["herning"])
    assert client.get(f"/procurement/rounds/{round_id}").status_code == 403


def test_the_rq_path_queues_the_job_and_a_worker_solves_it(app, client, login_as, world):
    import redis
    from rq import Queue, SimpleWorker

    queue_name = f"procurement-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL="redis://127.0.0.1:6379/15", PURCHASE_QUEUE=queue_name)
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    login_as("procurement", world["region"])
    _create(client, world)
    round_id = _round(app).id
    assert _set_demand(client, app, world, round_id, then="run").status_code == 302
    queue = Queue(queue_name, connection=connection)
    try:
        assert queue.count == 1
        assert _round(app).status == "queued"
        with app.app_context():
            SimpleWorker([queue], connection=connection).work(burst=True)
        purchase_round = _round(app)
        assert purchase_round.status == "solved", purchase_round.error
        assert json.loads(purchase_round.result)["total_cost"] == 1380
    finally:
        queue.delete(delete_jobs=True)


def test_an_unreachable_redis_falls_back_to_solving_in_process(app, client, login_as, world):
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0")
    login_as("procurement", world["region"])
    round_id = _solve(client, app, world)
    assert _round(app).status == "solved"
    assert round_id


def test_an_infeasible_or_crashed_job_is_reported_not_raised(
    app, client, login_as, world, monkeypatch
):
    login_as("procurement", world["region"])
    _create(client, world)
    round_id = _round(app).id
    _set_demand(client, app, world, round_id)

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "plan_purchase", explode)
    client.post(f"/procurement/rounds/{round_id}/run")
    jobs.wait_for_local_jobs(timeout=60)
    purchase_round = _round(app)
    assert purchase_round.status == "failed" and purchase_round.error == "crashed"
    page = client.get(f"/procurement/rounds/{round_id}").get_data(as_text=True)
    assert 'data-testid="round-failure"' in page and "boom" not in page
    # It can be run again.
    monkeypatch.undo()
    assert client.post(f"/procurement/rounds/{round_id}/run").status_code == 302
    jobs.wait_for_local_jobs(timeout=60)
    assert _round(app).status == "solved"


def test_accept_is_refused_when_a_contract_price_changed_since_the_solve(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    round_id = _solve(client, app, world)
    with app.app_context():
        from depot.catalogue.models import PriceBreak

        cheap = db.session.scalars(select(PriceBreak).where(PriceBreak.min_qty == 10)).one()
        cheap.unit_price = Decimal("75.00")
        db.session.commit()
    response = client.post(f"/procurement/rounds/{round_id}/accept")
    assert response.status_code == 409
    assert "Run the optimizer again" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(PurchaseOrder)).first() is None
        assert db.session.get(PurchaseRound, round_id).status == "solved"


def test_a_contract_line_removed_after_the_solve_does_not_break_the_page(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    round_id = _solve(client, app, world)
    with app.app_context():
        from depot.catalogue.models import ContractLine

        db.session.delete(db.session.scalars(select(ContractLine)).one())
        db.session.commit()
    page = client.get(f"/procurement/rounds/{round_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="removed-lines"' in html and "Plejeseng Basis" in html
    assert client.post(f"/procurement/rounds/{round_id}/accept").status_code == 409


def test_junk_field_names_are_ignored_and_a_refused_run_keeps_the_edits(
    app, client, login_as, world
):
    login_as("procurement", world["region"])
    _create(client, world)
    round_id = _round(app).id
    lines = _lines(app, round_id)
    junk = client.post(
        f"/procurement/rounds/{round_id}/demand",
        data={f"q-{lines[world['herning'].id]}": "abc", "q-²": "1", "q-99999999999": "2"},
    )
    assert junk.status_code == 400
    with app.app_context():
        purchase_round = db.session.get(PurchaseRound, round_id)
        purchase_round.needed_by = local_today() + timedelta(days=3)  # no offer in time
        db.session.commit()
    refused = _set_demand(client, app, world, round_id, herning=4, holstebro=0, then="run")
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(PurchaseRoundDemand, lines[world["herning"].id]).quantity == 4
    assert _round(app).status == "draft"


def test_a_cancelled_round_stops_its_running_job(app, login_as, world, make):
    with app.app_context():
        purchase_round = services.create_round(
            title="Stoppes",
            organisation_id=world["region"].id,
            participant_ids=[world["herning"].id, world["holstebro"].id],
            contract_ids=[world["contract"].id],
            horizon_months=12,
            needed_by=None,
            delivery="shared",
            delivery_depot_id=world["shared"].id,
            time_limit_seconds=30,
            with_shapley=True,
            user=None,
            today=local_today(),
        )
        services.save_demand(
            purchase_round=purchase_round,
            quantities={line.id: 3 for line in purchase_round.demand_lines},
        )
        services.request_run(purchase_round=purchase_round, user=None, today=local_today())
        db.session.commit()
        round_id = purchase_round.id

        real = jobs.plan_purchase

        def cancel_then_solve(instance, **kwargs):
            # Someone cancels while the job solves; its next progress report stops it.
            db.session.execute(
                update(PurchaseRound).where(PurchaseRound.id == round_id).values(status="cancelled")
            )
            db.session.commit()
            return real(instance, **kwargs)

        jobs.plan_purchase = cancel_then_solve
        try:
            jobs.run_round(round_id)
        finally:
            jobs.plan_purchase = real
        stored = db.session.get(PurchaseRound, round_id)
        db.session.refresh(stored)
        assert stored.status == "cancelled" and stored.result is None
