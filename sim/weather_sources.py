"""PV and wind profiles from weather for a run (``profiles.weather`` with
``profiles.pv_from_weather`` and/or ``profiles.wind_from_weather``).

Every PV (wind) static generator of the grid gets the per-unit power of the PV
(wind) model (:mod:`grid.weather_power`) times its ``p_mw``, replacing the source's
profile for that kind; the other kinds keep the source's. With
``weather.shift_to_longitude_deg`` the site's per-unit profiles are re-timed by the
difference of solar time, ``(target - site longitude) / 15`` hours (rounded to the
step), so the typical year of another place keeps the grid's local solar noon.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from grid.profiles import ProfileError, Profiles
from grid.weather import Weather, read_weather_file, shipped_weather, weather_on
from grid.weather_power import PVParams, WindParams, pv_per_unit, wind_per_unit
from sim.case import Case, CaseError


def case_weather(case: Case) -> Weather:
    """The case's weather (``profiles.weather``).

    Raises
    ------
    CaseError
        ``profiles.weather...: ...`` for a bad file or site.
    """
    spec = case.profiles.weather
    assert spec is not None
    try:
        if spec.site is not None:
            return shipped_weather(spec.site)
        assert spec.file is not None and spec.latitude_deg is not None
        assert spec.longitude_deg is not None
        return read_weather_file(
            spec.file,
            spec.latitude_deg,
            spec.longitude_deg,
            spec.altitude_m,
            spec.wind_height_m,
            spec.time_zone,
        )
    except ProfileError as exc:
        raise CaseError(f"profiles.weather: {exc}") from None


def _shifted(case: Case, weather: Weather, index: pd.DatetimeIndex) -> pd.DataFrame:
    """The weather on ``index``, re-timed to the target longitude if one is given."""
    spec = case.profiles.weather
    assert spec is not None
    lag = pd.Timedelta(0)
    if spec.shift_to_longitude_deg is not None:
        hours = (spec.shift_to_longitude_deg - weather.longitude) / 15.0
        step_h = case.time.dt_h
        lag = pd.Timedelta(hours=round(hours / step_h) * step_h)
    try:
        return weather_on(weather, index + lag).set_axis(index)
    except ProfileError as exc:
        raise CaseError(f"profiles.weather: {exc}") from None


def weather_on_run(case: Case, index: pd.DatetimeIndex) -> pd.DataFrame:
    """The case's weather on ``index`` (re-timed like the renewables), e.g. the
    outdoor temperature of buildings.

    Raises
    ------
    CaseError
        ``profiles.weather: ...`` for a bad weather input.
    """
    return _shifted(case, case_weather(case), index)


def weather_per_unit(case: Case, index: pd.DatetimeIndex) -> dict[str, pd.Series]:
    """Per-unit power by renewable kind (``pv``, ``wind``) on ``index`` for the kinds
    the case takes from weather.

    Raises
    ------
    CaseError
        Naming the key for a bad weather input or an unknown turbine.
    """
    pc = case.profiles
    weather = case_weather(case)
    on = _shifted(case, weather, index)
    out = {}
    if pc.pv_from_weather is not None:
        out["pv"] = pv_per_unit(on, weather, PVParams(**pc.pv_from_weather.model_dump()))
    if pc.wind_from_weather is not None:
        try:
            out["wind"] = wind_per_unit(
                on, weather, WindParams(**pc.wind_from_weather.model_dump())
            )
        except ValueError as exc:
            raise CaseError(f"profiles.wind_from_weather.turbine: {exc}") from None
    return out


def with_weather_renewables(case: Case, net: Any, kinds: pd.Series, full: Profiles) -> Profiles:
    """``full`` with the PV and/or wind generators' available power [MW] from weather
    (each generator's ``p_mw`` times the per-unit power of its kind)."""
    index = pd.DatetimeIndex(full.sgen_p_mw.index)
    per_unit = weather_per_unit(case, index)
    sgen = full.sgen_p_mw.copy()
    rated = net.sgen.set_index("name")["p_mw"].astype(float)
    for kind, series in per_unit.items():
        cols = [c for c in sgen.columns if kinds.get(c) == kind]
        sgen[cols] = series.to_numpy()[:, None] * rated.reindex(cols).to_numpy()[None, :]
    return Profiles(load_p_mw=full.load_p_mw, load_q_mvar=full.load_q_mvar, sgen_p_mw=sgen)
