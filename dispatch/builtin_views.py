"""DataFrame views of the shipped families' data and results.

:class:`dispatch.inputs.DispatchInputs` and :class:`dispatch.extract.DispatchResult`
hold every family alike (:mod:`dispatch.family`); these read-only properties give
the five shipped families' entries under their familiar names (``x.load_p_mw``,
``result.storage_e_mwh``) as DataFrames, built when asked for. The rolling
horizon never calls them; tests, examples and the results of a run do. A new
family needs none: ``x.assets[name]`` and ``result.frame(name, quantity)`` serve
every family.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from dispatch.family import AssetData, Labelled


def _frame(values: np.ndarray, index: pd.DatetimeIndex, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(values, index=index, columns=pd.Index(columns, dtype=object), dtype=float)


class BuiltinViews:
    """DataFrame views of the shipped families in :class:`dispatch.inputs.DispatchInputs`."""

    time: pd.DatetimeIndex
    assets: Mapping[str, AssetData]

    def _series(self, family: str, name: str) -> pd.DataFrame:
        d = self.assets[family]
        return _frame(d.series[name], self.time, d.names)

    @property
    def load_p_mw(self) -> pd.DataFrame:
        """Forecast demand per load [MW] (time x load)."""
        return self._series("loads", "p_mw")

    @property
    def load_q_mvar(self) -> pd.DataFrame | None:
        """Forecast reactive demand per load [Mvar], None if not given."""
        return self._series("loads", "q_mvar") if "q_mvar" in self.assets["loads"].series else None

    @property
    def load_bus(self) -> pd.Series:
        """Bus of each load."""
        return self.assets["loads"].units["bus"]

    @property
    def renewable_p_mw(self) -> pd.DataFrame:
        """Forecast available power per renewable unit [MW] (time x unit)."""
        return self._series("renewables", "p_available_mw")

    @property
    def renewable_bus(self) -> pd.Series:
        """Bus of each renewable unit."""
        return self.assets["renewables"].units["bus"]

    @property
    def storage(self) -> pd.DataFrame:
        """The storage table (:data:`dispatch.components.storage.STORAGE_COLUMNS`)."""
        return self.assets["storage"].units

    @property
    def storage_e_initial_mwh(self) -> pd.Series:
        """Stored energy at the window start [MWh], by storage name."""
        d = self.assets["storage"]
        return pd.Series(d.state["e_mwh"], index=d.units.index, dtype=float)

    @property
    def conventional(self) -> pd.DataFrame:
        """The conventional-unit table."""
        return self.assets["conventional"].units

    @property
    def conventional_state(self) -> pd.DataFrame:
        """State of the conventional units before the window (p_mw, on, hours_in_state)."""
        from dispatch.components.conventional_state import CONVENTIONAL_STATE, default_state

        d = self.assets["conventional"]
        state = {**default_state(len(d.units.index)), **d.state}
        return pd.DataFrame(
            {k: state[k] for k in CONVENTIONAL_STATE}, index=d.units.index, dtype=float
        )

    @property
    def grid(self) -> pd.DataFrame:
        """Prices [EUR/MWh] and emission factors [tCO2/MWh] of the grid connection (and
        the imbalance price with a schedule), time x series."""
        d = self.assets["grid"]
        names = [k for k in d.series if k != "schedule_mw"]
        return pd.DataFrame({k: d.series[k][:, 0] for k in names}, index=self.time)

    @property
    def grid_schedule_mw(self) -> pd.Series | None:
        """Scheduled net import [MW], None without a schedule."""
        d = self.assets["grid"]
        if "schedule_mw" not in d.series:
            return None
        return pd.Series(d.series["schedule_mw"][:, 0], index=self.time)

    @property
    def ext_grid_bus(self) -> str:
        """Bus of the grid connection."""
        return str(self.assets["grid"].units["bus"].iloc[0])

    @property
    def import_max_mw(self) -> float:
        """Import limit [MW] (inf when unlimited)."""
        return float(self.assets["grid"].units["import_max_mw"].iloc[0])

    @property
    def export_max_mw(self) -> float:
        """Export limit [MW] (inf when unlimited)."""
        return float(self.assets["grid"].units["export_max_mw"].iloc[0])


#: the shipped families' results under their names: name -> (family, quantity)
RESULT_NAMES: dict[str, tuple[str, str]] = {
    "renewable_p_mw": ("renewables", "p_mw"),
    "curtailment_p_mw": ("renewables", "curtailment_p_mw"),
    "storage_charge_p_mw": ("storage", "charge_p_mw"),
    "storage_discharge_p_mw": ("storage", "discharge_p_mw"),
    "storage_e_mwh": ("storage", "e_mwh"),
    "grid_import_p_mw": ("grid", "import_p_mw"),
    "grid_export_p_mw": ("grid", "export_p_mw"),
    "shed_p_mw": ("loads", "shed_p_mw"),
    "overgen_p_mw": ("loads", "overgen_p_mw"),
    "conventional_p_mw": ("conventional", "p_mw"),
    "conventional_on": ("conventional", "on"),
}


def _result_view(name: str) -> property:
    family, quantity = RESULT_NAMES[name]

    def get(self: Any) -> pd.DataFrame:
        return self.frame(family, quantity)

    get.__doc__ = f"``frame({family!r}, {quantity!r})``: see the family's docstring."
    return property(get)


def _system_view(name: str) -> property:
    def get(self: Any) -> pd.DataFrame:
        return self.system_frame(name)

    get.__doc__ = f"``system_frame({name!r})``: see :class:`dispatch.extract.DispatchResult`."
    return property(get)


class ResultViews:
    """DataFrame views of :class:`dispatch.extract.DispatchResult`, by the names of
    :data:`RESULT_NAMES` and the system quantities."""

    time: pd.DatetimeIndex
    system: Mapping[str, Labelled]

    renewable_p_mw = _result_view("renewable_p_mw")
    curtailment_p_mw = _result_view("curtailment_p_mw")
    storage_charge_p_mw = _result_view("storage_charge_p_mw")
    storage_discharge_p_mw = _result_view("storage_discharge_p_mw")
    storage_e_mwh = _result_view("storage_e_mwh")
    grid_import_p_mw = _result_view("grid_import_p_mw")
    grid_export_p_mw = _result_view("grid_export_p_mw")
    shed_p_mw = _result_view("shed_p_mw")
    overgen_p_mw = _result_view("overgen_p_mw")
    conventional_p_mw = _result_view("conventional_p_mw")
    conventional_on = _result_view("conventional_on")
    system_price_eur_per_mwh = _system_view("system_price_eur_per_mwh")
    lmp_eur_per_mwh = _system_view("lmp_eur_per_mwh")
    branch_p_mw = _system_view("branch_p_mw")
    vm_pu = _system_view("vm_pu")
    lmef_tco2_per_mwh = _system_view("lmef_tco2_per_mwh")
    system_mef_tco2_per_mwh = _system_view("system_mef_tco2_per_mwh")
