"""EV charging, hand-computable cases on one bus, through the CLI.

One bus behind the external grid (``cases/own_data/one_bus.yaml``) with its 1 MW load
(or without it), no battery, and one EV (60 kWh battery, 11 kW charger, 92 % each
way) whose session comes from a CSV file. Costs are compared with the same case
without the EV, so the difference is what the EV costs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from run_sim import main

REPO = Path(__file__).resolve().parents[2]
ONE_BUS = REPO / "cases" / "own_data" / "one_bus.yaml"
KW = 1e-3  # MW
RATE_KWH = 11 * 0.92  # energy stored in an hour at full power [kWh]


def _prices(cheap: dict[int, float]) -> str:
    hours = [cheap.get(h, 50.0) for h in range(24)]
    return "[" + ", ".join(f"{p:g}" for p in hours) + "]"


def _case(
    tmp_path: Path,
    sessions: str,
    *,
    prices: dict[int, float],
    mode: str = "smart",
    extra: str = "",
    window: str = "window_h: 24, horizon_h: 24",
    ev: bool = True,
    load: bool = False,
) -> Path:
    (tmp_path / "sessions.csv").write_text(sessions)
    fleet = (
        "ev_fleets:\n"
        f"  - {{name: car, mode: {mode}, sessions: {{file: sessions.csv}}, {extra}"
        "eff_charge: 0.92, eff_discharge: 0.92, e_battery_mwh: 0.06, p_charge_mw: 0.011}\n"
    )
    path = tmp_path / ("ev.yaml" if ev else "base.yaml")
    path.write_text(
        f"extends: {ONE_BUS}\nname: {'ev' if ev else 'base'}\nstorage: []\n"
        + (
            ""
            if load
            else "grid:\n  elements: [{table: load, name: load, values: {in_service: false}}]\n"
        )
        + f"external_grid:\n  import_price_eur_per_mwh: {{daily_profile: {_prices(prices)}}}\n"
        + f"dispatch: {{{window}}}\n"
        + (fleet if ev else "")
    )
    return path


def _run(path: Path, out: Path) -> dict[str, float]:
    assert main([str(path), "--out", str(out), "--no-plots", "-q"]) == 0
    return json.loads((out / path.stem / "kpis.json").read_text())  # type: ignore[no-any-return]


ONE = "session,bus,arrival,departure,energy_mwh,soc_arrive\ns1,bus,{a},{d},{e},{soc}\n"


def _session(arrive_h: int, depart_h: int, energy_kwh: float, soc: float = 0.5) -> str:
    return ONE.format(
        a=f"2024-01-01T{arrive_h:02d}:00Z",
        d=f"2024-01-01T{depart_h:02d}:00Z",
        e=energy_kwh * KW,
        soc=soc,
    )


def test_single_ev_charges_its_energy_in_the_cheapest_hours(tmp_path: Path) -> None:
    """Arrives 02:00 with 30 kWh, needs 30 kWh more by 08:00: 30 / 0.92 kWh from the
    grid, which three hours at 11 kW cover; hours 4-6 cost 10 EUR/MWh, the rest 50."""
    path = _case(
        tmp_path, _session(2, 8, 30.0), prices={4: 10, 5: 10, 6: 10}, extra="foresight: perfect, "
    )
    k = _run(path, tmp_path / "out")
    grid_kwh = 30.0 / 0.92
    assert k["cost_eur"] == pytest.approx(grid_kwh * KW * 10.0, rel=1e-6)
    assert k["ev_charge_mwh"] == pytest.approx(grid_kwh * KW, rel=1e-6)
    assert k["ev_delivered_mwh"] == pytest.approx(30.0 * KW, rel=1e-6)
    assert k["ev_unmet_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert k["ev_peak_mw"] == pytest.approx(11 * KW, rel=1e-6)


def test_known_from_arrival_intraday_finds_the_same_optimum(tmp_path: Path) -> None:
    """Hourly windows see the session from 02:00 on, before the cheap hours."""
    path = _case(
        tmp_path,
        _session(2, 8, 30.0),
        prices={4: 10, 5: 10, 6: 10},
        window="window_h: 1, horizon_h: 24",
    )
    k = _run(path, tmp_path / "out")
    assert k["cost_eur"] == pytest.approx(30.0 / 0.92 * KW * 10.0, rel=1e-6)


def test_session_unknown_to_a_day_window_charges_uncontrolled(tmp_path: Path) -> None:
    """One window from 00:00 never sees a session arriving at 02:00: it charges at
    full power from arrival until full (60 kWh): 2 h at 11 kW (price 50), then the
    remaining 30 - 2 x 10.12 kWh in hour 4 (price 10)."""
    path = _case(tmp_path, _session(2, 8, 30.0), prices={4: 10, 5: 10, 6: 10})
    k = _run(path, tmp_path / "out")
    rest_kwh = (30.0 - 2 * RATE_KWH) / 0.92
    assert k["cost_eur"] == pytest.approx((2 * 11 * 50 + rest_kwh * 10) * KW, rel=1e-6)
    assert k["ev_unmet_mwh"] == pytest.approx(0.0, abs=1e-9)


def test_v2g_discharges_at_the_peak_and_still_leaves_full(tmp_path: Path) -> None:
    """The 1 MW load stays; hour 3 costs 200 EUR/MWh. Giving 11 kWh back then earns
    (200 - 30 wear) EUR/MWh and costs 11 / 0.92 kWh stored more: the EV needs
    30 + 11 / 0.92 kWh stored, i.e. that / 0.92 from the grid, of which 33 kWh in the
    cheap hours 4-6 and the rest at 50 EUR/MWh; it leaves with a full battery."""
    prices = {3: 200, 4: 10, 5: 10, 6: 10}
    extra = "foresight: perfect, wear_cost_eur_per_mwh: 30, "
    ev = _case(tmp_path, _session(2, 8, 30.0), prices=prices, mode="v2g", extra=extra, load=True)
    base = _case(tmp_path, _session(2, 8, 30.0), prices=prices, load=True, ev=False)
    k, k0 = _run(ev, tmp_path / "out"), _run(base, tmp_path / "out")
    grid_kwh = (30.0 + 11 / 0.92) / 0.92
    expected = (33 * 10 + (grid_kwh - 33) * 50 - 11 * 200 + 11 * 30) * KW
    assert k["cost_eur"] - k0["cost_eur"] == pytest.approx(expected, rel=1e-6)
    assert k["ev_discharge_mwh"] == pytest.approx(11 * KW, rel=1e-6)
    assert k["ev_wear_cost_eur"] == pytest.approx(11 * 30 * KW, rel=1e-6)
    assert k["ev_delivered_mwh"] == pytest.approx(30.0 * KW, rel=1e-6)
    assert k["ev_unmet_mwh"] == pytest.approx(0.0, abs=1e-9)


def test_a_session_spanning_two_windows_keeps_its_energy(tmp_path: Path) -> None:
    """Windows of 4 h (8 h horizon) from 00:00; the EV is plugged in 04:00-10:00 and
    needs two hours of full charging; hours 5 and 9 (one in each window) are cheap.
    The first window charges in hour 5, the second finds that energy and charges
    only in hour 9."""
    path = _case(
        tmp_path,
        _session(4, 10, 2 * RATE_KWH),
        prices={5: 10, 9: 10},
        window="window_h: 4, horizon_h: 8",
    )
    k = _run(path, tmp_path / "out")
    assert k["cost_eur"] == pytest.approx(2 * 11 * 10 * KW, rel=1e-6)
    assert k["ev_delivered_mwh"] == pytest.approx(2 * RATE_KWH * KW, rel=1e-6)
    assert k["ev_unmet_mwh"] == pytest.approx(0.0, abs=1e-9)


def test_an_unreachable_target_is_a_reported_shortfall(tmp_path: Path) -> None:
    """Two hours plugged in store at most 2 x 10.12 kWh of the 50 kWh needed."""
    path = _case(tmp_path, _session(4, 6, 50.0, soc=0.1), prices={}, extra="foresight: perfect, ")
    k = _run(path, tmp_path / "out")
    assert k["ev_unmet_mwh"] == pytest.approx((50 - 2 * RATE_KWH) * KW, rel=1e-6)
    assert k["ev_sessions_unmet"] == 1
    assert k["ev_charge_mwh"] == pytest.approx(2 * 11 * KW, rel=1e-6)


@pytest.mark.parametrize("mode", ["smart", "v2g"])
def test_aggregated_station_against_one_unit_per_vehicle(tmp_path: Path, mode: str) -> None:
    """40 home vehicles at one bus over two days, hourly windows. One unit per
    vehicle is exact: nothing unmet, the split is the dispatch itself. The station
    aggregate is a relaxation; its split back to the vehicles is checked, and what
    it leaves unmet or cannot place is the gap docs/ev.md states: small for smart
    charging (2.2 % of the energy delivered here), large for V2G (the sum lets
    energy pass between vehicles), which is why V2G studies use ``model: vehicles``."""
    runs = {}
    for model in ("vehicles", "aggregate"):
        path = tmp_path / f"{model}.yaml"
        path.write_text(
            f"extends: {ONE_BUS}\nname: {model}\nstorage: []\n"
            'time: {start: "2024-01-01T00:00:00Z", end: "2024-01-03T00:00:00Z"}\n'
            "dispatch: {window_h: 1, horizon_h: 24}\n"
            f"ev_fleets:\n  - {{name: h, mode: {mode}, model: {model}, soc_min: 0.2,\n"
            "     sessions: {generate: {kind: home, vehicles: 40, seed: 5}}}\n"
        )
        runs[model] = _run(path, tmp_path / "out")
    exact, agg = runs["vehicles"], runs["aggregate"]
    assert exact["ev_unmet_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert exact["ev_unallocated_mwh"] == pytest.approx(0.0, abs=1e-9)
    gap = agg["ev_unmet_mwh"] + agg["ev_unallocated_mwh"]
    if mode == "smart":
        assert agg["ev_charge_mwh"] == pytest.approx(exact["ev_charge_mwh"], rel=1e-6)
        assert gap <= 0.03 * exact["ev_delivered_mwh"], gap
    else:
        assert exact["ev_discharge_mwh"] > 0.01
        assert gap > 0.1 * exact["ev_delivered_mwh"]  # reported, not hidden


def test_results_hold_sessions_and_the_ev_load_plot(tmp_path: Path) -> None:
    path = _case(tmp_path, _session(2, 8, 30.0), prices={4: 10}, extra="foresight: perfect, ")
    assert main([str(path), "--out", str(tmp_path / "out"), "-q"]) == 0
    folder = tmp_path / "out" / "ev"
    assert (folder / "plots" / "ev_load.png").stat().st_size > 0
    sessions = pd.read_parquet(folder / "timeseries" / "ev.sessions.parquet")
    assert list(sessions.index) == ["car: s1"]
    assert sessions.loc["car: s1", "e_departure_mwh"] == pytest.approx(0.06, rel=1e-6)
    station = pd.read_parquet(folder / "timeseries" / "ev.station_p_mw.parquet")
    assert list(station.columns) == ["ev @ bus"]
    assert station.to_numpy().sum() == pytest.approx(30.0 / 0.92 * KW, rel=1e-6)


def test_the_ac_power_flow_and_the_system_kpis_see_the_fleet(tmp_path: Path) -> None:
    """A day of the default grid with 60 V2G home vehicles: demand counts the net EV
    load, the AC losses equal the net sum of all injections (the station loads
    included), and every vehicle's energy stays within its battery."""
    from sim.results import read_results

    fleet = (
        "ev_fleets=[{name: h, mode: v2g, model: vehicles, soc_min: 0.2,"
        " sessions: {generate: {kind: home, vehicles: 60, seed: 2, time_zone: Europe/Berlin}}}]"
    )
    default = REPO / "cases" / "default.yaml"
    args = ["--set", "time.end=2016-07-05T00:00:00Z", "--set", "dispatch.rolling=intraday"]
    out = tmp_path / "out"
    assert main([str(default), *args, "--set", fleet, "--out", str(out), "--no-plots", "-q"]) == 0
    r, kpis, _ = read_results(out / "default")
    ev = r.families["ev"]
    grid_loads_mwh = float(r.demand_p_mw.to_numpy().sum())
    ev_mwh = float(ev["p_mw"].to_numpy().sum())
    assert kpis["ev_discharge_mwh"] > 0
    assert kpis["demand_mwh"] == pytest.approx(grid_loads_mwh + ev_mwh, rel=1e-9)
    np.testing.assert_allclose(r.losses_p_mw["total"], r.injection_balance_p_mw["total"], atol=1e-6)
    left = ev["sessions"].dropna(subset=["e_departure_mwh"])
    assert (left["e_departure_mwh"] <= left["e_battery_mwh"] + 1e-9).all()
    assert kpis["ev_unmet_mwh"] == pytest.approx(0.0, abs=1e-6)
    plugged = ev["e_plugged_mwh"].to_numpy()
    assert (plugged >= -1e-9).all()
