"""Everything fixed before the dispatch of a run: the grid with all its assets, the
actual profiles and their forecast history, the grid signals and the asset tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from grid.assets import renewable_kind
from grid.profiles import ProfileError, Profiles, profile_period, scale_profiles, simbench_profiles
from grid.topology import NetworkData, network_data
from sim.assembly import (
    add_plugin_elements,
    build_grid,
    conventional_table,
    grid_signals,
    storage_table,
)
from sim.case import Case, CaseError
from sim.families import registered_families
from sim.forecasts import history_start
from sim.series import series_from_spec


@dataclass(frozen=True)
class Setup:
    """Everything fixed before the dispatch: the grid, actuals and asset tables."""

    net: Any
    nd: NetworkData
    kinds: pd.Series
    actual: Profiles
    history: Profiles
    index: pd.DatetimeIndex
    signals: pd.DataFrame
    signals_history: pd.DataFrame | None
    storage: pd.DataFrame
    conventional: pd.DataFrame
    imbalance_price_eur_per_mwh: pd.Series
    plugins: dict[str, Any] = field(default_factory=dict)


def case_profiles(case: Case, net: Any, kinds: pd.Series) -> tuple[Profiles, Profiles]:
    """Actual profiles of the period and of the period with its forecast history."""
    start, end = pd.Timestamp(case.time.start), pd.Timestamp(case.time.end)
    if not getattr(net, "profiles", None):
        raise CaseError(
            "profiles.source: simbench profiles need a SimBench grid (grid.simbench_code)"
        )
    try:
        first, _ = profile_period(net)
        h0 = history_start(start, case.forecast, first) if not case.forecast.is_perfect else start
        full = simbench_profiles(net, h0, end, case.time.resolution_min)
    except ProfileError as exc:
        raise CaseError(f"time: {exc}") from None
    pc = case.profiles
    factor = kinds.map(
        {"wind": pc.wind_scale, "pv": pc.pv_scale, "other_renewable": pc.other_renewable_scale}
    )
    full = scale_profiles(full, pc.load_scale, factor)
    keep = full.load_p_mw.index >= start
    actual = Profiles(
        load_p_mw=full.load_p_mw.loc[keep],
        load_q_mvar=full.load_q_mvar.loc[keep],
        sgen_p_mw=full.sgen_p_mw.loc[keep],
    )
    return actual, full


def setup_run(case: Case) -> Setup:
    """Build the grid with all assets, read the actual profiles (with their forecast
    history) and make the shipped families' tables and the plug-in families' run
    data.

    Raises
    ------
    CaseError
        If the case does not fit the grid or the profiles.
    """
    net = build_grid(case)
    kinds = renewable_kind(net)
    actual, history = case_profiles(case, net, kinds)
    nd = network_data(net)
    add_plugin_elements(case, net)
    index = pd.DatetimeIndex(actual.load_p_mw.index)
    hist_index = pd.DatetimeIndex(history.load_p_mw.index)
    return Setup(
        net=net,
        nd=nd,
        kinds=kinds,
        actual=actual,
        history=history,
        index=index,
        signals=grid_signals(case, index),
        signals_history=(
            grid_signals(case, hist_index)
            if case.forecast.method_for("prices") != "perfect"
            else None
        ),
        storage=storage_table(case, nd.storage_bus),
        conventional=conventional_table(case, nd.sgen_bus),
        imbalance_price_eur_per_mwh=_imbalance_price(case, index),
        plugins=_prepare_plugins(case, net, index),
    )


def _prepare_plugins(case: Case, net: Any, index: pd.DatetimeIndex) -> dict[str, Any]:
    """The run data of every registered plug-in family the case uses."""
    out = {}
    for f in registered_families():
        specs = case.families.get(f.name, [])
        if specs:
            try:
                out[f.name] = f.prepare(specs, net, index, case.time.dt_h)
            except CaseError:
                raise
            except ValueError as exc:
                raise CaseError(f"{f.case_key}.{exc}") from None  # "<entry>.<key>: ..."
    return out


def _imbalance_price(case: Case, index: pd.DatetimeIndex) -> pd.Series:
    """The case's imbalance price on ``index`` [EUR/MWh] (0 if not given)."""
    spec = case.external_grid.imbalance_price_eur_per_mwh
    if spec is None:
        return pd.Series(0.0, index=index, name="imbalance_price_eur_per_mwh")
    key = "external_grid.imbalance_price_eur_per_mwh"
    return series_from_spec(spec, index, key).rename("imbalance_price_eur_per_mwh")
