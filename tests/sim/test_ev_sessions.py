"""EV sessions: the seeded generator, the CSV reader and its errors, the envelopes
and the split of a station's power back to its sessions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from run_sim import main
from sim.ev_envelopes import SessionArrays, disaggregate, window_series
from sim.ev_sessions import SESSION_KINDS, SessionError, generate_sessions, read_sessions

START = pd.Timestamp("2016-07-04", tz="UTC")
END = pd.Timestamp("2016-07-11", tz="UTC")
ONE_BUS = Path(__file__).resolve().parents[2] / "cases" / "own_data" / "one_bus.yaml"


def _draw(kind: str, seed: int = 3) -> pd.DataFrame:
    return generate_sessions(
        "f",
        kind,
        200,
        ["a", "b"],
        START,
        END,
        seed=seed,
        time_zone="Europe/Berlin",
        e_battery_mwh=0.06,
        p_charge_mw=0.011,
        consumption_kwh_per_km=0.18,
        v2g_share=0.25,
    )


@pytest.mark.parametrize("kind", sorted(SESSION_KINDS))
def test_generator_is_seeded_and_follows_its_distributions(kind: str) -> None:
    a, b = _draw(kind), _draw(kind)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(_draw(kind, seed=4))
    k = SESSION_KINDS[kind]
    local = pd.DatetimeIndex(a["arrival"]).tz_convert("Europe/Berlin")
    hour = local.hour + local.minute / 60 + local.second / 3600
    assert hour.min() >= k.arrival_h[2] - 1e-9 and hour.max() <= k.arrival_h[3] + 1e-9
    assert abs(np.mean(hour) - k.arrival_h[0]) < 0.5
    dwell_h = (a["departure"] - a["arrival"]).dt.total_seconds() / 3600
    assert dwell_h.max() <= k.dwell_h[3] + 1e-9 and (dwell_h > 0).all()
    assert (a["e_target_mwh"] <= a["e_battery_mwh"]).all()
    assert (a["e_arrive_mwh"] >= 0).all() and (a["e_arrive_mwh"] <= a["e_target_mwh"]).all()
    if not k.weekends:
        assert (local.dayofweek < 5).all()
    # a vehicle's sessions never overlap, and a quarter of the vehicles take part in V2G
    for _, s in a.groupby("vehicle"):
        s = s.sort_values("arrival")
        assert (s["arrival"].iloc[1:].to_numpy() >= s["departure"].iloc[:-1].to_numpy()).all()
    assert a.groupby("vehicle")["v2g"].first().sum() == 50


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.csv"
    path.write_text(text)
    return path


KW = dict(e_battery_mwh=0.06, p_charge_mw=0.011, soc_arrive=0.5, v2g_share=0.0, seed=0)


def test_csv_sessions_read_energy_or_target_soc(tmp_path: Path) -> None:
    text = (
        "session,bus,arrival,departure,soc_target,e_battery_mwh,v2g\n"
        "x,1,2024-01-01T02:00Z,2024-01-01T08:00+01:00,0.9,0.08,true\n"
    )
    t = read_sessions(_csv(tmp_path, text), **KW)
    row = t.loc["x"]
    assert (row["e_arrive_mwh"], row["e_target_mwh"]) == pytest.approx((0.04, 0.072))
    assert row["departure"] == pd.Timestamp("2024-01-01T07:00Z") and bool(row["v2g"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("session,bus,arrival,departure\nx,1,2024-01-01,2024-01-02\n", "exactly one of the col"),
        ("session,bus,arrival\nx,1,2024-01-01\n", "column 'departure' is missing"),
        (
            "session,bus,arrival,departure,energy_mwh\nx,1,noon,2024-01-02,0.01\n",
            "row 2, column 'arrival': not an ISO",
        ),
        (
            "session,bus,arrival,departure,energy_mwh\nx,1,2024-01-02,2024-01-01,0.01\n",
            "row 2, column 'departure': must be after",
        ),
        (
            "session,bus,arrival,departure,energy_mwh\nx,1,2024-01-01,2024-01-02,-1\n",
            "row 2, column 'energy_mwh': must be a number",
        ),
        (
            "session,bus,arrival,departure,energy_mwh\nx,1,2024-01-01,2024-01-02,0.05\n",
            "more than the battery can take",
        ),
        (
            "session,bus,arrival,departure,energy_mwh\nx,1,2024-01-01,2024-01-02,0.01\n"
            "x,1,2024-01-03,2024-01-04,0.01\n",
            "row 3, column 'session': a repeated session id",
        ),
        (
            "session,bus,arrival,departure,energy_mwh,v2g\nx,1,2024-01-01,2024-01-02,0.01,maybe\n",
            "column 'v2g': must be true or false",
        ),
    ],
)
def test_csv_errors_name_file_row_and_column(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SessionError) as err:
        read_sessions(_csv(tmp_path, text), **KW)
    assert str(err.value).startswith(str(tmp_path / "s.csv")) and message in str(err.value)


def test_csv_error_through_the_cli_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _csv(tmp_path, "session,bus,arrival,departure,energy_mwh\nx,nobus,2024-01-01,2024-01-02,0.01\n")
    fleet = f"ev_fleets=[{{name: f, mode: smart, sessions: {{file: {tmp_path / 's.csv'}}}}}]"
    assert main([str(ONE_BUS), "--set", fleet, "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "ev_fleets.0.sessions.file: no bus named 'nobus' in the grid" in err, err
    assert not (tmp_path / "out").exists()


def _two_sessions() -> SessionArrays:
    """Two vehicles at one station: 10 kWh/step chargers (eta 1), 0.05 MWh
    batteries; A plugged steps 0-1 needs 0.02 MWh, B steps 0-3 needs 0.02 MWh."""
    n = 2
    one = np.ones(n)
    return SessionArrays(
        unit=np.zeros(n, dtype=int),
        arrive=np.zeros(n, dtype=int),
        depart=np.array([2, 4]),
        model_arrive=np.zeros(n, dtype=int),
        p_charge_mw=0.01 * one,
        p_discharge_mw=0.0 * one,
        e_battery_mwh=0.05 * one,
        e_arrive_mwh=0.01 * one,
        e_target_mwh=0.03 * one,
        e_min_mwh=0.0 * one,
        e_model_mwh=0.01 * one,
        eff_charge=one,
        uncontrolled=np.zeros(n, dtype=bool),
        foreseen=np.zeros(n, dtype=bool),
        dt_h=1.0,
    )


def test_envelopes_of_a_station_by_hand() -> None:
    s = window_series(_two_sessions(), 0, 4, 1)
    # A must store 0.02 by the end of step 1 (it leaves), so 0.01 by the end of step 0
    # (B, leaving at step 3, needs nothing stored before step 1)
    np.testing.assert_allclose(s["e_min_mwh"][:, 0], [0.01, 0.0, 0.01, 0.0])
    np.testing.assert_allclose(s["e_leave_min_mwh"][:, 0], [0.0, 0.02, 0.0, 0.02])
    np.testing.assert_allclose(s["e_max_mwh"][:, 0], [0.02, 0.02, 0.03, 0.0])
    np.testing.assert_allclose(s["p_charge_max_mw"][:, 0], [0.02, 0.02, 0.01, 0.01])


def test_split_serves_the_vehicle_leaving_first() -> None:
    charge = np.array([[0.01], [0.01], [0.01], [0.01]])
    table, plugged = disaggregate(_two_sessions(), charge, 0 * charge, np.ones(1))
    np.testing.assert_allclose(table["e_departure_mwh"], [0.03, 0.03])
    np.testing.assert_allclose(table["shortfall_mwh"], [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(table["unallocated_mwh"], [0.0, 0.0])
    np.testing.assert_allclose(plugged[:, 0], [0.03, 0.04, 0.02, 0.03])


def test_overlapping_sessions_of_a_vehicle_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _csv(
        tmp_path,
        "session,vehicle,bus,arrival,departure,energy_mwh\n"
        "a,car,bus,2024-01-01T01:00Z,2024-01-01T05:00Z,0.01\n"
        "b,car,bus,2024-01-01T04:00Z,2024-01-01T09:00Z,0.01\n",
    )
    fleet = (
        "ev_fleets=[{name: f, mode: smart, model: vehicles,"
        f" sessions: {{file: {tmp_path / 's.csv'}}}}}]"
    )
    assert main([str(ONE_BUS), "--set", fleet, "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "ev_fleets.0.model: vehicles: sessions 'a' and 'b' of vehicle 'car' overlap" in err, err
