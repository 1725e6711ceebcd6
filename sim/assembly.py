"""Translate a validated case into the objects of the data flow: the pandapower net
with its assets, the grid signals, and the options and network data of the dispatch."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dispatch.inputs import DispatchOptions, NetworkInputs
from grid.assets import AssetError
from grid.element_edits import ElementEdit, apply_element_edits
from grid.network import GridInputError, build_network
from grid.topology import NetworkData
from sim.case import Case, CaseError
from sim.families import registered_families
from sim.new_plants import add_new_plants
from sim.series import series_from_spec
from sim.sites import add_sites

#: columns of the external-grid signals, each a case key under ``external_grid``
GRID_SIGNALS = ("import_price_eur_per_mwh", "export_price_eur_per_mwh", "ef_tco2_per_mwh")


def build_grid(case: Case) -> Any:
    """The pandapower net of ``case.grid``, with the case's sites (``sites``), its element edits
    (``grid.elements``), the new plants of ``renewables.new_plants`` and the
    elements of the families the network data describe
    (:attr:`sim.families.SimFamily.in_network_data`: the case's storage and
    conventional units).

    Raises
    ------
    CaseError
        If the grid cannot be built, an edit is refused, or an asset names an unknown
        bus or a taken name.
    """
    try:
        g = case.grid
        net = build_network(g.simbench_code, g.pandapower_json, g.pandapower_network)
    except GridInputError as exc:
        raise CaseError(f"grid: {exc}") from None
    try:
        add_sites(net, case.sites)
    except ValueError as exc:
        raise CaseError(f"sites.{exc}") from None
    edits = [ElementEdit(e.table, e.name, e.bus, e.values) for e in case.grid.elements]
    try:
        apply_element_edits(net, edits)
    except AssetError as exc:
        raise CaseError(f"grid.elements.{exc}") from None
    add_new_plants(case, net)
    for fam in registered_families():
        if fam.in_network_data:
            fam.add_elements(case, net)
    return net


def _ext_grid_pwl_costs(net: Any, ext: pd.DataFrame) -> set[float]:
    """The slopes of the external grids' active-power ``pwl_cost`` [EUR/MWh]."""
    pwl = net.pwl_cost if "pwl_cost" in net else pd.DataFrame()
    if pwl.empty:
        return set()
    rows = pwl[(pwl["et"] == "ext_grid") & (pwl["power_type"] == "p")]
    slopes = {
        float(seg[2])
        for points in rows.loc[rows["element"].isin(ext.index), "points"]
        for seg in points
    }
    if len(slopes) > 1:
        raise CaseError(
            "external_grid.import_price_eur_per_mwh: the grid's external grid has a "
            f"pwl_cost with several slopes {sorted(slopes)}; give the prices in the case"
        )
    return slopes


def ext_grid_cost_eur_per_mwh(net: Any) -> float | None:
    """The linear cost of the in-service external grids [EUR/MWh]: ``cp1_eur_per_mw``
    of their ``poly_cost``, or the one slope of their ``pwl_cost``; None if none has
    a cost.

    Raises
    ------
    CaseError
        If they differ, or one has a quadratic term or a ``pwl_cost`` of several
        slopes (the connection's cost is linear).
    """
    ext = net.ext_grid[net.ext_grid["in_service"].astype(bool)]
    pc = net.poly_cost if "poly_cost" in net else pd.DataFrame(columns=["et", "element"])
    rows = pc[(pc["et"] == "ext_grid") & pc["element"].isin(ext.index)]
    pwl = _ext_grid_pwl_costs(net, ext)
    if rows.empty and not pwl:
        return None
    if (rows.get("cp2_eur_per_mw2", pd.Series(0.0, index=rows.index)).abs() > 0).any():
        raise CaseError(
            "external_grid.import_price_eur_per_mwh: the grid's external grid has a quadratic "
            "poly_cost; give the prices in the case"
        )
    costs = set(rows["cp1_eur_per_mw"].astype(float)) | pwl
    if len(costs) > 1:
        raise CaseError(
            "external_grid.import_price_eur_per_mwh: the grid's external grids have different "
            f"costs {sorted(costs)}; give one price in the case"
        )
    return costs.pop()


def grid_signals(case: Case, index: pd.DatetimeIndex, net: Any) -> pd.DataFrame:
    """Prices [EUR/MWh] and import emission factor [tCO2/MWh] on ``index``; a price
    the case leaves out is the external grids' linear cost (:func:`ext_grid_cost_eur_per_mwh`).

    Raises
    ------
    CaseError
        If a price is left out and the grid gives none.
    """
    eg = case.external_grid
    out = {}
    for k in GRID_SIGNALS:
        spec = getattr(eg, k)
        if spec is None:
            cost = ext_grid_cost_eur_per_mwh(net)
            if cost is None:
                raise CaseError(
                    f"external_grid.{k}: required (the grid gives no poly_cost or pwl_cost "
                    "for its external grid)"
                )
            out[k] = pd.Series(cost, index=index)
        else:
            out[k] = series_from_spec(spec, index, f"external_grid.{k}")
    return pd.DataFrame(out, index=index)


def ext_grid_limits_mw(case: Case, net: Any) -> tuple[float, float]:
    """Import and export limits of all connections together [MW] (inf: none): the
    case's, else the external grids' ``max_p_mw`` and ``-min_p_mw`` summed (a
    positive ``min_p_mw``, a minimum import, is not modelled: export limit 0)."""
    eg, inf = case.external_grid, float("inf")
    ext = net.ext_grid[net.ext_grid["in_service"].astype(bool)]

    def net_total(column: str, sign: float) -> float:
        if column not in ext or ext[column].isna().any():
            return inf
        return float(max(0.0, (sign * ext[column].astype(float)).sum()))

    imp = eg.import_max_mw if eg.import_max_mw is not None else net_total("max_p_mw", 1.0)
    exp = eg.export_max_mw if eg.export_max_mw is not None else net_total("min_p_mw", -1.0)
    return imp, exp


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
        quadratic_cost=d.quadratic_cost,
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
