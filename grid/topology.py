"""Export the network as plain data for the dispatch (no pandapower objects leave here).

Buses joined by closed bus-bus switches are fused into one network bus (named after
the bus with the lowest index); lines with an open line switch, and out-of-service
elements, are left out. Branch impedances are in per unit on ``base_mva`` and the
branch's voltage level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd

#: default voltage band [pu] where the grid gives none
VM_MIN_PU, VM_MAX_PU = 0.9, 1.1


class TopologyError(ValueError):
    """The network's topology does not suit the requested use (e.g. not radial)."""


@dataclass(frozen=True)
class NetworkData:
    """Plain description of the network, with buses and elements by name.

    Attributes
    ----------
    buses
        Names of the in-service buses (before fusing).
    load_bus, sgen_bus, storage_bus
        Bus name of each in-service load, static generator and storage, by element name.
    ext_grid_bus
        Bus name of the (first in-service) external grid connection: the slack.
    ext_grid_buses
        Bus name of every in-service external grid connection, by its name.
    bus_map
        Network bus (after fusing closed bus-bus switches) of every in-service bus.
    bus_table
        One row per network bus: ``vn_kv`` [kV], ``vm_min_pu``, ``vm_max_pu`` [pu].
    branches
        One row per in-service line or transformer, by name: ``kind`` (line, trafo),
        ``from_bus``, ``to_bus`` (network buses; a transformer's from bus is its HV
        side), ``r_pu``, ``x_pu`` (series impedance), ``b_pu`` (total shunt
        susceptance of a line), ``tap_ratio`` (off-nominal ratio, 1 for lines) and
        ``rate_mva`` (thermal limit at ``max_loading_percent``) [MVA].
    base_mva
        Per-unit power base [MVA].
    slack_vm_pu
        Voltage set-point of the external grid [pu].
    """

    buses: pd.Index
    load_bus: pd.Series
    sgen_bus: pd.Series
    storage_bus: pd.Series
    ext_grid_bus: str
    ext_grid_buses: pd.Series
    bus_map: pd.Series
    bus_table: pd.DataFrame
    branches: pd.DataFrame
    base_mva: float
    slack_vm_pu: float


def _fused_buses(net: pp.pandapowerNet) -> pd.Series:
    """Representative bus index of every bus, fusing closed bus-bus switches."""
    parent = {int(b): int(b) for b in net.bus.index}

    def find(b: int) -> int:
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    sw = net.switch
    closed_bb = sw[(sw["et"] == "b") & sw["closed"].astype(bool)]
    for a, b in zip(closed_bb["bus"], closed_bb["element"], strict=True):
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return pd.Series({b: find(b) for b in parent})


def _line_table(net: pp.pandapowerNet, rep: pd.Series, name: pd.Series) -> pd.DataFrame:
    ln = net.line[net.line["in_service"].astype(bool)]
    sw = net.switch
    open_lines = set(sw.loc[(sw["et"] == "l") & ~sw["closed"].astype(bool), "element"])
    ln = ln[~ln.index.isin(open_lines)]
    vn = net.bus.loc[ln["from_bus"], "vn_kv"].to_numpy()
    z_base = vn**2 / net.sn_mva
    par = ln["parallel"].to_numpy(dtype=float)
    length = ln["length_km"].to_numpy(dtype=float)
    loading = ln.get("max_loading_percent", pd.Series(100.0, index=ln.index)).fillna(100.0)
    return pd.DataFrame(
        {
            "kind": "line",
            "from_bus": name.loc[rep.loc[ln["from_bus"]]].to_numpy(),
            "to_bus": name.loc[rep.loc[ln["to_bus"]]].to_numpy(),
            "r_pu": ln["r_ohm_per_km"].to_numpy() * length / par / z_base,
            "x_pu": ln["x_ohm_per_km"].to_numpy() * length / par / z_base,
            "b_pu": 2
            * np.pi
            * net.f_hz
            * ln["c_nf_per_km"].to_numpy()
            * 1e-9
            * length
            * par
            * z_base,
            "tap_ratio": 1.0,
            "rate_mva": np.sqrt(3)
            * vn
            * ln["max_i_ka"].to_numpy()
            * ln["df"].to_numpy()
            * par
            * loading.to_numpy()
            / 100.0,
        },
        index=ln["name"].to_numpy(),
    )


