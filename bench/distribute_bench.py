"""Stock distribution benchmark: build and solve time, status, gap, model size, peak memory.

    .venv/bin/python bench/distribute_bench.py                  # --sizes 20x500 100x2000
    .venv/bin/python bench/distribute_bench.py --sizes 20x500 --seeds 1-20   # and a summary
    .venv/bin/python bench/distribute_bench.py --tight          # stress: capacity ≈ stock

Targets (issue 7): 20 × 500 optimal (gap 1e-4) in < 10 s, 100 × 2,000 within 1 % in < 2 min;
the gap defaults to 1e-4 up to 50 depots and 1 % above (--gap overrides).

Instances are random but seeded: depots on a 150 km square, transport cost per unit = road
km (1.3 × straight line) × a cost per km (the product's handling factor, 1 + volume, on top);
stock skewed toward a few big depots (Pareto sizes), demand intermittent (about one pair in
five), capacities with room for about the horizon's demand, two depots over capacity.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from procurement.optimizer.distribute import plan_distribution
from procurement.optimizer.parse_distribute import parse_distribution

COST_PER_KM = 0.4  # DKK per unit and road km


def make_data(depots: int, products: int, seed: int = 1, tight: bool = False) -> dict:
    """A seeded instance in its JSON form."""
    rng = random.Random(seed)
    where = [(rng.uniform(0, 150), rng.uniform(0, 150)) for _ in range(depots)]
    # A few big depots (regional aids centres) and many small municipal ones.
    size = sorted((rng.paretovariate(1.2) for _ in range(depots)), reverse=True)
    rng.shuffle(size)
    product_rows, stock, demand = [], {}, {}
    for p in range(products):
        volume = rng.choice([0.002, 0.01, 0.05, 0.1, 0.3, 0.8, 1.5])
        product_rows.append(
            {
                "id": f"p{p}",
                "volume": volume,
                "shortage_penalty": round(math.exp(rng.uniform(math.log(30), math.log(20000))), 2),
                "handling": round(1 + volume, 2),
            }
        )
        total = 0
        for d in range(depots):
            if rng.random() < 0.2 * min(1.0, 0.5 + size[d] / 4):
                demand[d, p] = rng.choice([1, 1, 1, 2, 2, 3, 4, 6, 10])
                total += demand[d, p]
                if rng.random() < 0.5:  # some of it already sits where it is needed
                    stock[d, p] = stock.get((d, p), 0) + rng.randint(0, demand[d, p])
        holders = rng.choices(range(depots), weights=size, k=rng.randint(1, 4))
        for _ in range(round(total * rng.uniform(0.6, 1.3))):
            d = rng.choice(holders) if rng.random() < 0.8 else rng.randrange(depots)
            stock[d, p] = stock.get((d, p), 0) + 1
    volume_of = [r["volume"] for r in product_rows]
    start, need = [0.0] * depots, [0.0] * depots
    for (d, p), q in stock.items():
        start[d] += q * volume_of[p]
    for (d, p), q in demand.items():
        need[d] += q * volume_of[p]
    over = set(rng.sample(range(depots), min(2, depots)))
    depot_rows = []
    for d in range(depots):
        if d in over:
            capacity = 0.85 * start[d]
        elif tight:  # stress: barely more room than the stock takes up today
            capacity = start[d] * rng.uniform(1.0, 1.4) + 1
        else:  # room for the horizon's demand, give or take, and never less than today
            capacity = max(start[d] * rng.uniform(1.0, 1.2), need[d] * rng.uniform(0.8, 1.6))
        depot_rows.append({"id": f"d{d}", "capacity": round(capacity, 3)})
    transport = [
        {
            "from": f"d{a}",
            "to": f"d{b}",
            "cost_per_unit": round(1.3 * math.dist(where[a], where[b]) * COST_PER_KM, 2),
        }
        for a in range(depots)
        for b in range(depots)
        if a != b
    ]
    return {
        "depots": depot_rows,
        "products": product_rows,
        "stock": [
            {"depot": f"d{d}", "product": f"p{p}", "quantity": q} for (d, p), q in stock.items()
        ],
        "demand": [
            {"depot": f"d{d}", "product": f"p{p}", "quantity": q} for (d, p), q in demand.items()
        ],
        "transport": transport,
    }


def money(value) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(
    depots: int, products: int, *, time_limit: float, gap: float, full: bool, seed: int, tight: bool
):
    clock = time.perf_counter()
    instance = parse_distribution(make_data(depots, products, seed, tight))
    generated = time.perf_counter() - clock
    clock, cpu = time.perf_counter(), time.process_time()
    plan = plan_distribution(
        instance, time_limit=time_limit, gap=gap, full_model=True if full else None
    )
    wall, cpu = time.perf_counter() - clock, time.process_time() - cpu
    s, st = plan.seconds, plan.stats
    print(
        f"{depots:>3} depots × {products:>5} products, seed {seed} ({len(instance.stock)} stock "
        f"rows, {len(instance.demand)} demand rows; generated and parsed in {generated:.1f} s)"
    )
    print(
        f"    wall {wall:6.2f} s (CPU {cpu:.2f} s): index {s.get('index', 0):.2f}, "
        f"build {s.get('build', 0):.2f}, LP {s.get('lp', 0):.2f}, "
        f"pricing {s.get('pricing', 0):.2f}, MILP {s.get('milp', 0):.2f} s"
    )
    gap_text = "n/a" if plan.gap is None else f"{plan.gap:.2e}"
    print(
        f"    status {plan.status}, gap {gap_text}, cost {money(plan.total_cost)} "
        f"(transport {money(plan.transport_cost)}, shortage {money(plan.shortage_cost)}), "
        f"lower bound {money(plan.lower_bound)} {plan.message}"
    )
    print(
        f"    arcs: universe {st.get('universe_arcs', 0):,}, LP columns "
        f"{st.get('generated_arcs', 0):,} (initial {st.get('initial_arcs', 0):,}, "
        f"{st.get('lp_rounds', 0)} LP rounds); last MILP {st.get('milp_arcs', 0):,} arcs, "
        f"{st.get('variables', 0):,} variables × {st.get('constraints', 0):,} rows"
    )
    print(
        f"    shortage {plan.shortage_before:,} → {plan.shortage_after or 0:,} units, "
        f"{len(plan.transfers):,} transfers; peak RSS {peak_mb():,.0f} MB"
    )
    return wall, cpu, plan


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=["20x500", "100x2000"])
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--gap", type=float, default=None, help="default 1e-4, 1%% above 50")
    parser.add_argument("--full", action="store_true", help="the whole arc universe at once")
    parser.add_argument("--seeds", "--seed", nargs="+", default=["1"], help="e.g. 1-20 or 3 12")
    parser.add_argument("--tight", action="store_true", help="stress: capacity ≈ today's stock")
    args = parser.parse_args()
    seeds = [n for text in args.seeds for n in seed_range(text)]
    rows = []
    for size in args.sizes:
        depots, products = (int(n) for n in size.lower().split("x"))
        gap = args.gap if args.gap is not None else (1e-2 if depots > 50 else 1e-4)
        for seed in seeds:
            wall, cpu, plan = run(
                depots,
                products,
                time_limit=args.time_limit,
                gap=gap,
                full=args.full,
                seed=seed,
                tight=args.tight,
            )
            rows.append((size, seed, wall, cpu, plan))
    if len(rows) > 1:
        # CPU time is the steadier figure on a shared machine (HiGHS runs on one thread).
        print("\nsize        seed   wall s    CPU s  status      gap")
        for size, seed, wall, cpu, plan in rows:
            gap_text = "n/a" if plan.gap is None else f"{plan.gap:.1e}"
            print(f"{size:<10} {seed:>5} {wall:8.2f} {cpu:8.2f}  {plan.status:<10} {gap_text}")
        walls = sorted(row[2] for row in rows)
        print(f"max {walls[-1]:.2f} s, median {walls[len(walls) // 2]:.2f} s")


def seed_range(text: str) -> range:
    """'7' or '1-20'."""
    first, _, last = text.partition("-")
    return range(int(first), int(last or first) + 1)


if __name__ == "__main__":
    main()
