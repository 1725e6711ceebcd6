"""Sites behind one meter (``sites``): a 光储直柔 building or a campus with rooftop PV,
a battery and flexible demand behind a connection-point limit.

Each site is a new bus ``<name> bus`` at the voltage of its grid bus, joined to it
by the connection ``<name> connection`` (a short line rated at
``connection_limit_mw`` at unity power factor, so the dispatch keeps the exchange
within it and the AC power flow checks it), with optional rooftop PV ``<name> pv``
(a SimBench profile, or weather) and a battery ``<name> battery`` (dispatched as
the grid's storage). The site's demand is whatever the case places at its bus:
``buildings``, ``shiftable_loads``, ``flexible_loads``, EV sessions, or loads added
with ``grid.elements``. Per site the KPIs report self-consumption (share of its PV
used on site) and self-sufficiency (share of its consumption met on site), from the
exchange the dispatch plans over the connection.

DC distribution inside the building is not modelled: the site is one AC node.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from grid.assets import AssetError, add_site
from sim.case_sources import _Strict


class SiteBatterySpec(_Strict):
    """A site's battery (pandapower storage: half full at the start, 95 % each way)."""

    p_max_mw: float = Field(gt=0, le=100, allow_inf_nan=False)
    e_max_mwh: float = Field(gt=0, le=1000, allow_inf_nan=False)


class SiteSpec(_Strict):
    """One site of the case file (list under ``sites``)."""

    name: str = Field(min_length=1)
    bus: str | int
    connection_limit_mw: float = Field(gt=0, le=1000, allow_inf_nan=False)
    pv_mw: float = Field(default=0.0, ge=0, le=1000, allow_inf_nan=False)
    #: SimBench profile of the PV on a SimBench grid (unless PV comes from weather)
    pv_profile: str = "PV3"
    battery: SiteBatterySpec | None = None


def add_sites(net: Any, sites: list[SiteSpec]) -> None:
    """Add every site's bus, connection, PV and battery to ``net`` (in place,
    :func:`grid.assets.add_site`).

    Raises
    ------
    ValueError
        ``"<i>.<key>: ..."`` for an unknown bus or a taken name.
    """
    for i, s in enumerate(sites):
        b = s.battery
        try:
            add_site(
                net,
                s.name,
                s.bus,
                s.connection_limit_mw,
                pv_mw=s.pv_mw,
                pv_profile=s.pv_profile,
                battery_p_max_mw=b.p_max_mw if b else None,
                battery_e_max_mwh=b.e_max_mwh if b else None,
            )
        except AssetError as exc:
            key = "name" if "taken" in str(exc) else "bus"
            raise ValueError(f"{i}.{key}: {exc}") from None


def site_kpis(r: Any, sites: list[SiteSpec]) -> dict[str, float]:
    """Per site ``<name>``, from the exchange the dispatch plans over the connection
    (positive into the site) and the site's PV and battery, step by step: the site's
    load (PV + import - export - the battery's net charging), the PV exported
    (the export, up to the PV) and the load imported (the import, up to the load):

    ``site_<name>_self_consumption_percent`` = (PV - PV exported) / PV and
    ``site_<name>_self_sufficiency_percent`` = (load - load imported) / load, both in
    [0, 100] even when the battery also trades with the grid; with the energies
    ``pv_used_mwh``, ``import_mwh``, ``export_mwh``, ``consumption_mwh`` and the peak
    import at the connection point ``peak_import_mw``."""
    dt = r.dt_h
    out: dict[str, float] = {}
    flows = r.dispatch_branch_p_mw
    pv_frame = r.families.get("renewables", {}).get("p_mw", pd.DataFrame())
    st = r.families.get("storage", {})
    for s in sites:
        line = f"{s.name} connection"
        if line not in flows:
            continue
        into = flows[line].to_numpy(dtype=float)
        imp, exp = np.clip(into, 0, None), np.clip(-into, 0, None)
        zero = np.zeros(len(into))
        pv_col = f"{s.name} pv"
        pv = pv_frame[pv_col].to_numpy(dtype=float) if pv_col in pv_frame else zero
        bat = f"{s.name} battery"
        net_charge = zero
        if "charge_p_mw" in st and bat in st["charge_p_mw"]:
            net_charge = (st["charge_p_mw"][bat] - st["discharge_p_mw"][bat]).to_numpy()
        load = np.clip(pv + into - net_charge, 0, None)
        pv_out = np.minimum(exp, pv)
        load_in = np.minimum(imp, load)
        e = {k: float(v.sum() * dt) for k, v in
             {"pv": pv, "imp": imp, "exp": exp, "load": load, "pv_out": pv_out,
              "load_in": load_in}.items()}  # fmt: skip
        key = f"site_{s.name}"
        nan = float("nan")
        out |= {
            f"{key}_pv_used_mwh": e["pv"],
            f"{key}_import_mwh": e["imp"],
            f"{key}_export_mwh": e["exp"],
            f"{key}_consumption_mwh": e["load"],
            f"{key}_self_consumption_percent": (
                100.0 * (e["pv"] - e["pv_out"]) / e["pv"] if e["pv"] > 0 else nan
            ),
            f"{key}_self_sufficiency_percent": (
                100.0 * (e["load"] - e["load_in"]) / e["load"] if e["load"] > 0 else nan
            ),
            f"{key}_peak_import_mw": float(imp.max(initial=0.0)),
        }
    return out
