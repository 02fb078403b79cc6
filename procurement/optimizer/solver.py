"""Solving a PuLP model: HiGHS (through highspy) by default, PuLP's bundled CBC as fallback.

PuLP reports a time-limit stop with an incumbent as "Optimal"; `prob.sol_status` tells an
integer-feasible plan from a proven optimum, and HiGHS reports the remaining gap.

Warm start: set the variables' values (`LpVariable.setInitialValue`) and pass
`warm_start=True`. PuLP's CBC takes them as its MIP start; PuLP's HiGHS (highspy) class has
no warm start (a `warmStart` argument would go to HiGHS as an unknown option), so `_HiGHS`
hands them to HiGHS with `setSolution` before it runs. HiGHS checks the start and uses it as
an incumbent only if it is feasible: the optimum and its proof are unchanged, only the search
is shorter.

`on_gap(gap, seconds)` is called every PROGRESS_EVERY seconds or so while HiGHS searches
(relative gap, inf before the first incumbent). If it raises, HiGHS is interrupted and the
exception re-raised from `solve`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pulp


@dataclass
class SolveResult:
    status: str  # optimal | feasible | infeasible | not_solved
    gap: float | None
    solver: str
    seconds: float


PROGRESS_EVERY = 0.5  # seconds between on_gap calls


class _HiGHS(pulp.HiGHS):
    """pulp.HiGHS that can start from the variables' current values and report its gap."""

    def __init__(self, *, warm_start: bool, on_gap: Callable | None, **options):
        super().__init__(**options)
        self.warm_start, self.on_gap = warm_start, on_gap
        self.failure: BaseException | None = None

    def callSolver(self, lp):
        if self.warm_start:
            # buildSolverModel has numbered the columns (var.index) in lp.variables() order.
            start = [(v.index, v.varValue) for v in lp.variables() if v.varValue is not None]
            # Only a whole start: HiGHS completes a partial one by a sub-search, often slower
            # than no start at all.
            if start and len(start) == len(lp.variables()):
                index, value = zip(*start, strict=True)
                lp.solverModel.setSolution(
                    len(index), np.asarray(index, dtype=np.int32), np.asarray(value, dtype=float)
                )
        if self.on_gap:
            lp.solverModel.cbMipInterrupt.subscribe(self._interrupt)
        self._next = 0.0
        super().callSolver(lp)

    def _interrupt(self, event) -> None:
        # HiGHS calls this often; an exception must not cross back into its C++ code.
        if self.failure:
            return
        try:
            seconds = event.data_out.running_time
            if seconds < self._next:
                return
            self._next = seconds + PROGRESS_EVERY
            self.on_gap(float(event.data_out.mip_gap), seconds)
        except BaseException as failure:  # re-raised by solve once HiGHS has stopped
            self.failure = failure
            event.interrupt()


def _solver(name, time_limit, gap, warm_start=False, highs_options=None, on_gap=None):
    if name == "highs":
        options = highs_options or {}
        if not warm_start and not on_gap:
            return pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=gap, threads=1, **options)
        return _HiGHS(
            warm_start=warm_start,
            on_gap=on_gap,
            msg=False,
            timeLimit=time_limit,
            gapRel=gap,
            threads=1,
            **options,
        )
    return pulp.PULP_CBC_CMD(
        msg=False, timeLimit=max(1, round(time_limit)), gapRel=gap, warmStart=warm_start
    )


def available_solver() -> str:
    """'highs' when the highspy binding loads, else 'cbc'."""
    return "highs" if pulp.HiGHS(msg=False).available() else "cbc"


def solve(
    prob: pulp.LpProblem,
    *,
    time_limit: float,
    gap: float,
    solver: str | None = None,
    warm_start: bool = False,
    highs_options: dict | None = None,
    on_gap: Callable[[float, float], None] | None = None,
):
    """Solve `prob` within `time_limit` seconds to a relative `gap`; report what was proven.

    `warm_start`: start from the variables' values set with `setInitialValue` (a feasible
    whole-unit plan), as the first incumbent. `highs_options`: HiGHS option names and
    values (CBC ignores them). `on_gap(gap, seconds)`: see the module's docstring (HiGHS only).
    """
    name = solver or available_solver()
    started = time.perf_counter()
    chosen = _solver(name, time_limit, gap, warm_start, highs_options, on_gap)
    try:
        prob.solve(chosen)
    except Exception:
        if getattr(chosen, "failure", None):  # the hook's reason, not PuLP's reaction to it
            raise chosen.failure from None
        raise
    if getattr(chosen, "failure", None):
        raise chosen.failure
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
