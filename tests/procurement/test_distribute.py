"""The distribution optimizer against hand-solved instances, brute force and the full model."""

import itertools
import json
import random
import subprocess
import sys

import highspy
import numpy as np
import pytest

from procurement.optimizer import (
    InstanceError,
    parse_distribution,
    plan_distribution,
    plan_to_dict,
)
from procurement.optimizer.__main__ import main
from procurement.optimizer.distribute import Transfer


def data(depots, products, stock=(), demand=(), transport=()):
    """An instance in its JSON form from short tuples."""
    return {
        "depots": [{"id": d, "capacity": c} for d, c in depots],
        "products": [
            {"id": p, "volume": v, "shortage_penalty": pen, **({"handling": h[0]} if h else {})}
            for p, v, pen, *h in products
        ],
        "stock": [{"depot": d, "product": p, "quantity": q} for d, p, q in stock],
        "demand": [{"depot": d, "product": p, "quantity": q} for d, p, q in demand],
        "transport": [{"from": a, "to": b, "cost_per_unit": c} for a, b, c in transport],
    }


def plan_of(raw, **options):
    instance = parse_distribution(raw)
    plan = plan_distribution(instance, **options)
    check(raw, plan)
    return plan


def check(raw, plan):
    """The plan keeps the contract's rules, and its figures add up (computed independently)."""
    assert plan.status == "optimal"
    volume = {p["id"]: p["volume"] for p in raw["products"]}
    penalty = {p["id"]: p["shortage_penalty"] for p in raw["products"]}
    handling = {p["id"]: p.get("handling", 1.0) for p in raw["products"]}
    cost = {(t["from"], t["to"]): t["cost_per_unit"] for t in raw["transport"]}
    start = {(s["depot"], s["product"]): s["quantity"] for s in raw["stock"]}
    after = dict(start)
    shipped = {}
    transport = 0.0
    for t in plan.transfers:
        assert isinstance(t.quantity, int) and t.quantity > 0
        assert (t.from_, t.to) in cost, "shipped without a transport entry"
        key = (t.from_, t.product)
        shipped[key] = shipped.get(key, 0) + t.quantity
        after[key] = after.get(key, 0) - t.quantity
        after[t.to, t.product] = after.get((t.to, t.product), 0) + t.quantity
        transport += t.quantity * cost[t.from_, t.to] * handling[t.product]
    for key, units in shipped.items():
        assert units <= start.get(key, 0), "shipped more than the start stock"
    for d in raw["depots"]:
        before = sum(q * volume[p] for (dd, p), q in start.items() if dd == d["id"])
        now = sum(q * volume[p] for (dd, p), q in after.items() if dd == d["id"])
        assert now <= max(d["capacity"], before) + 1e-9, f"depot {d['id']} over its limit"
    demand = {(x["depot"], x["product"]): x["quantity"] for x in raw["demand"]}
    short_before = sum(max(0, q - start.get(k, 0)) for k, q in demand.items())
    short_after = sum(max(0, q - after.get(k, 0)) for k, q in demand.items())
    short_cost = sum(penalty[k[1]] * max(0, q - after.get(k, 0)) for k, q in demand.items())
    assert plan.shortage_before == short_before
    assert plan.shortage_after == short_after
    assert plan.transport_cost == pytest.approx(transport, abs=0.01)
    assert plan.total_cost == pytest.approx(transport + short_cost, abs=0.01)
    assert plan.gap is not None and plan.gap <= 1e-4 + 1e-9
    assert plan.lower_bound <= plan.total_cost + 0.01


def moves(plan):
    return sorted((t.from_, t.to, t.product, t.quantity) for t in plan.transfers)


ROOMY = 1000


def test_a_transfer_that_pays():
    raw = data(
        [("A", ROOMY), ("B", ROOMY)],
        [("P", 1, 100)],
        stock=[("A", "P", 5)],
        demand=[("B", "P", 3)],
        transport=[("A", "B", 10)],
    )
    plan = plan_of(raw)
    assert moves(plan) == [("A", "B", "P", 3)]
    assert plan.total_cost == 30
    assert (plan.shortage_before, plan.shortage_after) == (3, 0)


