"""run(case) -> RunOutput: the data flow of the simulator, nothing else.

Grid and profiles -> forecasters -> rolling dispatch on forecasts -> realisation on
the actuals -> AC power flow of every step -> SimulationResults. With
``dispatch.loss_iterations`` the dispatch is repeated with the branch losses of the
previous AC power flow as loss estimates.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dispatch.extract import DispatchResult
from dispatch.inputs import DispatchInputs
from dispatch.rolling import RollingStats, run_rolling
from grid.elements import branch_table, bus_table
from grid.injections import combined_injections
from grid.powerflow import PowerFlowResults, run_ac_timeseries
from sim.assembly import dispatch_options, network_inputs
from sim.case import Case
from sim.families import SimFamily, Stage, registered_families
from sim.forecasts import Forecasts
from sim.results import SimulationResults
from sim.setup import Setup, setup_run
from sim.windows import WindowData

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutput:
    """A finished run: its results, the dispatch statistics, stage timings [s] and the
    AC losses of every dispatch iteration [MWh] (one entry without loss feedback)."""

    results: SimulationResults
    stats: RollingStats
    timings_s: dict[str, float]
    loss_iterations_mwh: list[float] = field(default_factory=list)
    intraday_stats: RollingStats | None = None


def _intraday(case: Case) -> Case:
    """The intraday stage of ``case``: hourly windows of ``intraday_horizon_h`` with
    forecasts issued at each window's start."""
    d = case.dispatch.model_copy(
        update={
            "rolling": "intraday",
            "window_h": 1,
            "horizon_h": case.dispatch.intraday_horizon_h,
        }
    )
    fc = case.forecast.model_copy(update={"lead_h": 0.0})
    return case.model_copy(update={"dispatch": d, "forecast": fc})


def _families(s: Setup) -> list[tuple[SimFamily, Any]]:
    """The families taking part in the run, in registry order, with their data."""
    return [(f, s.families[f.name]) for f in registered_families() if f.name in s.families]


def _window_steps(case: Case, s: Setup) -> int:
    """Steps committed per window, as :func:`dispatch.rolling.run_rolling` plans them."""
    window_h, horizon_h = case.dispatch.window_and_horizon_h
    n, dt = len(s.index), case.time.dt_h
    horizon = n if horizon_h is None else max(1, round(horizon_h / dt))
    window = horizon if window_h is None else max(1, round(window_h / dt))
    return min(window, horizon)


def _dispatch(
    case: Case,
    s: Setup,
    branch_loss_mw: pd.DataFrame | None,
    previous: DispatchResult | None = None,
    label: str = "",
) -> tuple[DispatchResult, RollingStats, Stage]:
    """Fit the forecasters and dispatch the period window by window (against the
    exchange scheduled by the ``previous`` stage's dispatch if given); ``label``
    names the stage in error messages."""
    signals_all = s.signals_history if s.signals_history is not None else s.signals
    fc = Forecasts.fit(
        case.forecast,
        s.history.load_p_mw,
        s.history.load_q_mvar,
        s.history.sgen_p_mw,
        s.kinds,
        signals_all,
    )
    stage = Stage(
        index=s.index, forecasts=fc, previous=previous, window_steps=_window_steps(case, s)
    )
    data = WindowData(
        dt_h=case.time.dt_h,
        index=s.index,
        families=_families(s),
        options=dispatch_options(case),
        network=network_inputs(s.nd),
    )
    losses = None if branch_loss_mw is None else branch_loss_mw.to_numpy(dtype=float)

    def inputs_for(steps: pd.DatetimeIndex) -> DispatchInputs:
        return data.inputs(stage, steps, losses)

    d = case.dispatch
    window_h, horizon_h = d.window_and_horizon_h
    dispatch, stats = run_rolling(
        s.index,
        case.time.dt_h,
        inputs_for,
        window_h,
        horizon_h,
        d.network_model,
        d.time_limit_s,
        emission_sensitivities=True,
        interface=d.solver_interface,
        dump_model=d.dump_model,
        stage=label,
    )
    return dispatch, stats, stage


def _check(
    s: Setup, dispatch: DispatchResult, stage: Stage, engine: str
) -> tuple[dict[str, dict[str, pd.DataFrame]], PowerFlowResults]:
    """Realise the dispatch on the actuals (each family by its own rule), run the AC
    power flow of every step with the families' injections, and return every
    family's result frames and the power flow."""
    realised = {}
    injections = []
    for f, prepared in _families(s):
        dispatched = {q: dispatch.frame(f.name, q) for q in dispatch.assets.get(f.name, {})}
        realised[f.name] = f.realise(prepared, dispatched, stage)
        injections += f.injections(prepared, realised[f.name])
    pf = run_ac_timeseries(s.net, combined_injections(injections), engine=engine)
    frames = {f.name: f.after_powerflow(p, realised[f.name], pf) for f, p in _families(s)}
    return frames, pf


