"""Shared builders for small, hand-computable dispatch problems.

The helpers are exposed as fixtures (``make_inputs``, ``run_dispatch``) because test
directories are not packages and ``import conftest`` would be ambiguous.

Every problem has two buses: ``ext`` (the grid connection) and ``b1``, which
carries the load ``load``, an optional wind farm ``wind`` and optional batteries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from dispatch.builtin import window_inputs
from dispatch.components.storage import STORAGE_COLUMNS
from dispatch.extract import DispatchResult, extract
from dispatch.inputs import DispatchInputs, DispatchOptions
from dispatch.model import build_model
from dispatch.solve import SolveStatus, solve

START = pd.Timestamp("2016-03-01 00:00", tz="UTC")

#: a lossless 1 MW / 10 MWh battery at ``b1`` without wear cost
STORAGE_DEFAULTS: dict[str, Any] = {
    "bus": "b1",
    "p_max_mw": 1.0,
    "e_min_mwh": 0.0,
    "e_max_mwh": 10.0,
    "e_terminal_min_mwh": 0.0,
    "eff_charge": 1.0,
    "eff_discharge": 1.0,
    "standing_loss_per_h": 0.0,
    "wear_cost_eur_per_mwh": 0.0,
}

Values = float | Sequence[float] | np.ndarray


def _series(values: Values, n: int) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return np.full(n, float(arr)) if arr.ndim == 0 else arr


def build_inputs(
    demand_mw: Values,
    *,
    n: int | None = None,
    dt_h: float = 1.0,
    wind_mw: Values | None = None,
    import_price: Values = 50.0,
    export_price: Values = 0.0,
    ef: Values = 0.0,
    storage: dict[str, dict[str, Any]] | None = None,
    e0_mwh: dict[str, float] | None = None,
    import_max_mw: float = float("inf"),
    export_max_mw: float = float("inf"),
    options: DispatchOptions | None = None,
    start: pd.Timestamp = START,
) -> DispatchInputs:
    """Small :class:`DispatchInputs` on buses ``ext`` and ``b1``.

    Parameters
    ----------
    demand_mw, wind_mw
        Demand of ``load`` and availability of ``wind`` [MW], per step or constant.
    import_price, export_price, ef
        Grid prices [EUR/MWh] and import emission factor [tCO2/MWh].
    storage
        ``{name: overrides of STORAGE_DEFAULTS}``; ``None`` for no storage.
    e0_mwh
        Initial energy by storage name [MWh]; default ``e_min_mwh``.
    start
        First time step (UTC).
    """
    if n is None:
        n = np.asarray(demand_mw).size
    index = pd.date_range(start, periods=n, freq=pd.Timedelta(hours=dt_h), name="time")
    load = pd.DataFrame({"load": _series(demand_mw, n)}, index=index)
    if wind_mw is None:
        ren = pd.DataFrame(index=index, columns=pd.Index([], dtype=object), dtype=float)
        ren_bus = pd.Series(dtype=object)
    else:
        ren = pd.DataFrame({"wind": _series(wind_mw, n)}, index=index)
        ren_bus = pd.Series({"wind": "b1"}, dtype=object)
    rows = {name: {**STORAGE_DEFAULTS, **kw} for name, kw in (storage or {}).items()}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(STORAGE_COLUMNS))
    table = table.astype({c: float for c in STORAGE_COLUMNS if c != "bus"})
    e0 = {name: row["e_min_mwh"] for name, row in rows.items()} | (e0_mwh or {})
    grid = pd.DataFrame(
        {
            "import_price_eur_per_mwh": _series(import_price, n),
            "export_price_eur_per_mwh": _series(export_price, n),
            "ef_tco2_per_mwh": _series(ef, n),
        },
        index=index,
    )
    return window_inputs(
        dt_h=dt_h,
        load_p_mw=load,
        load_bus=pd.Series({"load": "b1"}, dtype=object),
        renewable_p_mw=ren,
        renewable_bus=ren_bus,
        storage=table,
        storage_e_initial_mwh=pd.Series(e0, dtype=float).reindex(table.index),
        grid=grid,
        ext_grid_bus="ext",
        import_max_mw=import_max_mw,
        export_max_mw=export_max_mw,
        options=options or DispatchOptions(),
    )


@dataclass(frozen=True)
class Solved:
    """A solved dispatch: the model, the solver status and the extracted result."""

    model: pyo.ConcreteModel
    status: SolveStatus
    result: DispatchResult


def solve_inputs(x: DispatchInputs) -> Solved:
    """Build, solve (with duals) and extract the dispatch of ``x``."""
    m = build_model(x)
    status = solve(m)
    return Solved(model=m, status=status, result=extract(m, x))


def balance_residual_mw(x: DispatchInputs, r: DispatchResult) -> pd.Series:
    """Sum of all injections per step [MW]; zero when the power balance closes."""
    return (
        r.grid_import_p_mw["grid"]
        - r.grid_export_p_mw["grid"]
        + r.renewable_p_mw.sum(axis=1)
        + r.storage_discharge_p_mw.sum(axis=1)
        - r.storage_charge_p_mw.sum(axis=1)
        - x.load_p_mw.sum(axis=1)
        + r.shed_p_mw.sum(axis=1)
        - r.overgen_p_mw.sum(axis=1)
    )


def random_inputs(seed: int, n: int = 24, dt_h: float = 1.0, **overrides: Any) -> DispatchInputs:
    """A seeded random-price case with demand, wind and one lossy battery."""
    rng = np.random.default_rng(seed)
    price = rng.uniform(10.0, 100.0, n)
    kw: dict[str, Any] = {
        "dt_h": dt_h,
        "wind_mw": rng.uniform(0.0, 3.0, n),
        "import_price": price,
        "export_price": price - 5.0,
        "ef": rng.uniform(0.1, 0.6, n),
        "storage": {
            "bat": {
                "p_max_mw": 1.5,
                "e_min_mwh": 0.2,
                "e_max_mwh": 4.0,
                "eff_charge": 0.92,
                "eff_discharge": 0.95,
                "standing_loss_per_h": 0.01,
                "wear_cost_eur_per_mwh": 1.0,
            }
        },
        "e0_mwh": {"bat": 1.0},
    }
    kw.update(overrides)
    return build_inputs(rng.uniform(0.5, 2.0, n), **kw)


@pytest.fixture(scope="session")
def make_inputs() -> Callable[..., DispatchInputs]:
    """:func:`build_inputs`."""
    return build_inputs


@pytest.fixture(scope="session")
def make_random_inputs() -> Callable[..., DispatchInputs]:
    """:func:`random_inputs`."""
    return random_inputs


@pytest.fixture(scope="session")
def run_dispatch() -> Callable[[DispatchInputs], Solved]:
    """:func:`solve_inputs`."""
    return solve_inputs


@pytest.fixture(scope="session")
def residual() -> Callable[[DispatchInputs, DispatchResult], pd.Series]:
    """:func:`balance_residual_mw`."""
    return balance_residual_mw


#: a 10 MW conventional unit at ``b1`` at 20 EUR/MWh, no emissions, no ramp, up/down
#: time or start limits (add with :func:`add_conventional_units`)
CONVENTIONAL_DEFAULTS: dict[str, Any] = {
    "bus": "b1",
    "p_min_mw": 0.0,
    "p_max_mw": 10.0,
    "cost_eur_per_mwh": 20.0,
    "ef_tco2_per_mwh": 0.0,
    "ramp_up_mw_per_h": float("inf"),
    "ramp_down_mw_per_h": float("inf"),
    "min_up_h": 0.0,
    "min_down_h": 0.0,
    "start_cost_eur": 0.0,
}


def add_conventional_units(
    x: DispatchInputs,
    units: dict[str, dict[str, Any]],
    state: dict[str, dict[str, float]] | None = None,
    options: DispatchOptions | None = None,
) -> DispatchInputs:
    """``x`` with conventional units (and optionally new options), validated again.

    Parameters
    ----------
    units
        ``{name: overrides of CONVENTIONAL_DEFAULTS}``.
    state
        ``{name: {"p_mw": [MW], "on": 0/1, "hours_in_state": [h]}}`` before the
        window; units left out start off and free to start.
    options
        Replaces ``x.options`` if given.
    """
    from dispatch.builtin import with_frames
    from dispatch.components.conventional import CONVENTIONAL_COLUMNS, CONVENTIONAL_STATE

    rows = {name: {**CONVENTIONAL_DEFAULTS, **kw} for name, kw in units.items()}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(CONVENTIONAL_COLUMNS))
    table = table.astype({c: float for c in CONVENTIONAL_COLUMNS if c != "bus"})
    st = pd.DataFrame.from_dict(
        state or {}, orient="index", columns=list(CONVENTIONAL_STATE), dtype=float
    )
    return with_frames(x, conventional=table, conventional_state=st, options=options or x.options)


@pytest.fixture(scope="session")
def with_conventional() -> Callable[..., DispatchInputs]:
    """:func:`add_conventional_units`."""
    return add_conventional_units
