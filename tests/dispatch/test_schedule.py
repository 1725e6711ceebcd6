"""Intraday re-dispatch against a schedule: deviations of the net import from the
schedule cost the imbalance price; hand-computed on one windy hour."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from dispatch.builtin import with_frames
from dispatch.extract import extract
from dispatch.inputs import DispatchInputError, DispatchInputs
from dispatch.model import build_model, update_model
from dispatch.solve import solve

TOL_MW = 1e-6
TOL_EUR = 1e-6


def _case(
    make_inputs: Callable[..., DispatchInputs], imbalance_price: float, schedule_mw: float = 2.0
) -> DispatchInputs:
    """Demand 2 MW for 3 h, wind 0, 3, 0 MW, import 50, export 40 EUR/MWh; the
    schedule expects 2 MW of import every hour."""
    x = make_inputs([2.0, 2.0, 2.0], wind_mw=[0.0, 3.0, 0.0], import_price=50.0, export_price=40.0)
    grid = x.grid.assign(imbalance_price_eur_per_mwh=imbalance_price)
    return with_frames(x, grid=grid, grid_schedule_mw=pd.Series(schedule_mw, index=x.time))


def _solve(x: DispatchInputs):  # noqa: ANN202
    m = build_model(x)
    solve(m)
    return m, extract(m, x)


def test_a_dear_imbalance_keeps_the_schedule_by_curtailing(
    make_inputs: Callable[..., DispatchInputs],
) -> None:
    """At 100 EUR/MWh every MW of wind used deviates: curtailing (0.1 EUR/MWh) wins."""
    _, r = _solve(_case(make_inputs, 100.0))
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [2.0, 2.0, 2.0], atol=TOL_MW)
    np.testing.assert_allclose(r.curtailment_p_mw["wind"], [0.0, 3.0, 0.0], atol=TOL_MW)
    assert r.objective_eur == pytest.approx(3 * 2.0 * 50.0 + 0.1 * 3.0, abs=TOL_EUR)


def test_a_cheap_imbalance_uses_the_wind_and_pays_the_deviation(
    make_inputs: Callable[..., DispatchInputs],
) -> None:
    """At 10 EUR/MWh using all wind saves 50 + 40 per MW against 10 per MW deviated:
    hour 1 exports 1 MW, a deviation of 3 MW from the schedule."""
    _, r = _solve(_case(make_inputs, 10.0))
    np.testing.assert_allclose(r.grid_export_p_mw["grid"], [0.0, 1.0, 0.0], atol=TOL_MW)
    assert r.objective_eur == pytest.approx(2 * 100.0 - 40.0 + 10.0 * 3.0, abs=TOL_EUR)


def test_updated_schedule_equals_a_fresh_build(
    make_inputs: Callable[..., DispatchInputs],
) -> None:
    first, second = _case(make_inputs, 100.0), _case(make_inputs, 100.0, schedule_mw=0.0)
    m, _ = _solve(first)
    update_model(m, second)
    solve(m)
    updated = extract(m, second)
    _, fresh = _solve(second)
    np.testing.assert_allclose(updated.grid_import_p_mw, fresh.grid_import_p_mw, atol=TOL_MW)
    assert updated.objective_eur == pytest.approx(fresh.objective_eur, abs=TOL_EUR)
    with pytest.raises(DispatchInputError, match="rebuild the model"):
        update_model(m, with_frames(second, grid_schedule_mw=None))


def test_a_schedule_needs_an_imbalance_price(make_inputs: Callable[..., DispatchInputs]) -> None:
    x = make_inputs([2.0, 2.0])
    with pytest.raises(DispatchInputError, match="imbalance_price_eur_per_mwh"):
        with_frames(x, grid_schedule_mw=pd.Series(1.0, index=x.time))