def test_a_transfer_that_does_not_pay():
    raw = data(
        [("A", ROOMY), ("B", ROOMY)],
        [("P", 1, 5)],
        stock=[("A", "P", 5)],
        demand=[("B", "P", 3)],
        transport=[("A", "B", 10)],
    )
    plan = plan_of(raw)
    assert plan.transfers == []
    assert plan.total_cost == 15
    assert plan.shortage_after == 3


def test_the_handling_factor_multiplies_the_transport_cost():
    base = data(
        [("A", ROOMY), ("B", ROOMY)],
        [("P", 1, 25, 3.0)],
        stock=[("A", "P", 2)],
        demand=[("B", "P", 2)],
        transport=[("A", "B", 10)],
    )
    assert plan_of(base).transfers == []  # 3 × 10 per unit costs more than the penalty 25
    base["products"][0]["handling"] = 2.0
    plan = plan_of(base)
    assert moves(plan) == [("A", "B", "P", 2)]
    assert plan.transport_cost == 40


def test_capacity_binds_at_the_target():
    # B has room 3: P1 takes 2 (saves 100 − 10), P2 takes 1 (saves 60 − 10). Filling the room
    # with two P2 saves only 100, one P1 and one P2 saves 140.
    raw = data(
        [("A", ROOMY), ("B", 3)],
        [("P1", 2, 100), ("P2", 1, 60)],
        stock=[("A", "P1", 5), ("A", "P2", 5)],
        demand=[("B", "P1", 1), ("B", "P2", 2)],
        transport=[("A", "B", 10)],
    )
    plan = plan_of(raw)
    assert moves(plan) == [("A", "B", "P1", 1), ("A", "B", "P2", 1)]
    assert plan.total_cost == 10 + 10 + 60
    [b] = [d for d in plan.depots if d.depot == "B"]
    assert b.volume_after == 3


def test_a_depot_over_capacity_may_stay_over_but_not_grow():
    # A holds 8 m³ in room for 5 and lacks Y. It cannot ship X anywhere: it stays as it is.
    raw = data(
        [("A", 5), ("B", ROOMY)],
        [("X", 1, 0), ("Y", 1, 100)],
        stock=[("A", "X", 8), ("B", "Y", 3)],
        demand=[("A", "Y", 3)],
        transport=[("B", "A", 10)],
    )
    plan = plan_of(raw)
    assert plan.transfers == []
    assert plan.total_cost == 300
    # Once it can send X to B, it swaps 3 X for 3 Y and keeps its 8 m³ (not down to 5).
    raw["transport"].append({"from": "A", "to": "B", "cost_per_unit": 1})
    plan = plan_of(raw)
    assert moves(plan) == [("A", "B", "X", 3), ("B", "A", "Y", 3)]
    assert plan.total_cost == 3 + 30
    [a] = [d for d in plan.depots if d.depot == "A"]
    assert (a.volume_before, a.volume_after) == (8, 8)


@pytest.mark.parametrize(("penalty_x", "ships_out"), [(2, True), (200, False)])
def test_a_short_depot_ships_out_its_own_stock_to_make_room(penalty_x, ships_out):
    # A is full with X it needs itself and lacks 5 Y. Sending 5 X to B costs 5 + 5 × the X
    # penalty and lets 5 Y in (5): worth it against 5 × 100 unless X is dearer to lack.
    raw = data(
        [("A", 10), ("B", ROOMY)],
        [("X", 1, penalty_x), ("Y", 1, 100)],
        stock=[("A", "X", 10), ("B", "Y", 5)],
        demand=[("A", "X", 10), ("A", "Y", 5)],
        transport=[("A", "B", 1), ("B", "A", 1)],
    )
    plan = plan_of(raw)
    if ships_out:
        assert moves(plan) == [("A", "B", "X", 5), ("B", "A", "Y", 5)]
        assert plan.total_cost == 5 + 5 * penalty_x + 5
    else:
        assert plan.transfers == []
        assert plan.total_cost == 500


