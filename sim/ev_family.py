"""The EV-fleet family of the simulator (case key ``ev_fleets``, see :mod:`sim.ev`):
its stations in the net, its data per run and window, its realisation, AC power-flow
injections, KPIs and plot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandapower as pp
import pandas as pd

from dispatch.components.ev import EV, EV_COLUMNS
from dispatch.family import AssetData
from grid.assets import resolve_bus
from sim.ev import EVData, EVFleetSpec, fleet_sessions, station_name
from sim.ev_envelopes import disaggregate, step_positions, uncontrolled_p_mw, window_series
from sim.families import Injection, SimFamily, Stage, Window


def _period(case: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(case.time.start), pd.Timestamp(case.time.end)


def _check_names(specs: list[EVFleetSpec]) -> None:
    seen: set[str] = set()
    for i, f in enumerate(specs):
        if f.name in seen:
            raise ValueError(f"{i}.name: {f.name!r} names two fleets")
        seen.add(f.name)


def _station_unit(units: dict[str, Any], f: EVFleetSpec, bus: str, params: dict[str, float]) -> str:
    """The aggregate unit of fleet ``f`` at ``bus``: shared by the fleets of the same
    mode and parameters there (``ev <mode> @ <bus>``), else the fleet's own."""
    shared = f"ev {f.mode} @ {bus}"
    known = units.get(shared)
    if known is None or {k: known[k] for k in params} == params:
        return shared
    return f"ev {f.name} @ {bus}"


def _check_one_at_a_time(i: int, t: pd.DataFrame) -> None:
    """A vehicle's sessions must not overlap (``model: vehicles``)."""
    s = t.sort_values(["vehicle", "arrival"])
    same = s["vehicle"].to_numpy()[1:] == s["vehicle"].to_numpy()[:-1]
    overlap = same & (s["arrival"].to_numpy()[1:] < s["departure"].to_numpy()[:-1])
    if overlap.any():
        k = int(np.flatnonzero(overlap)[0]) + 1
        raise ValueError(
            f"{i}.model: vehicles: sessions {s.index[k - 1]!r} and {s.index[k]!r} of vehicle "
            f"{s['vehicle'].iloc[k]!r} overlap (one vehicle charges one session at a time)"
        )


