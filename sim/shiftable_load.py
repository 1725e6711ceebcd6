"""Shiftable loads on the simulator side: case key ``shiftable_loads``.

Each entry is a load at a grid bus that must draw ``energy_mwh`` every day within
its allowed hours ``[earliest_h, latest_h)`` (local time of ``time_zone``) at most at
``p_max_mw`` (a washing machine fleet, a dishwasher, a pump): the dispatch chooses
when (:class:`dispatch.components.shiftable_load.ShiftableLoad`). Its baseline for
the KPIs is serving each task at full power from the start of its hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from dispatch.components.shiftable_load import SHIFTABLE_COLUMNS, SHIFTABLE_LOAD
from dispatch.family import AssetData
from grid.assets import resolve_bus
from sim.case_sources import _Strict
from sim.families import Injection, SimFamily, Stage, Window


class ShiftableLoadSpec(_Strict):
    """One shiftable load of the case file (list under ``shiftable_loads``)."""

    name: str = Field(min_length=1)
    bus: str | int
    energy_mwh: float = Field(gt=0, le=1e4, allow_inf_nan=False)
    p_max_mw: float = Field(gt=0, le=1e3, allow_inf_nan=False)
    earliest_h: int = Field(default=0, ge=0, le=23)
    latest_h: int = Field(default=24, ge=1, le=24)
    time_zone: str = "UTC"
    drop_cost_eur_per_mwh: float = Field(default=1000.0, ge=0, le=1e6, allow_inf_nan=False)

    @model_validator(mode="after")
    def _hours(self) -> ShiftableLoadSpec:
        if self.latest_h <= self.earliest_h:
            raise ValueError("'latest_h' must be after 'earliest_h'")
        if self.energy_mwh > self.p_max_mw * (self.latest_h - self.earliest_h) + 1e-12:
            raise ValueError("'energy_mwh' is more than p_max_mw can serve in the allowed hours")
        return self


def task_series(
    s: ShiftableLoadSpec, index: pd.DatetimeIndex, dt_h: float
) -> dict[str, np.ndarray]:
    """Power limit, release and open-energy envelope of one load on ``index`` (see
    :data:`dispatch.components.shiftable_load.SHIFTABLE_SERIES`); a day whose allowed
    hours the run cuts releases its energy in proportion to the hours it keeps."""
    local = index.tz_convert(s.time_zone)
    hour = local.hour + local.minute / 60.0
    allowed = (hour >= s.earliest_h) & (hour < s.latest_h)
    day = np.asarray(local.normalize().asi8)
    start = allowed & ~np.r_[False, allowed[:-1] & (day[1:] == day[:-1])]
    n = len(index)
    release = np.zeros(n)
    e_max = np.zeros(n)
    rate = s.p_max_mw * dt_h
    full_steps = (s.latest_h - s.earliest_h) / dt_h
    for i in np.flatnonzero(start):
        j = i
        while j < n and allowed[j] and day[j] == day[i]:
            j += 1
        steps = j - i
        release[i] = s.energy_mwh * min(1.0, steps / full_steps)
        e_max[i:j] = rate * (j - 1 - np.arange(i, j))  # left for the steps after
    return {
        "p_max_mw": np.where(allowed, s.p_max_mw, 0.0),
        "release_mwh": release,
        "e_open_max_mwh": np.minimum(e_max, s.energy_mwh),
    }


@dataclass(frozen=True)
class ShiftableData:
    """The run's shiftable loads: unit table and series (time x unit)."""

    units: pd.DataFrame
    series: dict[str, np.ndarray]
    dt_h: float


class ShiftableLoadFamily(SimFamily):
    """Shiftable loads: case key ``shiftable_loads`` (:class:`ShiftableLoadSpec`)."""

    name = SHIFTABLE_LOAD.name
    dispatch = SHIFTABLE_LOAD
    case_key = "shiftable_loads"
    spec = ShiftableLoadSpec

    def add_to_net(self, net: Any, specs: list[Any]) -> None:
        self.add_entry_loads(net, specs)

    def prepare(
        self, specs: list[Any], net: Any, index: pd.DatetimeIndex, dt_h: float
    ) -> ShiftableData:
        per = [task_series(s, index, dt_h) for s in specs]
        units = pd.DataFrame(
            {
                "bus": [str(net.bus.at[resolve_bus(net, s.bus), "name"]) for s in specs],
                "drop_cost_eur_per_mwh": [float(s.drop_cost_eur_per_mwh) for s in specs],
            },
            index=pd.Index([s.name for s in specs], dtype=object),
            columns=list(SHIFTABLE_COLUMNS),
        )
        series = {k: np.column_stack([p[k] for p in per]) for k in per[0]}
        return ShiftableData(units=units, series=series, dt_h=dt_h)

    def window(self, prepared: ShiftableData, w: Window) -> AssetData:
        series = {k: v[w.at] for k, v in prepared.series.items()}
        state = {"e_mwh": np.zeros(len(prepared.units.index))}
        return AssetData(SHIFTABLE_LOAD, prepared.units, series, state)

    def realise(
        self, prepared: ShiftableData, dispatched: Mapping[str, pd.DataFrame], stage: Stage
    ) -> dict[str, pd.DataFrame]:
        """As dispatched, with the baseline: each task at full power from the start
        of its hours [MW]."""
        index = dispatched["p_mw"].index
        release = prepared.series["release_mwh"]
        p_max = prepared.series["p_max_mw"]
        base = np.zeros_like(release)
        left = np.zeros(release.shape[1])
        for t in range(len(index)):
            left = left + release[t]
            base[t] = np.minimum(p_max[t], left / prepared.dt_h)
            left = left - base[t] * prepared.dt_h
        cols = prepared.units.index
        return {**dispatched, "p_base_mw": pd.DataFrame(base, index=index, columns=cols)}

    def injections(
        self, prepared: ShiftableData, realised: Mapping[str, pd.DataFrame]
    ) -> list[Injection]:
        return [Injection("load", realised["p_mw"])]

    def kpis(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, float]:
        """Energy served, dropped and shifted (half the absolute deviation from the
        baseline) [MWh], peak served and baseline power [MW]."""
        p, base = frames["p_mw"], frames["p_base_mw"]
        return {
            "shiftable_load_energy_mwh": float(p.to_numpy().sum() * dt_h),
            "shiftable_load_dropped_mwh": float(frames["dropped_mwh"].to_numpy().sum()),
            "shiftable_load_shifted_mwh": float(0.5 * (p - base).abs().to_numpy().sum() * dt_h),
            "shiftable_load_peak_mw": float(p.sum(axis=1).max()) if len(p) else 0.0,
            "shiftable_load_baseline_peak_mw": float(base.sum(axis=1).max()) if len(p) else 0.0,
        }

    def demand_p_mw(self, frames: Mapping[str, pd.DataFrame]) -> pd.Series | None:
        return frames["p_mw"].sum(axis=1)


#: the shiftable-load family of the simulator
SHIFTABLE_LOAD_FAMILY = ShiftableLoadFamily()