def test_no_transport_entry_means_no_transfer():
    raw = data(
        [("A", ROOMY), ("B", ROOMY)],
        [("P", 1, 100)],
        stock=[("A", "P", 5)],
        demand=[("B", "P", 3)],
        transport=[("B", "A", 1)],
    )
    plan = plan_of(raw)
    assert plan.transfers == []
    assert plan.total_cost == 300


def test_non_metric_costs_ship_through_a_depots_own_stock():
    # A → C is dear; B sends its unit on to C and A refills B: 1 + 1 instead of 100.
    raw = data(
        [("A", ROOMY), ("B", ROOMY), ("C", ROOMY)],
        [("P", 1, 1000)],
        stock=[("A", "P", 1), ("B", "P", 1)],
        demand=[("B", "P", 1), ("C", "P", 1)],
        transport=[("A", "C", 100), ("A", "B", 1), ("B", "C", 1)],
    )
    plan = plan_of(raw)
    assert moves(plan) == [("A", "B", "P", 1), ("B", "C", "P", 1)]
    assert plan.total_cost == 2


def test_integer_ids_pass_through_and_the_json_says_from():
    raw = data(
        [(1, ROOMY), (2, ROOMY)],
        [(7, 1, 100)],
        stock=[(1, 7, 2)],
        demand=[(2, 7, 2)],
        transport=[(1, 2, 10)],
    )
    plan = plan_of(raw)
    assert plan.transfers == [Transfer(from_=1, to=2, product=7, quantity=2)]
    out = json.loads(json.dumps(plan_to_dict(plan)))
    assert out["transfers"] == [{"from": 1, "to": 2, "product": 7, "quantity": 2}]
    assert {"status", "total_cost", "shortage_before", "shortage_after"} <= out.keys()
    # Lines where there is demand or the stock changes.
    assert {
        (x["depot"], x["before"], x["after"], x["shortage_after"]) for x in out["stock_after"]
    } == {
        (1, 2, 0, 0),
        (2, 0, 2, 0),
    }


def test_progress_is_reported_to_the_end():
    calls = []
    raw = data([("A", ROOMY)], [("P", 1, 1)], demand=[("A", "P", 1)])
    plan = plan_of(raw, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1]
    assert plan.total_cost == 1


def random_raw(rng, depots, products, *, quantity=2, full=False):
    names = [f"D{d}" for d in range(depots)]
    items = [f"P{p}" for p in range(products)]
    pairs = list(itertools.permutations(names, 2))
    return data(
        [(d, rng.choice([0, 1, 2, 3, 5, 40])) for d in names],
        [
            (p, rng.choice([0, 0.5, 1, 2]), rng.choice([0, 5, 20, 60]), rng.choice([1, 1, 2]))
            for p in items
        ],
        stock=[
            (d, p, rng.randint(1, quantity)) for d in names for p in items if rng.random() < 0.6
        ],
        demand=[
            (d, p, rng.randint(1, quantity)) for d in names for p in items if rng.random() < 0.6
        ],
        transport=[(a, b, rng.randint(1, 30)) for a, b in pairs if full or rng.random() < 0.7],
    )


def brute_force(raw) -> float:
    """The least cost over every vector of whole-unit transfers."""
    volume = {p["id"]: p["volume"] for p in raw["products"]}
    penalty = {p["id"]: p["shortage_penalty"] for p in raw["products"]}
    handling = {p["id"]: p["handling"] for p in raw["products"]}
    stock = {(s["depot"], s["product"]): s["quantity"] for s in raw["stock"]}
    demand = {(x["depot"], x["product"]): x["quantity"] for x in raw["demand"]}
    capacity = {d["id"]: d["capacity"] for d in raw["depots"]}
    depots = list(capacity)
    keys = [(d, p) for d in depots for p in volume]
    index = {k: n for n, k in enumerate(keys)}
    start = np.array([stock.get(k, 0) for k in keys])
    # Every way of splitting each holder's stock over its transport entries.
    choices = []
    for (d, p), held in stock.items():
        out = [t for t in raw["transport"] if t["from"] == d]
        if not out or not held:
            continue
        splits = [s for s in itertools.product(range(held + 1), repeat=len(out)) if sum(s) <= held]
        choices.append([(d, p, out, s) for s in splits])
    best = np.inf
    limit = {
        d: max(capacity[d], sum(start[index[d, p]] * volume[p] for p in volume)) for d in depots
    }
    for combo in itertools.product(*choices):
        after, cost = start.copy(), 0.0
        for d, p, out, split in combo:
            for t, x in zip(out, split, strict=True):
                after[index[d, p]] -= x
                after[index[t["to"], p]] += x
                cost += x * t["cost_per_unit"] * handling[p]
        if any(
            sum(after[index[d, p]] * volume[p] for p in volume) > limit[d] + 1e-9 for d in depots
        ):
            continue
        cost += sum(penalty[k[1]] * max(0, q - after[index[k]]) for k, q in demand.items())
        best = min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(30))
