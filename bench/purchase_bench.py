"""Purchase optimizer benchmark: model build and solve time, gap and memory.

    .venv/bin/python bench/purchase_bench.py                  # 7 × 300 / 1,000 / 3,000
    .venv/bin/python bench/purchase_bench.py --shapley 300    # stand-alone + Shapley, 7 × 300
    .venv/bin/python bench/purchase_bench.py --national       # 103 organisations × 2,000

Instances are random but seeded: 3 suppliers with order costs, every product offered by each
supplier with 4 all-units breaks, pack sizes 1–10 and MOQs; demand per organisation is
intermittent (many zeros), as loan-based forecasts are.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from procurement.optimizer import parse_purchase, plan_purchase
from procurement.optimizer.purchase import solve_demand


def make_instance(organisations: int, products: int, suppliers: int = 3, seed: int = 1):
    rng = random.Random(seed)
    offers, demand = [], []
    for p in range(products):
        base = rng.uniform(50, 20000)
        for s in range(suppliers):
            pack = rng.choice([1, 1, 1, 2, 5, 10])
            price = base * rng.uniform(0.85, 1.15)
            first = rng.choice([1, 1, 5, 10])
            breaks = [(first, price)]
            for step, (low, high) in enumerate(((2, 6), (3, 10), (5, 20)), start=1):
                breaks.append((breaks[-1][0] + rng.randint(low, high), price * (1 - 0.04 * step)))
            offers.append(
                {
                    "id": f"o{p}-{s}",
                    "supplier": f"s{s}",
                    "product": f"p{p}",
                    "pack_size": pack,
                    "moq": rng.choice([0, 0, pack * 2]),
                    "price_breaks": [{"min_qty": m, "unit_price": round(u, 2)} for m, u in breaks],
                }
            )
        for o in range(organisations):
            if rng.random() < 0.6:
                demand.append(
                    {"organisation": f"org{o}", "product": f"p{p}", "quantity": rng.randint(1, 12)}
                )
    return parse_purchase(
        {
            "organisations": [{"id": f"org{o}"} for o in range(organisations)],
            "suppliers": [
                {"id": f"s{s}", "order_cost": rng.choice([500, 1500, 4000])}
                for s in range(suppliers)
            ],
            "products": [{"id": f"p{p}"} for p in range(products)],
            "offers": offers,
            "demand": demand,
        }
    )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def joint(organisations: int, products: int, gap: float, time_limit: float) -> None:
    instance = make_instance(organisations, products)
    started = time.perf_counter()
    solution = solve_demand(
        instance, instance.demand_of(instance.organisations), gap=gap, time_limit=time_limit
    )
    total = time.perf_counter() - started
    print(
        f"{organisations:>3} orgs × {products:>5} products: build {solution.build_seconds:6.2f} s"
        f"  solve {solution.solve_seconds:6.2f} s  total {total:6.2f} s"
        f"  status {solution.status}  gap {solution.gap if solution.gap is not None else '-'}"
        f"  cost {solution.total_cost:,.0f}  peak RSS {peak_mb():.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="300,1000,3000")
    parser.add_argument("--shapley", type=int, default=0, help="products for the full plan")
    parser.add_argument("--national", action="store_true")
    args = parser.parse_args()
    if args.national:
        joint(103, 2000, gap=0.01, time_limit=300)
        return
    if args.shapley:
        instance = make_instance(7, args.shapley)
        started = time.perf_counter()
        plan = plan_purchase(instance, time_limit=600)
        print(
            f"7 orgs × {args.shapley} products, joint + 7 stand-alone + 120 coalitions + Shapley:"
            f" {time.perf_counter() - started:.1f} s  saving {plan.saving:,.0f} DKK"
            f"  in core {plan.in_core}  status {plan.status}  peak RSS {peak_mb():.0f} MB"
        )
        return
    for size in [int(s) for s in args.sizes.split(",")]:
        joint(7, size, gap=1e-4, time_limit=300)


if __name__ == "__main__":
    main()
