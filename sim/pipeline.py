"""run(case) -> SimulationResults: the data flow of the simulator, nothing else."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import pandas as pd

from dispatch.inputs import DispatchInputs
from dispatch.rolling import RollingStats, run_rolling
from forecasting.naive import make_forecaster
from grid.assets import renewable_kind
from grid.powerflow import run_ac_timeseries
from grid.profiles import ProfileError, scale_profiles, simbench_profiles
from grid.topology import network_data
from sim.assembly import (
    assets_table,
    build_grid,
    conventional_initial_state,
    conventional_table,
    dispatch_options,
    grid_signals,
    network_inputs,
    storage_table,
)
from sim.case import Case, CaseError
from sim.realise import realise
from sim.results import SimulationResults

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutput:
    """A finished run: its results, the dispatch statistics and stage timings [s]."""

    results: SimulationResults
    stats: RollingStats
    timings_s: dict[str, float]


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
    net = build_grid(case)
    start, end = pd.Timestamp(case.time.start), pd.Timestamp(case.time.end)
    if not getattr(net, "profiles", None):
        raise CaseError(
            "profiles.source: simbench profiles need a SimBench grid (grid.simbench_code)"
        )
    try:
        profiles = simbench_profiles(net, start, end, case.time.resolution_min)
    except ProfileError as exc:
        raise CaseError(f"time: {exc}") from None
    kinds = renewable_kind(net)
    pc = case.profiles
    factor = kinds.map(
        {"wind": pc.wind_scale, "pv": pc.pv_scale, "other_renewable": pc.other_renewable_scale}
    )
    profiles = scale_profiles(profiles, pc.load_scale, factor)
    nd = network_data(net)
    index = pd.DatetimeIndex(profiles.load_p_mw.index)
    signals = grid_signals(case, index)
    storage = storage_table(case, nd.storage_bus)
    conventional = conventional_table(case, nd.sgen_bus)
    renewable_bus = nd.sgen_bus.loc[kinds.index]
    timings["build_s"] = time.perf_counter() - t0

    load_fc = make_forecaster(case.forecast.method).fit(profiles.load_p_mw)
    ren_fc = make_forecaster(case.forecast.method).fit(profiles.sgen_p_mw)
    d = case.dispatch
    options = dispatch_options(case)
    network = network_inputs(nd)
    q_fc = make_forecaster(case.forecast.method).fit(profiles.load_q_mvar)
    eg = case.external_grid
    inf = float("inf")
    load_forecasts: list[pd.DataFrame] = []
    conv_state0 = conventional_initial_state(case)

    def inputs_for(steps: pd.DatetimeIndex, e0: pd.Series) -> DispatchInputs:
        load = load_fc.predict(steps[0], steps)
        load_forecasts.append(load)
        return DispatchInputs(
            dt_h=case.time.dt_h,
            load_p_mw=load,
            load_bus=nd.load_bus,
            renewable_p_mw=ren_fc.predict(steps[0], steps),
            renewable_bus=renewable_bus,
            storage=storage,
            storage_e_initial_mwh=e0,
            grid=signals.loc[steps],
            ext_grid_bus=nd.ext_grid_bus,
            import_max_mw=eg.import_max_mw if eg.import_max_mw is not None else inf,
            export_max_mw=eg.export_max_mw if eg.export_max_mw is not None else inf,
            options=options,
            load_q_mvar=q_fc.predict(steps[0], steps),
            network=network,
            conventional=conventional,
            conventional_state=conv_state0,
        )

    t1 = time.perf_counter()
    e0 = pd.Series({s.name: s.e_start_mwh for s in case.storage}, dtype=float)
    dispatch, stats = run_rolling(
        index,
        case.time.dt_h,
        inputs_for,
        e0,
        d.window_h,
        d.horizon_h,
        d.network_model,
        d.time_limit_s,
    )
    timings["dispatch_s"] = time.perf_counter() - t1

    # the forecast each committed step was dispatched on (first issue wins)
    fc_demand = pd.concat(load_forecasts)
    fc_demand = fc_demand[~fc_demand.index.duplicated(keep="last")].loc[index]
    real = realise(
        dispatch,
        profiles.load_p_mw,
        profiles.load_q_mvar,
        profiles.sgen_p_mw,
        nd.load_bus,
        fc_demand,
    )
    t2 = time.perf_counter()
    pf = run_ac_timeseries(
        net,
        real.served_p_mw,
        real.served_q_mvar,
        pd.concat([real.renewable_p_mw, dispatch.conventional_p_mw], axis=1),
        dispatch.storage_charge_p_mw,
        dispatch.storage_discharge_p_mw,
    )
    timings["powerflow_s"] = time.perf_counter() - t2

    ext = pf.ext_grid_p_mw.sum(axis=1)
    assets = assets_table(nd.load_bus, kinds, renewable_bus, storage, conventional, conv_state0)
    signals = signals.assign(system_price_eur_per_mwh=dispatch.system_price_eur_per_mwh["system"])
    results = SimulationResults(
        assets=assets,
        demand_p_mw=profiles.load_p_mw,
        served_p_mw=real.served_p_mw,
        shed_p_mw=real.shed_p_mw,
        renewable_available_p_mw=profiles.sgen_p_mw,
        renewable_p_mw=real.renewable_p_mw,
        curtailment_p_mw=real.curtailment_p_mw,
        storage_charge_p_mw=dispatch.storage_charge_p_mw,
        storage_discharge_p_mw=dispatch.storage_discharge_p_mw,
        storage_e_mwh=dispatch.storage_e_mwh,
        conventional_p_mw=dispatch.conventional_p_mw,
        conventional_on=dispatch.conventional_on,
        grid_import_p_mw=ext.clip(lower=0.0).to_frame("grid"),
        grid_export_p_mw=(-ext).clip(lower=0.0).to_frame("grid"),
        planned_import_p_mw=dispatch.grid_import_p_mw,
        planned_export_p_mw=dispatch.grid_export_p_mw,
        dispatch_overgen_p_mw=dispatch.overgen_p_mw,
        losses_p_mw=pf.losses_p_mw,
        injection_balance_p_mw=pf.injection_balance_p_mw,
        vm_pu=pf.vm_pu,
        line_loading_percent=pf.line_loading_percent,
        trafo_loading_percent=pf.trafo_loading_percent,
        powerflow_converged=pf.converged,
        grid_signals=signals,
        lmp_eur_per_mwh=dispatch.lmp_eur_per_mwh,
        dispatch_branch_p_mw=dispatch.branch_p_mw,
        dispatch_vm_pu=dispatch.vm_pu,
        dt_h=case.time.dt_h,
    )
    timings["total_s"] = time.perf_counter() - t0
    return RunOutput(results=results, stats=stats, timings_s=timings)
