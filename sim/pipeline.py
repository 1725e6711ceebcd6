"""run(case) -> SimulationResults: the data flow of the simulator, nothing else."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dispatch.inputs import (
    CONVENTIONAL_COLUMNS,
    STORAGE_COLUMNS,
    DispatchInputs,
    DispatchOptions,
    NetworkInputs,
)
from dispatch.rolling import RollingStats, run_rolling
from forecasting.naive import make_forecaster
from grid.assets import AssetError, add_conventional, add_storage, renewable_kind
from grid.network import GridInputError, build_network
from grid.powerflow import run_ac_timeseries
from grid.profiles import ProfileError, scale_profiles, simbench_profiles
from grid.topology import network_data
from sim.case import Case, CaseError
from sim.realise import realise
from sim.results import SimulationResults
from sim.series import series_from_spec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutput:
    """A finished run: its results, the dispatch statistics and stage timings [s]."""

    results: SimulationResults
    stats: RollingStats
    timings_s: dict[str, float]


def _grid_signals(case: Case, index: pd.DatetimeIndex) -> pd.DataFrame:
    eg = case.external_grid
    return pd.DataFrame(
        {
            k: series_from_spec(getattr(eg, k), index, f"external_grid.{k}")
            for k in ("import_price_eur_per_mwh", "export_price_eur_per_mwh", "ef_tco2_per_mwh")
        },
        index=index,
    )


def _storage_table(case: Case, storage_bus: pd.Series) -> pd.DataFrame:
    rows = {
        s.name: {
            "bus": storage_bus[s.name],
            "p_max_mw": s.p_max_mw,
            "e_min_mwh": s.e_min_mwh,
            "e_max_mwh": s.e_max_mwh,
            "e_terminal_min_mwh": (
                s.e_terminal_min_mwh if s.e_terminal_min_mwh is not None else s.e_start_mwh
            ),
            "eff_charge": s.eff_charge,
            "eff_discharge": s.eff_discharge,
            "standing_loss_per_h": s.standing_loss_per_h,
            "wear_cost_eur_per_mwh": s.wear_cost_eur_per_mwh,
        }
        for s in case.storage
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(STORAGE_COLUMNS))


def _build_grid(case: Case) -> Any:
    try:
        net = build_network(case.grid.simbench_code, case.grid.pandapower_json)
    except GridInputError as exc:
        raise CaseError(f"grid: {exc}") from None
    for i, s in enumerate(case.storage):
        try:
            add_storage(net, s.name, s.bus, s.p_max_mw, s.e_max_mwh, s.e_min_mwh, s.e_start_mwh)
        except AssetError as exc:
            raise CaseError(f"storage.{i}.bus: {exc}") from None
    taken = set(net.sgen["name"])
    for i, c in enumerate(case.conventional):
        if c.name in taken:
            raise CaseError(f"conventional.{i}.name: {c.name!r} is already a generator's name")
        try:
            add_conventional(net, c.name, c.bus, c.p_max_mw)
        except AssetError as exc:
            raise CaseError(f"conventional.{i}.bus: {exc}") from None
    return net


def _conventional_table(case: Case, sgen_bus: pd.Series) -> pd.DataFrame:
    inf = float("inf")
    rows = {
        c.name: {
            "bus": sgen_bus[c.name],
            "p_min_mw": c.p_min_mw,
            "p_max_mw": c.p_max_mw,
            "cost_eur_per_mwh": c.cost_eur_per_mwh,
            "ef_tco2_per_mwh": c.ef_tco2_per_mwh,
            "ramp_up_mw_per_h": c.ramp_up_mw_per_h if c.ramp_up_mw_per_h is not None else inf,
            "ramp_down_mw_per_h": (
                c.ramp_down_mw_per_h if c.ramp_down_mw_per_h is not None else inf
            ),
            "min_up_h": c.min_up_h,
            "min_down_h": c.min_down_h,
            "start_cost_eur": c.start_cost_eur,
        }
        for c in case.conventional
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(CONVENTIONAL_COLUMNS))


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
    net = _build_grid(case)
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
    signals = _grid_signals(case, index)
    storage = _storage_table(case, nd.storage_bus)
    timings["build_s"] = time.perf_counter() - t0

    load_fc = make_forecaster(case.forecast.method).fit(profiles.load_p_mw)
    ren_fc = make_forecaster(case.forecast.method).fit(profiles.sgen_p_mw)
    d = case.dispatch
    options = DispatchOptions(
        voll_eur_per_mwh=d.voll_eur_per_mwh,
        overgeneration_cost_eur_per_mwh=d.overgeneration_cost_eur_per_mwh,
        curtailment_cost_eur_per_mwh=d.curtailment_cost_eur_per_mwh,
        carbon_price_eur_per_tco2=d.carbon_price_eur_per_tco2,
        time_limit_s=d.time_limit_s,
        network_model=d.network_model,
        objective=d.objective,
        emission_cap_tco2=d.emission_cap_tco2,
        storage_exact=d.storage_exact,
        unit_commitment=d.unit_commitment,
    )
    network = NetworkInputs(
        base_mva=nd.base_mva,
        bus_table=nd.bus_table,
        branches=nd.branches,
        bus_map=nd.bus_map,
        slack_bus=str(nd.bus_map[nd.ext_grid_bus]),
        slack_vm_pu=nd.slack_vm_pu,
    )
    q_fc = make_forecaster(case.forecast.method).fit(profiles.load_q_mvar)
    eg = case.external_grid
    inf = float("inf")
    load_forecasts: list[pd.DataFrame] = []

    def inputs_for(steps: pd.DatetimeIndex, e0: pd.Series) -> DispatchInputs:
        load = load_fc.predict(steps[0], steps)
        load_forecasts.append(load)
        return DispatchInputs(
            dt_h=case.time.dt_h,
            load_p_mw=load,
            load_bus=nd.load_bus,
            renewable_p_mw=ren_fc.predict(steps[0], steps),
            renewable_bus=nd.sgen_bus,
            storage=storage,
            storage_e_initial_mwh=e0,
            grid=signals.loc[steps],
            ext_grid_bus=nd.ext_grid_bus,
            import_max_mw=eg.import_max_mw if eg.import_max_mw is not None else inf,
            export_max_mw=eg.export_max_mw if eg.export_max_mw is not None else inf,
            options=options,
            load_q_mvar=q_fc.predict(steps[0], steps),
            network=network,
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
        real.renewable_p_mw,
        dispatch.storage_charge_p_mw,
        dispatch.storage_discharge_p_mw,
    )
    timings["powerflow_s"] = time.perf_counter() - t2

    ext = pf.ext_grid_p_mw.sum(axis=1)
    assets = pd.concat(
        [
            pd.DataFrame({"family": "load", "kind": "load", "bus": nd.load_bus}),
            pd.DataFrame({"family": "renewable", "kind": kinds, "bus": nd.sgen_bus}),
            pd.DataFrame(
                {
                    "family": "storage",
                    "kind": "battery",
                    "bus": storage["bus"],
                    "e_max_mwh": storage["e_max_mwh"],
                    "wear_cost_eur_per_mwh": storage["wear_cost_eur_per_mwh"],
                }
            ),
        ]
    )
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
