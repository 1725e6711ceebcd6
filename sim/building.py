"""Heat-pump buildings on the simulator side: case key ``buildings``.

Each entry is a building at a grid bus with a one-node RC thermal model and a heat
pump (:class:`dispatch.components.building.Building`): added to the net as a load,
its outdoor temperature from a series of the case or from ``profiles.weather``, its
COP from the outdoor temperature (a fraction of the Carnot COP at the supply
temperature) or constant, dispatched in the rolling horizon with its indoor
temperature carried between windows. ``docs/buildings.md`` documents it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from dispatch.components.building import BUILDING, BUILDING_COLUMNS
from dispatch.family import AssetData
from grid.assets import resolve_bus
from sim.case import SeriesSpec
from sim.case_sources import _Strict
from sim.families import Injection, SimFamily, Stage, Window
from sim.series import series_from_spec

#: COP bounds of the Carnot-fraction model [-]
COP_MIN, COP_MAX = 1.0, 8.0


class BuildingSpec(_Strict):
    """One building of the case file (list under ``buildings``)."""

    name: str = Field(min_length=1)
    bus: str | int
    r_k_per_mw: float = Field(gt=0, le=1e6, allow_inf_nan=False)
    c_mwh_per_k: float = Field(gt=0, le=1e3, allow_inf_nan=False)
    p_max_mw: float = Field(ge=0, le=100, allow_inf_nan=False)
    t_initial_c: float = Field(default=21.0, ge=-30, le=60)
    t_min_c: float = Field(default=20.0, ge=-30, le=60)
    t_max_c: float = Field(default=24.0, ge=-30, le=60)
    discomfort_cost_eur_per_kh: float = Field(default=50.0, ge=0, le=1e6, allow_inf_nan=False)
    #: outdoor temperature [degC]; default: ``profiles.weather``'s air temperature
    t_out_c: SeriesSpec | None = None
    #: internal and solar heat gains [MW]; default none
    gains_mw: SeriesSpec | None = None
    #: a constant COP; default: ``cop_carnot_fraction`` of the Carnot COP
    cop: float | None = Field(default=None, gt=0, le=COP_MAX)
    cop_carnot_fraction: float = Field(default=0.45, gt=0, le=1)
    supply_c: float = Field(default=35.0, ge=20, le=80)
    #: a two-node model: resistance air-mass [K/MW] and the mass's capacitance
    #: [MWh/K] (then ``r_k_per_mw`` and ``c_mwh_per_k`` are the air node's)
    r_mass_k_per_mw: float | None = Field(default=None, gt=0, le=1e6, allow_inf_nan=False)
    c_mass_mwh_per_k: float | None = Field(default=None, gt=0, le=1e4, allow_inf_nan=False)
    #: the mass's temperature at the start (default ``t_initial_c``)
    t_mass_initial_c: float | None = Field(default=None, ge=-30, le=60)

    @model_validator(mode="after")
    def _two_node(self) -> BuildingSpec:
        if (self.r_mass_k_per_mw is None) != (self.c_mass_mwh_per_k is None):
            raise ValueError("a two-node building needs both r_mass_k_per_mw and c_mass_mwh_per_k")
        return self


def carnot_cop(t_out_c: np.ndarray, supply_c: float, fraction: float) -> np.ndarray:
    """``fraction`` of the Carnot COP heating at ``supply_c`` from ``t_out_c``,
    within [:data:`COP_MIN`, :data:`COP_MAX`]."""
    lift = np.maximum(supply_c - t_out_c, 1e-6)
    return np.clip(fraction * (supply_c + 273.15) / lift, COP_MIN, COP_MAX)


@dataclass(frozen=True)
class BuildingData:
    """The run's building data: unit table, series (time x unit) and start temperatures."""

    units: pd.DataFrame
    series: dict[str, np.ndarray]
    t_initial_c: np.ndarray
    t_mass_initial_c: np.ndarray
    dt_h: float


