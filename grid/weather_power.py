"""PV and wind power from weather, per unit of rated power, with pvlib and windpowerlib.

**PV** (:func:`pv_per_unit`): pvlib's ``ModelChain`` with the PVWatts models on a
fixed plane (``tilt_deg``, ``azimuth_deg``: 180 faces south): solar position at the
middle of each step, the plane-of-array irradiance (Hay-Davies transposition, the
physical incidence-angle model, no spectral loss), the SAPM cell temperature of an
open-rack glass-glass module, the PVWatts DC model (``gamma_pdc`` per degC), the
PVWatts system losses (``losses_percent``, total) and the PVWatts inverter (nominal
efficiency 96 %), the DC array rated ``dc_ac_ratio`` times the inverter's AC power,
so the output clips at 1 per unit of AC power.

**Wind** (:func:`wind_per_unit`): windpowerlib's ``ModelChain`` with a turbine of its
turbine library (``turbine``, e.g. ``E-126/4200``) at ``hub_height_m``: the wind speed
brought from its measurement height to the hub with the logarithmic profile
(``roughness_length_m``), the air temperature with the linear gradient and the
density with the barometric formula; the turbine's power curve, without density
correction. Per unit of the turbine's nominal power.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from grid.weather import Weather

#: nominal efficiency of the PVWatts inverter [-]
INVERTER_EFFICIENCY = 0.96


@dataclass(frozen=True)
class PVParams:
    """A PV plant's orientation and losses (see the module docstring)."""

    tilt_deg: float = 30.0
    azimuth_deg: float = 180.0
    dc_ac_ratio: float = 1.2
    gamma_pdc_per_c: float = -0.004
    losses_percent: float = 14.0


@dataclass(frozen=True)
class WindParams:
    """A wind turbine type of windpowerlib's library and its hub height."""

    turbine: str = "E-126/4200"
    hub_height_m: float = 135.0
    roughness_length_m: float = 0.1


def _mid_times(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(hours=1)
    return index + step / 2


def pvwatts_losses(p: PVParams) -> dict[str, float]:
    """PVWatts loss components giving ``losses_percent`` in total (all of it in one
    component: PVWatts combines them multiplicatively)."""
    keys = ("shading", "snow", "mismatch", "wiring", "connections", "lid", "nameplate_rating")
    return {**dict.fromkeys((*keys, "age", "availability"), 0.0), "soiling": p.losses_percent}


def pv_model_chain(weather: Weather, p: PVParams) -> Any:
    """The pvlib ``ModelChain`` of :func:`pv_per_unit` (1 kW AC)."""
    import pvlib
    from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS

    location = pvlib.location.Location(
        weather.latitude, weather.longitude, altitude=weather.altitude_m
    )
    system = pvlib.pvsystem.PVSystem(
        surface_tilt=p.tilt_deg,
        surface_azimuth=p.azimuth_deg,
        module_parameters={"pdc0": 1000.0 * p.dc_ac_ratio, "gamma_pdc": p.gamma_pdc_per_c},
        inverter_parameters={
            "pdc0": 1000.0 / INVERTER_EFFICIENCY,
            "eta_inv_nom": INVERTER_EFFICIENCY,
        },
        temperature_model_parameters=TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_glass"],
        losses_parameters=pvwatts_losses(p),
    )
    return pvlib.modelchain.ModelChain(
        system,
        location,
        transposition_model="haydavies",
        aoi_model="physical",
        spectral_model="no_loss",
        losses_model="pvwatts",
    )


def pv_per_unit(weather_on_index: pd.DataFrame, weather: Weather, p: PVParams) -> pd.Series:
    """AC power of a PV plant per unit of its AC rating on the index of
    ``weather_on_index`` (weather on step-start stamps, e.g. from
    :func:`grid.weather.weather_on`), in [0, 1]."""
    chain = pv_model_chain(weather, p)
    w = weather_on_index
    frame = pd.DataFrame(
        {
            "ghi": w["ghi_w_per_m2"].to_numpy(),
            "dni": w["dni_w_per_m2"].to_numpy(),
            "dhi": w["dhi_w_per_m2"].to_numpy(),
            "temp_air": w["temp_air_c"].to_numpy(),
            "wind_speed": w["wind_speed_m_per_s"].to_numpy(),
        },
        index=_mid_times(pd.DatetimeIndex(w.index)),
    )
    chain.run_model(frame)
    ac = np.asarray(chain.results.ac, dtype=np.float64) / 1000.0
    return pd.Series(np.clip(np.nan_to_num(ac), 0.0, 1.0), index=w.index, name="pv_per_unit")


def wind_per_unit(weather_on_index: pd.DataFrame, weather: Weather, p: WindParams) -> pd.Series:
    """Power of a wind turbine per unit of its nominal power on the index of
    ``weather_on_index``, in [0, 1].

    Raises
    ------
    ValueError
        If windpowerlib's library has no turbine ``p.turbine``.
    """
    from windpowerlib import ModelChain, WindTurbine

    try:
        turbine = WindTurbine(turbine_type=p.turbine, hub_height=p.hub_height_m)
    except Exception as exc:  # windpowerlib raises assorted errors for unknown types
        raise ValueError(f"windpowerlib has no turbine {p.turbine!r}: {exc}") from None
    if turbine.power_curve is None:
        raise ValueError(f"windpowerlib's turbine {p.turbine!r} has no power curve")
    w = weather_on_index
    columns = pd.MultiIndex.from_tuples(
        [
            ("wind_speed", weather.wind_height_m),
            ("temperature", weather.temperature_height_m),
            ("pressure", 0),
            ("roughness_length", 0),
        ],
        names=["variable_name", "height"],
    )
    frame = pd.DataFrame(
        np.column_stack(
            [
                w["wind_speed_m_per_s"].to_numpy(),
                w["temp_air_c"].to_numpy() + 273.15,
                w["pressure_pa"].to_numpy(),
                np.full(len(w), p.roughness_length_m),
            ]
        ),
        index=w.index,
        columns=columns,
    )
    chain = ModelChain(
        turbine,
        wind_speed_model="logarithmic",
        temperature_model="linear_gradient",
        density_model="barometric",
        power_output_model="power_curve",
        density_correction=False,
    ).run_model(frame)
    out = np.asarray(chain.power_output, dtype=float) / float(turbine.nominal_power)
    return pd.Series(np.clip(out, 0.0, 1.0), index=w.index, name="wind_per_unit")
