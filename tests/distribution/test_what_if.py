"""What if one shared depot held the stock: the comparison on hand-made inputs (no database)."""

from __future__ import annotations

import pytest

from depot.distribution.inputs import Inputs, covered_demand, poisson_quantile
from depot.distribution.what_if import Scenario, compare
from depot.errors import DomainError
from procurement.optimizer.distribute import (
    Depot,
    DepotLine,
    DistributionInstance,
    DistributionPlan,
    Product,
    Transport,
    plan_distribution,
)

H, S, G = 1, 2, 3  # Herning, Holstebro, Gødstrup (the hub)
HORIZON = 4
COSTS = {(H, G): 20.0, (S, G): 50.0, (H, S): 60.0}


def make_inputs(*, rates=None, service=None, stock=None) -> Inputs:
    """Three depots; a wheelchair type (0.5 m³, handling 2) and a consumable (0.01 m³)."""
    rates = (
        {(H, "t1"): 0.5, (S, "t1"): 0.5, (G, "t1"): 0.5, (H, "p9"): 3.0} if rates is None else rates
    )
    service = {(d, "t1"): 2 for d in (H, S, G)} if service is None else service
    stock = {(H, "t1"): 4, (S, "t1"): 7, (G, "t1"): 1, (H, "p9"): 30} if stock is None else stock
    demand = {
        pair: covered_demand(rates.get(pair, 0.0), HORIZON, service.get(pair, 0), 0.95)
        for pair in set(rates) | set(service)
    }
    transport = [
        Transport(from_=a, to=b, cost_per_unit=cost)
        for (x, y), cost in COSTS.items()
        for a, b in ((x, y), (y, x))
    ]
    instance = DistributionInstance(
        depots=(Depot(H, 500.0), Depot(S, 500.0), Depot(G, 2000.0)),
        products=(
            Product("t1", volume=0.5, shortage_penalty=1000.0, handling=2.0),
            Product("p9", volume=0.01, shortage_penalty=10.0),
        ),
        stock=stock,
        demand={pair: n for pair, n in demand.items() if n > 0},
        transport=tuple(transport),
    )
    return Inputs(
        instance=instance,
        labels={"t1": "12 22 03 Manuelle kørestole", "p9": "Ble str. M"},
        depot_names={H: "Herning", S: "Holstebro", G: "Gødstrup"},
        rates=rates,
        service=service,
    )


def by_depot(scenario: Scenario) -> dict[str, tuple[int, int, int]]:
    return {
        line["depot"]: (line["stock_now"], line["stock_needed"], line["shortage"])
        for line in scenario.per_depot
    }


def test_current_depots_without_a_plan():
    current, _shared = compare(
        inputs=make_inputs(), hub_id=G, current_plan=None, horizon_months=HORIZON
    )
    assert current.name == "current"
    assert current.stock_holding_depots == 3
    # Wheelchairs: λ = 0.5 × 4 = 2 per depot → 5 each (more than the package's 2); pads:
    # λ = 12 → 18 at Herning.
    assert current.stock_needed_units == 5 + 5 + 5 + 18
    assert current.stock_needed_m3 == pytest.approx(15 * 0.5 + 18 * 0.01)
    # Herning lacks 1 wheelchair, Gødstrup 4; Holstebro has 7 of 5, Herning 30 pads of 18.
    assert current.shortage_units == 5
    assert current.transport_now == 0
    assert current.transport_horizon == 0
    assert current.total_transport == 0
    assert by_depot(current) == {
        "Herning": (34, 23, 1),
        "Holstebro": (7, 5, 0),
        "Gødstrup": (1, 5, 4),
    }
    assert [line["depot_id"] for line in current.per_depot] == [H, S, G]


