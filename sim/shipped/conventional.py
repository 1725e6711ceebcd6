"""Conventional units (the case's ``conventional`` section) on the simulator side.

Each unit is added to the grid as a static generator; its state before the period
(output, on/off, hours in that state) comes from ``initial_p_mw``, and the rolling
horizon carries it from window to window. Output and commitment are kept as
dispatched and enter the AC power flow as the generator's output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dispatch.components.conventional import CONVENTIONAL, CONVENTIONAL_COLUMNS
from dispatch.components.conventional_state import CONVENTIONAL_STATE
from dispatch.family import AssetData
from grid.assets import AssetError, add_conventional
from sim.families import Injection, SimFamily, Window

if TYPE_CHECKING:
    from sim.case import Case
    from sim.setup import Setup

#: the unit parameters copied into the results' asset table
ASSET_COLUMNS = ("p_max_mw", "cost_eur_per_mwh", "ef_tco2_per_mwh", "start_cost_eur")


def conventional_table(case: Case, sgen_bus: pd.Series) -> pd.DataFrame:
    """One row per conventional unit, columns
    :data:`dispatch.components.conventional.CONVENTIONAL_COLUMNS` (a ramp rate not
    given is ``inf``)."""
    inf = float("inf")
    rows = {
        c.name: {
            "bus": sgen_bus[c.name],
            "p_min_mw": c.p_min_mw,
            "p_max_mw": c.p_max_mw,
            "cost_eur_per_mwh": c.cost_eur_per_mwh,
            "ef_tco2_per_mwh": c.ef_tco2_per_mwh,
            "ramp_up_mw_per_h": c.ramp_up_mw_per_h if c.ramp_up_mw_per_h is not None else inf,
            "ramp_down_mw_per_h": (
                c.ramp_down_mw_per_h if c.ramp_down_mw_per_h is not None else inf
            ),
            "min_up_h": c.min_up_h,
            "min_down_h": c.min_down_h,
            "start_cost_eur": c.start_cost_eur,
        }
        for c in case.conventional
    }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(CONVENTIONAL_COLUMNS))
    return table.astype({c: float for c in CONVENTIONAL_COLUMNS if c != "bus"})


def conventional_initial_state(case: Case) -> pd.DataFrame:
    """State of the conventional units before the period: ``initial_p_mw`` [MW], on
    if it is above zero, and long enough in that state to be free to change it."""
    rows = {
        c.name: {
            "p_mw": c.initial_p_mw,
            "on": 1.0 if c.initial_p_mw > 0 else 0.0,
            "hours_in_state": float("inf"),
        }
        for c in case.conventional
    }
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=list(CONVENTIONAL_STATE), dtype=float
    )


@dataclass(frozen=True)
class ConventionalData:
    """The conventional units of a run: their table, their state before the period
    (frame, by unit) and that state as arrays (empty without units)."""

    units: pd.DataFrame
    initial: pd.DataFrame
    state: dict[str, np.ndarray]


class ConventionalFamily(SimFamily):
    """Conventional units: case section ``conventional`` (:class:`sim.case.ConventionalSpec`)."""

    name = CONVENTIONAL.name
    dispatch = CONVENTIONAL
    in_network_data = True

    def add_elements(self, case: Case, net: Any) -> None:
        from sim.case import CaseError

        taken = set(net.sgen["name"])
        for i, c in enumerate(case.conventional):
            if c.name in taken:
                raise CaseError(f"conventional.{i}.name: {c.name!r} is already a generator's name")
            try:
                add_conventional(net, c.name, c.bus, c.p_max_mw)
            except AssetError as exc:
                raise CaseError(f"conventional.{i}.bus: {exc}") from None

    def prepare_run(self, case: Case, setup: Setup) -> ConventionalData:
        units = conventional_table(case, setup.nd.sgen_bus)
        initial = conventional_initial_state(case)
        state = {
            k: initial[k].reindex(units.index).astype(float).to_numpy()
            for k in ("p_mw", "on", "hours_in_state")
        }
        return ConventionalData(units, initial, state if len(units.index) else {})

    def window(self, prepared: ConventionalData, w: Window) -> AssetData:
        return AssetData(CONVENTIONAL, prepared.units, state=prepared.state)

    def injections(
        self, prepared: ConventionalData, realised: Mapping[str, pd.DataFrame]
    ) -> list[Injection]:
        return [Injection("sgen", realised["p_mw"])]

    def assets(self, prepared: ConventionalData) -> pd.DataFrame:
        u = prepared.units
        initial_on = prepared.initial["on"].reindex(u.index).fillna(0.0)
        return u[["bus", *ASSET_COLUMNS]].assign(
            family="conventional", kind="conventional", initial_on=initial_on
        )


#: the conventional-unit family of the simulator
CONVENTIONAL_FAMILY = ConventionalFamily()
