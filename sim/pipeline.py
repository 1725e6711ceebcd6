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

import pandas as pd

from dispatch.extract import DispatchResult
from dispatch.inputs import DispatchInputs
from dispatch.rolling import RollingStats, run_rolling
from grid.elements import branch_table, bus_table
from grid.powerflow import Injection, PowerFlowResults, combined_injections, run_ac_timeseries
from sim.assembly import (
    assets_table,
    conventional_initial_state,
    dispatch_options,
    network_inputs,
)
from sim.case import Case
from sim.families import registered_families
from sim.forecasts import Forecasts, planned_on
from sim.realise import Realised, realise
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


def _dispatch(
    case: Case,
    s: Setup,
    branch_loss_mw: pd.DataFrame | None,
    schedule_mw: pd.Series | None = None,
) -> tuple[DispatchResult, RollingStats, Forecasts]:
    """Fit the forecasters and dispatch the period window by window (against the
    net-import schedule ``schedule_mw`` [MW] if given)."""
    signals_all = s.signals_history if s.signals_history is not None else s.signals
    fc = Forecasts.fit(
        case.forecast,
        s.history.load_p_mw,
        s.history.load_q_mvar,
        s.history.sgen_p_mw,
        s.kinds,
        signals_all,
    )
    eg, inf = case.external_grid, float("inf")
    grid_table = pd.DataFrame(
        {
            "bus": [s.nd.ext_grid_bus],
            "import_max_mw": [eg.import_max_mw if eg.import_max_mw is not None else inf],
            "export_max_mw": [eg.export_max_mw if eg.export_max_mw is not None else inf],
        },
        index=pd.Index(["grid"], dtype=object),
    )
    data = WindowData.of(
        dt_h=case.time.dt_h,
        index=s.index,
        load_bus=s.nd.load_bus,
        renewable_bus=s.nd.sgen_bus.loc[s.kinds.index].reindex(s.actual.sgen_p_mw.columns),
        storage=s.storage,
        e_start_mwh=pd.Series({st.name: st.e_start_mwh for st in case.storage}, dtype=float),
        conventional=s.conventional,
        conventional_state=conventional_initial_state(case),
        grid_table=grid_table,
        signals=signals_all,
        imbalance_price_eur_per_mwh=s.imbalance_price_eur_per_mwh,
        options=dispatch_options(case),
        network=network_inputs(s.nd),
        plugins=[(f, s.plugins[f.name]) for f in registered_families() if f.name in s.plugins],
    )
    losses = None if branch_loss_mw is None else branch_loss_mw.to_numpy(dtype=float)
    schedule = None if schedule_mw is None else schedule_mw.to_numpy(dtype=float)

    def inputs_for(steps: pd.DatetimeIndex) -> DispatchInputs:
        return data.inputs(fc, steps, losses, schedule)

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
    )
    return dispatch, stats, fc


def _check(
    s: Setup, dispatch: DispatchResult, fc: Forecasts, engine: str
) -> tuple[Realised, PowerFlowResults, dict[str, dict[str, pd.DataFrame]]]:
    """Realise the dispatch on the actuals (the plug-in families by their own rule)
    and run the AC power flow of every step."""
    real = realise(
        dispatch,
        s.actual.load_p_mw,
        s.actual.load_q_mvar,
        s.actual.sgen_p_mw,
        s.nd.load_bus,
        planned_on(fc.issued_load_p_mw, s.index),
    )
    plugins = _realise_plugins(s, dispatch)
    injections = [
        Injection("load", real.served_p_mw, real.served_q_mvar),
        Injection("sgen", pd.concat([real.renewable_p_mw, dispatch.conventional_p_mw], axis=1)),
        Injection(
            "storage",
            dispatch.storage_charge_p_mw
            - dispatch.storage_discharge_p_mw[dispatch.storage_charge_p_mw.columns],
        ),
    ]
    for f in registered_families():
        if f.name in plugins:
            injections += f.injections(s.plugins[f.name], plugins[f.name])
    pf = run_ac_timeseries(s.net, combined_injections(injections), engine=engine)
    return real, pf, plugins