def _branch_losses(pf: PowerFlowResults, branches: pd.Index) -> pd.DataFrame:
    """AC losses per branch of the dispatch's network data [MW] (NaN steps as 0)."""
    losses = pd.concat([pf.line_pl_mw, pf.trafo_pl_mw], axis=1).fillna(0.0)
    losses = losses.loc[:, ~losses.columns.duplicated()]
    return losses.reindex(columns=branches, fill_value=0.0)


def run(case: Case) -> RunOutput:
    """Simulate ``case``: build the grid, dispatch window by window on forecasts,
    realise against the actuals and check every step with an AC power flow.

    Raises
    ------
    CaseError
        If the case does not fit the grid or the profiles (bus names, period).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    s = setup_run(case)
    timings["build_s"] = time.perf_counter() - t0
    timings["dispatch_s"] = timings["powerflow_s"] = 0.0
    loss_mwh: list[float] = []
    branch_loss: pd.DataFrame | None = None
    intraday_stats: RollingStats | None = None
    for iteration in range(case.dispatch.loss_iterations + 1):
        t1 = time.perf_counter()
        again = f"AC-loss iteration {iteration}: " if iteration else ""
        first = "day-ahead" if case.dispatch.intraday_redispatch else ""
        label = (again + first).strip()
        dispatch, stats, stage = _dispatch(case, s, branch_loss, label=label)
        if case.dispatch.intraday_redispatch:
            dispatch, intraday_stats, stage = _dispatch(
                _intraday(case), s, branch_loss, dispatch, label=again + "intraday"
            )
        t2 = time.perf_counter()
        frames, pf = _check(s, dispatch, stage, case.powerflow.engine)
        timings["dispatch_s"] += t2 - t1
        timings["powerflow_s"] += time.perf_counter() - t2
        loss_mwh.append(float(pf.losses_p_mw["total"].sum()) * case.time.dt_h)
        logger.info("iteration %d: AC losses %.4f MWh", iteration, loss_mwh[-1])
        branch_loss = _branch_losses(pf, s.nd.branches.index)
    results = _results(case, s, dispatch, frames, pf)
    timings["total_s"] = time.perf_counter() - t0
    return RunOutput(
        results=results,
        stats=stats,
        timings_s=timings,
        loss_iterations_mwh=loss_mwh,
        intraday_stats=intraday_stats,
    )


def _asset_table(rows: list[pd.DataFrame]) -> pd.DataFrame:
    """The families' asset rows in one table; a text column that a family does not
    have is empty text there (not NaN), so the table reads back as written."""
    table = pd.concat(rows)
    text = [c for c in table.columns if table[c].dtype == object]
    return table.fillna({c: "" for c in text}) if text else table


def _results(
    case: Case,
    s: Setup,
    dispatch: DispatchResult,
    frames: dict[str, dict[str, pd.DataFrame]],
    pf: PowerFlowResults,
) -> SimulationResults:
    """Collect the results: the families' frames and asset rows, the power flow and
    the dispatch's system quantities."""
    rows = [f.assets(p) for f, p in _families(s)]
    signals = s.signals.assign(
        system_price_eur_per_mwh=dispatch.system_price_eur_per_mwh["system"],
        system_mef_tco2_per_mwh=dispatch.system_mef_tco2_per_mwh["system"],
    )
    signals["imbalance_price_eur_per_mwh"] = s.imbalance_price_eur_per_mwh
    return SimulationResults(
        families=frames,
        assets=_asset_table([r for r in rows if r is not None]),
        bus_table=bus_table(s.net),
        branch_table=branch_table(s.net),
        losses_p_mw=pf.losses_p_mw,
        injection_balance_p_mw=pf.injection_balance_p_mw,
        line_pl_mw=pf.line_pl_mw,
        trafo_pl_mw=pf.trafo_pl_mw,
        vm_pu=pf.vm_pu,
        line_loading_percent=pf.line_loading_percent,
        trafo_loading_percent=pf.trafo_loading_percent,
        powerflow_converged=pf.converged,
        powerflow_failures=pf.failures,
        grid_signals=signals,
        lmp_eur_per_mwh=dispatch.lmp_eur_per_mwh,
        lmef_tco2_per_mwh=dispatch.lmef_tco2_per_mwh,
        dispatch_branch_p_mw=dispatch.branch_p_mw,
        dispatch_vm_pu=dispatch.vm_pu,
        dt_h=case.time.dt_h,
    )
