"""Everything fixed before the dispatch of a run: the grid with all its assets, the
actual profiles and their forecast history, the grid signals and every asset
family's data for the run."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from grid.assets import renewable_kind
from grid.profiles import Profiles
from grid.topology import NetworkData, network_data
from sim.assembly import build_grid, grid_signals
from sim.case import Case
from sim.families import registered_families
from sim.profile_sources import case_profiles
from sim.series import series_from_spec


@dataclass(frozen=True)
class Setup:
    """Everything fixed before the dispatch: the grid, actuals and signals, and the
    data of every family taking part in the run by name (``families``, in registry
    order; what :meth:`sim.families.SimFamily.prepare_run` returned)."""

    net: Any
    nd: NetworkData
    kinds: pd.Series
    actual: Profiles
    history: Profiles
    index: pd.DatetimeIndex
    signals: pd.DataFrame
    signals_history: pd.DataFrame | None
    imbalance_price_eur_per_mwh: pd.Series
    families: dict[str, Any] = field(default_factory=dict)


def setup_run(case: Case) -> Setup:
    """Build the grid with all assets, read the actual profiles (with their forecast
    history) and prepare every family's data for the run.

    Raises
    ------
    CaseError
        If the case does not fit the grid or the profiles.
    """
    net = build_grid(case)
    families = registered_families()
    kinds = renewable_kind(net)
    actual, history = case_profiles(case, net, kinds)
    nd = network_data(net)
    for fam in families:
        if not fam.in_network_data:
            fam.add_elements(case, net)
    index = pd.DatetimeIndex(actual.load_p_mw.index)
    hist_index = pd.DatetimeIndex(history.load_p_mw.index)
    base = Setup(
        net=net,
        nd=nd,
        kinds=kinds,
        actual=actual,
        history=history,
        index=index,
        signals=grid_signals(case, index, net),
        signals_history=(
            grid_signals(case, hist_index, net)
            if case.forecast.method_for("prices") != "perfect"
            else None
        ),
        imbalance_price_eur_per_mwh=_imbalance_price(case, index),
    )
    prepared = {f.name: f.prepare_run(case, base) for f in families}
    return replace(base, families={k: v for k, v in prepared.items() if v is not None})


def _imbalance_price(case: Case, index: pd.DatetimeIndex) -> pd.Series:
    """The case's imbalance price on ``index`` [EUR/MWh] (0 if not given)."""
    spec = case.external_grid.imbalance_price_eur_per_mwh
    if spec is None:
        return pd.Series(0.0, index=index, name="imbalance_price_eur_per_mwh")
    key = "external_grid.imbalance_price_eur_per_mwh"
    return series_from_spec(spec, index, key).rename("imbalance_price_eur_per_mwh")
