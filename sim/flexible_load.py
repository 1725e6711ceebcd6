"""The flexible-load family on the simulator side: case key ``flexible_loads``.

Each entry is a load at a grid bus with a baseline profile it must serve over each
dispatch window, of which up to ``e_max_mwh`` may be deferred (see
:class:`dispatch.components.flexible_load.FlexibleLoad` for the model). It is added
to the pandapower net as a load, realised as dispatched (the baseline is known),
and checked by the AC power flow. The worked example of ``docs/extending.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from dispatch.components.flexible_load import FLEXIBLE_LOAD, FLEXIBLE_LOAD_COLUMNS
from dispatch.family import AssetData
from sim.case import SeriesSpec
from sim.families import Injection, SimFamily, Stage, Window
from sim.series import series_from_spec


class FlexibleLoadSpec(BaseModel):
    """One flexible load of the case file (list under ``flexible_loads``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    bus: str
    p_max_mw: float = Field(gt=0, allow_inf_nan=False)
    e_max_mwh: float = Field(ge=0, allow_inf_nan=False)
    defer_cost_eur_per_mwh_h: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    profile_mw: SeriesSpec


@dataclass(frozen=True)
class Prepared:
    """The run's data of the flexible loads: unit table and baseline [MW] (time x unit)."""

    units: pd.DataFrame
    base_mw: np.ndarray
    dt_h: float


class FlexibleLoadFamily(SimFamily):
    """Flexible loads: case key ``flexible_loads`` (:class:`FlexibleLoadSpec`)."""

    name = FLEXIBLE_LOAD.name
    dispatch = FLEXIBLE_LOAD
    case_key = "flexible_loads"
    spec = FlexibleLoadSpec

    def add_to_net(self, net: Any, specs: list[Any]) -> None:
        self.add_entry_loads(net, specs)

    def prepare(self, specs: list[Any], net: Any, index: pd.DatetimeIndex, dt_h: float) -> Prepared:
        names = [s.name for s in specs]
        units = pd.DataFrame(
            {
                "bus": [s.bus for s in specs],
                "p_max_mw": [s.p_max_mw for s in specs],
                "e_max_mwh": [s.e_max_mwh for s in specs],
                "defer_cost_eur_per_mwh_h": [s.defer_cost_eur_per_mwh_h for s in specs],
            },
            index=pd.Index(names, dtype=object),
            columns=list(FLEXIBLE_LOAD_COLUMNS),
        )
        key = f"{self.case_key}.{{}}.profile_mw"
        base = np.column_stack(
            [
                series_from_spec(s.profile_mw, index, key.format(i)).to_numpy(dtype=float)
                for i, s in enumerate(specs)
            ]
        )
        for i, s in enumerate(specs):
            if (base[:, i] < 0).any() or (base[:, i] > s.p_max_mw).any():
                raise ValueError(f"{i}.profile_mw: the baseline must lie within [0, p_max_mw]")
        return Prepared(units=units, base_mw=base, dt_h=dt_h)

    def window(self, prepared: Prepared, w: Window) -> AssetData:
        return AssetData(
            FLEXIBLE_LOAD,
            prepared.units,
            {"p_base_mw": prepared.base_mw[w.at]},
            {"e_mwh": np.zeros(len(prepared.units.index))},
        )

    def realise(
        self, prepared: Prepared, dispatched: Mapping[str, pd.DataFrame], stage: Stage
    ) -> dict[str, pd.DataFrame]:
        """Served power and deferred energy as dispatched, with the baseline and the
        cost of deferral per step [EUR] (``dt_h`` times the deferred energy times the
        unit's cost per MWh and hour)."""
        index = dispatched["p_mw"].index
        base = pd.DataFrame(prepared.base_mw, index=index, columns=prepared.units.index)
        rate = prepared.units["defer_cost_eur_per_mwh_h"].astype(float)
        cost = dispatched["deferred_mwh"] * rate * prepared.dt_h
        return {**dispatched, "p_base_mw": base, "defer_cost_eur": cost}

    def injections(
        self, prepared: Prepared, realised: Mapping[str, pd.DataFrame]
    ) -> list[Injection]:
        return [Injection("load", realised["p_mw"])]

    def kpis(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, float]:
        """Energy served and baseline [MWh], energy shifted (half the absolute
        deviation from the baseline) [MWh], cost of deferral [EUR], peak served and
        peak baseline [MW]."""
        served = frames["p_mw"].sum(axis=1)
        base = frames["p_base_mw"].sum(axis=1)
        return {
            "flexible_load_energy_mwh": float(served.sum() * dt_h),
            "flexible_load_baseline_mwh": float(base.sum() * dt_h),
            "flexible_load_shifted_mwh": float(
                0.5 * (frames["p_mw"] - frames["p_base_mw"]).abs().to_numpy().sum() * dt_h
            ),
            "flexible_load_defer_cost_eur": self.cost_eur(frames, dt_h),
            "flexible_load_peak_mw": float(served.max()),
            "flexible_load_baseline_peak_mw": float(base.max()),
        }

    def demand_p_mw(self, frames: Mapping[str, pd.DataFrame]) -> pd.Series | None:
        return frames["p_mw"].sum(axis=1)

    def cost_eur(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> float:
        """The cost of deferral over the run [EUR]."""
        return float(frames["defer_cost_eur"].to_numpy().sum())

    def figures(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, Any]:
        return {"flexible_load": flexible_load_profile(frames)}


#: the flexible-load family of the simulator
FLEXIBLE_LOAD_FAMILY = FlexibleLoadFamily()


def flexible_load_profile(frames: Mapping[str, pd.DataFrame]) -> Any:
    """Baseline and served power of all flexible loads [MW] (left) and their deferred
    energy [MWh] (right), over time."""
    import matplotlib.pyplot as plt

    import sim.plots  # noqa: F401  (selects the Agg backend)

    t = frames["p_mw"].index
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
    ax.step(t, frames["p_base_mw"].sum(axis=1), where="post", label="baseline", color="#7f7f7f")
    ax.step(t, frames["p_mw"].sum(axis=1), where="post", label="served", color="#8e63b5")
    ax.set_ylabel("power [MW]")
    ax.set_title("Flexible loads: baseline and served")
    ax.legend(loc="upper right")
    ax2.step(t, frames["deferred_mwh"].sum(axis=1), where="post", color="#c0504d")
    ax2.set_ylabel("deferred energy [MWh]")
    ax2.set_title("Energy deferred (end of step)")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
