"""Forecast error metrics on hand-computed arrays."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecasting.metrics import bias, mae, metrics_by_horizon, nmae, rmse, skill, summarise

TOL = 1e-12

# errors f - a = [-1, 0, 2, 0]; |a| = [2, 2, 1, 4], mean 2.25
F = np.array([1.0, 2.0, 3.0, 4.0])
A = np.array([2.0, 2.0, 1.0, 4.0])


def test_hand_computed_values() -> None:
    assert mae(F, A) == pytest.approx(0.75, abs=TOL)
    assert rmse(F, A) == pytest.approx(math.sqrt(5.0 / 4.0), abs=TOL)
    assert bias(F, A) == pytest.approx(0.25, abs=TOL)
    assert nmae(F, A) == pytest.approx(0.75 / 2.25, abs=TOL)
    assert nmae(F, A, capacity=10.0) == pytest.approx(0.075, abs=TOL)
    assert skill(0.5, 2.0) == pytest.approx(0.75, abs=TOL)
    assert skill(3.0, 2.0) == pytest.approx(-0.5, abs=TOL)


def test_capacity_per_column_and_frames() -> None:
    f = pd.DataFrame({"wind": [1.0, 3.0], "pv": [0.0, 2.0]})
    a = pd.DataFrame({"wind": [2.0, 3.0], "pv": [0.0, 1.0]})
    # |e| / capacity = [[1/10, 0/4], [0/10, 1/4]]
    assert nmae(f, a, capacity=[10.0, 4.0]) == pytest.approx((0.1 + 0.25) / 4, abs=TOL)
    assert mae(f, a) == pytest.approx(0.5, abs=TOL)
    assert bias(f["pv"], a["pv"]) == pytest.approx(0.5, abs=TOL)


def test_missing_pairs_are_ignored() -> None:
    f = np.array([1.0, np.nan, 3.0, 4.0])
    a = np.array([2.0, 2.0, 1.0, np.nan])
    # pairs (1, 2) and (3, 1): errors -1 and 2
    assert mae(f, a) == pytest.approx(1.5, abs=TOL)
    assert bias(f, a) == pytest.approx(0.5, abs=TOL)
    assert math.isnan(mae([np.nan], [1.0]))


def test_degenerate_cases_and_errors() -> None:
    assert math.isnan(skill(1.0, 0.0))
    assert math.isnan(skill(1.0, float("nan")))
    assert math.isnan(nmae([1.0, -1.0], [0.0, 0.0]))
    with pytest.raises(ValueError, match="shape"):
        mae([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="capacity must be positive"):
        nmae(F, A, capacity=0.0)


def test_summarise_and_per_horizon_table() -> None:
    long = pd.DataFrame(
        {
            "horizon_h": [1, 1, 2, 2],
            "forecast": [1.0, 2.0, 3.0, 4.0],
            "actual": [2.0, 2.0, 1.0, 4.0],
            "reference": [2.0, 4.0, 1.0, 0.0],
        }
    )
    table = metrics_by_horizon(long)
    assert list(table.index) == [1, 2]
    assert table.index.name == "horizon_h"
    # horizon 1: errors -1, 0 -> MAE 0.5; reference errors 0, 2 -> MAE 1; skill 0.5
    assert table.loc[1, "mae"] == pytest.approx(0.5, abs=TOL)
    assert table.loc[1, "skill"] == pytest.approx(0.5, abs=TOL)
    assert table.loc[1, "bias"] == pytest.approx(-0.5, abs=TOL)
    # horizon 2: errors 2, 0 -> MAE 1, RMSE sqrt 2; reference errors 0, -4 -> MAE 2
    assert table.loc[2, "rmse"] == pytest.approx(math.sqrt(2.0), abs=TOL)
    assert table.loc[2, "skill"] == pytest.approx(0.5, abs=TOL)
    assert table.loc[2, "nmae"] == pytest.approx(1.0 / 2.5, abs=TOL)
    total = summarise(long["forecast"], long["actual"], long["reference"])
    assert total["mae"] == pytest.approx(0.75, abs=TOL)
    assert total["mae_reference"] == pytest.approx(1.5, abs=TOL)
    assert total["skill"] == pytest.approx(0.5, abs=TOL)
    assert total["n"] == 4
