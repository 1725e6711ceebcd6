"""Heat-pump buildings, hand-computable cases on one bus, through the CLI.

A building of R = 5 K/kW (5000 K/MW) and C = 10 kWh/K (0.01 MWh/K), so RC = 50 h,
on the one-bus grid without its load, with a constant outdoor temperature.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from run_sim import main
from sim.results import read_results

REPO = Path(__file__).resolve().parents[2]
ONE_BUS = REPO / "cases" / "own_data" / "one_bus.yaml"
R, C = 5000.0, 0.01


def _run(
    tmp_path: Path,
    building: str,
    prices: str = "{constant: 50}",
    hours: int = 24,
    window: int = 24,
    c: float = C,
) -> tuple:
    path = tmp_path / "b.yaml"
    path.write_text(
        f"extends: {ONE_BUS}\nname: b\nstorage: []\n"
        f'time: {{start: "2024-01-01T00:00:00Z", end: "2024-01-{1 + hours // 24:02d}T00:00:00Z"}}\n'
        "grid:\n  elements: [{table: load, name: load, values: {in_service: false}}]\n"
        f"external_grid:\n  import_price_eur_per_mwh: {prices}\n"
        f"dispatch: {{window_h: {window}, horizon_h: 24}}\n"
        "buildings:\n"
        f"  - {{name: house, bus: bus, r_k_per_mw: {R}, c_mwh_per_k: {c}, {building}}}\n"
    )
    out = tmp_path / "out"
    assert main([str(path), "--out", str(out), "--no-plots", "-q"]) == 0
    r, kpis, _ = read_results(out / "b")
    return r.families["building"], kpis


def test_free_floating_temperature_is_the_analytic_decay(tmp_path: Path) -> None:
    """No heat pump: T(t) = T_out + (T0 - T_out) exp(-t / RC)."""
    frames, kpis = _run(
        tmp_path, "p_max_mw: 0, t_initial_c: 21, t_min_c: -30, t_max_c: 60, t_out_c: {constant: 1}"
    )
    t = frames["t_c"]["house"].to_numpy()
    hours = np.arange(1, 25)
    analytic = 1.0 + 20.0 * np.exp(-hours / (R * C))
    np.testing.assert_allclose(t, analytic, atol=1e-6)
    assert kpis["building_hp_mwh"] == 0.0


def test_pre_heats_before_a_price_peak_and_stays_in_its_band(tmp_path: Path) -> None:
    """Heat costs 50 EUR/MWh except 16:00-20:00 UTC (500): the heat pump (COP 3,
    5 kW) stores heat in the building before the peak and stays off during it, the
    indoor temperature never leaving 20-23 degC."""
    peak = [50] * 16 + [500] * 4 + [50] * 4
    prices = "{daily_profile: [" + ", ".join(map(str, peak)) + "]}"
    spec = (
        "p_max_mw: 0.005, cop: 3, t_initial_c: 20, t_min_c: 20, t_max_c: 23,"
        " t_out_c: {constant: 0}, discomfort_cost_eur_per_kh: 1000"
    )
    frames, kpis = _run(tmp_path, spec, prices)
    p = frames["p_mw"]["house"].to_numpy()
    t = frames["t_c"]["house"].to_numpy()
    assert p[16:20].max() == pytest.approx(0.0, abs=1e-9)
    assert t.min() >= 20.0 - 1e-6 and t.max() <= 23.0 + 1e-6
    assert t[15] > 20.5  # heat stored before the peak
    assert kpis["building_discomfort_kh"] == pytest.approx(0.0, abs=1e-6)
    assert kpis["building_heat_mwh"] == pytest.approx(3 * kpis["building_hp_mwh"], rel=1e-9)
    # the building loses (T - T_out) / R; over the day the heat delivered equals the
    # losses plus the change of stored heat, step by step in the exact discretisation
    a = math.exp(-1.0 / (R * C))
    heat = frames["heat_mw"]["house"].to_numpy()
    before = np.r_[20.0, t[:-1]]
    np.testing.assert_allclose(t, a * before + (1 - a) * (0.0 + R * heat), atol=1e-7)


def test_a_band_it_cannot_hold_is_a_reported_violation(tmp_path: Path) -> None:
    """At -10 degC a 1 kW heat pump (COP 2) holds at most -10 + 5000 * 0.002 = 0
    degC: it runs flat out, the model stays feasible and reports the degree-hours
    below 20 degC of the trajectory from 20 degC, computed by hand."""
    spec = (
        "p_max_mw: 0.001, cop: 2, t_initial_c: 20, t_min_c: 20, t_max_c: 24,"
        " t_out_c: {constant: -10}, discomfort_cost_eur_per_kh: 1000"
    )
    frames, kpis = _run(tmp_path, spec)
    a = math.exp(-1.0 / (R * C))
    t, expected = 20.0, []
    for _ in range(24):
        t = a * t + (1 - a) * (-10.0 + R * 0.002)
        expected.append(t)
    np.testing.assert_allclose(frames["t_c"]["house"].to_numpy(), expected, atol=1e-7)
    assert frames["p_mw"]["house"].to_numpy() == pytest.approx(np.full(24, 0.001))
    assert kpis["building_discomfort_kh"] == pytest.approx(
        sum(20.0 - x for x in expected), rel=1e-6
    )


def test_temperature_is_carried_across_windows(tmp_path: Path) -> None:
    """Two days in 6-hour windows without a heat pump: the same analytic decay."""
    path_case = "p_max_mw: 0, t_initial_c: 21, t_min_c: -30, t_max_c: 60, t_out_c: {constant: 1}"
    frames, _ = _run(tmp_path, path_case, hours=48, window=6)
    t = frames["t_c"]["house"].to_numpy()
    np.testing.assert_allclose(t, 1.0 + 20.0 * np.exp(-np.arange(1, 49) / (R * C)), atol=1e-6)


def test_outdoor_temperature_from_weather_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        f"extends: {ONE_BUS}\nname: w\nstorage: []\n"
        "buildings:\n  - {name: house, bus: bus, r_k_per_mw: 5000, c_mwh_per_k: 0.01,"
        " p_max_mw: 0.005}\n"
    )
    assert main([str(path), "--out", str(tmp_path / "o"), "-q", "--no-plots"]) == 2
    assert "buildings.0.t_out_c: required without profiles.weather" in capsys.readouterr().err
    weather = "profiles.weather={site: greensboro_tmy3}"
    assert (
        main([str(path), "--set", weather, "--out", str(tmp_path / "o"), "-q", "--no-plots"]) == 0
    )
    k = json.loads((tmp_path / "o" / "w" / "kpis.json").read_text())
    assert k["building_hp_mwh"] > 0 and k["building_discomfort_kh"] == pytest.approx(0, abs=1e-6)


def test_two_node_free_floating_equals_the_matrix_exponential(tmp_path: Path) -> None:
    """Air (2 kWh/K, 5 K/kW to outside) and mass (20 kWh/K, 1 K/kW to the air),
    air at 21 and mass at 18 degC, outside 1 degC, no heat pump, 6-hour windows: the
    hourly temperatures equal expm(A t) applied to the start, t = 1..24 h, in one go."""
    from scipy.linalg import expm

    spec = (
        "p_max_mw: 0, t_initial_c: 21, t_mass_initial_c: 18, t_min_c: -30, t_max_c: 60,"
        " t_out_c: {constant: 1}, r_mass_k_per_mw: 1000, c_mass_mwh_per_k: 0.02"
    )
    frames, _ = _run(tmp_path, spec, window=6, c=0.002)
    a = np.array([[-1 / (R * 0.002) - 1 / (1000 * 0.002), 1 / (1000 * 0.002)],
                  [1 / (1000 * 0.02), -1 / (1000 * 0.02)]])  # fmt: skip
    start = np.array([21.0 - 1.0, 18.0 - 1.0])
    expected = np.array([1.0 + expm(a * h) @ start for h in range(1, 25)])
    np.testing.assert_allclose(frames["t_c"]["house"].to_numpy(), expected[:, 0], atol=1e-6)
    np.testing.assert_allclose(frames["t_mass_c"]["house"].to_numpy(), expected[:, 1], atol=1e-6)
