"""Add assets to a pandapower network and classify its generators.

pandapower's sign conventions apply here: ``load`` and ``storage`` are in load
convention (``p_mw`` > 0 consumes; a storage charges), ``sgen`` in generation
convention (``p_mw`` > 0 injects).
"""

from __future__ import annotations

import pandapower as pp
import pandas as pd

#: renewable kinds reported by the simulator
RENEWABLE_KINDS = ("wind", "pv", "other_renewable")


class AssetError(ValueError):
    """An asset cannot be placed on the network; the message says why."""


def resolve_bus(net: pp.pandapowerNet, bus: str | int) -> int:
    """Return the pandapower index of a bus given by name or index.

    Raises
    ------
    AssetError
        If no such bus exists.
    """
    if isinstance(bus, int) and not isinstance(bus, bool):
        if bus in net.bus.index:
            return int(bus)
        raise AssetError(f"bus index {bus} is not in the grid (0..{net.bus.index.max()})")
    hits = net.bus.index[net.bus["name"] == bus]
    if len(hits) == 0:
        sample = ", ".join(map(repr, net.bus["name"].head(3)))
        raise AssetError(f"no bus named {bus!r} in the grid (names look like {sample})")
    return int(hits[0])


def bus_name(net: pp.pandapowerNet, bus: str | int) -> str:
    """The name of a bus given by name or index (:func:`resolve_bus`'s errors)."""
    return str(net.bus.at[resolve_bus(net, bus), "name"])


def add_storage(
    net: pp.pandapowerNet,
    name: str,
    bus: str | int,
    p_max_mw: float,
    e_max_mwh: float,
    e_min_mwh: float = 0.0,
    e_initial_mwh: float | None = None,
) -> int:
    """Add a battery to ``net`` (in place) and return its storage index.

    Parameters
    ----------
    p_max_mw
        Charge and discharge power limit [MW].
    e_max_mwh, e_min_mwh
        Energy bounds [MWh].
    e_initial_mwh
        Initial energy [MWh]; sets pandapower's ``soc_percent``.
    """
    idx = resolve_bus(net, bus)
    e0 = 0.5 * (e_min_mwh + e_max_mwh) if e_initial_mwh is None else e_initial_mwh
    return int(
        pp.create_storage(
            net,
            bus=idx,
            p_mw=0.0,
            max_e_mwh=e_max_mwh,
            min_e_mwh=e_min_mwh,
            soc_percent=100.0 * e0 / e_max_mwh,
            max_p_mw=p_max_mw,
            min_p_mw=-p_max_mw,
            name=name,
        )
    )


#: sgen ``type`` given to conventional units added by the case
CONVENTIONAL_TYPE = "conventional"


def add_conventional(net: pp.pandapowerNet, name: str, bus: str | int, p_max_mw: float) -> int:
    """Add a dispatchable conventional unit as a controllable static generator
    (``type`` :data:`CONVENTIONAL_TYPE`, unity power factor) and return its sgen index.

    Parameters
    ----------
    p_max_mw
        Rated active power [MW].
    """
    idx = resolve_bus(net, bus)
    return int(
        pp.create_sgen(
            net,
            bus=idx,
            p_mw=0.0,
            q_mvar=0.0,
            name=name,
            type=CONVENTIONAL_TYPE,
            controllable=True,
            max_p_mw=p_max_mw,
            min_p_mw=0.0,
            sn_mva=p_max_mw,
        )
    )


def add_site(
    net: pp.pandapowerNet,
    name: str,
    bus: str | int,
    connection_limit_mw: float,
    *,
    pv_mw: float = 0.0,
    pv_profile: str | None = None,
    battery_p_max_mw: float | None = None,
    battery_e_max_mwh: float | None = None,
) -> int:
    """Add a site behind one meter to ``net`` (in place) and return its bus index:
    the bus ``<name> bus`` at the voltage of ``bus``, the connection ``<name>
    connection`` (a 10 m line rated at ``connection_limit_mw`` [MW] at unity power
    factor), PV ``<name> pv`` of ``pv_mw`` [MW] (SimBench ``pv_profile``) and a
    battery ``<name> battery`` [MW, MWh] (half full, 95 % each way) if given.

    Raises
    ------
    AssetError
        If ``bus`` is not in the grid or the site's bus name is taken.
    """
    parent = resolve_bus(net, bus)
    if f"{name} bus" in set(net.bus["name"]):
        raise AssetError(f"the grid has a bus named {name + ' bus'!r} (name taken)")
    vn = float(net.bus.at[parent, "vn_kv"])
    site = int(pp.create_bus(net, vn_kv=vn, name=f"{name} bus"))
    pp.create_line_from_parameters(
        net,
        parent,
        site,
        length_km=0.01,
        r_ohm_per_km=0.1,
        x_ohm_per_km=0.1,
        c_nf_per_km=0.0,
        max_i_ka=connection_limit_mw / (3**0.5 * vn),
        name=f"{name} connection",
    )
    if pv_mw > 0:
        pp.create_sgen(net, site, p_mw=pv_mw, name=f"{name} pv", type="PV", profile=pv_profile)
    if battery_p_max_mw is not None and battery_e_max_mwh is not None:
        pp.create_storage(
            net,
            site,
            p_mw=0.0,
            max_e_mwh=battery_e_max_mwh,
            soc_percent=50.0,
            max_p_mw=battery_p_max_mw,
            min_p_mw=-battery_p_max_mw,
            name=f"{name} battery",
            efficiency_percent=95.0**2 / 100.0,
        )
    return site


def conventional_names(net: pp.pandapowerNet) -> pd.Index:
    """Names of the static generators that are conventional units."""
    return pd.Index(net.sgen.loc[net.sgen["type"] == CONVENTIONAL_TYPE, "name"].to_numpy())


def renewable_kind(net: pp.pandapowerNet) -> pd.Series:
    """Kind of each renewable static generator (``wind``, ``pv`` or ``other_renewable``),
    by name; conventional units added by :func:`add_conventional` are left out.

    SimBench types: ``Wind*`` is wind; ``PV*`` and ``lv_RES`` (aggregated LV rooftop
    PV) are PV; biomass, hydro and anything else count as other renewables.
    """
    kinds = []
    sgen = net.sgen[net.sgen["type"] != CONVENTIONAL_TYPE]
    for t in sgen["type"].astype(str).str.lower():
        if t.startswith("wind") or t.startswith("wp"):
            kinds.append("wind")
        elif t.startswith("pv") or t == "lv_res":
            kinds.append("pv")
        else:
            kinds.append("other_renewable")
    return pd.Series(kinds, index=sgen["name"].to_numpy(), name="kind", dtype=object)
