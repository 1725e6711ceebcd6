"""Weather for renewable profiles: typical-year files shipped with pvlib, or the
user's own CSV file, placed on a run's UTC time steps.

Shipped sites (:data:`SHIPPED_SITES`, TMY3 files of the US National Solar Radiation
Database that ship with pvlib): a typical meteorological year is a year of months
taken from different years, so it is read as a *typical* year: every step of a run
takes the value of the same month, day and hour (UTC) of the file, whatever the
run's year (29 February takes 28 February's). TMY3 values are hour-ending (the
value stamped 01:00 is the mean of 00:00-01:00), so the step starting at 00:00 takes
the row stamped 01:00. Wind speeds are measured at 10 m, temperatures at 2 m.

A weather CSV (:func:`read_weather_file`) has a time column (UTC, or a stated time
zone, step-start stamps like every profile file) and the columns
``ghi_w_per_m2``, ``temp_air_c``, ``wind_speed_m_per_s`` and optionally
``dni_w_per_m2``, ``dhi_w_per_m2`` (else split from GHI with the Erbs model) and
``pressure_pa``; the same file rules as profile files (:mod:`grid.profile_files`).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from grid.profile_files import read_profile_file
from grid.profiles import ProfileError

#: shipped sites: name -> (pvlib data file, description)
SHIPPED_SITES: dict[str, tuple[str, str]] = {
    "greensboro_tmy3": ("723170TYA.CSV", "Greensboro, North Carolina, US (36.1 N, 79.95 W)"),
    "sand_point_tmy3": ("703165TY.csv", "Sand Point, Alaska, US (55.3 N, 160.5 W), windy coast"),
}

#: columns of :class:`Weather` data
WEATHER_COLUMNS = (
    "ghi_w_per_m2",
    "dni_w_per_m2",
    "dhi_w_per_m2",
    "temp_air_c",
    "wind_speed_m_per_s",
    "pressure_pa",
)

#: standard pressure where a file gives none [Pa]
STANDARD_PRESSURE_PA = 101325.0


@dataclass(frozen=True)
class Weather:
    """Weather of a site on step-start UTC stamps.

    Attributes
    ----------
    data
        Columns :data:`WEATHER_COLUMNS`: irradiance [W/m2], air temperature [degC],
        wind speed [m/s] at ``wind_height_m``, pressure [Pa].
    latitude, longitude
        Site [degrees].
    altitude_m
        Site altitude [m].
    wind_height_m, temperature_height_m
        Measurement heights [m].
    typical_year
        True for a typical-year file (mapped onto any run year by month, day, hour).
    """

    data: pd.DataFrame
    latitude: float
    longitude: float
    altitude_m: float
    wind_height_m: float = 10.0
    temperature_height_m: float = 2.0
    typical_year: bool = False


def shipped_weather(site: str) -> Weather:
    """The typical year of a shipped site (:data:`SHIPPED_SITES`), read once per
    process (the cases of a study share it); callers get their own copy of the data.

    Raises
    ------
    ProfileError
        If the site is unknown.
    """
    if site not in SHIPPED_SITES:
        raise ProfileError(f"unknown weather site {site!r} (shipped: {', '.join(SHIPPED_SITES)})")
    weather = _read_shipped(site)
    return dataclasses.replace(weather, data=weather.data.copy())


@functools.lru_cache(maxsize=len(SHIPPED_SITES))
def _read_shipped(site: str) -> Weather:
    import pvlib

    path = Path(pvlib.__file__).parent / "data" / SHIPPED_SITES[site][0]
    raw, meta = pvlib.iotools.read_tmy3(str(path), map_variables=True)
    # the rows are the hours of a typical year in local standard time, hour-ending:
    # place them on a non-leap year as step starts, then in UTC
    offset = datetime.timezone(datetime.timedelta(hours=float(meta["TZ"])))
    local = pd.date_range("2015-01-01", periods=len(raw), freq="h", tz=offset)
    start = local.tz_convert("UTC")
    data = pd.DataFrame(
        {
            "ghi_w_per_m2": raw["ghi"].to_numpy(dtype=float),
            "dni_w_per_m2": raw["dni"].to_numpy(dtype=float),
            "dhi_w_per_m2": raw["dhi"].to_numpy(dtype=float),
            "temp_air_c": raw["temp_air"].to_numpy(dtype=float),
            "wind_speed_m_per_s": raw["wind_speed"].to_numpy(dtype=float),
            "pressure_pa": 100.0 * raw["pressure"].to_numpy(dtype=float),
        },
        index=pd.DatetimeIndex(start, name="time"),
    )
    return Weather(
        data=data,
        latitude=float(meta["latitude"]),
        longitude=float(meta["longitude"]),
        altitude_m=float(meta["altitude"]),
        typical_year=True,
    )


def read_weather_file(
    path: Path,
    latitude: float,
    longitude: float,
    altitude_m: float = 0.0,
    wind_height_m: float = 10.0,
    time_zone: str = "UTC",
) -> Weather:
    """The user's weather CSV or Parquet file (see the module docstring).

    Raises
    ------
    ProfileError
        ``"<file>: ..."`` for a missing column, a gap, a bad stamp or value.
    """
    import pvlib

    frame = read_profile_file(path, time_zone)
    for col in ("ghi_w_per_m2", "temp_air_c", "wind_speed_m_per_s"):
        if col not in frame:
            raise ProfileError(
                f"{path}: column {col!r} is missing (columns: {list(frame.columns)})"
            )
    out = frame.reindex(columns=list(WEATHER_COLUMNS))
    ghi = out["ghi_w_per_m2"]
    if ((ghi < 0) | (ghi > 1500)).any():
        raise ProfileError(f"{path}: column 'ghi_w_per_m2' must lie in [0, 1500] W/m2")
    if ((out["wind_speed_m_per_s"] < 0) | (out["wind_speed_m_per_s"] > 80)).any():
        raise ProfileError(f"{path}: column 'wind_speed_m_per_s' must lie in [0, 80] m/s")
    if out["dni_w_per_m2"].isna().all() or out["dhi_w_per_m2"].isna().all():
        mid = out.index + (out.index[1] - out.index[0]) / 2
        zenith = pvlib.solarposition.get_solarposition(mid, latitude, longitude, altitude_m)
        split = pvlib.irradiance.erbs(ghi.to_numpy(), zenith["zenith"].to_numpy(), mid)
        out["dni_w_per_m2"] = np.asarray(split["dni"], dtype=float)
        out["dhi_w_per_m2"] = np.asarray(split["dhi"], dtype=float)
    out["pressure_pa"] = out["pressure_pa"].fillna(STANDARD_PRESSURE_PA)
    return Weather(out, latitude, longitude, altitude_m, wind_height_m=wind_height_m)


def weather_on(weather: Weather, index: pd.DatetimeIndex) -> pd.DataFrame:
    """The weather on the run's step-start UTC ``index``.

    A typical year gives each step the value of its month, day and hour (29 February:
    28 February); other weather must cover ``index`` at its resolution (held within
    an hour, averaged over coarser steps is not done here).

    Raises
    ------
    ProfileError
        If the weather does not cover ``index``.
    """
    data = weather.data
    if weather.typical_year:
        key = data.index.month * 10000 + data.index.day * 100 + data.index.hour
        table = data.groupby(key).mean()
        day = np.where((index.month == 2) & (index.day == 29), 28, index.day)
        want = index.month * 10000 + day * 100 + index.hour
        out = table.reindex(want)
        if out.isna().any().any():
            raise ProfileError("the typical-year weather misses hours of the run")
        return out.set_axis(index)
    missing = index.difference(data.index)
    if len(missing):
        raise ProfileError(
            f"the weather file does not cover the run: no row for {missing[0]} "
            f"({len(missing)} steps missing)"
        )
    return data.loc[index]
