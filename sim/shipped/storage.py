"""Storage units (the case's ``storage`` section and the grid's own ``storage``
elements) on the simulator side.

Each unit of the case is added to the grid as a pandapower ``storage`` element; an
entry named after a storage of the grid gives that element its parameters instead.
The grid's other in-service storages are dispatched too, with the parameters of
:func:`net_storage_table`. A unit's energy at the start of the period is
``e_start_mwh``, and the rolling horizon carries the energy from window to window.
Charge and discharge are kept as dispatched and enter the AC power flow as the
storage element's consumption.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dispatch.components.storage import STORAGE, STORAGE_COLUMNS
from dispatch.family import AssetData
from grid.assets import AssetError, add_storage, bus_name
from sim.families import Injection, SimFamily, Window

if TYPE_CHECKING:
    from sim.case import Case
    from sim.setup import Setup


def storage_table(case: Case, storage_bus: pd.Series) -> pd.DataFrame:
    """One row per storage unit, columns :data:`dispatch.components.storage.STORAGE_COLUMNS`."""
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
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(STORAGE_COLUMNS))
    return table.astype({c: float for c in STORAGE_COLUMNS if c != "bus"})


def _finite(row: pd.Series, key: str) -> float | None:
    v = pd.to_numeric(row.get(key), errors="coerce")
    return float(v) if v is not None and np.isfinite(v) else None


def _net_storage_row(name: str, row: pd.Series, bus: str) -> dict[str, Any]:
    """One storage element of the grid as a row of :func:`storage_table` plus its
    energy at the start [MWh] (key ``e_start_mwh``)."""
    from sim.case_assets import StorageSpec

    e_max = _finite(row, "max_e_mwh")
    if e_max is None or e_max <= 0:
        got = row.get("max_e_mwh")
        raise ValueError(f"{name}: max_e_mwh must be a positive number (got {got})")
    limits = [v for v in (_finite(row, "max_p_mw"), -(_finite(row, "min_p_mw") or 0.0)) if v]
    p_max = max(limits) if limits and max(limits) > 0 else _finite(row, "sn_mva")
    if p_max is None or p_max <= 0:
        raise ValueError(f"{name}: give max_p_mw/min_p_mw or sn_mva (its power limit)")
    e_min = min(max(_finite(row, "min_e_mwh") or 0.0, 0.0), e_max)
    soc = _finite(row, "soc_percent")
    e_start = min(max(soc / 100.0 * e_max, e_min), e_max) if soc is not None else None
    round_trip = _finite(row, "efficiency_percent")
    eff = math.sqrt(round_trip / 100.0) if round_trip and 0 < round_trip <= 100 else None
    per_day = _finite(row, "self-discharge_percent_per_day")
    defaults = StorageSpec.model_fields
    spec = {
        "bus": bus,
        "p_max_mw": p_max,
        "e_min_mwh": e_min,
        "e_max_mwh": e_max,
        "eff_charge": eff if eff is not None else defaults["eff_charge"].default,
        "eff_discharge": eff if eff is not None else defaults["eff_discharge"].default,
        "standing_loss_per_h": (
            1.0 - (1.0 - per_day / 100.0) ** (1.0 / 24.0) if per_day and 0 < per_day < 100 else 0.0
        ),
        "wear_cost_eur_per_mwh": 0.0,
    }
    e0 = e_start if e_start is not None else 0.5 * (e_min + e_max)
    return {**spec, "e_terminal_min_mwh": e0, "e_start_mwh": e0}


def net_storage_table(net: Any, skip: set[str]) -> pd.DataFrame:
    """The grid's in-service storage elements not named in ``skip`` (the case's own),
    as rows of :func:`storage_table` plus ``e_start_mwh``.

    Power limit: the larger of ``max_p_mw`` and ``-min_p_mw``, else ``sn_mva``;
    energy: ``min_e_mwh`` to ``max_e_mwh``, starting at ``soc_percent`` (half-full
    without); ``efficiency_percent`` (SimBench's column) is the round-trip
    efficiency, split evenly into charge and discharge (else the case-file
    defaults, 0.95 each); ``self-discharge_percent_per_day`` becomes the standing
    loss per hour; no wear cost; the energy at the end at least that at the start.

    Raises
    ------
    ValueError
        ``"<storage name>: ..."`` for missing energy or power limits.
    """
    st = net.storage[net.storage["in_service"].astype(bool)]
    rows = {}
    for _, row in st.iterrows():
        name = str(row["name"])
        if name not in skip:
            rows[name] = _net_storage_row(name, row, str(net.bus.at[row["bus"], "name"]))
    columns = [*STORAGE_COLUMNS, "e_start_mwh"]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    return table.astype({c: float for c in columns if c != "bus"})


@dataclass(frozen=True)
class StorageData:
    """The storage units of a run: their table and energy at the start [MWh]."""

    units: pd.DataFrame
    e_start_mwh: np.ndarray


class StorageFamily(SimFamily):
    """Storage units: case section ``storage`` (:class:`sim.case.StorageSpec`)."""

    name = STORAGE.name
    dispatch = STORAGE
    in_network_data = True

    def add_elements(self, case: Case, net: Any) -> None:
        from sim.case import CaseError

        on_net = pd.Series(
            net.bus.loc[net.storage["bus"], "name"].astype(str).to_numpy(),
            index=net.storage["name"].astype(str).to_numpy(),
            dtype=object,
        )
        for i, s in enumerate(case.storage):
            if s.name in on_net.index:  # the case's parameters for the grid's storage
                try:
                    given = on_net[s.name] if s.bus is None else bus_name(net, s.bus)
                except AssetError as exc:
                    raise CaseError(f"storage.{i}.bus: {exc}") from None
                if given != on_net[s.name]:
                    raise CaseError(
                        f"storage.{i}.bus: {s.bus!r} is not the bus of the grid's storage "
                        f"{s.name!r} ({on_net[s.name]!r}); leave it out"
                    )
                continue
            if s.bus is None:
                raise CaseError(
                    f"storage.{i}.bus: required (the grid has no storage named {s.name!r})"
                )
            try:
                add_storage(net, s.name, s.bus, s.p_max_mw, s.e_max_mwh, s.e_min_mwh, s.e_start_mwh)
            except AssetError as exc:
                raise CaseError(f"storage.{i}.bus: {exc}") from None

    def prepare_run(self, case: Case, setup: Setup) -> StorageData:
        from sim.case import CaseError

        own = storage_table(case, setup.nd.storage_bus)
        try:
            grid = net_storage_table(setup.net, set(own.index))
        except ValueError as exc:
            raise CaseError(f"grid: storage {exc}") from None
        e_start = pd.Series({s.name: s.e_start_mwh for s in case.storage}, dtype=float)
        units = own
        if len(grid):
            rest = grid[list(STORAGE_COLUMNS)]
            units = pd.concat([own, rest]) if len(own) else rest
            e_grid = grid["e_start_mwh"].astype(float)
            e_start = pd.concat([e_start, e_grid]) if len(e_start) else e_grid
        return StorageData(units, e_start.reindex(units.index).to_numpy(dtype=float))

    def window(self, prepared: StorageData, w: Window) -> AssetData:
        return AssetData(STORAGE, prepared.units, state={"e_mwh": prepared.e_start_mwh})

    def injections(
        self, prepared: StorageData, realised: Mapping[str, pd.DataFrame]
    ) -> list[Injection]:
        charge = realised["charge_p_mw"]
        return [Injection("storage", charge - realised["discharge_p_mw"][charge.columns])]

    def assets(self, prepared: StorageData) -> pd.DataFrame:
        u = prepared.units
        return pd.DataFrame(
            {
                "family": "storage",
                "kind": "battery",
                "bus": u["bus"],
                "e_max_mwh": u["e_max_mwh"],
                "wear_cost_eur_per_mwh": u["wear_cost_eur_per_mwh"],
            }
        )


#: the storage family of the simulator
STORAGE_FAMILY = StorageFamily()