class EVFamily(SimFamily):
    """EV fleets: case key ``ev_fleets`` (:class:`sim.ev.EVFleetSpec`)."""

    name = EV.name
    dispatch = EV
    case_key = "ev_fleets"
    spec = EVFleetSpec

    def __init__(self) -> None:
        self._sessions: dict[str, pd.DataFrame] = {}

    def _fleet_sessions(
        self, i: int, f: EVFleetSpec, net: Any, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """:func:`sim.ev.fleet_sessions`, kept for the fleet and period between the
        net's elements and the run's data (they ask for the same sessions)."""
        net_key = f"|{id(net)}"
        key = f"{i}|{f.model_dump_json()}|{start}|{end}{net_key}"
        if key not in self._sessions:
            # keep only this net's fleets: a new run starts from a new net
            self._sessions = {k: v for k, v in self._sessions.items() if k.endswith(net_key)}
            self._sessions[key] = fleet_sessions(i, f, net, start, end)
        return self._sessions[key]

    def add_elements(self, case: Any, net: Any) -> None:
        """One pandapower load per bus with EVs (``ev @ <bus>``), for all fleets."""
        from sim.case import CaseError

        specs = case.families.get(self.name, [])
        if not specs:
            return
        try:
            _check_names(specs)
            start, end = _period(case)
            buses: dict[str, None] = {}
            for i, f in enumerate(specs):
                buses.update(dict.fromkeys(self._fleet_sessions(i, f, net, start, end)["bus"]))
            names = [station_name(str(b)) for b in buses]
            taken = sorted(set(names) & set(net.load["name"]))
            if taken:
                raise ValueError(f"0.sessions: the grid has a load named {taken[0]!r}")
            index = [resolve_bus(net, str(b)) for b in buses]
            pp.create_loads(net, index, p_mw=0.0, name=names)
        except ValueError as exc:
            raise CaseError(f"{self.case_key}.{exc}") from None

    def prepare(self, specs: list[Any], net: Any, index: pd.DatetimeIndex, dt_h: float) -> EVData:
        _check_names(specs)
        start, end = index[0], index[-1] + pd.Timedelta(hours=dt_h)
        tables: list[pd.DataFrame] = []
        cols: list[dict[str, np.ndarray]] = []
        units: dict[str, dict[str, Any]] = {}
        station: dict[str, str] = {}
        mode: dict[str, str] = {}
        for i, f in enumerate(specs):
            t = self._fleet_sessions(i, f, net, start, end)
            arrive, depart = step_positions(t, index)
            keep = (np.maximum(arrive, 0) < np.minimum(depart, len(index))) & (arrive < depart)
            t, arrive, depart = t.loc[keep], arrive[keep], depart[keep]
            t = t.assign(fleet=f.name, mode=f.mode, v2g=t["v2g"] & (f.mode == "v2g"))
            params = {
                "eff_charge": f.eff_charge,
                "eff_discharge": f.eff_discharge,
                "wear_cost_eur_per_mwh": f.wear_cost_eur_per_mwh,
                "shortfall_cost_eur_per_mwh": f.shortfall_cost_eur_per_mwh,
            }
            if f.model == "aggregate":
                names = [_station_unit(units, f, str(b), params) for b in pd.unique(t["bus"])]
                by_bus = dict(zip(pd.unique(t["bus"]), names, strict=True))
                names = [by_bus[b] for b in t["bus"]]
            else:
                _check_one_at_a_time(i, t)
                names = [f"{f.name}: {v}" for v in t["vehicle"]]
            for unit, bus in zip(names, t["bus"], strict=True):
                if unit not in units:
                    units[unit] = {"bus": str(bus), **params}
                    station[unit] = station_name(str(bus))
                    mode[unit] = f.mode
            cap = t["e_battery_mwh"].to_numpy(dtype=float)
            v2g = t["v2g"].to_numpy(dtype=bool)
            n = len(t)
            cols.append(
                {
                    "unit_name": np.array(names, dtype=object),
                    "arrive": arrive,
                    "depart": depart,
                    "p_charge_mw": t["p_charge_mw"].to_numpy(dtype=float),
                    "p_discharge_mw": t["p_charge_mw"].to_numpy(dtype=float) * v2g,
                    "e_battery_mwh": cap,
                    "e_arrive_mwh": t["e_arrive_mwh"].to_numpy(dtype=float),
                    "e_target_mwh": t["e_target_mwh"].to_numpy(dtype=float),
                    "e_min_mwh": f.soc_min * cap,
                    "eff_charge": np.full(n, f.eff_charge),
                    "uncontrolled": np.full(n, f.mode == "uncontrolled"),
                    "perfect": np.full(n, f.foresight == "perfect"),
                }
            )
            tables.append(t.set_axis([f"{f.name}: {s}" for s in t.index]))
        table = pd.DataFrame.from_dict(units, orient="index", columns=list(EV_COLUMNS))
        order = {u: k for k, u in enumerate(table.index)}
        merged = {k: np.concatenate([c[k] for c in cols]) for k in cols[0]}
        merged["unit"] = np.array([order[u] for u in merged.pop("unit_name")], dtype=int)
        positions = (merged.pop("arrive"), merged.pop("depart"))
        return EVData(
            units=table.astype({c: float for c in EV_COLUMNS[1:]}),
            station_of_unit=pd.Series(station),
            mode_of_unit=pd.Series(mode),
            sessions=pd.concat(tables),
            positions=positions,
            columns=merged,
            index=index,
            dt_h=dt_h,
        )

    def window(self, prepared: EVData, w: Window) -> AssetData:
        arr = prepared.arrays(w.stage.window_steps)
        n_units = len(prepared.units.index)
        series = window_series(arr, int(w.at[0]), len(w.at), n_units)
        return AssetData(EV, prepared.units, series, {"e_mwh": np.zeros(n_units)})

    def realise(
        self, prepared: EVData, dispatched: Mapping[str, pd.DataFrame], stage: Stage
    ) -> dict[str, pd.DataFrame]:
        """Charging and discharging as dispatched, plus the uncontrolled charging of
        uncontrolled fleets and of sessions before the dispatch knows them; per unit
        ``p_mw`` (net charging [MW]), per station ``station_p_mw``, and the sessions
        with what they leave with (:func:`sim.ev_envelopes.disaggregate`)."""
        arr = prepared.arrays(stage.window_steps)
        index = dispatched["charge_p_mw"].index
        cols = prepared.units.index
        stop = np.where(arr.uncontrolled, arr.depart, np.minimum(arr.depart, arr.model_arrive))
        unc = uncontrolled_p_mw(arr, arr.arrive, stop, len(index), len(cols))
        unc_f = pd.DataFrame(unc, index=index, columns=cols)
        charge, discharge = dispatched["charge_p_mw"], dispatched["discharge_p_mw"]
        p = charge + unc_f - discharge
        station = p.T.groupby(prepared.station_of_unit.reindex(cols).to_numpy()).sum().T
        eff_d = prepared.units["eff_discharge"].to_numpy(dtype=float)
        split, plugged = disaggregate(arr, charge.to_numpy(), discharge.to_numpy(), eff_d)
        sessions = prepared.sessions.copy()
        for c in split.columns:
            sessions[c] = split[c].to_numpy()
        return {
            "charge_p_mw": charge,
            "discharge_p_mw": discharge,
            "uncontrolled_p_mw": unc_f,
            "p_mw": p,
            "station_p_mw": station,
            "e_stored_mwh": dispatched["e_mwh"],
            "e_plugged_mwh": pd.DataFrame(plugged, index=index, columns=cols),
            "model_shortfall_mwh": dispatched["shortfall_mwh"],
            "sessions": sessions,
        }

    def injections(self, prepared: EVData, realised: Mapping[str, pd.DataFrame]) -> list[Injection]:
        return [Injection("load", realised["station_p_mw"])]

    def assets(self, prepared: EVData) -> pd.DataFrame:
        u = prepared.units
        return pd.DataFrame(
            {"family": "ev", "kind": prepared.mode_of_unit.reindex(u.index), "bus": u["bus"]}
        )

    def demand_p_mw(self, frames: Mapping[str, pd.DataFrame]) -> pd.Series | None:
        return frames["p_mw"].sum(axis=1)

    def cost_eur(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> float:
        """The V2G wear cost [EUR]: the energy discharged times each unit's wear cost."""
        return float(frames["wear_cost_eur"].to_numpy().sum())

    def after_powerflow(
        self, prepared: EVData, realised: Mapping[str, pd.DataFrame], pf: Any
    ) -> dict[str, pd.DataFrame]:
        """The realised frames, the wear cost per step and unit [EUR] and the net EV
        load by charging mode [MW]."""
        rate = prepared.units["wear_cost_eur_per_mwh"].to_numpy(dtype=float)
        wear = realised["discharge_p_mw"] * rate * prepared.dt_h
        p = realised["p_mw"]
        by_mode = p.T.groupby(prepared.mode_of_unit.reindex(p.columns).to_numpy()).sum().T
        return {**realised, "wear_cost_eur": wear, "p_by_mode_mw": by_mode}

    def kpis(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, float]:
        from sim.ev_kpis import ev_kpis

        return ev_kpis(frames, dt_h)

    def figures(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, Any]:
        from sim.ev_kpis import ev_profile

        return {"ev_load": ev_profile(frames)}


#: the EV family of the simulator
EV_FAMILY = EVFamily()