def test_the_milp_matches_brute_force(seed):
    rng = random.Random(seed)
    raw = random_raw(rng, rng.choice([2, 3]), rng.choice([1, 2]))
    expected = brute_force(raw)
    assert plan_of(raw, gap=0).total_cost == pytest.approx(expected, abs=0.01)
    # The pricing path on the same instance (its universe is tiny, so it is forced).
    assert plan_of(raw, gap=0, full_model=False).total_cost == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("seed", range(8))
def test_column_generation_agrees_with_the_full_model(seed):
    rng = random.Random(1000 + seed)
    raw = random_raw(rng, 9, 14, quantity=6, full=True)
    full = plan_of(raw, gap=0, full_model=True)
    priced = plan_of(raw, gap=0, full_model=False)
    assert priced.total_cost == pytest.approx(full.total_cost, abs=0.01)
    assert priced.stats["lp_rounds"] >= 1
    assert priced.stats["universe_arcs"] > priced.stats["initial_arcs"]


@pytest.mark.parametrize("seed", [0, 3])
def test_the_last_stage_reopens_every_arc_within_the_margin(seed, monkeypatch):
    from procurement.optimizer import distribute

    monkeypatch.setattr(distribute, "REOPEN_AT_ONCE", 3)  # the second MILP sees only 3 more
    monkeypatch.setattr(distribute, "ALL_AT_ONCE", 3)
    rng = random.Random(1000 + seed)
    raw = random_raw(rng, 9, 14, quantity=6, full=True)
    priced = plan_of(raw, gap=0, full_model=False)
    assert "stage3_arcs" in priced.stats
    assert priced.total_cost == pytest.approx(plan_of(raw, gap=0).total_cost, abs=0.01)
    # With room for all of them the second MILP takes every arc within the margin at once.
    monkeypatch.setattr(distribute, "ALL_AT_ONCE", 10_000)
    at_once = plan_of(raw, gap=0, full_model=False)
    assert "stage2_arcs" in at_once.stats and "stage3_arcs" not in at_once.stats
    assert at_once.total_cost == pytest.approx(priced.total_cost, abs=0.01)


def milp_cost(raw, start, *, warm, solver_name="highs"):
    """The full MILP's optimum, solved from `start` ("none" or "rounded") or cold."""
    from procurement.optimizer import distribute
    from procurement.optimizer.distribute_lp import Arrays, Relaxation, round_plan
    from procurement.optimizer.solver import solve

    arrays = Arrays(parse_distribution(raw))
    h, j = np.nonzero(arrays.universe)
    model = distribute._build(arrays, h, j)
    if start == "none":  # nothing shipped: always feasible, usually far from the optimum
        plan = (0.0, h[:0], j[:0], np.zeros(0, dtype=np.int64))
    else:
        lp = Relaxation(arrays)
        lp.add(h, j)
        assert lp.solve(float("inf"))
        plan = round_plan(arrays, *lp.solution())
    assert model.start_from(arrays, h, j, plan)
    result = solve(model.prob, time_limit=60, gap=0, solver=solver_name, warm_start=warm)
    assert result.status == "optimal"
    return model.prob.objective.value() + model.constant


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("start", ["none", "rounded"])
def test_a_warm_start_gives_the_same_optimum_as_a_cold_solve(seed, start):
    rng = random.Random(seed)
    raw = random_raw(rng, rng.choice([2, 3]), rng.choice([1, 2]))
    expected = brute_force(raw)
    assert milp_cost(raw, start, warm=True) == pytest.approx(expected, abs=0.01)
    assert milp_cost(raw, start, warm=False) == pytest.approx(expected, abs=0.01)