def _trafo_table(net: pp.pandapowerNet, rep: pd.Series, name: pd.Series) -> pd.DataFrame:
    tr = net.trafo[net.trafo["in_service"].astype(bool)]
    par = tr["parallel"].to_numpy(dtype=float)
    scale = net.sn_mva / (tr["sn_mva"].to_numpy() * par)
    z = tr["vk_percent"].to_numpy() / 100.0
    r = tr["vkr_percent"].to_numpy() / 100.0
    steps = (tr["tap_pos"].fillna(0) - tr["tap_neutral"].fillna(0)).to_numpy(dtype=float)
    step = tr["tap_step_percent"].fillna(0).to_numpy(dtype=float) / 100.0
    hv_tap = np.where(tr["tap_side"].fillna("hv").to_numpy() == "hv", 1 + steps * step, 1.0)
    lv_tap = np.where(tr["tap_side"].fillna("hv").to_numpy() == "lv", 1 + steps * step, 1.0)
    vn_hv_bus = net.bus.loc[tr["hv_bus"], "vn_kv"].to_numpy()
    vn_lv_bus = net.bus.loc[tr["lv_bus"], "vn_kv"].to_numpy()
    ratio = (tr["vn_hv_kv"].to_numpy() * hv_tap / vn_hv_bus) / (
        tr["vn_lv_kv"].to_numpy() * lv_tap / vn_lv_bus
    )
    loading = tr.get("max_loading_percent", pd.Series(100.0, index=tr.index)).fillna(100.0)
    return pd.DataFrame(
        {
            "kind": "trafo",
            "from_bus": name.loc[rep.loc[tr["hv_bus"]]].to_numpy(),
            "to_bus": name.loc[rep.loc[tr["lv_bus"]]].to_numpy(),
            "r_pu": r * scale,
            "x_pu": np.sqrt(np.maximum(z**2 - r**2, 0.0)) * scale,
            "b_pu": 0.0,
            "tap_ratio": ratio,
            "rate_mva": tr["sn_mva"].to_numpy() * par * loading.to_numpy() / 100.0,
        },
        index=tr["name"].to_numpy(),
    )


def network_data(net: pp.pandapowerNet) -> NetworkData:
    """Plain data of ``net``: buses, the bus of every element, and its branches."""
    bus_name = net.bus["name"]

    def where(table: str) -> pd.Series:
        df = net[table]
        df = df[df["in_service"].astype(bool)]
        return pd.Series(
            bus_name.loc[df["bus"]].to_numpy(),
            index=df["name"].to_numpy(),
            name="bus",
            dtype=object,
        )

    ext = net.ext_grid[net.ext_grid["in_service"].astype(bool)]
    if ext.empty:
        raise TopologyError("the grid has no in-service external grid (ext_grid)")
    in_service = net.bus[net.bus["in_service"].astype(bool)]
    rep = _fused_buses(net)
    reps = sorted(set(rep.loc[in_service.index]))
    bus_table = pd.DataFrame(
        {
            "vn_kv": net.bus.loc[reps, "vn_kv"].to_numpy(dtype=float),
            "vm_min_pu": net.bus.loc[reps]
            .get("min_vm_pu", pd.Series(VM_MIN_PU, index=reps))
            .fillna(VM_MIN_PU)
            .to_numpy(dtype=float),
            "vm_max_pu": net.bus.loc[reps]
            .get("max_vm_pu", pd.Series(VM_MAX_PU, index=reps))
            .fillna(VM_MAX_PU)
            .to_numpy(dtype=float),
        },
        index=pd.Index(bus_name.loc[reps].to_numpy(), name="bus"),
    )
    branches = pd.concat([_line_table(net, rep, bus_name), _trafo_table(net, rep, bus_name)])
    return NetworkData(
        buses=pd.Index(bus_name.loc[in_service.index].to_numpy(), name="bus"),
        load_bus=where("load"),
        sgen_bus=where("sgen"),
        storage_bus=where("storage"),
        ext_grid_bus=str(bus_name.loc[ext["bus"].iloc[0]]),
        ext_grid_buses=where("ext_grid"),
        bus_map=pd.Series(
            bus_name.loc[rep.loc[in_service.index]].to_numpy(),
            index=bus_name.loc[in_service.index].to_numpy(),
            name="network_bus",
        ),
        bus_table=bus_table,
        branches=branches,
        base_mva=float(net.sn_mva),
        slack_vm_pu=float(ext["vm_pu"].iloc[0]),
    )