def test_current_depots_take_shortages_and_transport_from_the_plan():
    plan = DistributionPlan(
        status="optimal",
        total_cost=1234.5,
        transfers=[],
        shortage_before=5,
        shortage_after=3,
        transport_cost=234.5,
        shortage_cost=1000.0,
        depots=[
            DepotLine(H, 500.0, 0, 0, 0, 1, 1, 0),
            DepotLine(S, 500.0, 0, 0, 2, 0, 0, 0),
            DepotLine(G, 2000.0, 0, 0, 0, 1, 4, 3),
        ],
    )
    current, _shared = compare(
        inputs=make_inputs(), hub_id=G, current_plan=plan, horizon_months=HORIZON
    )
    assert current.shortage_units == 3
    assert current.transport_now == 234.5
    assert current.transport_horizon == 0
    assert current.total_transport == 234.5
    assert {line["depot"]: line["shortage"] for line in current.per_depot} == {
        "Herning": 0,
        "Holstebro": 0,
        "Gødstrup": 3,
    }
    # Stock needed doesn't depend on the plan.
    assert current.stock_needed_units == 33


def test_one_shared_depot_by_hand():
    _current, shared = compare(
        inputs=make_inputs(), hub_id=G, current_plan=None, horizon_months=HORIZON
    )
    assert shared.name == "shared"
    assert shared.stock_holding_depots == 1
    # Wheelchairs pooled: λ = 1.5 × 4 = 6 → 10 at the hub (P(X ≤ 9) = 0.916, P(X ≤ 10) =
    # 0.957), + 2 + 2 at the hand-out points; pads pooled λ = 12 → 18.
    assert shared.stock_needed_units == 10 + 2 + 2 + 18
    assert shared.stock_needed_m3 == pytest.approx(14 * 0.5 + 18 * 0.01)
    # 12 wheelchairs held in all, 14 needed: the hub is 2 short.
    assert shared.shortage_units == 2
    # Now: Herning's 2 wheelchairs beyond its package × 20 × handling 2 = 80, Holstebro's 5 ×
    # 50 × 2 = 500, Herning's 30 pads × 20 = 600.
    assert shared.transport_now == pytest.approx(80 + 500 + 600)
    # Over 4 months: Herning's 2 wheelchairs × 20 × 2 = 80, Holstebro's 2 × 50 × 2 = 200,
    # Herning's 12 pads × 20 = 240; the hub's own demand travels nowhere.
    assert shared.transport_horizon == pytest.approx(80 + 200 + 240)
    assert shared.total_transport == pytest.approx(1180 + 520)
    assert by_depot(shared) == {
        "Herning": (34, 2, 0),
        "Holstebro": (7, 2, 0),
        "Gødstrup": (1, 28, 2),
    }


def test_pooling_needs_fewer_units_than_the_depots_own_quantities():
    inputs = make_inputs(service={})
    current, shared = compare(inputs=inputs, hub_id=G, current_plan=None, horizon_months=HORIZON)
    own = sum(poisson_quantile(0.5 * HORIZON, 0.95) for _ in (H, S, G))
    assert own == 15
    assert poisson_quantile(1.5 * HORIZON, 0.95) == 10
    assert current.stock_needed_units == 15 + 18
    assert shared.stock_needed_units == 10 + 18
    assert shared.stock_needed_units < current.stock_needed_units
    # Many small depots gain more: ten depots of λ = 1 need 10 × 3, one pooled λ = 10 needs 15
    # (P(X ≤ 14) = 0.917, P(X ≤ 15) = 0.951).
    assert 10 * poisson_quantile(1, 0.95) == 30
    assert poisson_quantile(10, 0.95) == 15


def test_a_stricter_service_level_needs_more_everywhere():
    inputs = make_inputs()
    normal = compare(inputs=inputs, hub_id=G, current_plan=None, horizon_months=HORIZON)
    strict = compare(
        inputs=inputs, hub_id=G, current_plan=None, horizon_months=HORIZON, service_level=0.99
    )
    for before, after in zip(normal, strict, strict=True):
        assert after.stock_needed_units > before.stock_needed_units


