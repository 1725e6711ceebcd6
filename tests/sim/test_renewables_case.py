"""Renewables from weather and renewable-share scaling, from the case file and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grid.network import build_network
from grid.weather import shipped_weather, weather_on
from grid.weather_power import PVParams, WindParams, pv_per_unit, wind_per_unit
from run_sim import main
from sim.results import read_results

REPO = Path(__file__).resolve().parents[2]
DEFAULT = str(REPO / "cases" / "default.yaml")
DAY = ["--set", "time.end=2016-07-05T00:00:00Z", "--no-plots", "-q"]


def _kpis(folder: Path) -> dict[str, float]:
    return json.loads((folder / "kpis.json").read_text())  # type: ignore[no-any-return]


def test_pv_and_wind_from_a_shipped_typical_year(tmp_path: Path) -> None:
    """Every PV and wind generator's availability is its p_mw times the per-unit
    power of the models on the weather re-timed from Greensboro (79.95 W) to 10 E:
    (10 + 79.95) / 15 = 6 h earlier."""
    weather = "profiles.weather={site: greensboro_tmy3, shift_to_longitude_deg: 10}"
    models = [
        "--set",
        "profiles.pv_from_weather={tilt_deg: 35}",
        "--set",
        "profiles.wind_from_weather={}",
    ]
    assert main([DEFAULT, *DAY, "--set", weather, *models, "--out", str(tmp_path)]) == 0
    r, kpis, _ = read_results(tmp_path / "default")
    index = pd.DatetimeIndex(r.renewable_available_p_mw.index)
    w = shipped_weather("greensboro_tmy3")
    on = weather_on(w, index + pd.Timedelta(hours=6)).set_axis(index)
    pv = pv_per_unit(on, w, PVParams(tilt_deg=35))
    wind = wind_per_unit(on, w, WindParams())
    kind = r.assets.loc[r.assets["family"] == "renewable", "kind"]
    net = build_network("1-MV-rural--0-sw")
    p_mw = net.sgen.set_index("name")["p_mw"]
    for k, unit in (("pv", pv), ("wind", wind)):
        cols = kind.index[kind == k]
        expected = (unit.to_numpy()[:, None] * p_mw.reindex(cols).to_numpy()[None, :]).sum()
        assert kpis[f"{k}_available_mwh"] == pytest.approx(expected, rel=1e-9)
    assert kpis["pv_available_mwh"] > 0 and kpis["wind_available_mwh"] > 0


@pytest.mark.parametrize("share", [0.2, 0.8])
def test_target_share_is_met_before_curtailment(tmp_path: Path, share: float) -> None:
    args = [DEFAULT, *DAY, "--set", f"renewables.target_share={share}", "--out", str(tmp_path)]
    assert main(args) == 0
    k = _kpis(tmp_path / "default")
    assert k["renewable_available_mwh"] == pytest.approx(share * k["demand_mwh"], rel=1e-6)
    assert k["renewable_available_share_percent"] == pytest.approx(100 * share, rel=1e-6)
    assert k["renewable_target_share_percent"] == pytest.approx(100 * share)


def test_target_share_with_a_mix(tmp_path: Path) -> None:
    mix = "renewables={target_share: 0.6, mix: {wind: 0.25, pv: 0.75}}"
    assert main([DEFAULT, *DAY, "--set", mix, "--out", str(tmp_path)]) == 0
    k = _kpis(tmp_path / "default")
    wind_pv = k["renewable_available_mwh"] - k["other_renewable_available_mwh"]
    assert k["renewable_available_mwh"] == pytest.approx(0.6 * k["demand_mwh"], rel=1e-6)
    assert k["wind_available_mwh"] == pytest.approx(0.25 * wind_pv, rel=1e-6)
    assert k["pv_available_mwh"] == pytest.approx(0.75 * wind_pv, rel=1e-6)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["renewables={target_share: 0.5, mix: {wind: 0.5, pv: 0.4}}"], "sum to 1"),
        (["profiles.pv_from_weather={}"], "need 'weather'"),
        (
            ["profiles.weather={site: nowhere}", "profiles.pv_from_weather={}"],
            "profiles.weather.site",
        ),
        (["profiles.weather={file: w.csv}", "profiles.pv_from_weather={}"], "needs 'latitude_deg'"),
        (
            [
                "profiles.weather={site: greensboro_tmy3}",
                "profiles.wind_from_weather={turbine: X-9}",
            ],
            "profiles.wind_from_weather.turbine: windpowerlib has no turbine 'X-9'",
        ),
        (["renewables.target_share=0.0001"], "other renewables alone give"),
    ],
)
def test_bad_renewable_inputs_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], overrides: list[str], message: str
) -> None:
    sets = [x for o in overrides for x in ("--set", o)]
    assert main([DEFAULT, *DAY, *sets, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err, err


def test_new_plants_by_load_meet_the_target(tmp_path: Path) -> None:
    """The grid's own renewables give about 2.4 times the demand that day; new PV and
    wind at the 20 kV load buses, rated in proportion to their load, bring the
    available energy to 3 times the demand; the grid's own plants keep their size."""
    plants = "renewables={target_share: 3.0, new_plants: {rule: load, voltage_levels_kv: [20]}}"
    assert main([DEFAULT, *DAY, "--set", plants, "--out", str(tmp_path / "new")]) == 0
    assert main([DEFAULT, *DAY, "--out", str(tmp_path / "base")]) == 0
    r, k, _ = read_results(tmp_path / "new" / "default")
    base, kb, _ = read_results(tmp_path / "base" / "default")
    assert k["renewable_available_mwh"] == pytest.approx(3.0 * k["demand_mwh"], rel=1e-6)
    avail = r.renewable_available_p_mw
    own = [c for c in avail.columns if not c.startswith("new ")]
    pd.testing.assert_frame_equal(avail[own], base.renewable_available_p_mw[own])
    new_pv = [c for c in avail.columns if c.startswith("new pv @ ")]
    net = build_network("1-MV-rural--0-sw")
    load = net.load[net.load["bus"].map(net.bus["vn_kv"]) == 20.0]
    by_bus = load.groupby(load["bus"].map(net.bus["name"]))["p_mw"].sum()
    assert sorted(c.removeprefix("new pv @ ") for c in new_pv) == sorted(by_bus[by_bus > 0].index)
    # every new PV plant follows the same profile, so energy shares are load shares
    energy = avail[new_pv].sum().rename(lambda c: c.removeprefix("new pv @ "))
    np.testing.assert_allclose(
        (energy / energy.sum()).sort_index(), (by_bus / by_bus.sum()).loc[by_bus > 0].sort_index()
    )
    assert kb["renewable_available_mwh"] < k["renewable_available_mwh"]


def test_new_plants_at_listed_buses(tmp_path: Path) -> None:
    plants = (
        "renewables={target_share: 2.6, mix: {pv: 1.0},"
        " new_plants: {rule: buses, buses: [MV1.101 Bus 4, MV1.101 Bus 5]}}"
    )
    assert main([DEFAULT, *DAY, "--set", plants, "--out", str(tmp_path)]) == 0
    r, k, _ = read_results(tmp_path / "default")
    new = [c for c in r.renewable_available_p_mw.columns if c.startswith("new ")]
    assert sorted(new) == sorted(
        f"new {kind} @ MV1.101 Bus {b}" for kind in ("pv", "wind") for b in (4, 5)
    )
    wind_new = r.renewable_available_p_mw[[c for c in new if "wind" in c]].to_numpy()
    assert np.abs(wind_new).max() == 0.0  # the mix asks for PV only
    assert k["renewable_available_mwh"] == pytest.approx(2.6 * k["demand_mwh"], rel=1e-6)
