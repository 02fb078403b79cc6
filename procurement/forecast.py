"""Intermittent demand forecasting over a monthly series (oldest first). Pure Python.

Loans of assistive devices per organisation and product are mostly zero with an occasional
month of demand: exponential smoothing of such a series is biased low right after a zero and
high right after a demand. Croston (1972) smooths the demand sizes and the intervals between
demands separately; Syntetos and Boylan's correction (SBA) removes Croston's upward bias.

Definitions used here (there are several in the literature; these are documented choices):

- ADI, the average inter-demand interval, is the number of periods divided by the number of
  periods with demand (12 months with 4 demands → 3.0).
- CV² is the squared coefficient of variation of the non-zero sizes, with the population
  standard deviation (divide by n, not n − 1); one demand size → 0.0.
- Classification (Syntetos, Boylan & Croston 2005): ADI < 1.32 and CV² < 0.49 smooth,
  ADI < 1.32 erratic, CV² < 0.49 intermittent, otherwise lumpy; "none" without any demand.
- Croston: initialised with the first demand's size z and its interval p (its 1-based position
  in the series); afterwards, on each period with demand y after q periods,
  z ← z + α(y − z), p ← p + α(q − p); the per-period rate is z / p.
- SBA = (1 − α/2) · Croston.  SES: level initialised with the first value, l ← l + α(y − l).
- `forecast` picks: "none" without demand (rate 0); "mean" (the series' mean) with fewer than
  3 periods of demand; "ses" when ADI < 1.32 (smooth or erratic); "sba" otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
MIN_DEMANDS = 3  # below this many months with demand, the simple mean is used


@dataclass(frozen=True)
class Forecast:
    method: str  # "none", "mean", "ses" or "sba"
    per_period: float  # expected demand per month
    total: float  # per_period × horizon
    adi: float | None  # None without any demand
    cv2: float | None


def _check(history: Sequence[float]) -> list[float]:
    if isinstance(history, str | bytes) or not isinstance(history, Sequence):
        raise ValueError("The history must be a sequence of numbers.")
    if len(history) == 0:
        raise ValueError("The history is empty: at least one period is needed.")
    values = []
    for index, value in enumerate(history):
        if isinstance(value, bool) or not isinstance(value, Real):
            raise ValueError(f"Period {index + 1} of the history is not a number: {value!r}.")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"Period {index + 1} of the history is not finite.")
        if value < 0:
            raise ValueError(f"Period {index + 1} of the history is negative: {value!r}.")
        values.append(value)
    return values


def _check_alpha(alpha: float) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha <= 1:
        raise ValueError(f"The smoothing constant must be in (0, 1], not {alpha!r}.")
    return float(alpha)


def _sizes(values: list[float]) -> list[float]:
    return [v for v in values if v > 0]


def _adi(values: list[float], demands: int) -> float:
    return len(values) / demands


def _cv2(sizes: list[float]) -> float:
    mean = math.fsum(sizes) / len(sizes)
    variance = math.fsum((s - mean) ** 2 for s in sizes) / len(sizes)
    return variance / (mean * mean)


def classify(history: Sequence[float]) -> str:
    """Syntetos–Boylan class of the series: smooth, erratic, intermittent, lumpy (or none)."""
    values = _check(history)
    sizes = _sizes(values)
    if not sizes:
        return "none"
    frequent = _adi(values, len(sizes)) < ADI_CUTOFF
    steady = _cv2(sizes) < CV2_CUTOFF
    if frequent:
        return "smooth" if steady else "erratic"
    return "intermittent" if steady else "lumpy"


def croston(history: Sequence[float], alpha: float = 0.1) -> float:
    """Croston's per-period demand rate z/p; 0.0 when the series has no demand."""
    values = _check(history)
    alpha = _check_alpha(alpha)
    z = p = None
    q = 0  # periods since the last demand
    for value in values:
        q += 1
        if value <= 0:
            continue
        if z is None:
            z, p = value, float(q)
        else:
            z += alpha * (value - z)
            p += alpha * (q - p)
        q = 0
    return 0.0 if z is None else z / p


def sba(history: Sequence[float], alpha: float = 0.1) -> float:
    """Syntetos–Boylan approximation: Croston's rate times (1 − α/2)."""
    alpha = _check_alpha(alpha)
    return (1 - alpha / 2) * croston(history, alpha)


def ses(history: Sequence[float], alpha: float = 0.2) -> float:
    """Simple exponential smoothing: the level after the last period."""
    values = _check(history)
    alpha = _check_alpha(alpha)
    level = values[0]
    for value in values[1:]:
        level += alpha * (value - level)
    return level


def forecast(history: Sequence[float], horizon: int) -> Forecast:
    """The demand rate per period and over `horizon` periods, by the method the series suits."""
    values = _check(history)
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise ValueError(f"The horizon must be a whole number of periods ≥ 1, not {horizon!r}.")
    sizes = _sizes(values)
    if not sizes:
        return Forecast(method="none", per_period=0.0, total=0.0, adi=None, cv2=None)
    adi, cv2 = _adi(values, len(sizes)), _cv2(sizes)
    if len(sizes) < MIN_DEMANDS:
        method, rate = "mean", math.fsum(values) / len(values)
    elif adi < ADI_CUTOFF:
        method, rate = "ses", ses(values)
    else:
        method, rate = "sba", sba(values)
    return Forecast(method=method, per_period=rate, total=rate * horizon, adi=adi, cv2=cv2)
