"""The purchase optimizer against hand-solved instances and brute force."""

import itertools
import json
import random
import subprocess
import sys

import pytest

from procurement.optimizer import InstanceError, parse_purchase, plan_purchase
from procurement.optimizer.model import Order
from procurement.optimizer.purchase import plan_cost, solve_demand


def instance(offers, demand, suppliers=None, organisations=None):
    suppliers = suppliers or [{"id": "S1", "order_cost": 0}]
    products = sorted({o["product"] for o in offers} | {d["product"] for d in demand})
    organisations = organisations or sorted({d["organisation"] for d in demand})
    return parse_purchase(
        {
            "organisations": [{"id": o} for o in organisations],
            "suppliers": suppliers,
            "products": [{"id": p} for p in products],
            "offers": offers,
            "demand": demand,
        }
    )


def offer(id, product="P", supplier="S1", pack=1, moq=0, breaks=((1, 100),)):
    return {
        "id": id,
        "supplier": supplier,
        "product": product,
        "pack_size": pack,
        "moq": moq,
        "price_breaks": [{"min_qty": m, "unit_price": p} for m, p in breaks],
    }


def need(org, quantity, product="P"):
    return {"organisation": org, "product": product, "quantity": quantity}


def test_a_price_break_makes_buying_more_cheaper():
    # 9 units at 100 = 900; 10 units at 80 = 800: buy 10.
    inst = instance([offer("O", breaks=((1, 100), (10, 80)))], [need("A", 9)])
    plan = plan_purchase(inst)
    assert plan.status == "optimal"
    assert plan.orders == [Order("O", 10, 80.0)]
    assert plan.total_cost == 800
    assert sum(a.quantity for a in plan.allocation) == 10


def test_pack_size_and_moq_are_respected():
    inst = instance([offer("O", pack=6, moq=12, breaks=((1, 10),))], [need("A", 7)])
    plan = plan_purchase(inst)
    assert plan.orders == [Order("O", 12, 10.0)]


def test_a_supplier_order_cost_makes_consolidation_pay():
    # Alone each buys 5 from S2 (no order cost, 100 each) = 500; together 10 units reach S1's
    # break at 60 + 300 order cost = 900 < 1000.
    inst = instance(
        [
            offer("O1", supplier="S1", breaks=((1, 100), (10, 60))),
            offer("O2", supplier="S2", breaks=((1, 100),)),
        ],
        [need("A", 5), need("B", 5)],
        suppliers=[{"id": "S1", "order_cost": 300}, {"id": "S2", "order_cost": 0}],
    )
    plan = plan_purchase(inst)
    assert plan.total_cost == 900
    assert plan.standalone_cost == {"A": 500, "B": 500}
    assert plan.saving == 100
    assert plan.cost_share == {"A": 450, "B": 450}
    assert plan.shapley == {"A": 450, "B": 450}
    assert plan.in_core is True


def test_split_properties_on_an_asymmetric_round():
    inst = instance(
        [
            offer("O1", supplier="S1", breaks=((1, 100), (20, 70))),
            offer("O2", supplier="S2", pack=5, breaks=((5, 90),)),
        ],
        [need("A", 12), need("B", 6), need("C", 3)],
        suppliers=[{"id": "S1", "order_cost": 400}, {"id": "S2", "order_cost": 100}],
    )
    plan = plan_purchase(inst)
    assert sum(plan.shapley.values()) == pytest.approx(plan.total_cost, abs=0.05)
    assert sum(plan.cost_share.values()) == pytest.approx(plan.total_cost, abs=0.05)
    for org, share in plan.cost_share.items():
        assert share <= plan.standalone_cost[org] + 0.01


def test_unknown_ids_and_negative_numbers_are_refused():
    with pytest.raises(InstanceError, match="unknown supplier"):
        instance([offer("O", supplier="nope")], [need("A", 1)])
    with pytest.raises(InstanceError, match="must be at least 0"):
        instance([offer("O")], [need("A", -1)])
    with pytest.raises(InstanceError, match="missing field 'demand'"):
        parse_purchase({"organisations": [], "suppliers": [], "products": [], "offers": []})


def test_a_product_without_offers_is_infeasible():
    inst = instance([offer("O", product="P")], [need("A", 1, product="Q")])
    assert plan_purchase(inst).status == "infeasible"


