"""Plain tables of the network's buses and branches for reporting: voltage levels
and voltage limits, keyed by the names the power-flow results use."""

from __future__ import annotations

import pandapower as pp
import pandas as pd

from grid.topology import VM_MAX_PU, VM_MIN_PU


def bus_table(net: pp.pandapowerNet) -> pd.DataFrame:
    """One row per bus, indexed by name: ``vn_kv`` [kV], ``vm_min_pu``, ``vm_max_pu``
    [pu] (the bus's ``min_vm_pu``/``max_vm_pu``, else 0.9 and 1.1 pu)."""
    bus = net.bus
    lo = bus["min_vm_pu"] if "min_vm_pu" in bus else pd.Series(VM_MIN_PU, index=bus.index)
    hi = bus["max_vm_pu"] if "max_vm_pu" in bus else pd.Series(VM_MAX_PU, index=bus.index)
    return pd.DataFrame(
        {
            "vn_kv": bus["vn_kv"].astype(float).to_numpy(),
            "vm_min_pu": lo.astype(float).fillna(VM_MIN_PU).to_numpy(),
            "vm_max_pu": hi.astype(float).fillna(VM_MAX_PU).to_numpy(),
        },
        index=pd.Index(bus["name"].astype(str), name="bus"),
    )


def branch_table(net: pp.pandapowerNet) -> pd.DataFrame:
    """One row per line and transformer, indexed ``line:<name>`` / ``trafo:<name>``:
    ``element`` (line, trafo), ``name``, ``level`` (``<vn> kV`` for a line, ``<hv>/<lv>
    kV`` for a transformer) and ``vn_kv`` [kV] (the line's, or the transformer's
    low-voltage side)."""
    vn = net.bus["vn_kv"].astype(float)
    line_kv = vn.loc[net.line["from_bus"]].to_numpy()
    lines = pd.DataFrame(
        {
            "element": "line",
            "name": net.line["name"].astype(str).to_numpy(),
            "level": [f"{v:g} kV" for v in line_kv],
            "vn_kv": line_kv,
        }
    )
    hv = net.trafo["vn_hv_kv"].astype(float).to_numpy()
    lv = net.trafo["vn_lv_kv"].astype(float).to_numpy()
    trafos = pd.DataFrame(
        {
            "element": "trafo",
            "name": net.trafo["name"].astype(str).to_numpy(),
            "level": [f"{h:g}/{low:g} kV" for h, low in zip(hv, lv, strict=True)],
            "vn_kv": lv,
        }
    )
    table = pd.concat([lines, trafos], ignore_index=True)
    table.index = pd.Index(table["element"] + ":" + table["name"], name="branch")
    return table