def _realise_plugins(s: Setup, dispatch: DispatchResult) -> dict[str, dict[str, pd.DataFrame]]:
    """Realised frames of every plug-in family of the run."""
    out = {}
    for f in registered_families():
        if f.name in s.plugins:
            dispatched = {q: dispatch.frame(f.name, q) for q in dispatch.assets[f.name]}
            out[f.name] = f.realise(s.plugins[f.name], dispatched)
    return out


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
        dispatch, stats, fc = _dispatch(case, s, branch_loss)
        schedule = dispatch
        if case.dispatch.intraday_redispatch:
            net_import = dispatch.grid_import_p_mw["grid"] - dispatch.grid_export_p_mw["grid"]
            dispatch, intraday_stats, fc = _dispatch(_intraday(case), s, branch_loss, net_import)
        t2 = time.perf_counter()
        real, pf, plugins = _check(s, dispatch, fc, case.powerflow.engine)
        timings["dispatch_s"] += t2 - t1
        timings["powerflow_s"] += time.perf_counter() - t2
        loss_mwh.append(float(pf.losses_p_mw["total"].sum()) * case.time.dt_h)
        logger.info("iteration %d: AC losses %.4f MWh", iteration, loss_mwh[-1])
        branch_loss = _branch_losses(pf, s.nd.branches.index)
    results = _results(case, s, dispatch, schedule, fc, real, pf, plugins)
    timings["total_s"] = time.perf_counter() - t0
    return RunOutput(
        results=results,
        stats=stats,
        timings_s=timings,
        loss_iterations_mwh=loss_mwh,
        intraday_stats=intraday_stats,
    )


def _results(
    case: Case,
    s: Setup,
    dispatch: DispatchResult,
    schedule: DispatchResult,
    fc: Forecasts,
    real: Realised,
    pf: PowerFlowResults,
    plugins: dict[str, dict[str, pd.DataFrame]],
) -> SimulationResults:
    """Collect the results; ``schedule`` is the dispatch whose exchange with the grid
    is the schedule (the day-ahead stage with an intraday re-dispatch)."""
    ext = pf.ext_grid_p_mw.sum(axis=1)
    renewable_bus = s.nd.sgen_bus.loc[s.kinds.index]
    assets = assets_table(
        s.nd.load_bus,
        s.kinds,
        renewable_bus,
        s.storage,
        s.conventional,
        conventional_initial_state(case),
    )
    signals = s.signals.assign(
        system_price_eur_per_mwh=dispatch.system_price_eur_per_mwh["system"],
        system_mef_tco2_per_mwh=dispatch.system_mef_tco2_per_mwh["system"],
    )
    signals["imbalance_price_eur_per_mwh"] = s.imbalance_price_eur_per_mwh
    families: dict[str, dict[str, pd.DataFrame]] = {
        "loads": {
            "demand_p_mw": s.actual.load_p_mw,
            "forecast_p_mw": planned_on(fc.issued_load_p_mw, s.index),
            "served_p_mw": real.served_p_mw,
            "shed_p_mw": real.shed_p_mw,
            "overgen_p_mw": dispatch.overgen_p_mw,
        },
        "renewables": {
            "available_p_mw": s.actual.sgen_p_mw,
            "forecast_p_mw": planned_on(fc.issued_renewable_p_mw, s.index),
            "p_mw": real.renewable_p_mw,
            "curtailment_p_mw": real.curtailment_p_mw,
        },
        "storage": {
            "charge_p_mw": dispatch.storage_charge_p_mw,
            "discharge_p_mw": dispatch.storage_discharge_p_mw,
            "e_mwh": dispatch.storage_e_mwh,
        },
        "conventional": {"p_mw": dispatch.conventional_p_mw, "on": dispatch.conventional_on},
        "grid": {
            "import_p_mw": ext.clip(lower=0.0).to_frame("grid"),
            "export_p_mw": (-ext).clip(lower=0.0).to_frame("grid"),
            "planned_import_p_mw": schedule.grid_import_p_mw,
            "planned_export_p_mw": schedule.grid_export_p_mw,
        },
        **plugins,
    }
    return SimulationResults(
        families=families,
        assets=assets,
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
        grid_signals=signals,
        lmp_eur_per_mwh=dispatch.lmp_eur_per_mwh,
        lmef_tco2_per_mwh=dispatch.lmef_tco2_per_mwh,
        dispatch_branch_p_mw=dispatch.branch_p_mw,
        dispatch_vm_pu=dispatch.vm_pu,
        dt_h=case.time.dt_h,
    )
