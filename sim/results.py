"""SimulationResults and the results folder (Parquet time series, KPIs, meta data)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class SimulationResults:
    """Realised results of a run; every frame is indexed by UTC time (interval start)
    with asset names as columns, except the tables ``assets``, ``bus_table`` and
    ``branch_table``.

    Attributes
    ----------
    assets
        One row per asset: ``family`` (load, renewable, storage, conventional),
        ``kind``, ``bus``; for storage also ``e_max_mwh`` [MWh] and
        ``wear_cost_eur_per_mwh`` [EUR/MWh]; for conventional units ``p_max_mw``
        [MW], ``cost_eur_per_mwh`` [EUR/MWh], ``ef_tco2_per_mwh`` [tCO2/MWh] and
        ``start_cost_eur`` [EUR].
    bus_table
        One row per bus (by name): ``vn_kv`` [kV], ``vm_min_pu``, ``vm_max_pu`` [pu].
    branch_table
        One row per line and transformer (``line:<name>``, ``trafo:<name>``):
        ``element``, ``name``, ``level`` (voltage level) and ``vn_kv`` [kV].
    demand_p_mw, served_p_mw, shed_p_mw
        Actual demand, served demand and shed demand per load [MW].
    forecast_demand_p_mw, forecast_renewable_p_mw
        The demand and renewable availability forecasts each committed step was
        dispatched on [MW] (equal to the actuals with perfect forecasts).
    renewable_available_p_mw, renewable_p_mw, curtailment_p_mw
        Actual availability, realised generation and curtailment per unit [MW].
    storage_charge_p_mw, storage_discharge_p_mw, storage_e_mwh
        Storage powers [MW] and energy at the end of each step [MWh].
    conventional_p_mw, conventional_on
        Output [MW] and on/off state (1.0/0.0) of each conventional unit, as
        dispatched (controllable set-points are kept in the realisation).
    grid_import_p_mw, grid_export_p_mw
        Realised exchange with the external grid from the AC power flow [MW].
    planned_import_p_mw, planned_export_p_mw
        Exchange scheduled by the dispatch [MW]: the day-ahead stage's when an
        intraday re-dispatch follows it.
    dispatch_overgen_p_mw
        Over-generation slack used by the dispatch per bus [MW].
    losses_p_mw, injection_balance_p_mw
        AC losses of lines and transformers and the net sum of bus injections [MW].
    line_pl_mw, trafo_pl_mw
        AC losses per line and per transformer [MW].
    vm_pu, line_loading_percent, trafo_loading_percent
        Bus voltages [pu] and branch loadings [%] from the AC power flow.
    powerflow_converged
        Whether each step's AC power flow converged.
    grid_signals
        ``import_price_eur_per_mwh``, ``export_price_eur_per_mwh``,
        ``ef_tco2_per_mwh`` (actual values), the dispatch's
        ``system_price_eur_per_mwh``, the dispatch's system marginal emission factor
        ``system_mef_tco2_per_mwh`` and ``imbalance_price_eur_per_mwh`` (0 unless
        the case sets it).
    lmp_eur_per_mwh
        Locational marginal prices of the dispatch per network bus [EUR/MWh]
        (copperplate: one column ``system``).
    lmef_tco2_per_mwh
        Locational marginal emission factors of the dispatch per network bus
        [tCO2/MWh]: the change of the window's emissions per extra MWh of demand.
    dispatch_branch_p_mw
        Branch flows planned by the dispatch [MW] (dc, lindistflow).
    dispatch_vm_pu
        Voltages planned by the dispatch per network bus [pu] (lindistflow).
    dt_h
        Step length [h].
    families
        The results of the plug-in families (:mod:`sim.families`): per family name,
        its realised frames by quantity (time x unit), e.g.
        ``families["flexible_load"]["p_mw"]``; written as
        ``timeseries/<family>.<quantity>.parquet``.
    """

    assets: pd.DataFrame
    bus_table: pd.DataFrame
    branch_table: pd.DataFrame
    demand_p_mw: pd.DataFrame
    forecast_demand_p_mw: pd.DataFrame
    served_p_mw: pd.DataFrame
    shed_p_mw: pd.DataFrame
    renewable_available_p_mw: pd.DataFrame
    forecast_renewable_p_mw: pd.DataFrame
    renewable_p_mw: pd.DataFrame
    curtailment_p_mw: pd.DataFrame
    storage_charge_p_mw: pd.DataFrame
    storage_discharge_p_mw: pd.DataFrame
    storage_e_mwh: pd.DataFrame
    conventional_p_mw: pd.DataFrame
    conventional_on: pd.DataFrame
    grid_import_p_mw: pd.DataFrame
    grid_export_p_mw: pd.DataFrame
    planned_import_p_mw: pd.DataFrame
    planned_export_p_mw: pd.DataFrame
    dispatch_overgen_p_mw: pd.DataFrame
    losses_p_mw: pd.DataFrame
    injection_balance_p_mw: pd.DataFrame
    line_pl_mw: pd.DataFrame
    trafo_pl_mw: pd.DataFrame
    vm_pu: pd.DataFrame
    line_loading_percent: pd.DataFrame
    trafo_loading_percent: pd.DataFrame
    powerflow_converged: pd.DataFrame
    grid_signals: pd.DataFrame
    lmp_eur_per_mwh: pd.DataFrame
    lmef_tco2_per_mwh: pd.DataFrame
    dispatch_branch_p_mw: pd.DataFrame
    dispatch_vm_pu: pd.DataFrame
    dt_h: float
    families: Mapping[str, Mapping[str, pd.DataFrame]] = field(default_factory=dict)


def frame_fields() -> list[str]:
    """Names of the DataFrame fields of :class:`SimulationResults`."""
    return [f.name for f in fields(SimulationResults) if f.name not in ("dt_h", "families")]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def write_results(
    results: SimulationResults,
    kpis: dict[str, float],
    meta: dict[str, Any],
    folder: Path,
    figures: dict[str, Any] | None = None,
) -> Path:
    """Write a results folder atomically and return its path.

    Layout: ``timeseries/<field>.parquet``, ``kpis.json``, ``kpis.csv``,
    ``meta.json`` and ``plots/<name>.png``. The folder is first written beside
    its target and then moved into place, replacing an older one.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        (tmp / "timeseries").mkdir()
        for name in frame_fields():
            df = getattr(results, name).copy()
            df.columns = [str(c) for c in df.columns]
            df.to_parquet(tmp / "timeseries" / f"{name}.parquet")
        for family, frames in results.families.items():
            for quantity, frame in frames.items():
                df = frame.copy()
                df.columns = [str(c) for c in df.columns]
                df.to_parquet(tmp / "timeseries" / f"{family}.{quantity}.parquet")
        _write_json(tmp / "kpis.json", kpis)
        pd.Series(kpis, name="value").rename_axis("kpi").to_csv(tmp / "kpis.csv")
        _write_json(tmp / "meta.json", {**meta, "dt_h": results.dt_h})
        if figures:
            (tmp / "plots").mkdir()
            for name, fig in figures.items():
                fig.savefig(tmp / "plots" / f"{name}.png", dpi=110, bbox_inches="tight")
        old = None
        if folder.exists():
            old = folder.parent / f".{folder.name}.old-{os.getpid()}"
            folder.rename(old)
        tmp.rename(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def read_results(folder: Path) -> tuple[SimulationResults, dict[str, float], dict[str, Any]]:
    """Read a results folder written by :func:`write_results`."""
    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text())
    kpis = json.loads((folder / "kpis.json").read_text())
    frames = {
        name: pd.read_parquet(folder / "timeseries" / f"{name}.parquet") for name in frame_fields()
    }
    families: dict[str, dict[str, pd.DataFrame]] = {}
    for path in sorted((folder / "timeseries").glob("*.*.parquet")):
        family, quantity = path.name.removesuffix(".parquet").split(".", 1)
        families.setdefault(family, {})[quantity] = pd.read_parquet(path)
    results = SimulationResults(**frames, dt_h=float(meta["dt_h"]), families=families)
    return results, kpis, meta
