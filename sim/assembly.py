"""Translate a validated case into the objects of the data flow: the pandapower net
with its assets, the asset tables, options and network data of the dispatch, and the
asset table of the results."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dispatch.components.conventional import CONVENTIONAL_COLUMNS
from dispatch.components.conventional_state import CONVENTIONAL_STATE as CONVENTIONAL_STATE_COLUMNS
from dispatch.components.storage import STORAGE_COLUMNS
from dispatch.inputs import DispatchOptions, NetworkInputs
from grid.assets import AssetError, add_conventional, add_storage
from grid.network import GridInputError, build_network
from grid.topology import NetworkData
from sim.case import Case, CaseError
from sim.families import registered_families
from sim.series import series_from_spec

#: columns of the external-grid signals, each a case key under ``external_grid``
GRID_SIGNALS = ("import_price_eur_per_mwh", "export_price_eur_per_mwh", "ef_tco2_per_mwh")


def build_grid(case: Case) -> Any:
    """The pandapower net of ``case.grid`` with the case's storage and conventional units.

    Raises
    ------
    CaseError
        If the grid cannot be built or an asset names an unknown bus or a taken name.
    """
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


def add_plugin_elements(case: Case, net: Any) -> None:
    """Add the pandapower elements of the case's plug-in families to ``net`` (after
    the shipped families' data are read from it, so they stay the families' own).

    Raises
    ------
    CaseError
        If a family refuses its entries (e.g. an unknown bus or a taken name).
    """
    for fam in registered_families():
        specs = case.families.get(fam.name, [])
        if specs:
            try:
                fam.add_to_net(net, specs)
            except (AssetError, ValueError) as exc:
                raise CaseError(f"{fam.case_key}.{exc}") from None  # "<entry>.<key>: ..."


def grid_signals(case: Case, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Prices [EUR/MWh] and import emission factor [tCO2/MWh] on ``index``."""
    eg = case.external_grid
    return pd.DataFrame(
        {k: series_from_spec(getattr(eg, k), index, f"external_grid.{k}") for k in GRID_SIGNALS},
        index=index,
    )


def storage_table(case: Case, storage_bus: pd.Series) -> pd.DataFrame:
    """One row per storage unit, columns :data:`dispatch.inputs.STORAGE_COLUMNS`."""
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


def conventional_table(case: Case, sgen_bus: pd.Series) -> pd.DataFrame:
    """One row per conventional unit, columns :data:`dispatch.inputs.CONVENTIONAL_COLUMNS`
    (a ramp rate not given is ``inf``)."""
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
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(CONVENTIONAL_COLUMNS))
    return table.astype({c: float for c in CONVENTIONAL_COLUMNS if c != "bus"})


def conventional_initial_state(case: Case) -> pd.DataFrame:
    """State of the conventional units before the period: ``initial_p_mw`` [MW], on
    if it is above zero, and long enough in that state to be free to change it."""
    rows = {
        c.name: {
            "p_mw": c.initial_p_mw,
            "on": 1.0 if c.initial_p_mw > 0 else 0.0,
            "hours_in_state": float("inf"),
        }
        for c in case.conventional
    }
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=list(CONVENTIONAL_STATE_COLUMNS), dtype=float
    )


def dispatch_options(case: Case) -> DispatchOptions:
    """The dispatch options of ``case.dispatch``."""
    d = case.dispatch
    return DispatchOptions(
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


def network_inputs(nd: NetworkData) -> NetworkInputs:
    """The network data of the ``dc`` and ``lindistflow`` dispatch."""
    return NetworkInputs(
        base_mva=nd.base_mva,
        bus_table=nd.bus_table,
        branches=nd.branches,
        bus_map=nd.bus_map,
        slack_bus=str(nd.bus_map[nd.ext_grid_bus]),
        slack_vm_pu=nd.slack_vm_pu,
    )


def assets_table(
    load_bus: pd.Series,
    renewable_kind: pd.Series,
    renewable_bus: pd.Series,
    storage: pd.DataFrame,
    conventional: pd.DataFrame,
    conventional_state: pd.DataFrame,
) -> pd.DataFrame:
    """One row per asset: ``family``, ``kind``, ``bus``; storage adds ``e_max_mwh``
    [MWh] and ``wear_cost_eur_per_mwh``; conventional units add ``p_max_mw``,
    ``cost_eur_per_mwh``, ``ef_tco2_per_mwh``, ``start_cost_eur`` and ``initial_on``
    (1.0 if on before the period)."""
    conv_cols = ["p_max_mw", "cost_eur_per_mwh", "ef_tco2_per_mwh", "start_cost_eur"]
    initial_on = conventional_state["on"].reindex(conventional.index).fillna(0.0)
    return pd.concat(
        [
            pd.DataFrame({"family": "load", "kind": "load", "bus": load_bus}),
            pd.DataFrame({"family": "renewable", "kind": renewable_kind, "bus": renewable_bus}),
            pd.DataFrame(
                {
                    "family": "storage",
                    "kind": "battery",
                    "bus": storage["bus"],
                    "e_max_mwh": storage["e_max_mwh"],
                    "wear_cost_eur_per_mwh": storage["wear_cost_eur_per_mwh"],
                }
            ),
            conventional[["bus", *conv_cols]].assign(
                family="conventional", kind="conventional", initial_on=initial_on
            ),
        ]
    )
