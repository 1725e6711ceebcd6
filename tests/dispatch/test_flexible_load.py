"""The flexible-load family: hand-computable deferral, energy kept, state carried
between rolling windows, padding."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from dispatch.builtin import with_frames
from dispatch.components.flexible_load import FLEXIBLE_LOAD, FLEXIBLE_LOAD_COLUMNS
from dispatch.family import AssetData, DispatchInputError
from dispatch.inputs import DispatchInputs
from dispatch.rolling import run_rolling

TOL = 1e-6
PRICE = [100.0, 10.0, 10.0, 100.0]


def _with_flex(
    x: DispatchInputs,
    base_mw: float | list[float] = 1.0,
    e0_mwh: float = 0.0,
    p_max_mw: float = 2.0,
    e_max_mwh: float = 2.0,
    defer_cost: float = 1.0,
) -> DispatchInputs:
    units = pd.DataFrame(
        [["b1", p_max_mw, e_max_mwh, defer_cost]],
        index=pd.Index(["flex"], dtype=object),
        columns=list(FLEXIBLE_LOAD_COLUMNS),
    )
    base = np.broadcast_to(np.asarray(base_mw, dtype=float), (len(x.time),))[:, None].copy()
    data = AssetData(FLEXIBLE_LOAD, units, {"p_base_mw": base}, {"e_mwh": np.array([e0_mwh])})
    return with_frames(x, extra={"flexible_load": data})


def test_defers_from_the_price_peak_and_catches_up(make_inputs, run_dispatch) -> None:
    """1 MW baseline, prices 100/10/10/100 EUR/MWh, 1 EUR per MWh and hour deferred:
    the first hour's 1 MWh waits for the cheap second hour (2 MW there, not later:
    waiting costs); the last hour cannot defer (the window ends), so the cost is
    10*2 + 10*1 + 100*1 + 1*1 = 131 EUR instead of 220 EUR."""
    x = _with_flex(make_inputs(0.0, n=4, import_price=PRICE))
    r = run_dispatch(x).result
    p = r.frame("flexible_load", "p_mw")["flex"].to_numpy()
    e = r.frame("flexible_load", "deferred_mwh")["flex"].to_numpy()
    np.testing.assert_allclose(p, [0.0, 2.0, 1.0, 1.0], atol=TOL)
    np.testing.assert_allclose(e, [1.0, 0.0, 0.0, 0.0], atol=TOL)
    assert r.cost_eur == pytest.approx(131.0, abs=1e-6)
    # the grid imports exactly what the flexible load draws
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], p, atol=TOL)


def test_keeps_its_energy_and_its_deferral_limit(make_inputs, run_dispatch) -> None:
    rng = np.random.default_rng(7)
    price = rng.uniform(10.0, 100.0, 24)
    base = rng.uniform(0.0, 1.5, 24)
    x = _with_flex(make_inputs(0.0, n=24, import_price=price), base_mw=list(base), e_max_mwh=1.0)
    r = run_dispatch(x).result
    p = r.frame("flexible_load", "p_mw")["flex"].to_numpy()
    e = r.frame("flexible_load", "deferred_mwh")["flex"].to_numpy()
    assert p.sum() == pytest.approx(base.sum(), abs=1e-6)
    assert e.max() <= 1.0 + TOL and e.min() >= -TOL
    np.testing.assert_allclose(e, np.cumsum(base - p), atol=1e-6)
    assert (p <= 2.0 + TOL).all()


def _rolling(x: DispatchInputs, window_h: int, horizon_h: int, **kw) -> tuple:
    def inputs_for(steps: pd.DatetimeIndex) -> DispatchInputs:
        at = x.time.get_indexer(steps)
        sliced = with_frames(
            x,
            load_p_mw=x.load_p_mw.iloc[at],
            renewable_p_mw=x.renewable_p_mw.iloc[at],
            grid=x.grid.iloc[at],
            extra={},
        )
        return _with_flex(
            sliced, base_mw=list(x.assets["flexible_load"].series["p_base_mw"][at, 0])
        )

    return run_rolling(x.time, x.dt_h, inputs_for, window_h, horizon_h, **kw)


def test_deferred_energy_is_carried_to_the_next_window(make_inputs) -> None:
    """Hourly windows of 2 h: the first window defers its hour at 100 EUR/MWh into
    the cheap hour it sees next; it commits only the deferral, so the next window
    starts 1 MWh behind and must serve it."""
    x = _with_flex(make_inputs(0.0, n=4, import_price=PRICE))
    r, stats = _rolling(x, 1, 2)
    assert stats.windows == 4
    p = r.frame("flexible_load", "p_mw")["flex"].to_numpy()
    e = r.frame("flexible_load", "deferred_mwh")["flex"].to_numpy()
    assert p[0] == pytest.approx(0.0, abs=TOL) and e[0] == pytest.approx(1.0, abs=TOL)
    # the carried 1 MWh is served: the period's energy equals the baseline's
    assert p.sum() == pytest.approx(4.0, abs=TOL)
    np.testing.assert_allclose(e, np.cumsum(1.0 - p), atol=TOL)
    assert e[-1] == pytest.approx(0.0, abs=TOL)


def test_padded_end_windows_equal_models_of_their_own_length(make_inputs) -> None:
    rng = np.random.default_rng(3)
    x = _with_flex(
        make_inputs(0.0, n=10, import_price=rng.uniform(10, 100, 10)),
        base_mw=list(rng.uniform(0.2, 1.2, 10)),
    )
    padded, st_pad = _rolling(x, 4, 6)
    own, st_own = _rolling(x, 4, 6, rebuild=True)
    assert st_pad.models_built == 1 and st_own.models_built == st_own.windows
    np.testing.assert_allclose(
        padded.frame("flexible_load", "p_mw"), own.frame("flexible_load", "p_mw"), atol=1e-6
    )
    for a, b in zip(st_pad.statuses, st_own.statuses, strict=True):
        assert a.objective_eur == pytest.approx(b.objective_eur, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"base_mw": 3.0}, "flexible_load.p_base_mw: baseline above p_max_mw"),
        ({"base_mw": -1.0}, "flexible_load.p_base_mw: contains negative values"),
        ({"e_max_mwh": float("nan")}, "flexible_load.units: p_max_mw, e_max_mwh"),
    ],
)
def test_bad_data_is_refused_naming_the_field(
    make_inputs: Callable[..., DispatchInputs], change: dict, problem: str
) -> None:
    with pytest.raises(DispatchInputError, match=problem):
        _with_flex(make_inputs(0.0, n=4), **change)