def test_hand_out_points_keep_their_own_units_and_the_hub_lacks_the_rest():
    inputs = make_inputs(stock={(S, "t1"): 3})
    _current, shared = compare(inputs=inputs, hub_id=G, current_plan=None, horizon_months=6)
    # Wheelchairs: λ = 9 → 14 at the hub + 2 + 2; 3 held, at Holstebro: it keeps 2 and sends
    # 1 to the hub; Herning's package is 2 short. Pads: λ = 18 → 25, none held.
    assert poisson_quantile(9, 0.95) == 14
    assert poisson_quantile(18, 0.95) == 25
    assert shared.shortage_units == (14 + 4 - 3) + 25
    assert {line["depot"]: line["shortage"] for line in shared.per_depot} == {
        "Herning": 2,
        "Holstebro": 0,
        "Gødstrup": 13 + 25,
    }
    assert shared.transport_now == pytest.approx(1 * 50 * 2)


def test_the_hubs_spare_units_top_up_the_packages():
    inputs = make_inputs(stock={(G, "t1"): 11, (H, "t1"): 1})
    _current, shared = compare(inputs=inputs, hub_id=G, current_plan=None, horizon_months=4)
    # The hub needs 10 and holds 11: its 1 spare goes to Herning (which lacks 1 of its 2);
    # Holstebro's package stays 2 short. Pads: 18 short at the hub.
    assert {line["depot"]: line["shortage"] for line in shared.per_depot} == {
        "Herning": 0,
        "Holstebro": 2,
        "Gødstrup": 18,
    }
    assert shared.shortage_units == (14 - 12) + 18
    assert shared.transport_now == pytest.approx(1 * 20 * 2)


def test_another_hub_changes_the_transport():
    inputs = make_inputs()
    _current, at_herning = compare(
        inputs=inputs, hub_id=H, current_plan=None, horizon_months=HORIZON
    )
    # Now: Holstebro's 5 beyond its package × 60 × 2; Gødstrup keeps its 1 (its package lacks
    # 1, and the hub has no spare: it holds 12 - 2 - 1 = 9 of its 10).
    assert at_herning.transport_now == pytest.approx(5 * 60 * 2)
    assert {line["depot"]: line["shortage"] for line in at_herning.per_depot} == {
        "Herning": 1,
        "Holstebro": 0,
        "Gødstrup": 1,
    }
    # Later: Holstebro 2 × 60 × 2, Gødstrup 2 × 20 × 2 (Herning's pads stay at the hub).
    assert at_herning.transport_horizon == pytest.approx(240 + 80)
    assert at_herning.stock_needed_units == 32  # the same pooling wherever the hub is


def test_with_the_optimizer_plan():
    inputs = make_inputs()
    plan = plan_distribution(inputs.instance, time_limit=10)
    assert plan.status == "optimal"
    current, shared = compare(inputs=inputs, hub_id=G, current_plan=plan, horizon_months=HORIZON)
    # Holstebro's 2 spare wheelchairs go to Gødstrup (100 a unit, Herning 120): 5 short
    # before, 3 after.
    assert plan.shortage_before == 5
    assert current.shortage_units == plan.shortage_after == 3
    assert current.transport_now == pytest.approx(plan.transport_cost)
    assert sum(line["shortage"] for line in current.per_depot) == 3
    assert shared.shortage_units == 2


def test_bad_arguments():
    inputs = make_inputs()
    with pytest.raises(DomainError):
        compare(inputs=inputs, hub_id=99, current_plan=None, horizon_months=HORIZON)
    for horizon in (0, -1, 1.5, True):
        with pytest.raises(ValueError):
            compare(inputs=inputs, hub_id=G, current_plan=None, horizon_months=horizon)
    for level in (0, 1):
        with pytest.raises(ValueError):
            compare(
                inputs=inputs,
                hub_id=G,
                current_plan=None,
                horizon_months=HORIZON,
                service_level=level,
            )
