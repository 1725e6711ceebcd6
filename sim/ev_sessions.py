"""Charging sessions of an EV fleet: read from a CSV file or drawn by a seeded
generator, as one table.

A session is one vehicle plugged in at one bus from ``arrival`` to ``departure``
(UTC), with its battery ``e_battery_mwh``, its energy at arrival ``e_arrive_mwh``
and the energy it needs at departure ``e_target_mwh`` (at most its battery), its
charger's power ``p_charge_mw`` and whether it takes part in V2G (``v2g``).

The generator draws, for each vehicle and day of the period, one session of the
fleet's ``kind`` (``home``, ``workplace`` on weekdays, ``public``) from the
distributions of :data:`SESSION_KINDS` in the fleet's time zone: arrival hour and
dwell time normal (truncated to the values shown), daily driving distance
lognormal, energy needed at departure the energy of that distance at
``consumption_kwh_per_km`` (capped at the battery). The parameters are stylised
values in the range reported by public charging data and travel surveys (ElaadNL
open charging data for the Netherlands; the German travel survey *Mobilität in
Deutschland 2017*: about 40 km per car and day, evening home arrivals, 8-9 h at work);
they are not fitted to any one data set. ``docs/ev.md`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: the columns of a session table (index: session id)
SESSION_COLUMNS = (
    "vehicle",
    "bus",
    "arrival",
    "departure",
    "e_battery_mwh",
    "e_arrive_mwh",
    "e_target_mwh",
    "p_charge_mw",
    "v2g",
)


@dataclass(frozen=True)
class SessionKind:
    """Distributions of one kind of charging session (hours local time)."""

    #: mean and standard deviation of the arrival hour [h], and its range
    arrival_h: tuple[float, float, float, float]
    #: mean and standard deviation of the dwell time [h], and its range
    dwell_h: tuple[float, float, float, float]
    #: median and log standard deviation of the distance driven since the last charge [km]
    distance_km: tuple[float, float]
    #: whether sessions happen on weekends
    weekends: bool


#: the session kinds of the generator
SESSION_KINDS: dict[str, SessionKind] = {
    "home": SessionKind((18.0, 2.0, 14.0, 23.5), (13.0, 2.0, 8.0, 16.0), (35.0, 0.6), True),
    "workplace": SessionKind((8.5, 1.0, 6.0, 11.0), (8.5, 1.0, 5.0, 11.0), (30.0, 0.5), False),
    "public": SessionKind((14.0, 3.5, 7.0, 21.0), (2.0, 1.0, 0.5, 5.0), (25.0, 0.7), True),
}


class SessionError(ValueError):
    """Sessions cannot be read or drawn; the message names the file, row and column."""


def _truncated_normal(
    rng: np.random.Generator, spec: tuple[float, float, float, float], n: int
) -> np.ndarray:
    mean, sd, lo, hi = spec
    return np.clip(rng.normal(mean, sd, n), lo, hi)


def generate_sessions(
    name: str,
    kind: str,
    vehicles: int,
    buses: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    seed: int,
    time_zone: str,
    e_battery_mwh: float,
    p_charge_mw: float,
    consumption_kwh_per_km: float,
    v2g_share: float,
) -> pd.DataFrame:
    """Draw the sessions of ``vehicles`` vehicles of ``kind`` over the days touching
    [start, end), vehicle ``i`` at ``buses[i % len(buses)]``; the first
    ``round(v2g_share * vehicles)`` vehicles of a random order take part in V2G.
    Vehicles arrive with a full battery less the energy of their trip (at most 80 %
    of the battery) and need a full battery at departure.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SESSION_COLUMNS`, index ``<name>/<vehicle>/<day>``.
    """
    k = SESSION_KINDS[kind]
    rng = np.random.default_rng(seed)
    local_start = start.tz_convert(time_zone).normalize() - pd.Timedelta(days=1)
    days = pd.date_range(local_start, end.tz_convert(time_zone), freq="D")
    if not k.weekends:
        days = days[days.dayofweek < 5]
    v2g = np.zeros(vehicles, dtype=bool)
    v2g[rng.permutation(vehicles)[: int(round(v2g_share * vehicles))]] = True
    n = len(days) * vehicles
    arrive_h = _truncated_normal(rng, k.arrival_h, n)
    dwell_h = _truncated_normal(rng, k.dwell_h, n)
    km = rng.lognormal(np.log(k.distance_km[0]), k.distance_km[1], n)
    energy = np.minimum(km * consumption_kwh_per_km / 1000.0, 0.8 * e_battery_mwh)
    day = np.repeat(np.asarray(days.tz_localize(None), dtype="datetime64[ns]"), vehicles)
    vehicle = np.tile(np.arange(vehicles), len(days))
    local = pd.DatetimeIndex(day + (arrive_h * 3.6e12).astype("timedelta64[ns]"))
    arrival = local.tz_localize(time_zone, ambiguous="NaT", nonexistent="shift_forward")
    arrival = arrival.tz_convert("UTC")
    departure = arrival + pd.to_timedelta(dwell_h, unit="h")
    table = pd.DataFrame(
        {
            "vehicle": vehicle.astype(str),
            "bus": [buses[i % len(buses)] for i in vehicle],
            "arrival": arrival,
            "departure": departure,
            "e_battery_mwh": e_battery_mwh,
            "e_arrive_mwh": e_battery_mwh - energy,
            "e_target_mwh": e_battery_mwh,
            "p_charge_mw": p_charge_mw,
            "v2g": v2g[vehicle],
        },
        index=pd.Index(_ids(name, vehicle, days, vehicles), name="session"),
    )
    keep = table["arrival"].notna() & (table["departure"] > start) & (table["arrival"] < end)
    table = table.loc[keep]
    return _no_overlap(table, vehicle[keep.to_numpy()])


def _ids(name: str, vehicle: np.ndarray, days: pd.DatetimeIndex, vehicles: int) -> np.ndarray:
    """Session ids ``<name>/<vehicle>/<local date>``, day-major like the draws."""
    dates = np.repeat(np.asarray(days.strftime("%Y-%m-%d"), dtype=object), vehicles)
    return np.asarray(f"{name}/" + vehicle.astype(str).astype(object) + "/" + dates, dtype=object)


def _no_overlap(table: pd.DataFrame, vehicle: np.ndarray) -> pd.DataFrame:
    """Cut each session of a vehicle at the arrival of its next one."""
    arrival = table["arrival"].to_numpy(dtype="datetime64[ns]")
    departure = table["departure"].to_numpy(dtype="datetime64[ns]")
    order = np.lexsort((arrival, vehicle))
    v, a, d = vehicle[order], arrival[order], departure[order].copy()
    same = v[1:] == v[:-1]
    cut = same & (d[:-1] > a[1:])
    d[:-1][cut] = a[1:][cut]
    new = np.empty_like(d)
    new[order] = d
    t = table.copy()
    t["departure"] = pd.DatetimeIndex(new).tz_localize("UTC")
    return t.iloc[np.argsort(arrival, kind="stable")]


def read_sessions(
    path: Path,
    *,
    e_battery_mwh: float,
    p_charge_mw: float,
    soc_arrive: float,
    v2g_share: float,
    seed: int,
) -> pd.DataFrame:
    """Read a session CSV: columns ``session``, ``bus``, ``arrival``, ``departure``
    (ISO 8601, UTC unless they carry an offset) and ``energy_mwh`` (energy to charge
    by departure) or ``soc_target`` (state of charge at departure, 0..1); optional
    ``vehicle`` (an id; default: each session its own vehicle), ``e_battery_mwh``,
    ``p_charge_mw``, ``soc_arrive`` (0..1) and ``v2g`` (true or false) per row,
    else the fleet's values (``v2g``: a seeded ``v2g_share`` of the sessions).

    Raises
    ------
    SessionError
        ``"<file>: row <n>, column <c>: ..."`` for a missing column or a bad value.
    """
    if not path.is_file():
        raise SessionError(f"{path}: file not found")
    try:
        raw = pd.read_csv(path, dtype={"session": str, "bus": str})
    except Exception as exc:  # pandas raises assorted errors for bad files
        raise SessionError(f"{path}: cannot read the file: {exc}") from None
    for col in ("session", "bus", "arrival", "departure"):
        if col not in raw:
            raise SessionError(f"{path}: column {col!r} is missing")
    if ("energy_mwh" in raw) == ("soc_target" in raw):
        raise SessionError(f"{path}: give exactly one of the columns 'energy_mwh' or 'soc_target'")

    def bad(i: int, col: str, what: str) -> SessionError:
        return SessionError(f"{path}: row {i + 2}, column {col!r}: {what}")

    def number(col: str, default: float, lo: float, hi: float) -> np.ndarray:
        values = (
            pd.to_numeric(raw[col], errors="coerce")
            if col in raw
            else pd.Series(default, index=raw.index)
        )
        arr = values.to_numpy(dtype=float)
        wrong = ~np.isfinite(arr) | (arr < lo) | (arr > hi)
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise bad(i, col, f"must be a number in [{lo:g}, {hi:g}] (got {raw[col].iloc[i]!r})")
        return arr

    stamps = {}
    for col in ("arrival", "departure"):
        parsed = pd.to_datetime(raw[col], errors="coerce", utc=True, format="ISO8601")
        if parsed.isna().any():
            i = int(np.flatnonzero(parsed.isna().to_numpy())[0])
            raise bad(i, col, f"not an ISO 8601 time (got {raw[col].iloc[i]!r})")
        stamps[col] = parsed
    order = (stamps["departure"] <= stamps["arrival"]).to_numpy()
    if order.any():
        raise bad(int(np.flatnonzero(order)[0]), "departure", "must be after the arrival")
    dup = raw["session"].duplicated().to_numpy()
    if dup.any():
        raise bad(int(np.flatnonzero(dup)[0]), "session", "a repeated session id")
    cap = number("e_battery_mwh", e_battery_mwh, 1e-6, 10.0)
    p = number("p_charge_mw", p_charge_mw, 1e-6, 10.0)
    e0 = number("soc_arrive", soc_arrive, 0.0, 1.0) * cap
    if "energy_mwh" in raw:
        target = e0 + number("energy_mwh", 0.0, 0.0, 10.0)
        over = target > cap + 1e-9
        if over.any():
            raise bad(int(np.flatnonzero(over)[0]), "energy_mwh", "more than the battery can take")
    else:
        target = number("soc_target", 0.0, 0.0, 1.0) * cap
    if "v2g" in raw:
        text = raw["v2g"].astype(str).str.strip().str.lower()
        known = text.isin(["true", "false", "1", "0"]).to_numpy()
        if not known.all():
            raise bad(int(np.flatnonzero(~known)[0]), "v2g", "must be true or false")
        v2g = text.isin(["true", "1"]).to_numpy()
    else:
        v2g = np.zeros(len(raw), dtype=bool)
        pick = np.random.default_rng(seed).permutation(len(raw))[: int(round(v2g_share * len(raw)))]
        v2g[pick] = True
    vehicle = raw["vehicle"].astype(str) if "vehicle" in raw else raw["session"].astype(str)
    table = pd.DataFrame(
        {
            "vehicle": vehicle.to_numpy(),
            "bus": raw["bus"].astype(str).to_numpy(),
            "arrival": stamps["arrival"],
            "departure": stamps["departure"],
            "e_battery_mwh": cap,
            "e_arrive_mwh": e0,
            "e_target_mwh": np.minimum(target, cap),
            "p_charge_mw": p,
            "v2g": v2g,
        },
    )
    return table.set_axis(pd.Index(raw["session"].astype(str), name="session"))