# solver.py builds CBC through PuLP's deprecated PULP_CBC_CMD (not this module's doing).
@pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")
def test_cbc_takes_the_warm_start_too():
    rng = random.Random(7)
    raw = random_raw(rng, 5, 6, quantity=4, full=True)
    cold = milp_cost(raw, "rounded", warm=False)
    assert milp_cost(raw, "rounded", warm=True, solver_name="cbc") == pytest.approx(cold)
    assert milp_cost(raw, "none", warm=True, solver_name="cbc") == pytest.approx(cold)


def test_the_warm_start_reaches_highs(monkeypatch):
    import highspy

    handed = []
    set_solution = highspy.Highs.setSolution

    def spy(self, *args):
        handed.append(args)
        return set_solution(self, *args)

    monkeypatch.setattr(highspy.Highs, "setSolution", spy)
    rng = random.Random(3)
    raw = random_raw(rng, 3, 2)
    expected = milp_cost(raw, "none", warm=False)
    assert handed == []
    assert milp_cost(raw, "none", warm=True) == pytest.approx(expected)
    [(count, index, value)] = handed
    assert count == len(index) == len(value) > 0
    assert all(v >= 0 and v == round(v) for v in value.tolist())


@pytest.mark.parametrize("full_model", [True, False])
def test_warm_started_milps_give_the_cold_optimum(full_model, monkeypatch):
    from procurement.optimizer import distribute

    warm_starts = []
    solve = distribute.solve

    def spy(prob, **kwargs):
        warm_starts.append(kwargs["warm_start"])
        return solve(prob, **kwargs)

    monkeypatch.setattr(distribute, "solve", spy)
    raws = [
        random_raw(random.Random(1000 + seed), 9, 14, quantity=6, full=True) for seed in range(8)
    ]
    warm = [plan_of(raw, gap=0, full_model=full_model).total_cost for raw in raws]
    assert True in warm_starts  # some instances needed a MILP after the rounding
    monkeypatch.setattr(distribute._Model, "start_from", lambda *args: False)
    warm_starts.clear()
    cold = [plan_of(raw, gap=0, full_model=full_model).total_cost for raw in raws]
    assert warm_starts and True not in warm_starts
    assert warm == pytest.approx(cold, abs=0.01)


def test_progress_moves_through_the_column_generation(monkeypatch):
    from procurement.optimizer import distribute

    monkeypatch.setattr(distribute, "FULL_MODEL_MAX_ARCS", 10)
    rng = random.Random(1003)
    raw = random_raw(rng, 9, 14, quantity=6, full=True)
    calls = []
    plan = plan_of(raw, gap=0, progress=lambda done, steps: calls.append((done, steps)))
    assert plan.stats["lp_rounds"] >= 2  # priced, not the full model
    fractions = [done / steps for done, steps in calls]
    assert all(0 <= done <= steps for done, steps in calls)
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1
    # A step per indexing, LP round and MILP stage, not four coarse ones.
    assert len(set(fractions)) >= 2 + plan.stats["lp_rounds"]


def test_an_exception_in_on_gap_stops_highs_and_comes_out_of_solve():
    from procurement.optimizer import distribute
    from procurement.optimizer.distribute_lp import Arrays
    from procurement.optimizer.solver import solve

    class Stop(Exception):
        pass

    seen = []

    def on_gap(gap, seconds):
        seen.append((gap, seconds))
        raise Stop

    raw = random_raw(random.Random(1000), 9, 14, quantity=6, full=True)
    arrays = Arrays(parse_distribution(raw))
    model = distribute._build(arrays, *np.nonzero(arrays.universe))
    with pytest.raises(Stop):
        solve(model.prob, time_limit=60, gap=0, on_gap=on_gap)
    assert len(seen) == 1
    assert isinstance(seen[0][0], float) and seen[0][1] >= 0
    # HiGHS itself stopped on the interrupt, not at its time limit or optimum.
    status = model.prob.solverModel.getModelStatus()
    assert status == highspy.HighsModelStatus.kInterrupt


