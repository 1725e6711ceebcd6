"""Renewables from weather: the shipped typical years, the user's weather file, and
PV and wind power against direct pvlib and windpowerlib calls on the same inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
from windpowerlib import ModelChain, WindTurbine

from grid.profiles import ProfileError
from grid.weather import read_weather_file, shipped_weather, weather_on
from grid.weather_power import PVParams, WindParams, pv_per_unit, wind_per_unit

YEAR = pd.date_range("2016-01-01", "2017-01-01", freq="60min", inclusive="left", tz="UTC")


@pytest.fixture(scope="module")
def greensboro() -> tuple:
    w = shipped_weather("greensboro_tmy3")
    return w, weather_on(w, YEAR)


def test_typical_year_is_placed_by_month_day_and_hour(greensboro: tuple) -> None:
    w, on = greensboro
    path = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
    raw, meta = pvlib.iotools.read_tmy3(str(path), map_variables=True)
    # the row stamped 13:00 local standard time (UTC-5) on 15 June is the hour
    # 12:00-13:00 local, i.e. the step starting at 17:00 UTC
    row = raw[(raw.index.month == 6) & (raw.index.day == 15) & (raw.index.hour == 13)]
    step = on.loc["2016-06-15 17:00+00:00"]
    assert step["ghi_w_per_m2"] == pytest.approx(float(row["ghi"].iloc[0]))
    assert step["pressure_pa"] == pytest.approx(100 * float(row["pressure"].iloc[0]))
    # 29 February takes 28 February's values; the year has no gap
    feb29 = on.loc["2016-02-29"].to_numpy()
    np.testing.assert_array_equal(feb29, on.loc["2016-02-28"].to_numpy())
    assert len(on) == 8784 and not on.isna().any().any()


def _direct_pv(w: object, on: pd.DataFrame, p: PVParams) -> np.ndarray:
    """PVWatts through pvlib's ModelChain, written out independently."""
    from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS

    losses = dict.fromkeys(
        ["shading", "snow", "mismatch", "wiring", "connections", "lid", "nameplate_rating"], 0.0
    )
    system = pvlib.pvsystem.PVSystem(
        surface_tilt=p.tilt_deg,
        surface_azimuth=p.azimuth_deg,
        module_parameters={"pdc0": 1200.0, "gamma_pdc": -0.004},
        inverter_parameters={"pdc0": 1000.0 / 0.96, "eta_inv_nom": 0.96},
        temperature_model_parameters=TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_glass"],
        losses_parameters={**losses, "age": 0.0, "availability": 0.0, "soiling": 14.0},
    )
    loc = pvlib.location.Location(w.latitude, w.longitude, altitude=w.altitude_m)  # type: ignore[attr-defined]
    mc = pvlib.modelchain.ModelChain(
        system, loc, transposition_model="haydavies", aoi_model="physical",
        spectral_model="no_loss", losses_model="pvwatts",
    )  # fmt: skip
    weather = pd.DataFrame(
        {
            "ghi": on["ghi_w_per_m2"].to_numpy(),
            "dni": on["dni_w_per_m2"].to_numpy(),
            "dhi": on["dhi_w_per_m2"].to_numpy(),
            "temp_air": on["temp_air_c"].to_numpy(),
            "wind_speed": on["wind_speed_m_per_s"].to_numpy(),
        },
        index=on.index + pd.Timedelta(minutes=30),
    )
    mc.run_model(weather)
    return np.clip(np.nan_to_num(mc.results.ac.to_numpy() / 1000.0), 0, 1)


def test_pv_equals_pvlib_model_chain(greensboro: tuple) -> None:
    w, on = greensboro
    ours = pv_per_unit(on, w, PVParams())
    np.testing.assert_allclose(ours.to_numpy(), _direct_pv(w, on, PVParams()), atol=1e-12)
    # plausible: 18-19 % AC capacity factor in North Carolina at 30 deg tilt, DC/AC 1.2;
    # noon (local solar, UTC-5 h 20 min) is the best hour
    assert 0.15 < ours.mean() < 0.22
    assert ours.max() == pytest.approx(1.0)
    assert ours.groupby(ours.index.hour).mean().idxmax() in (16, 17, 18)


@pytest.mark.parametrize(
    ("site", "low", "high"), [("greensboro_tmy3", 0.10, 0.25), ("sand_point_tmy3", 0.30, 0.55)]
)
def test_wind_equals_windpowerlib_model_chain(site: str, low: float, high: float) -> None:
    w = shipped_weather(site)
    on = weather_on(w, YEAR)
    ours = wind_per_unit(on, w, WindParams())
    turbine = WindTurbine(turbine_type="E-126/4200", hub_height=135)
    cols = pd.MultiIndex.from_tuples(
        [("wind_speed", 10), ("temperature", 2), ("pressure", 0), ("roughness_length", 0)]
    )
    weather = pd.DataFrame(
        {
            cols[0]: on["wind_speed_m_per_s"],
            cols[1]: on["temp_air_c"] + 273.15,
            cols[2]: on["pressure_pa"],
            cols[3]: 0.1,
        }
    )
    mc = ModelChain(turbine, wind_speed_model="logarithmic", density_model="barometric",
                    temperature_model="linear_gradient", power_output_model="power_curve",
                    density_correction=False).run_model(weather)  # fmt: skip
    direct = mc.power_output.to_numpy() / 4.2e6
    np.testing.assert_allclose(ours.to_numpy(), direct, atol=1e-12)
    assert low < ours.mean() < high  # annual capacity factor, inland vs windy coast


def test_unknown_turbine_is_an_error(greensboro: tuple) -> None:
    w, on = greensboro
    with pytest.raises(ValueError, match="windpowerlib has no turbine 'X-1'"):
        wind_per_unit(on.iloc[:24], w, WindParams(turbine="X-1"))


def test_weather_file_splits_ghi_and_names_bad_columns(tmp_path: Path) -> None:
    idx = pd.date_range("2016-06-01", periods=48, freq="h", tz="UTC")
    hour = idx.hour.to_numpy()
    ghi = np.clip(800 * np.sin(np.pi * (hour - 5) / 14), 0, None)
    frame = pd.DataFrame(
        {"ghi_w_per_m2": ghi, "temp_air_c": 20.0, "wind_speed_m_per_s": 5.0}, index=idx
    )
    frame.index.name = "time"
    frame.to_csv(tmp_path / "w.csv")
    w = read_weather_file(tmp_path / "w.csv", 51.0, 10.0)
    d = weather_on(w, idx)
    assert (d["dni_w_per_m2"] >= 0).all() and (d["dhi_w_per_m2"] <= d["ghi_w_per_m2"] + 1e-9).all()
    assert (d["pressure_pa"] == 101325.0).all()
    with pytest.raises(ProfileError, match="does not cover the run"):
        weather_on(w, idx.shift(48, freq="h"))
    frame.drop(columns="temp_air_c").to_csv(tmp_path / "bad.csv")
    with pytest.raises(ProfileError, match="column 'temp_air_c' is missing"):
        read_weather_file(tmp_path / "bad.csv", 51.0, 10.0)
