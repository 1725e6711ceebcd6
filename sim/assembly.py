"""Translate a validated case into the objects of the data flow: the pandapower net
with its assets, the grid signals, and the options and network data of the dispatch."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dispatch.inputs import DispatchOptions, NetworkInputs
from grid.network import GridInputError, build_network
from grid.topology import NetworkData
from sim.case import Case, CaseError
from sim.families import registered_families
from sim.series import series_from_spec

#: columns of the external-grid signals, each a case key under ``external_grid``
GRID_SIGNALS = ("import_price_eur_per_mwh", "export_price_eur_per_mwh", "ef_tco2_per_mwh")


def build_grid(case: Case) -> Any:
    """The pandapower net of ``case.grid`` with the elements of the families the
    network data describe (:attr:`sim.families.SimFamily.in_network_data`: the
    case's storage and conventional units).

    Raises
    ------
    CaseError
        If the grid cannot be built or an asset names an unknown bus or a taken name.
    """
    try:
        g = case.grid
        net = build_network(g.simbench_code, g.pandapower_json, g.pandapower_network)
    except GridInputError as exc:
        raise CaseError(f"grid: {exc}") from None
    for fam in registered_families():
        if fam.in_network_data:
            fam.add_elements(case, net)
    return net


def grid_signals(case: Case, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Prices [EUR/MWh] and import emission factor [tCO2/MWh] on ``index``."""
    eg = case.external_grid
    return pd.DataFrame(
        {k: series_from_spec(getattr(eg, k), index, f"external_grid.{k}") for k in GRID_SIGNALS},
        index=index,
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
        cost_segments=d.quadratic_cost_segments,
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
