"""The intermittent demand forecast against series worked out by hand."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from procurement.forecast import Forecast, classify, croston, forecast, sba, ses

EVERY_THIRD = [0, 0, 6] * 4  # 12 months, 6 units in months 3, 6, 9 and 12


def test_constant_series_is_smooth_and_forecast_by_ses():
    # 12 months of 4: ADI = 12 / 12 = 1 < 1.32, sizes all 4 so CV² = 0 → smooth → SES.
    # SES starts at 4 and every update adds 0.2 × (4 − 4) = 0, so the level stays 4.
    result = forecast([4] * 12, 6)
    assert result == Forecast(method="ses", per_period=4.0, total=24.0, adi=1.0, cv2=0.0)
    assert classify([4] * 12) == "smooth"
    # Croston: z = 4, p = 1 (first demand in period 1), each update q = 1 keeps p = 1 → 4.
    assert croston([4] * 12) == 4.0
    assert sba([4] * 12) == pytest.approx(3.8)  # (1 − 0.1/2) × 4


def test_demand_every_third_month():
    # First demand in period 3: z = 6, p = 3. Every later demand comes after q = 3 periods
    # with size 6, so z ← 6 + 0.1 × (6 − 6) = 6 and p ← 3 + 0.1 × (3 − 3) = 3: rate 6/3 = 2.
    assert croston(EVERY_THIRD) == 2.0
    # SBA: (1 − 0.1/2) × 2 = 0.95 × 2 = 1.9.
    assert sba(EVERY_THIRD) == pytest.approx(1.9)
    # ADI = 12 months / 4 demands = 3 ≥ 1.32, CV² = 0 → intermittent → SBA; 12 months: 22.8.
    result = forecast(EVERY_THIRD, 12)
    assert result.method == "sba"
    assert result.per_period == pytest.approx(1.9)
    assert result.total == pytest.approx(22.8)
    assert (result.adi, result.cv2) == (3.0, 0.0)
    assert classify(EVERY_THIRD) == "intermittent"


def test_croston_updates_size_and_interval_separately():
    series = [0, 5, 0, 0, 10, 3]
    # Period 2: z = 5, p = 2.
    # Period 5 (q = 3): z = 5 + 0.1 × (10 − 5) = 5.5;  p = 2 + 0.1 × (3 − 2) = 2.1.
    # Period 6 (q = 1): z = 5.5 + 0.1 × (3 − 5.5) = 5.25; p = 2.1 + 0.1 × (1 − 2.1) = 1.99.
    assert croston(series) == pytest.approx(5.25 / 1.99)
    assert sba(series) == pytest.approx(0.95 * 5.25 / 1.99)
    # α = 0.5: period 5: z = 7.5, p = 2.5; period 6: z = 5.25, p = 1.75 → 3.0; SBA × 0.75.
    assert croston(series, alpha=0.5) == pytest.approx(3.0)
    assert sba(series, alpha=0.5) == pytest.approx(2.25)
    # 3 demands in 6 months: ADI 2; sizes 5, 10, 3: mean 6, variance (1 + 16 + 9) / 3 = 26/3,
    # CV² = (26/3) / 36 ≈ 0.2407 → intermittent → SBA.
    result = forecast(series, 4)
    assert result.method == "sba"
    assert result.adi == 2.0
    assert result.cv2 == pytest.approx(26 / 108)
    assert result.total == pytest.approx(4 * 0.95 * 5.25 / 1.99)


def test_ses_by_hand():
    # Level 10 → 10 + 0.2 × (0 − 10) = 8 → 8 + 0.2 × (10 − 8) = 8.4.
    assert ses([10, 0, 10]) == pytest.approx(8.4)
    # 2 → 2.4 → 3.12 → 4.096 (each step adds 0.2 × (value − level)).
    assert ses([2, 4, 6, 8]) == pytest.approx(4.096)
    # ADI 1, sizes 2..8: mean 5, variance (9 + 1 + 1 + 9) / 4 = 5, CV² = 0.2 → smooth → SES.
    result = forecast([2, 4, 6, 8], 3)
    assert (result.method, result.cv2) == ("ses", pytest.approx(0.2))
    assert result.total == pytest.approx(3 * 4.096)
    assert ses([7]) == 7.0


def test_no_demand_at_all():
    result = forecast([0] * 24, 12)
    assert result == Forecast(method="none", per_period=0.0, total=0.0, adi=None, cv2=None)
    assert classify([0, 0, 0]) == "none"
    assert croston([0] * 5) == 0.0
    assert sba([0] * 5) == 0.0
    assert ses([0] * 5) == 0.0


def test_a_single_spike_falls_back_to_the_mean():
    # One demand of 12 in 12 months: fewer than 3 demands → the mean 12 / 12 = 1 per month.
    series = [0] * 11 + [12]
    result = forecast(series, 6)
    assert result == Forecast(method="mean", per_period=1.0, total=6.0, adi=12.0, cv2=0.0)
    # Two demands still use the mean: (3 + 5) / 4 = 2.
    assert forecast([0, 3, 0, 5], 2).per_period == 2.0
    assert forecast([0, 3, 0, 5], 2).method == "mean"


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ([4] * 12, "smooth"),  # ADI 1, CV² 0
        # Sizes 1 and 9: mean 5, variance 16, CV² 16 / 25 = 0.64 ≥ 0.49; ADI 1.
        ([1, 9] * 6, "erratic"),
        (EVERY_THIRD, "intermittent"),  # ADI 3, CV² 0
        ([0, 0, 1, 0, 0, 9] * 2, "lumpy"),  # ADI 3, CV² 0.64
        # The cut-offs belong to the upper class: sizes 3 and 17 have mean 10 and standard
        # deviation 7, so CV² = 49 / 100 = 0.49 exactly → erratic, not smooth.
        ([3, 17] * 3, "erratic"),
        # 25 demands in 33 months: ADI = 33 / 25 = 1.32 exactly → intermittent, not smooth.
        ([1] * 25 + [0] * 8, "intermittent"),
        ([1] * 25 + [0] * 7, "smooth"),  # ADI 32 / 25 = 1.28
    ],
)
def test_classification_quadrants(series, expected):
    assert classify(series) == expected


def test_method_follows_the_class():
    assert forecast([1, 9] * 6, 1).method == "ses"  # erratic
    assert forecast([0, 0, 1, 0, 0, 9] * 2, 1).method == "sba"  # lumpy
    # Erratic: SES of 1, 9, 1, 9, … is a number between the two sizes.
    assert 1 < forecast([1, 9] * 6, 1).per_period < 9


def test_numpy_and_float_input():
    assert forecast(np.array([0, 0, 6] * 4).tolist(), 12).per_period == pytest.approx(1.9)
    assert croston([np.int64(0), np.int64(4)]) == 2.0  # z 4, p 2
    assert forecast([0.5] * 4, 2).total == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("history", "horizon", "message"),
    [
        ([], 12, "empty"),
        ([1, -1, 2], 12, "Period 2 of the history is negative"),
        ([1, float("nan")], 12, "not finite"),
        ([1, "2"], 12, "not a number"),
        ([True, 1], 12, "not a number"),
        ("123", 12, "sequence"),
        ([1, 2, 3], 0, "horizon"),
        ([1, 2, 3], -3, "horizon"),
        ([1, 2, 3], 1.5, "horizon"),
    ],
)
def test_bad_input_is_refused(history, horizon, message):
    with pytest.raises(ValueError, match=message):
        forecast(history, horizon)


def test_bad_smoothing_constant_and_series_are_refused():
    for fn in (croston, sba, ses):
        with pytest.raises(ValueError, match="smoothing constant"):
            fn([1, 2], alpha=0)
        with pytest.raises(ValueError, match="smoothing constant"):
            fn([1, 2], alpha=1.5)
        with pytest.raises(ValueError, match="empty"):
            fn([])
    with pytest.raises(ValueError, match="negative"):
        classify([0, -2])


series = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=36)


@given(history=series, horizon=st.integers(min_value=1, max_value=24))
def test_forecast_properties(history, horizon):
    result = forecast(history, horizon)
    assert result.per_period >= 0
    assert result.total == pytest.approx(result.per_period * horizon)
    # No method forecasts more per month than the largest month seen.
    assert result.per_period <= max(history) + 1e-9
    assert (result.method == "none") == (sum(history) == 0)
    # Scale invariance: twice the demand in every month → the same method, twice the rate.
    doubled = forecast([2 * v for v in history], horizon)
    assert doubled.method == result.method
    assert doubled.per_period == pytest.approx(2 * result.per_period, rel=1e-12)
    assert doubled.cv2 == result.cv2 or math.isclose(doubled.cv2, result.cv2)