def _brute_force(inst, demand):
    """Every allowed quantity on every offer up to a cap: the cheapest that covers demand."""
    choices = []
    for o in inst.offers:
        cap = demand.get(o.product, 0) + max(b.min_qty for b in o.price_breaks) + o.pack_size
        choices.append([q for q in range(cap + 1) if o.allows(q)])
    best = None
    for quantities in itertools.product(*choices):
        covered = {}
        for o, q in zip(inst.offers, quantities, strict=True):
            covered[o.product] = covered.get(o.product, 0) + q
        if any(covered.get(p, 0) < q for p, q in demand.items()):
            continue
        orders = [
            Order(o.id, q, o.unit_price(q))
            for o, q in zip(inst.offers, quantities, strict=True)
            if q
        ]
        cost = plan_cost(inst, orders)
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_on_small_random_instances(seed):
    rng = random.Random(seed)
    suppliers = [{"id": f"S{i}", "order_cost": rng.choice([0, 50, 200])} for i in range(2)]
    offers = []
    for n, product in enumerate(["P", "Q"]):
        for s in range(2):
            if rng.random() < 0.8 or s == 0:
                first = rng.choice([1, 2, 4])
                price = rng.randint(20, 60)
                breaks = [(first, price)]
                if rng.random() < 0.7:
                    breaks.append((first + rng.randint(2, 6), price - rng.randint(5, 15)))
                offers.append(
                    offer(
                        f"O{n}{s}",
                        product=product,
                        supplier=f"S{s}",
                        pack=rng.choice([1, 1, 2, 3]),
                        moq=rng.choice([0, 0, 3]),
                        breaks=breaks,
                    )
                )
    demand = [need("A", rng.randint(0, 6), "P"), need("B", rng.randint(1, 6), "Q")]
    inst = instance(offers, demand, suppliers=suppliers)
    totals = inst.demand_of(["A", "B"])
    solution = solve_demand(inst, totals)
    assert solution.status == "optimal"
    assert solution.total_cost == pytest.approx(_brute_force(inst, totals), abs=1e-6)
    offers_by_id = {o.id: o for o in inst.offers}
    for order in solution.orders:
        assert offers_by_id[order.offer].allows(order.quantity)


def test_command_line_prints_a_plan_and_refuses_bad_input(tmp_path):
    good = tmp_path / "round.json"
    good.write_text(
        json.dumps(
            {
                "organisations": [{"id": "A"}],
                "suppliers": [{"id": "S1", "order_cost": 0}],
                "products": [{"id": "P"}],
                "offers": [offer("O")],
                "demand": [need("A", 3)],
            }
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "procurement.optimizer", "purchase", str(good)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["total_cost"] == 300
    assert plan["orders"] == [{"offer": "O", "quantity": 3, "unit_price": 100.0}]
    bad = tmp_path / "bad.json"
    bad.write_text('{"organisations": [{"id": "A"}], "suppliers": [}')
    done = subprocess.run(
        [sys.executable, "-m", "procurement.optimizer", "purchase", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error:")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("seed", range(10))
def test_coalition_costs_by_enumeration_match_the_milp(seed):
    from procurement.optimizer.purchase import cover_cost, offers_by_product

    rng = random.Random(100 + seed)
    suppliers = [{"id": f"S{i}", "order_cost": rng.choice([0, 300, 900])} for i in range(3)]
    offers = [
        offer(
            f"O{p}{s}",
            product=f"P{p}",
            supplier=f"S{s}",
            pack=rng.choice([1, 2, 5]),
            breaks=((1, rng.randint(50, 90)), (rng.randint(5, 15), rng.randint(30, 49))),
        )
        for p in range(6)
        for s in range(3)
        if rng.random() < 0.7 or s == 0
    ]
    demand = [need(org, rng.randint(0, 8), f"P{p}") for org in "ABC" for p in range(6)]
    inst = instance(offers, demand, suppliers=suppliers)
    offers_of = offers_by_product(inst)
    for group in (["A"], ["A", "B"], ["B", "C"], ["A", "B", "C"]):
        totals = inst.demand_of(group)
        cost, status = cover_cost(inst, totals, offers_of=offers_of, cache={})
        assert status == "optimal"
        assert cost == pytest.approx(solve_demand(inst, totals).total_cost, abs=1e-6)


def test_the_standalone_orders_are_each_organisations_own_optimum():
    inst = instance(
        [
            offer("O1", supplier="S1", breaks=((1, 100), (10, 60))),
            offer("O2", supplier="S2", breaks=((1, 100),)),
        ],
        [need("A", 5), need("B", 5)],
        suppliers=[{"id": "S1", "order_cost": 300}, {"id": "S2", "order_cost": 0}],
    )
    plan = plan_purchase(inst)
    assert plan.standalone_orders == {"A": [Order("O2", 5, 100.0)], "B": [Order("O2", 5, 100.0)]}
    assert plan_cost(inst, plan.standalone_orders["A"]) == plan.standalone_cost["A"]


def test_the_shapley_split_is_left_out_when_the_wall_clock_runs_out():
    # Seven participants need 127 solves; a deadline already past stops after the stand-alone
    # optima and says so, but the joint plan and the proportional split are there.
    organisations = [f"M{i}" for i in range(7)]
    inst = instance(
        [offer("O", breaks=((1, 100), (20, 80)))],
        [need(org, 3 + i) for i, org in enumerate(organisations)],
    )
    plan = plan_purchase(inst, time_limit=1e-9)
    assert plan.status == "optimal" and plan.total_cost == 80 * sum(3 + i for i in range(7))
    assert plan.shapley is None and plan.in_core is None
    assert "Shapley" in plan.message
    assert sum(plan.cost_share.values()) == pytest.approx(plan.total_cost, abs=0.05)
