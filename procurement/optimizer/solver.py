"""Solving a PuLP model: HiGHS (through highspy) by default, PuLP's bundled CBC as fallback.

PuLP reports a time-limit stop with an incumbent as "Optimal"; `prob.sol_status` tells an
integer-feasible plan from a proven optimum, and HiGHS reports the remaining gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pulp


@dataclass
class SolveResult:
    status: str  # optimal | feasible | infeasible | not_solved
    gap: float | None
    solver: str
    seconds: float


def _solver(name: str, time_limit: float, gap: float):
    if name == "highs":
        return pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=gap, threads=1)
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1, round(time_limit)), gapRel=gap)


def available_solver() -> str:
    """'highs' when the highspy binding loads, else 'cbc'."""
    return "highs" if pulp.HiGHS(msg=False).available() else "cbc"


def solve(prob: pulp.LpProblem, *, time_limit: float, gap: float, solver: str | None = None):
    """Solve `prob` within `time_limit` seconds to a relative `gap`; report what was proven."""
    name = solver or available_solver()
    started = time.perf_counter()
    prob.solve(_solver(name, time_limit, gap))
    seconds = time.perf_counter() - started
    if prob.sol_status == pulp.LpSolutionOptimal:
        status = "optimal"
    elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
        status = "feasible"
    elif prob.status == pulp.LpStatusInfeasible:
        status = "infeasible"
    else:
        status = "not_solved"
    found_gap = None
    if name == "highs" and status in ("optimal", "feasible"):
        found_gap = float(prob.solverModel.getInfo().mip_gap)
        if found_gap != found_gap or found_gap == float("inf"):  # NaN or no bound: not a MIP
            found_gap = 0.0 if status == "optimal" else None
        found_gap = max(found_gap, 0.0) if found_gap is not None else None
    elif status == "optimal":
        found_gap = 0.0
    return SolveResult(status=status, gap=found_gap, solver=name, seconds=seconds)