# solver.py builds CBC through PuLP's deprecated PULP_CBC_CMD (not this module's doing).
@pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")
def test_cbc_gives_the_same_plan_cost():
    rng = random.Random(7)
    raw = random_raw(rng, 5, 6, quantity=4, full=True)
    highs = plan_of(raw, gap=0)
    assert plan_of(raw, gap=0, solver="cbc").total_cost == pytest.approx(highs.total_cost)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["stock"].append({"depot": "Z", "product": "P", "quantity": 1}), "unknown"),
        (lambda r: r["demand"].append({"depot": "A", "product": "Q", "quantity": 1}), "unknown"),
        (lambda r: r["stock"][0].update(quantity=-1), "at least 0"),
        (lambda r: r["stock"][0].update(quantity=2.5), "whole number"),
        (lambda r: r["stock"].append(dict(r["stock"][0])), "second stock"),
        (lambda r: r["depots"].append({"id": "A", "capacity": 1}), "appears twice"),
        (lambda r: r["depots"][0].update(capacity=-1), "must not be negative"),
        (lambda r: r["products"][0].update(volume=-0.5), "must not be negative"),
        (lambda r: r["products"][0].update(shortage_penalty="high"), "must be a number"),
        (lambda r: r["products"][0].update(handling=-1), "must not be negative"),
        (lambda r: r["transport"][0].update(cost_per_unit=-3), "must not be negative"),
        (lambda r: r["transport"].append({"from": "A", "to": "A", "cost_per_unit": 1}), "itself"),
        (lambda r: r["transport"].append(dict(r["transport"][0])), "second transport"),
        (lambda r: r["transport"][0].pop("to"), "missing field 'to'"),
        (lambda r: r["products"][0].pop("volume"), "missing field 'volume'"),
        (lambda r: r.pop("demand"), "missing field 'demand'"),
        (lambda r: r["depots"][0].update(id=True), "string or an integer"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(change, message):
    raw = data(
        [("A", 10), ("B", 10)],
        [("P", 1, 10)],
        stock=[("A", "P", 2)],
        demand=[("B", "P", 1)],
        transport=[("A", "B", 1)],
    )
    change(raw)
    with pytest.raises(InstanceError, match=message):
        parse_distribution(raw)


GOOD = data(
    [("A", 10), ("B", 10)],
    [("P", 1, 100)],
    stock=[("A", "P", 2)],
    demand=[("B", "P", 2)],
    transport=[("A", "B", 5)],
)


def test_the_command_line_prints_a_plan(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(GOOD))
    assert main(["distribute", str(path), "--time-limit", "30"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["status"] == "optimal"
    assert plan["total_cost"] == 10
    assert plan["transfers"] == [{"from": "A", "to": "B", "product": "P", "quantity": 2}]
    assert (plan["shortage_before"], plan["shortage_after"]) == (2, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps({**GOOD, "stock": [{"depot": "Z", "product": "P", "quantity": 1}]}), "'Z'"),
        (json.dumps({**GOOD, "stock": [{"depot": "A", "product": "P", "quantity": -2}]}), "least"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "transport"}), "'transport'"),
        ('{"depots": [', "not valid JSON"),
        (json.dumps({**GOOD, "transport": [{"from": "A", "to": "A", "cost_per_unit": 1}]}), "self"),
    ],
)
def test_the_command_line_refuses_bad_input(tmp_path, capsys, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert main(["distribute", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert message.replace("self", "itself") in err
    assert "Traceback" not in err


def test_python_dash_m_end_to_end(tmp_path):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(GOOD))
    done = subprocess.run(
        [sys.executable, "-m", "procurement.optimizer", "distribute", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total_cost"] == 10
    path.write_text(json.dumps({**GOOD, "depots": [{"id": "A"}]}))
    done = subprocess.run(
        [sys.executable, "-m", "procurement.optimizer", "distribute", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error:") and "capacity" in done.stderr
    assert "Traceback" not in done.stderr
