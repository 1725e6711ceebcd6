"""Actual load and renewable profiles on a UTC time index.

SimBench ships a year (2016) of 15-minute profiles. Their time stamps are German
local time with daylight-saving shifts (27 March 2016 has no 02:00-02:45, 30 October
repeats them), so they are read as Europe/Berlin time and converted to UTC: the
profiles cover 2015-12-31 23:00 to 2016-12-31 23:00 UTC without gap or repeat. Each
stamp marks the start of its interval; resampling to a coarser resolution takes the
mean power over the interval.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pandapower as pp
import pandas as pd

from grid.assets import CONVENTIONAL_TYPE

#: the time zone of SimBench's profile time stamps
SIMBENCH_TIME_ZONE = "Europe/Berlin"


class ProfileError(ValueError):
    """Profiles cannot be produced for the requested period; the message says why."""


class ProfileNameError(ProfileError):
    """An element names no profile of the SimBench grid; the message names it."""


def _utc_stamps(net: pp.pandapowerNet) -> pd.DatetimeIndex:
    """The SimBench profile time stamps in UTC (from local time with DST shifts)."""
    local = pd.DatetimeIndex(pd.to_datetime(net.profiles["load"]["time"], format="%d.%m.%Y %H:%M"))
    try:
        stamps = local.tz_localize(SIMBENCH_TIME_ZONE, ambiguous="infer", nonexistent="raise")
    except (ValueError, TypeError) as exc:  # pytz/zoneinfo errors derive from these
        raise ProfileError(
            f"profile time stamps are not local {SIMBENCH_TIME_ZONE} time: {exc}"
        ) from None
    stamps = stamps.tz_convert("UTC")
    if not stamps.is_monotonic_increasing or stamps.has_duplicates:
        raise ProfileError("profile time stamps are not strictly increasing in UTC")
    return stamps


@dataclass(frozen=True)
class Profiles:
    """Actual profiles, indexed by UTC time (interval start), columns = element names.

    Attributes
    ----------
    load_p_mw, load_q_mvar
        Demand of each load [MW], [Mvar].
    sgen_p_mw
        Available power of each renewable static generator [MW] (conventional units
        added by the case have no profile and are left out).
    """

    load_p_mw: pd.DataFrame
    load_q_mvar: pd.DataFrame
    sgen_p_mw: pd.DataFrame


def profile_period(net: pp.pandapowerNet) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and end time stamp (UTC, end exclusive) of a SimBench net's profiles.

    Raises
    ------
    ProfileError
        If the net carries no SimBench profiles.
    """
    if not getattr(net, "profiles", None):
        raise ProfileError("the grid carries no SimBench profiles (use a SimBench grid)")
    stamps = _utc_stamps(net)
    return stamps[0], stamps[-1] + pd.Timedelta(minutes=15)


def simbench_profiles(
    net: pp.pandapowerNet,
    start: pd.Timestamp,
    end: pd.Timestamp,
    resolution_min: int = 60,
) -> Profiles:
    """Absolute SimBench profiles of ``net``'s loads and sgens for [start, end).

    Parameters
    ----------
    net
        A SimBench network with its ``profiles``.
    start, end
        UTC period; must lie within the profile year.
    resolution_min
        Output resolution [min], a multiple of 15 dividing 60, or 60.
    """
    import simbench as sb

    if not getattr(net, "profiles", None):
        raise ProfileError("the grid carries no SimBench profiles (use a SimBench grid)")
    if resolution_min % 15:
        raise ProfileError(f"SimBench profiles are 15-minute; resolution_min={resolution_min}")
    stamps = _utc_stamps(net)
    first, last = stamps[0], stamps[-1] + pd.Timedelta(minutes=15)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start < first or end > last:
        raise ProfileError(f"period {start} .. {end} is outside the profiles' {first} .. {last}")
    # only loads and sgens: storage added by the case has no SimBench profile
    view = copy.copy(net)
    for table in ("storage", "gen"):
        view[table] = net[table].iloc[0:0]
    view["sgen"] = net.sgen[net.sgen["type"] != CONVENTIONAL_TYPE]
    _check_profile_names(view)
    absolute = sb.get_absolute_values(view, profiles_instead_of_study_cases=True)
    index = stamps.rename("time")

    def frame(element: str, quantity: str) -> pd.DataFrame:
        df = absolute[(element, quantity)].copy()
        df.index = index
        df.columns = net[element].loc[df.columns, "name"].to_numpy()
        df = df.loc[(df.index >= start) & (df.index < end)]
        return df.resample(f"{resolution_min}min").mean().astype(float)

    return Profiles(
        load_p_mw=frame("load", "p_mw"),
        load_q_mvar=frame("load", "q_mvar"),
        sgen_p_mw=frame("sgen", "p_mw").clip(lower=0.0),
    )


def _check_profile_names(net: pp.pandapowerNet) -> None:
    """Every load and sgen names a profile of ``net.profiles`` in its ``profile``
    column (loads: ``<profile>_pload`` and ``_qload``; sgens: a renewable or power
    plant profile), e.g. an element a case added.

    Raises
    ------
    ProfileNameError
        ``"<table> <name>: ..."`` for the first element without a known profile.
    """
    tables = {
        "load": set(net.profiles["load"].columns),
        "sgen": set(net.profiles["renewables"].columns) | set(net.profiles["powerplants"].columns),
    }
    for table, known in tables.items():
        df = net[table]
        given = df["profile"] if "profile" in df else pd.Series(None, index=df.index)
        for name, profile in zip(df["name"], given, strict=True):
            names = [f"{profile}_pload", f"{profile}_qload"] if table == "load" else [profile]
            if not isinstance(profile, str) or not set(names) <= known:
                stems = {c.removesuffix("_pload").removesuffix("_qload") for c in known}
                sample = ", ".join(sorted(stems - {"time"})[:4])
                what = (
                    f"its profile {profile!r} is not one of the grid's SimBench profiles"
                    if isinstance(profile, str)
                    else "it has no SimBench profile"
                )
                raise ProfileNameError(
                    f"{table} {name}: {what}; set its 'profile' in grid.elements "
                    f"(the grid's are e.g. {sample})"
                )


def scale_profiles(profiles: Profiles, load: float, sgen_factor: pd.Series) -> Profiles:
    """Return profiles with loads scaled by ``load`` and each sgen by ``sgen_factor[name]``."""
    return Profiles(
        load_p_mw=profiles.load_p_mw * load,
        load_q_mvar=profiles.load_q_mvar * load,
        sgen_p_mw=profiles.sgen_p_mw * sgen_factor.reindex(profiles.sgen_p_mw.columns).to_numpy(),
    )
