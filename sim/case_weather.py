"""Case-file models of weather-driven renewables: the weather (``profiles.weather``)
and the PV and wind models that turn it into power (``profiles.pv_from_weather``,
``profiles.wind_from_weather``); :class:`sim.case_sources.ProfilesSpec` holds them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grid.weather import SHIPPED_SITES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WeatherSpec(_Strict):
    """Exactly one of ``site`` (a typical year shipped with pvlib) or ``file`` (a
    weather CSV or Parquet file, with the site's ``latitude_deg`` and
    ``longitude_deg``)."""

    site: Literal[tuple(SHIPPED_SITES)] | None = None  # type: ignore[valid-type]
    file: Path | None = None
    latitude_deg: float | None = Field(default=None, ge=-90, le=90)
    longitude_deg: float | None = Field(default=None, ge=-180, le=180)
    altitude_m: float = Field(default=0.0, ge=-500, le=9000)
    wind_height_m: float = Field(default=10.0, gt=0, le=300)
    time_zone: str = "UTC"
    #: re-time the site's power profiles to the solar time of this longitude
    #: (a typical year of another place used for this grid); None: as measured
    shift_to_longitude_deg: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _one(self) -> WeatherSpec:
        if (self.site is None) == (self.file is None):
            raise ValueError("give exactly one of 'site' (shipped) or 'file' (a weather file)")
        if self.file is not None and (self.latitude_deg is None or self.longitude_deg is None):
            raise ValueError("a weather 'file' needs 'latitude_deg' and 'longitude_deg'")
        return self


class PVModelSpec(_Strict):
    """The PV plants' orientation and losses (:class:`grid.weather_power.PVParams`)."""

    tilt_deg: float = Field(default=30.0, ge=0, le=90)
    azimuth_deg: float = Field(default=180.0, ge=0, le=360)
    dc_ac_ratio: float = Field(default=1.2, ge=0.5, le=3)
    gamma_pdc_per_c: float = Field(default=-0.004, ge=-0.02, le=0)
    losses_percent: float = Field(default=14.0, ge=0, le=50)


class WindModelSpec(_Strict):
    """The wind farms' turbine type (windpowerlib's library) and hub height."""

    turbine: str = "E-126/4200"
    hub_height_m: float = Field(default=135.0, ge=10, le=250)
    roughness_length_m: float = Field(default=0.1, gt=0, le=2)


class NewPlantsSpec(_Strict):
    """New wind and PV plants that meet ``renewables.target_share`` (the grid's own
    keep their size): at the buses of the in-service loads (``rule: load``, capacity
    in proportion to each bus's load ``p_mw``), optionally only at the voltage levels
    ``voltage_levels_kv``, or at the listed ``buses`` (equal shares)."""

    rule: Literal["load", "buses"] = "load"
    voltage_levels_kv: list[float] | None = None
    buses: list[str | int] | None = None
    #: SimBench profiles of the new plants on a SimBench grid without weather models
    pv_profile: str = "PV3"
    wind_profile: str = "WP4"

    @model_validator(mode="after")
    def _buses(self) -> NewPlantsSpec:
        if (self.rule == "buses") != bool(self.buses):
            raise ValueError("give 'buses' exactly with rule: buses")
        return self


class RenewablesSpec(_Strict):
    """Scale the grid's wind and PV to a share of demand (``renewables``).

    ``target_share``: available wind, PV and other renewable energy over the period as
    a fraction of the loads' demand (0.5 = 50 %); wind and PV capacity are scaled
    together (keeping their ratio) or to ``mix`` (their shares of the wind and PV
    energy, summing to 1); other renewables keep their size. With ``new_plants`` the
    grid's plants keep their size and new ones (:class:`NewPlantsSpec`) are sized.
    """

    target_share: float | None = Field(default=None, ge=0, le=20, allow_inf_nan=False)
    mix: dict[Literal["wind", "pv"], float] | None = None
    #: meet the target with new plants instead of scaling the grid's
    new_plants: NewPlantsSpec | None = None

    @model_validator(mode="after")
    def _mix(self) -> RenewablesSpec:
        if self.mix is not None:
            if self.target_share is None:
                raise ValueError("'mix' needs 'target_share'")
            if any(v < 0 for v in self.mix.values()) or abs(sum(self.mix.values()) - 1) > 1e-9:
                raise ValueError(f"'mix' shares must be >= 0 and sum to 1 (got {self.mix})")
        if self.new_plants is not None and self.target_share is None:
            raise ValueError("'new_plants' needs 'target_share'")
        return self
