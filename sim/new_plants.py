"""New wind and PV plants placed by a rule for ``renewables.new_plants``.

One PV and one wind static generator per chosen bus, ``new pv @ <bus>`` and
``new wind @ <bus>``, rated in proportion to the bus's in-service load ``p_mw``
(``rule: load``; only at ``voltage_levels_kv`` if given) or equally
(``rule: buses``), 1 MW per kind in total; :mod:`sim.renewable_share` then scales
them to the target share (their final size is their ``p_mw`` times the factor
that meets it).
On a SimBench grid they take the SimBench profiles ``pv_profile`` and
``wind_profile`` unless their kind comes from weather.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandapower as pp
import pandas as pd

from grid.assets import AssetError, resolve_bus
from sim.case import Case, CaseError

#: name prefix of the new plants, by kind
NEW_PLANT_PREFIX = {"pv": "new pv @ ", "wind": "new wind @ "}
#: sgen ``type`` of the new plants (their kind, see :func:`grid.assets.renewable_kind`)
NEW_PLANT_TYPE = {"pv": "PV", "wind": "Wind"}


def _weights(case: Case, net: Any) -> pd.Series:
    """Share of the new capacity at each bus (pandapower index), summing to 1."""
    spec = case.renewables.new_plants
    assert spec is not None
    if spec.rule == "buses":
        try:
            buses = [resolve_bus(net, b) for b in spec.buses or []]
        except AssetError as exc:
            raise CaseError(f"renewables.new_plants.buses: {exc}") from None
        return pd.Series(1.0 / len(buses), index=pd.Index(buses).unique())
    load = net.load[net.load["in_service"].astype(bool)]
    if spec.voltage_levels_kv:
        vn = net.bus.loc[load["bus"], "vn_kv"].to_numpy(dtype=float)
        keep = np.isin(np.round(vn, 6), np.round(spec.voltage_levels_kv, 6))
        load = load[keep]
    by_bus = load.groupby("bus")["p_mw"].sum()
    by_bus = by_bus[by_bus > 0]
    if by_bus.empty:
        raise CaseError(
            "renewables.new_plants.voltage_levels_kv: no in-service load with p_mw > 0 "
            f"at {spec.voltage_levels_kv} kV"
        )
    return by_bus / by_bus.sum()


def add_new_plants(case: Case, net: Any) -> None:
    """Add the new plants of ``renewables.new_plants`` to ``net`` (in place)."""
    spec = case.renewables.new_plants
    if spec is None:
        return
    weights = _weights(case, net)
    names = net.bus.loc[weights.index, "name"].astype(str)
    pc = case.profiles
    from_weather = {"pv": pc.pv_from_weather is not None, "wind": pc.wind_from_weather is not None}
    profile = {"pv": spec.pv_profile, "wind": spec.wind_profile}
    for kind in ("pv", "wind"):
        extra = {} if from_weather[kind] else {"profile": [profile[kind]] * len(weights)}
        pp.create_sgens(
            net,
            list(weights.index),
            p_mw=weights.to_numpy(dtype=float),
            name=[NEW_PLANT_PREFIX[kind] + n for n in names],
            type=NEW_PLANT_TYPE[kind],
            **extra,
        )


def new_plant_names(kinds: pd.Series) -> pd.Series:
    """Whether each renewable generator (by name) is a new plant."""
    names = kinds.index.to_series().astype(str)
    return names.str.startswith(tuple(NEW_PLANT_PREFIX.values()))
