"""Storage units (the case's ``storage`` section) on the simulator side.

Each unit is added to the grid as a pandapower ``storage`` element; its energy at
the start of the period is ``e_start_mwh``, and the rolling horizon carries the
energy from window to window. Charge and discharge are kept as dispatched and enter
the AC power flow as the storage element's consumption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from dispatch.components.storage import STORAGE, STORAGE_COLUMNS
from dispatch.family import AssetData
from grid.assets import AssetError, add_storage
from sim.families import Injection, SimFamily, Window

if TYPE_CHECKING:
    import numpy as np

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
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(STORAGE_COLUMNS))


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

        for i, s in enumerate(case.storage):
            try:
                add_storage(net, s.name, s.bus, s.p_max_mw, s.e_max_mwh, s.e_min_mwh, s.e_start_mwh)
            except AssetError as exc:
                raise CaseError(f"storage.{i}.bus: {exc}") from None

    def prepare_run(self, case: Case, setup: Setup) -> StorageData:
        units = storage_table(case, setup.nd.storage_bus)
        e_start = pd.Series({s.name: s.e_start_mwh for s in case.storage}, dtype=float)
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
