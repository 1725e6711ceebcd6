"""SimulationResults and the results folder (Parquet time series, KPIs, meta data)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

#: the shipped families' results under their familiar names: name -> (family, quantity)
RESULT_NAMES: dict[str, tuple[str, str]] = {
    "demand_p_mw": ("loads", "demand_p_mw"),
    "forecast_demand_p_mw": ("loads", "forecast_p_mw"),
    "served_p_mw": ("loads", "served_p_mw"),
    "served_q_mvar": ("loads", "served_q_mvar"),
    "shed_p_mw": ("loads", "shed_p_mw"),
    "dispatch_overgen_p_mw": ("loads", "overgen_p_mw"),
    "renewable_available_p_mw": ("renewables", "available_p_mw"),
    "forecast_renewable_p_mw": ("renewables", "forecast_p_mw"),
    "renewable_p_mw": ("renewables", "p_mw"),
    "curtailment_p_mw": ("renewables", "curtailment_p_mw"),
    "storage_charge_p_mw": ("storage", "charge_p_mw"),
    "storage_discharge_p_mw": ("storage", "discharge_p_mw"),
    "storage_e_mwh": ("storage", "e_mwh"),
    "conventional_p_mw": ("conventional", "p_mw"),
    "conventional_on": ("conventional", "on"),
    "grid_import_p_mw": ("grid", "import_p_mw"),
    "grid_export_p_mw": ("grid", "export_p_mw"),
    "planned_import_p_mw": ("grid", "planned_import_p_mw"),
    "planned_export_p_mw": ("grid", "planned_export_p_mw"),
}


def _family_view(name: str) -> property:
    family, quantity = RESULT_NAMES[name]

    def get(self: SimulationResults) -> pd.DataFrame:
        return self.families[family][quantity]

    get.__doc__ = f"``families[{family!r}][{quantity!r}]`` (see :class:`SimulationResults`)."
    return property(get)


class _FamilyViews:
    """The shipped families' frames of :class:`SimulationResults` under the names of
    :data:`RESULT_NAMES` (read-only views of ``families``)."""

    demand_p_mw = _family_view("demand_p_mw")
    forecast_demand_p_mw = _family_view("forecast_demand_p_mw")
    served_p_mw = _family_view("served_p_mw")
    served_q_mvar = _family_view("served_q_mvar")
    shed_p_mw = _family_view("shed_p_mw")
    dispatch_overgen_p_mw = _family_view("dispatch_overgen_p_mw")
    renewable_available_p_mw = _family_view("renewable_available_p_mw")
    forecast_renewable_p_mw = _family_view("forecast_renewable_p_mw")
    renewable_p_mw = _family_view("renewable_p_mw")
    curtailment_p_mw = _family_view("curtailment_p_mw")
    storage_charge_p_mw = _family_view("storage_charge_p_mw")
    storage_discharge_p_mw = _family_view("storage_discharge_p_mw")
    storage_e_mwh = _family_view("storage_e_mwh")
    conventional_p_mw = _family_view("conventional_p_mw")
    conventional_on = _family_view("conventional_on")
    grid_import_p_mw = _family_view("grid_import_p_mw")
    grid_export_p_mw = _family_view("grid_export_p_mw")
    planned_import_p_mw = _family_view("planned_import_p_mw")
    planned_export_p_mw = _family_view("planned_export_p_mw")


@dataclass(frozen=True)
class SimulationResults(_FamilyViews):
    """Realised results of a run; every frame is indexed by UTC time (interval start)
    with asset names as columns, except the tables ``assets``, ``bus_table`` and
    ``branch_table``.

    Attributes
    ----------
    families
        Every asset family's realised frames by family name and quantity, e.g.
        ``families["storage"]["e_mwh"]``; written as
        ``timeseries/<family>.<quantity>.parquet``. The shipped families hold:

        ``loads``
            ``demand_p_mw``, ``served_p_mw``, ``shed_p_mw`` (actual, served and shed
            demand per load [MW]), ``forecast_p_mw`` (the demand forecast each
            committed step was dispatched on [MW]; the actuals with perfect
            forecasts), ``served_q_mvar`` (reactive demand served per load
            [Mvar]), ``overgen_p_mw`` (over-generation slack of the dispatch per
            bus [MW]).
        ``renewables``
            ``available_p_mw``, ``p_mw``, ``curtailment_p_mw`` (actual availability,
            realised generation and curtailment per unit [MW]) and
            ``forecast_p_mw`` (the availability forecast dispatched on [MW]).
        ``storage``
            ``charge_p_mw``, ``discharge_p_mw`` [MW] and ``e_mwh`` (energy at the end
            of each step [MWh]).
        ``conventional``
            ``p_mw`` [MW] and ``on`` (1.0/0.0) of each unit, as dispatched
            (controllable set-points are kept in the realisation).
        ``grid``
            ``import_p_mw``, ``export_p_mw`` (realised exchange from the AC power
            flow [MW]) and ``planned_import_p_mw``, ``planned_export_p_mw`` (the
            exchange scheduled by the dispatch [MW]: the day-ahead stage's when an
            intraday re-dispatch follows it).

        Each family makes its frames (:mod:`sim.shipped` for these five); other
        registered families (:mod:`sim.families`) add their own. The shipped ones are
        also read under their familiar names (:data:`RESULT_NAMES`):
        ``demand_p_mw``, ``storage_e_mwh``, ``grid_import_p_mw``, ...
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
    losses_p_mw, injection_balance_p_mw
        AC losses of lines and transformers and the net sum of bus injections [MW].
    line_pl_mw, trafo_pl_mw
        AC losses per line and per transformer [MW].
    vm_pu, line_loading_percent, trafo_loading_percent
        Bus voltages [pu] and branch loadings [%] from the AC power flow.
    powerflow_converged
        Whether each step's AC power flow converged.
    powerflow_failures
        One row per step whose AC power flow failed: ``reason`` and
        ``net_load_p_mw`` [MW] (:attr:`grid.powerflow.PowerFlowResults.failures`).
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
    """

    families: Mapping[str, Mapping[str, pd.DataFrame]]
    assets: pd.DataFrame
    bus_table: pd.DataFrame
    branch_table: pd.DataFrame
    losses_p_mw: pd.DataFrame
    injection_balance_p_mw: pd.DataFrame
    line_pl_mw: pd.DataFrame
    trafo_pl_mw: pd.DataFrame
    vm_pu: pd.DataFrame
    line_loading_percent: pd.DataFrame
    trafo_loading_percent: pd.DataFrame
    powerflow_converged: pd.DataFrame
    powerflow_failures: pd.DataFrame
    grid_signals: pd.DataFrame
    lmp_eur_per_mwh: pd.DataFrame
    lmef_tco2_per_mwh: pd.DataFrame
    dispatch_branch_p_mw: pd.DataFrame
    dispatch_vm_pu: pd.DataFrame
    dt_h: float


def frame_fields() -> list[str]:
    """Names of the DataFrame fields of :class:`SimulationResults` (besides the
    families' frames)."""
    return [f.name for f in fields(SimulationResults) if f.name not in ("dt_h", "families")]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def write_results(
    results: SimulationResults,
    kpis: dict[str, float],
    meta: dict[str, Any],
    folder: Path,
    figures: dict[str, Any] | None = None,
    before_commit: Callable[[Path], object] | None = None,
) -> Path:
    """Write a results folder atomically and return its path.

    Layout: ``timeseries/<field>.parquet`` (the system frames),
    ``timeseries/<family>.<quantity>.parquet`` (every family's frames),
    ``kpis.json``, ``kpis.csv``, ``meta.json`` and ``plots/<name>.png``. The
    folder is first written beside its target and then moved into place, replacing
    an older one; ``before_commit(tmp_folder)`` adds more files (the report) before
    the move, so an interrupted write never leaves a folder that looks complete.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        # mkdtemp makes the folder private (0700): give it its parent's permissions
        tmp.chmod(folder.parent.stat().st_mode & 0o777)
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
        if before_commit is not None:
            before_commit(tmp)
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
