"""Case-file models of where a case's data come from: its period, its grid and
its profiles (:class:`TimeSpec`, :class:`GridSpec`, :class:`ProfilesSpec`), and a
time series of a signal (:class:`SeriesSpec`). :mod:`sim.case` re-exports them.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grid.element_edits import EDITABLE_TABLES
from sim.case_weather import PVModelSpec, WeatherSpec, WindModelSpec

__all__ = [
    "GRID_FORMS",
    "ElementSpec",
    "GridSpec",
    "ProfileFileSpec",
    "ProfilesSpec",
    "SeriesSpec",
    "TimeSpec",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeriesSpec(_Strict):
    """A time series given as a constant, a daily profile of 24 hourly values
    (hour of day in UTC, e.g. a time-of-use tariff) or a CSV column (UTC time
    stamps in the first column, values at or before each hour held until the next)."""

    constant: float | None = None
    daily_profile: list[float] | None = Field(default=None, min_length=24, max_length=24)
    csv: Path | None = None
    column: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SeriesSpec:
        given = [k for k in ("constant", "daily_profile", "csv") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'constant', 'daily_profile' (24 values) or 'csv'"
                f" (got {given or 'none'})"
            )
        if self.csv is not None and self.column is None:
            raise ValueError("'csv' needs 'column', the name of the column to read")
        return self


class TimeSpec(_Strict):
    """Simulated period [start, end) in UTC and its resolution."""

    start: datetime
    end: datetime
    resolution_min: int = Field(default=60, gt=0, le=60)

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            return v.replace(tzinfo=timezone.utc)
        return v.astimezone(timezone.utc)

    @field_validator("resolution_min")
    @classmethod
    def _divides_hour(cls, v: int) -> int:
        if 60 % v:
            raise ValueError(f"must divide 60 minutes (got {v})")
        return v

    @model_validator(mode="after")
    def _ordered(self) -> TimeSpec:
        if self.end <= self.start:
            raise ValueError(f"'end' ({self.end}) must be after 'start' ({self.start})")
        return self

    @property
    def dt_h(self) -> float:
        """Length of one time step [h]."""
        return self.resolution_min / 60.0


class ElementSpec(_Strict):
    """An element of the grid the case adds or changes (list ``grid.elements``): an
    element of ``table`` named ``name`` gets ``values`` for its columns (and moves to
    ``bus`` if given); without one, a new element is created at ``bus``."""

    table: Literal["load", "sgen", "gen", "storage", "ext_grid"]
    name: str = Field(min_length=1)
    #: bus name or index; required to add an element
    bus: str | int | None = None
    #: pandapower columns and their values (``p_mw``, ``q_mvar``, ``type``, ``in_service``, ...)
    values: dict[str, float | bool | str] = Field(default_factory=dict)


assert set(EDITABLE_TABLES) == set(get_args(ElementSpec.model_fields["table"].annotation))


class GridSpec(_Strict):
    """The base grid: a SimBench code, a pandapower JSON file or a network of
    ``pandapower.networks`` by its function name (``case9``, ``mv_oberrhein``),
    with the elements the case adds or changes (:class:`ElementSpec`)."""

    simbench_code: str | None = None
    pandapower_json: Path | None = None
    pandapower_network: str | None = None
    elements: list[ElementSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _exactly_one(self) -> GridSpec:
        given = [k for k in GRID_FORMS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'simbench_code', 'pandapower_json' or "
                f"'pandapower_network' (got {given or 'none'})"
            )
        return self


#: the keys of :class:`GridSpec` that each give the base grid
GRID_FORMS = ("simbench_code", "pandapower_json", "pandapower_network")


class ProfileFileSpec(_Strict):
    """A profile file (CSV or Parquet): time stamps first, one column per element."""

    file: Path
    #: ``mw`` (MW, or Mvar for reactive power) or ``per_unit`` (times the element's
    #: ``p_mw``, or ``q_mvar`` for reactive power, in the grid)
    unit: Literal["mw", "per_unit"] = "mw"
    #: columns name elements (``name``) or give their pandapower index (``index``)
    match: Literal["name", "index"] = "name"
    #: time zone of stamps without a UTC offset (IANA name, e.g. Europe/Berlin)
    time_zone: str = "UTC"
    #: elements without a column: an error, or held at their value in the grid
    missing: Literal["error", "net_value"] = "error"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (IANA names, e.g. Europe/Berlin)") from None
        return v


class ProfilesSpec(_Strict):
    """Actual load and renewable profiles; scale factors apply to all sources.

    ``source``: ``simbench`` (the SimBench grid's own year), ``files`` (``load_p``,
    ``sgen_p`` and optionally ``load_q``, each a :class:`ProfileFileSpec`) or
    ``constant`` (every load and generator at its value in the grid, every step).
    """

    source: Literal["simbench", "files", "constant"] = "simbench"
    load_p: ProfileFileSpec | None = None
    load_q: ProfileFileSpec | None = None
    sgen_p: ProfileFileSpec | None = None
    load_scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    wind_scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    pv_scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    other_renewable_scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    #: weather for PV and wind from weather (:mod:`sim.case_weather`)
    weather: WeatherSpec | None = None
    #: PV plants' power from the weather instead of the source's profiles
    pv_from_weather: PVModelSpec | None = None
    #: wind farms' power from the weather instead of the source's profiles
    wind_from_weather: WindModelSpec | None = None

    @model_validator(mode="after")
    def _weather_for_models(self) -> ProfilesSpec:
        models = [k for k in ("pv_from_weather", "wind_from_weather") if getattr(self, k)]
        if models and self.weather is None:
            raise ValueError(f"{models} need 'weather' (a shipped site or a weather file)")
        return self

    @model_validator(mode="after")
    def _files_only_with_files(self) -> ProfilesSpec:
        given = [k for k in ("load_p", "load_q", "sgen_p") if getattr(self, k) is not None]
        if given and self.source != "files":
            raise ValueError(f"{given} need source: files (source is {self.source!r})")
        return self
