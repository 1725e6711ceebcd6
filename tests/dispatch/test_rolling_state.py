"""State carried between rolling windows beyond storage: conventional units' output,
on/off state and hours in that state; and window totals of cut windows."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from dispatch.components.conventional_state import CONVENTIONAL_STATE, state_after
from dispatch.inputs import DispatchInputs, DispatchOptions
from dispatch.rolling import run_rolling

TOL_MW = 1e-6
UC = DispatchOptions(unit_commitment=True)


def _state(rows: dict[str, dict[str, float]]) -> dict[str, np.ndarray]:
    """The state before the window of unit ``g`` (no entries: a unit without one)."""
    row = rows.get("g")
    return {} if row is None else {k: np.array([row[k]]) for k in CONVENTIONAL_STATE}


def _arrays(p: list[float], on: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Output and on/off state of unit ``g`` over 3 steps (steps x units)."""
    return np.array(p, dtype=float)[:, None], np.array(on, dtype=float)[:, None]


def _unit(after: dict[str, np.ndarray]) -> dict[str, float]:
    assert set(after) == set(CONVENTIONAL_STATE)
    assert all(np.shape(v) == (1,) for v in after.values())
    return {k: float(after[k][0]) for k in CONVENTIONAL_STATE}


def test_a_unit_on_through_the_window_adds_the_hours_before_it() -> None:
    before = _state({"g": {"p_mw": 2.0, "on": 1.0, "hours_in_state": 5.0}})
    p, on = _arrays([2.0, 3.0, 4.0], [1.0, 1.0, 1.0])
    after = state_after(before, p, on, dt_h=1.0)
    assert _unit(after) == {"p_mw": 4.0, "on": 1.0, "hours_in_state": 8.0}


def test_a_change_in_the_window_counts_from_the_change() -> None:
    before = _state({"g": {"p_mw": 2.0, "on": 1.0, "hours_in_state": 5.0}})
    p, on = _arrays([2.0, 0.0, 0.0], [1.0, 0.0, 0.0])
    after = state_after(before, p, on, dt_h=0.5)
    assert _unit(after) == {"p_mw": 0.0, "on": 0.0, "hours_in_state": 1.0}


def test_a_unit_off_since_before_the_period_stays_free_to_start() -> None:
    p, on = _arrays([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    after = state_after(_state({}), p, on, dt_h=1.0)
    assert math.isinf(_unit(after)["hours_in_state"])


def _uc_case(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> Callable[[pd.DatetimeIndex], DispatchInputs]:
    """Demand 5 MW in hour 1 only, import at 100 EUR/MWh, free export; a unit of
    1..5 MW at 20 EUR/MWh with a 4 h minimum up time."""
    demand = pd.Series([0.0, 5.0, 0.0, 0.0, 0.0, 0.0])
    demand.index = pd.date_range("2016-03-01", periods=6, freq="h", tz="UTC", name="time")
    unit = {"g": {"p_min_mw": 1.0, "p_max_mw": 5.0, "cost_eur_per_mwh": 20.0, "min_up_h": 4.0}}

    def inputs_for(steps: pd.DatetimeIndex, e0: pd.Series | None = None) -> DispatchInputs:
        x = make_inputs(demand.loc[steps].to_numpy(), start=steps[0], import_price=100.0)
        return with_conventional(x, unit, options=UC)

    return inputs_for


def test_min_up_time_holds_across_windows(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    """2 h windows: the unit starts in hour 1 (end of the first window) and must stay
    on through hour 4, two windows later, although nothing needs it: 8 MWh at
    20 EUR/MWh, as in the single shot (which may instead start it an hour early)."""
    inputs_for = _uc_case(make_inputs, with_conventional)
    index = pd.date_range("2016-03-01", periods=6, freq="h", tz="UTC", name="time")
    rolled, stats = run_rolling(index, 1.0, inputs_for, 2, 2)
    whole, _ = run_rolling(index, 1.0, inputs_for)
    assert stats.windows == 3
    np.testing.assert_allclose(rolled.conventional_on["g"], [0, 1, 1, 1, 1, 0])
    np.testing.assert_allclose(rolled.conventional_p_mw["g"], [0, 5, 1, 1, 1, 0], atol=TOL_MW)
    # windows are committed whole (window = horizon): their totals are kept and add up
    assert rolled.objective_eur == pytest.approx(20.0 * 8.0, abs=1e-6)
    assert whole.objective_eur == pytest.approx(20.0 * 8.0, abs=1e-6)


def test_totals_of_a_cut_window_are_not_reported(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    inputs_for = _uc_case(make_inputs, with_conventional)
    index = pd.date_range("2016-03-01", periods=6, freq="h", tz="UTC", name="time")
    rolled, stats = run_rolling(index, 1.0, inputs_for, 2, 4)
    assert math.isnan(rolled.objective_eur)
    assert math.isnan(rolled.cost_eur)
    assert all(math.isfinite(s.objective_eur) for s in stats.statuses)
