"""Network KPIs from the AC power flow: losses per branch and voltage level, voltage
and loading extremes and violations. Pure functions of SimulationResults; the
definitions are in ``docs/kpis.md``."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sim.results import SimulationResults

#: a voltage beyond its limit by more than this counts as a violation [pu]
VM_TOL_PU = 1e-6
#: a loading above 100 % by more than this counts as an overload [%]
LOADING_TOL_PERCENT = 1e-6


def losses_by_branch_mwh(r: SimulationResults) -> pd.Series:
    """AC loss energy of every line and transformer over the period [MWh], indexed
    like ``r.branch_table`` (``line:<name>``, ``trafo:<name>``), largest first."""
    lines = r.line_pl_mw.sum(axis=0) * r.dt_h
    trafos = r.trafo_pl_mw.sum(axis=0) * r.dt_h
    lines.index = "line:" + lines.index.astype(str)
    trafos.index = "trafo:" + trafos.index.astype(str)
    out = pd.concat([lines, trafos]).rename("losses_mwh").rename_axis("branch")
    return out.sort_values(ascending=False)


def _level_key(level: str) -> str:
    """``20 kV`` -> ``20kv``, ``110/20 kV`` -> ``110_20kv`` (for KPI names)."""
    return re.sub(r"[^0-9a-z.]+", "_", level.lower().replace(" kv", "kv")).strip("_")


def losses_by_level_mwh(r: SimulationResults) -> pd.Series:
    """AC loss energy per voltage level [MWh]: lines by their nominal voltage,
    transformers by their voltage pair."""
    by_branch = losses_by_branch_mwh(r)
    level = r.branch_table["level"].reindex(by_branch.index)
    return by_branch.groupby(level).sum().rename("losses_mwh")


def network_kpis(r: SimulationResults) -> dict[str, float]:
    """Losses per voltage level [MWh], voltage and loading extremes, violations and
    power-flow convergence.

    ``vm_violation_bus_steps`` counts bus-steps outside the bus's
    ``[vm_min_pu, vm_max_pu]``; ``vm_under_worst_pu`` / ``vm_over_worst_pu`` are the
    largest deviations below / above the limit [pu] (0 if none);
    ``line_overload_steps`` / ``trafo_overload_steps`` count branch-steps above 100 %
    loading. Steps whose AC power flow failed are left out of these (they hold no
    voltages, loadings or losses) and counted apart: ``powerflow_failed_steps`` and
    ``powerflow_failed_net_load_mwh``, the net load of those steps [MWh] (their
    exchange with the external grid is estimated without losses).
    """
    vm = r.vm_pu.to_numpy(dtype=float)
    limits = r.bus_table.reindex(r.vm_pu.columns)
    lo = limits["vm_min_pu"].to_numpy(dtype=float)
    hi = limits["vm_max_pu"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        under = np.nan_to_num(lo - vm, nan=0.0).clip(min=0.0)
        over = np.nan_to_num(vm - hi, nan=0.0).clip(min=0.0)
    ll = r.line_loading_percent.to_numpy(dtype=float)
    tl = r.trafo_loading_percent.to_numpy(dtype=float)
    out = {
        "vm_min_pu": float(np.nanmin(vm)) if np.isfinite(vm).any() else float("nan"),
        "vm_max_pu": float(np.nanmax(vm)) if np.isfinite(vm).any() else float("nan"),
        "vm_violation_bus_steps": float(((under > VM_TOL_PU) | (over > VM_TOL_PU)).sum()),
        "vm_under_worst_pu": float(under.max(initial=0.0)),
        "vm_over_worst_pu": float(over.max(initial=0.0)),
        "line_loading_max_percent": float(np.nanmax(ll, initial=0.0)),
        "trafo_loading_max_percent": float(np.nanmax(tl, initial=0.0)),
        "line_overload_steps": float((np.nan_to_num(ll) > 100.0 + LOADING_TOL_PERCENT).sum()),
        "trafo_overload_steps": float((np.nan_to_num(tl) > 100.0 + LOADING_TOL_PERCENT).sum()),
        "powerflow_failed_steps": float((~r.powerflow_converged.to_numpy(dtype=bool)).sum()),
        "powerflow_failed_net_load_mwh": float(
            r.powerflow_failures["net_load_p_mw"].abs().sum() * r.dt_h
        ),
    }
    for level, mwh in losses_by_level_mwh(r).items():
        out[f"losses_{_level_key(str(level))}_mwh"] = float(mwh)
    return out