class BuildingFamily(SimFamily):
    """Heat-pump buildings: case key ``buildings`` (:class:`BuildingSpec`)."""

    name = BUILDING.name
    dispatch = BUILDING
    case_key = "buildings"
    spec = BuildingSpec

    def add_to_net(self, net: Any, specs: list[Any]) -> None:
        self.add_entry_loads(net, specs)

    def prepare_run(self, case: Any, setup: Any) -> BuildingData | None:
        from sim.case import CaseError

        specs = case.families.get(self.name, [])
        if not specs:
            return None
        index, dt = setup.index, case.time.dt_h
        weather_t = None
        if any(s.t_out_c is None for s in specs):
            if case.profiles.weather is None:
                i = next(i for i, s in enumerate(specs) if s.t_out_c is None)
                raise CaseError(f"buildings.{i}.t_out_c: required without profiles.weather")
            from sim.weather_sources import weather_on_run

            weather_t = weather_on_run(case, index)["temp_air_c"].to_numpy(dtype=float)
        cols: dict[str, list[np.ndarray]] = {"t_out_c": [], "gains_mw": [], "cop": []}
        for i, s in enumerate(specs):
            key = f"buildings.{i}"
            t_out = (
                weather_t
                if s.t_out_c is None
                else series_from_spec(s.t_out_c, index, f"{key}.t_out_c").to_numpy(dtype=float)
            )
            gains = (
                np.zeros(len(index))
                if s.gains_mw is None
                else series_from_spec(s.gains_mw, index, f"{key}.gains_mw").to_numpy(dtype=float)
            )
            if (gains < 0).any():
                raise CaseError(f"{key}.gains_mw: heat gains must not be negative")
            assert t_out is not None
            cop = (
                np.full(len(index), s.cop)
                if s.cop is not None
                else carnot_cop(t_out, s.supply_c, s.cop_carnot_fraction)
            )
            cols["t_out_c"].append(t_out)
            cols["gains_mw"].append(gains)
            cols["cop"].append(cop)
        names = [s.name for s in specs]
        units = pd.DataFrame(
            {c: [getattr(s, c) or 0.0 for s in specs] for c in BUILDING_COLUMNS},
            index=pd.Index(names, dtype=object),
        )
        units["bus"] = [str(setup.net.bus.at[resolve_bus(setup.net, s.bus), "name"]) for s in specs]
        units = units.astype({c: float for c in BUILDING_COLUMNS[1:]})
        series = {k: np.column_stack(v) for k, v in cols.items()}
        t0 = np.array([s.t_initial_c for s in specs], dtype=float)
        tm = np.array(
            [
                s.t_mass_initial_c if s.t_mass_initial_c is not None else s.t_initial_c
                for s in specs
            ],
            dtype=float,
        )
        return BuildingData(
            units=units, series=series, t_initial_c=t0, t_mass_initial_c=tm, dt_h=dt
        )

    def window(self, prepared: BuildingData, w: Window) -> AssetData:
        series = {k: v[w.at] for k, v in prepared.series.items()}
        state = {"t_c": prepared.t_initial_c.copy(), "t_mass_c": prepared.t_mass_initial_c.copy()}
        return AssetData(BUILDING, prepared.units, series, state)

    def realise(
        self, prepared: BuildingData, dispatched: Mapping[str, pd.DataFrame], stage: Stage
    ) -> dict[str, pd.DataFrame]:
        """As dispatched, with the outdoor temperature [degC]."""
        index = dispatched["p_mw"].index
        t_out = pd.DataFrame(prepared.series["t_out_c"], index=index, columns=prepared.units.index)
        return {**dispatched, "t_out_c": t_out}

    def injections(
        self, prepared: BuildingData, realised: Mapping[str, pd.DataFrame]
    ) -> list[Injection]:
        return [Injection("load", realised["p_mw"])]

    def kpis(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, float]:
        """Heat-pump electricity and heat delivered [MWh], degree-hours outside the
        comfort band [K h], peak heat-pump load [MW], lowest and highest indoor
        temperature [degC]."""
        p = frames["p_mw"]
        t = frames["t_c"]
        return {
            "building_hp_mwh": float(p.to_numpy().sum() * dt_h),
            "building_heat_mwh": float(frames["heat_mw"].to_numpy().sum() * dt_h),
            "building_discomfort_kh": float(frames["discomfort_k"].to_numpy().sum() * dt_h),
            "building_peak_mw": float(p.sum(axis=1).max()) if len(p) else 0.0,
            "building_t_min_c": float(t.to_numpy().min()) if t.size else float("nan"),
            "building_t_max_c": float(t.to_numpy().max()) if t.size else float("nan"),
        }

    def demand_p_mw(self, frames: Mapping[str, pd.DataFrame]) -> pd.Series | None:
        return frames["p_mw"].sum(axis=1)


#: the building family of the simulator
BUILDING_FAMILY = BuildingFamily()
