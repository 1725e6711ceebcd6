"""The studies the benchmarks time: the default case on two SimBench grids, for a
period and a rolling preset, built with the project's own case loader.

SimBench's 2016 profiles are stamped in local time (CET/CEST);
:func:`grid.profiles.simbench_profiles` converts them to UTC, so the year has no
gap. :func:`dst_gap_filled` stays as a guard: it fills hours without data by
linear interpolation and counts them (0 since the reader converts time zones).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import sim.profile_sources
from grid.profiles import Profiles
from sim.case import Case, load_case

#: the case every study starts from (its battery, tariffs and export limit)
BASE_CASE = Path(__file__).resolve().parents[1] / "cases" / "default.yaml"
#: the benchmark year: SimBench profiles cover 2016 in German local time, i.e.
#: 2015-12-31 23:00 to 2016-12-31 23:00 UTC (366 days, 8784 h)
YEAR_START, YEAR_END = "2015-12-31T23:00:00Z", "2016-12-31T23:00:00Z"


@dataclass(frozen=True)
class Grid:
    """A SimBench grid and the bus of the default case's 2 MW / 4 MWh battery."""

    simbench_code: str
    battery_bus: str


#: the default grid and a larger one (144 buses, 139 loads, 134 renewables)
GRIDS = {
    "rural": Grid("1-MV-rural--0-sw", "MV1.101 Bus 26"),
    "urban": Grid("1-MV-urban--0-sw", "MV3.101 Bus 26"),
}


def study_case(
    grid: str,
    network_model: str,
    rolling: str,
    start: str = YEAR_START,
    end: str = YEAR_END,
    extra: list[str] | None = None,
) -> Case:
    """The default case on ``grid`` over ``[start, end)`` with a rolling preset.

    Parameters
    ----------
    grid
        A key of :data:`GRIDS`.
    network_model
        ``copperplate``, ``dc`` or ``lindistflow``.
    rolling
        ``day_ahead`` (24 h windows, 48 h horizon) or ``intraday`` (1 h, 24 h).
    start, end
        The period, ISO 8601 UTC.
    extra
        Further ``key.path=value`` overrides (e.g. ``ev_fleets=[...]``).
    """
    g = GRIDS[grid]
    overrides = [
        f"grid.simbench_code={g.simbench_code}",
        f"storage.0.bus={g.battery_bus}",
        f"time.start={start}",
        f"time.end={end}",
        f"dispatch.rolling={rolling}",
        f"dispatch.network_model={network_model}",
        "output.plots=false",
        *(extra or []),
    ]
    return load_case(BASE_CASE, overrides)


@contextmanager
def dst_gap_filled(filled_hours: list[int] | None = None) -> Iterator[None]:
    """While active, the pipeline's SimBench profiles have hours without data (NaN
    in every column, e.g. the daylight-saving gap) filled by linear interpolation
    in time; the number of filled steps of each call is appended to ``filled_hours``."""
    original = sim.profile_sources.simbench_profiles

    def fill(df: pd.DataFrame) -> pd.DataFrame:
        return df.interpolate(method="time", limit_area="inside")

    def filled(*args: Any, **kwargs: Any) -> Profiles:
        p = original(*args, **kwargs)
        if filled_hours is not None:
            filled_hours.append(int(p.load_p_mw.isna().all(axis=1).sum()))
        return Profiles(fill(p.load_p_mw), fill(p.load_q_mvar), fill(p.sgen_p_mw))

    sim.profile_sources.simbench_profiles = filled  # type: ignore[assignment]
    try:
        yield
    finally:
        sim.profile_sources.simbench_profiles = original
