"""EV fleets on the simulator side: case key ``ev_fleets``.

Each fleet is a set of charging sessions (:mod:`sim.ev_sessions`: a CSV file or the
seeded generator) at grid buses, charged ``uncontrolled`` (full power from arrival
until full or departure), ``smart`` (optimised, no discharge) or ``v2g``
(optimised, bidirectional for the vehicles that opt in). The dispatch models each
station (``model: aggregate``, one unit per bus and mode) or each vehicle
(``model: vehicles``) with :class:`dispatch.components.ev.EVCharging`; the sessions
are known from their arrival (``foresight: arrival``) or all in advance
(``perfect``), see :mod:`sim.ev_envelopes`. Every bus with EVs has one pandapower load; the
AC power flow sees its net charging. ``docs/ev.md`` documents the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from grid.assets import AssetError, bus_name
from sim.case_sources import _Strict
from sim.ev_envelopes import SessionArrays, model_arrival
from sim.ev_sessions import SessionError, generate_sessions, read_sessions


class EVGeneratorSpec(_Strict):
    """Sessions drawn by the seeded generator (:func:`sim.ev_sessions.generate_sessions`)."""

    kind: Literal["home", "workplace", "public"]
    vehicles: int = Field(gt=0, le=100_000)
    seed: int = 0
    #: buses the vehicles are spread over (round robin); default: the buses of the
    #: grid's in-service loads
    buses: list[str | int] | None = None
    #: IANA time zone of the daily patterns
    time_zone: str = "UTC"
    consumption_kwh_per_km: float = Field(default=0.18, gt=0, le=1, allow_inf_nan=False)


class EVSessionsSpec(_Strict):
    """Where a fleet's sessions come from: exactly one of ``file`` or ``generate``."""

    file: Path | None = None
    generate: EVGeneratorSpec | None = None

    @model_validator(mode="after")
    def _one(self) -> EVSessionsSpec:
        if (self.file is None) == (self.generate is None):
            raise ValueError("give exactly one of 'file' (a session CSV) or 'generate'")
        return self


class EVFleetSpec(_Strict):
    """One EV fleet of the case file (list under ``ev_fleets``)."""

    name: str = Field(min_length=1)
    mode: Literal["uncontrolled", "smart", "v2g"]
    sessions: EVSessionsSpec
    model: Literal["aggregate", "vehicles"] = "aggregate"
    foresight: Literal["arrival", "perfect"] = "arrival"
    e_battery_mwh: float = Field(default=0.06, gt=0, le=10, allow_inf_nan=False)
    p_charge_mw: float = Field(default=0.011, gt=0, le=10, allow_inf_nan=False)
    soc_arrive: float = Field(default=0.5, ge=0, le=1)
    soc_min: float = Field(default=0.0, ge=0, le=1)
    eff_charge: float = Field(default=0.92, gt=0, le=1)
    eff_discharge: float = Field(default=0.92, gt=0, le=1)
    v2g_share: float = Field(default=1.0, ge=0, le=1)
    wear_cost_eur_per_mwh: float = Field(default=30.0, ge=0, le=1e5, allow_inf_nan=False)
    shortfall_cost_eur_per_mwh: float = Field(default=1000.0, ge=0, le=1e6, allow_inf_nan=False)


@dataclass
class EVData:
    """The run's EV data: unit table, the station load of each unit, the sessions
    (table and, per window length, their arrays) and the installed charger power."""

    units: pd.DataFrame
    station_of_unit: pd.Series
    mode_of_unit: pd.Series
    sessions: pd.DataFrame
    positions: tuple[np.ndarray, np.ndarray]
    columns: dict[str, np.ndarray]
    index: pd.DatetimeIndex
    dt_h: float
    _arrays: dict[int | None, SessionArrays] = field(default_factory=dict)

    def arrays(self, window_steps: int | None) -> SessionArrays:
        """The sessions' arrays for windows of ``window_steps`` steps."""
        if window_steps not in self._arrays:
            c = self.columns
            arrive, depart = self.positions
            perfect = c["perfect"]
            model = np.where(
                perfect, np.maximum(arrive, 0), model_arrival(arrive, window_steps, False)
            )
            rate = c["eff_charge"] * c["p_charge_mw"] * self.dt_h
            e_model = np.minimum(c["e_battery_mwh"], c["e_arrive_mwh"] + rate * (model - arrive))
            arr = SessionArrays(
                unit=c["unit"],
                arrive=arrive,
                depart=depart,
                model_arrive=model,
                p_charge_mw=c["p_charge_mw"],
                p_discharge_mw=c["p_discharge_mw"],
                e_battery_mwh=c["e_battery_mwh"],
                e_arrive_mwh=c["e_arrive_mwh"],
                e_target_mwh=c["e_target_mwh"],
                e_min_mwh=c["e_min_mwh"],
                e_model_mwh=np.maximum(e_model, c["e_arrive_mwh"]),
                eff_charge=c["eff_charge"],
                uncontrolled=c["uncontrolled"],
                foreseen=perfect,
                dt_h=self.dt_h,
            )
            self._arrays[window_steps] = arr
        return self._arrays[window_steps]


def fleet_sessions(
    i: int, f: EVFleetSpec, net: Any, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """The sessions of fleet ``i`` with their buses as bus names.

    Raises
    ------
    ValueError
        ``"<i>.sessions...: ..."`` for a bad file, row or bus.
    """
    src = f.sessions
    try:
        if src.file is not None:
            table = read_sessions(
                src.file,
                e_battery_mwh=f.e_battery_mwh,
                p_charge_mw=f.p_charge_mw,
                soc_arrive=f.soc_arrive,
                v2g_share=f.v2g_share,
                seed=0,
            )
        else:
            g = src.generate
            assert g is not None
            buses = g.buses or _load_buses(net)
            table = generate_sessions(
                f.name,
                g.kind,
                g.vehicles,
                [str(b) for b in buses],
                start,
                end,
                seed=g.seed,
                time_zone=g.time_zone,
                e_battery_mwh=f.e_battery_mwh,
                p_charge_mw=f.p_charge_mw,
                consumption_kwh_per_km=g.consumption_kwh_per_km,
                v2g_share=f.v2g_share,
            )
    except SessionError as exc:
        raise ValueError(f"{i}.sessions.file: {exc}") from None
    except Exception as exc:  # a bad time zone or kind reaches here
        raise ValueError(f"{i}.sessions.generate: {exc}") from None
    key = f"{i}.sessions.{'file' if src.file is not None else 'generate.buses'}"
    names = {}
    for b in table["bus"].unique():
        try:
            names[b] = bus_name(
                net, int(b) if str(b).isdigit() and b not in set(net.bus["name"]) else b
            )
        except AssetError as exc:
            raise ValueError(f"{key}: {exc}") from None
    table["bus"] = table["bus"].map(names)
    table.index = pd.Index([str(x) for x in table.index], name="session")
    if not table.index.is_unique:
        raise ValueError(f"{key}: session ids repeat")
    return table


def _load_buses(net: Any) -> list[str]:
    load = net.load[net.load["in_service"].astype(bool)]
    buses = pd.unique(load["bus"])
    if not len(buses):
        raise SessionError("the grid has no in-service loads; give 'buses'")
    return [str(net.bus.at[b, "name"]) for b in buses]


def station_name(bus: str) -> str:
    """The pandapower load of the EV charging at ``bus`` (all fleets)."""
    return f"ev @ {bus}"
