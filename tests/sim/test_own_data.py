"""Bring your own grid and data: pandapower networks by file or by name, profiles
from CSV and Parquet files or constant, through the command line."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
OWN = REPO / "cases" / "own_data"


def _main() -> Callable[[list[str]], int]:
    spec = importlib.util.spec_from_file_location("run_sim_cli", REPO / "run_sim.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main  # type: ignore[no-any-return]


main = _main()


def _kpis(out: Path, name: str) -> dict[str, float]:
    return json.loads((out / name / "kpis.json").read_text())  # type: ignore[no-any-return]


def test_one_bus_battery_cost_equals_the_hand_computed_optimum(tmp_path: Path) -> None:
    """A constant 1 MW load, a 1 MW / 2 MWh battery (90 % each way, empty at start
    and end) and an import price alternating 20 / 100 EUR/MWh over 24 hours.

    Every MWh bought at 20 and stored serves 0.81 MWh of load at 100, so the battery
    charges at its full 1 MW in each of the 12 cheap hours (0.9 MWh stored, within
    2 MWh) and discharges it in the dear hour after (0.81 MWh delivered, below the
    load). Cost = 12 x (2 MW x 20) + 12 x ((1 - 0.81) MW x 100) = 480 + 228 = 708 EUR.
    """
    assert main([str(OWN / "one_bus.yaml"), "--out", str(tmp_path), "--no-plots", "-q"]) == 0
    kpis = _kpis(tmp_path, "one_bus")
    assert kpis["cost_eur"] == pytest.approx(708.0, rel=1e-6)
    assert kpis["storage_charge_mwh"] == pytest.approx(12.0, rel=1e-6)
    assert kpis["storage_discharge_mwh"] == pytest.approx(12 * 0.81, rel=1e-6)
    assert kpis["demand_mwh"] == pytest.approx(24.0, rel=1e-9)
    assert kpis["unserved_mwh"] == pytest.approx(0.0, abs=1e-9)


def _per_unit_energy_mwh(path: Path, p_mw: pd.Series, day: str, tz: str) -> float:
    """Energy of a per-unit profile file over a UTC day, computed with pandas alone."""
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    frame.index = frame.index.tz_localize(tz, ambiguous="infer").tz_convert("UTC")
    start = pd.Timestamp(day, tz="UTC")
    frame = frame.loc[(frame.index >= start) & (frame.index < start + pd.Timedelta(days=1))]
    return float((frame * p_mw.reindex(frame.columns).to_numpy()).to_numpy().sum())


def test_cigre_case_reads_local_time_per_unit_csv_profiles(tmp_path: Path) -> None:
    args = ["--set", "time.end=2016-07-05T00:00:00Z", "--out", str(tmp_path), "--no-plots", "-q"]
    assert main([str(OWN / "cigre_mv.yaml"), *args]) == 0
    kpis = _kpis(tmp_path, "cigre_mv_own_data")
    net = pp.from_json(str(OWN / "cigre_mv.json"))
    load_p = net.load.set_index("name")["p_mw"]
    sgen_p = net.sgen.set_index("name")["p_mw"]
    day = "2016-07-04"
    demand = _per_unit_energy_mwh(OWN / "load_p.csv", load_p, day, "Europe/Berlin")
    available = _per_unit_energy_mwh(OWN / "sgen_p.csv", sgen_p, day, "Europe/Berlin")
    assert kpis["demand_mwh"] == pytest.approx(demand, rel=1e-9)
    assert kpis["renewable_available_mwh"] == pytest.approx(available, rel=1e-9)
    assert kpis["unserved_mwh"] == pytest.approx(0.0, abs=1e-6)


def test_mv_oberrhein_by_name_with_half_hourly_csv_by_index(tmp_path: Path) -> None:
    """Two external grids (two HV/MV substations); 30-minute files averaged to hours."""
    net = pn.mv_oberrhein()
    idx = pd.date_range("2024-05-01", periods=8, freq="30min", tz="UTC", name="time")
    rng = np.random.default_rng(7)
    load = pd.DataFrame(
        rng.uniform(0.2, 0.5, (len(idx), len(net.load))), index=idx, columns=net.load.index
    )
    pv = pd.DataFrame(
        rng.uniform(0.0, 0.8, (len(idx), len(net.sgen))), index=idx, columns=net.sgen.index
    )
    load.to_csv(tmp_path / "load.csv", date_format="%Y-%m-%dT%H:%M:%SZ")
    pv.to_parquet(tmp_path / "pv.parquet")
    (tmp_path / "case.yaml").write_text(
        "name: oberrhein\n"
        'time: {start: "2024-05-01T00:00:00Z", end: "2024-05-01T04:00:00Z"}\n'
        "grid: {pandapower_network: mv_oberrhein}\n"
        "profiles:\n  source: files\n"
        "  load_p: {file: load.csv, unit: per_unit, match: index}\n"
        "  sgen_p: {file: pv.parquet, unit: per_unit, match: index}\n"
        "external_grid:\n  import_price_eur_per_mwh: {constant: 50}\n"
        "  export_price_eur_per_mwh: {constant: 20}\n  ef_tco2_per_mwh: {constant: 0.4}\n"
        "dispatch: {network_model: dc, window_h: 4, horizon_h: 4}\n"
    )
    out = tmp_path / "out"
    assert main([str(tmp_path / "case.yaml"), "--out", str(out), "--no-plots", "-q"]) == 0
    kpis = _kpis(out, "oberrhein")
    hourly = load.resample("h").mean() * net.load["p_mw"].to_numpy()
    assert kpis["demand_mwh"] == pytest.approx(float(hourly.to_numpy().sum()), rel=1e-9)
    assert kpis["unserved_mwh"] == pytest.approx(0.0, abs=1e-6)
    imports = pd.read_parquet(out / "oberrhein" / "timeseries" / "grid.import_p_mw.parquet")
    assert list(imports.columns) == ["External Grid 0", "External Grid 1"]
    assert (imports.to_numpy() > 0).all()  # both substations feed their part of the grid


def _small_grid(tmp_path: Path) -> Path:
    net = pp.create_empty_network()
    b = pp.create_bus(net, vn_kv=20.0, name="bus")
    pp.create_ext_grid(net, b, name="grid")
    pp.create_load(net, b, p_mw=1.0, q_mvar=0.2, name="load")
    pp.create_sgen(net, b, p_mw=0.5, name="pv", type="PV")
    pp.to_json(net, str(tmp_path / "grid.json"))
    return tmp_path / "grid.json"


def _case(tmp_path: Path, load_csv: str, sgen_csv: str, extra: str = "") -> Path:
    _small_grid(tmp_path)
    (tmp_path / "load.csv").write_text(load_csv)
    (tmp_path / "sgen.csv").write_text(sgen_csv)
    path = tmp_path / "case.yaml"
    path.write_text(
        "name: small\n"
        'time: {start: "2024-01-01T00:00:00Z", end: "2024-01-01T02:00:00Z"}\n'
        "grid: {pandapower_json: grid.json}\n"
        "profiles:\n  source: files\n"
        f"  load_p: {{file: load.csv{extra}}}\n  sgen_p: {{file: sgen.csv}}\n"
        "external_grid:\n  import_price_eur_per_mwh: {constant: 50}\n"
        "  export_price_eur_per_mwh: {constant: 20}\n  ef_tco2_per_mwh: {constant: 0.4}\n"
    )
    return path


GOOD_SGEN = "time,pv\n2024-01-01T00:00Z,0.1\n2024-01-01T01:00Z,0.2\n"


def test_small_grid_mw_profiles_and_power_factor(tmp_path: Path) -> None:
    path = _case(tmp_path, "time,load\n2024-01-01T00:00Z,0.5\n2024-01-01T01:00Z,1.5\n", GOOD_SGEN)
    assert main([str(path), "--out", str(tmp_path / "out"), "--no-plots", "-q"]) == 0
    ts = tmp_path / "out" / "small" / "timeseries"
    served_q = pd.read_parquet(ts / "loads.served_q_mvar.parquet")["load"].tolist()
    assert served_q == pytest.approx([0.1, 0.3])  # q / p of the grid's load: 0.2
    assert _kpis(tmp_path / "out", "small")["renewable_available_mwh"] == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("load_csv", "extra", "message"),
    [
        (
            "time,other\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,1\n",
            "",
            "profiles.load_p: .*load.csv: column 'other' names no element of the grid's load table",
        ),
        (
            "time,load\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,\n",
            "",
            "profiles.load_p: .*load.csv: column 'load', line 3: empty value",
        ),
        (
            "time,load\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,1\n2024-01-01T01:00Z,1\n",
            "",
            "load.csv: time column, line 4: .* repeats",
        ),
        (
            "time,load\n2024-01-01T01:00Z,1\n2024-01-01T00:00Z,1\n",
            "",
            "load.csv: time column, line 3: .* goes back before",
        ),
        (
            "time,load\n2024-01-01T00:00Z,1\n2024-01-01T02:00Z,1\n2024-01-01T03:00Z,1\n",
            "",
            "load.csv: time column, line 3: step .* \\(a gap",
        ),
        (
            "time,load\n2024-01-01T00:00Z,1\n2024-01-01T00:30Z,1\n",
            "",
            "load.csv: covers 2024-01-01 00:00:00\\+00:00 to 2024-01-01 01:00:00\\+00:00; the case",
        ),
        (
            "time,load\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,2e6\n",
            "",
            "load.csv: column 'load', line 3: \\|2000000.0\\| exceeds",
        ),
        (
            "time,load\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,1\n",
            ", time_zone: Mars/Base",
            "profiles.load_p.time_zone: Value error, unknown time zone 'Mars/Base'",
        ),
    ],
)
def test_profile_errors_exit_2_naming_file_column_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], load_csv: str, extra: str, message: str
) -> None:
    path = _case(tmp_path, load_csv, GOOD_SGEN, extra)
    assert main([str(path), "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(message, err), err
    assert not (tmp_path / "out" / "small").exists()


def test_negative_generation_and_missing_elements_are_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_sgen = "time,pv\n2024-01-01T00:00Z,0.1\n2024-01-01T01:00Z,-0.2\n"
    path = _case(tmp_path, "time,load\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,1\n", bad_sgen)
    assert main([str(path), "-q", "--out", str(tmp_path / "out")]) == 2
    assert "profiles.sgen_p: " in (err := capsys.readouterr().err)
    assert "column 'pv' at 2024-01-01 01:00:00+00:00: available generation must not be" in err
    empty = "time,x\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,1\n"
    (tmp_path / "sgen.csv").write_text(empty.replace("x", "pv"))
    (tmp_path / "load.csv").write_text(empty.replace("x", "pv"))
    path.write_text(path.read_text().replace("{file: load.csv}", "{file: sgen.csv, match: name}"))
    assert main([str(path), "-q", "--out", str(tmp_path / "out")]) == 2
    assert "names no element of the grid's load table" in capsys.readouterr().err


def test_missing_element_column_error_or_net_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _small_grid(tmp_path)
    net = pp.from_json(str(tmp_path / "grid.json"))
    pp.create_load(net, 0, p_mw=0.3, name="other load")
    pp.to_json(net, str(tmp_path / "grid.json"))
    path = _case(tmp_path, "time,load\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,1\n", GOOD_SGEN)
    pp.to_json(net, str(tmp_path / "grid.json"))  # _case wrote the one-load grid again
    assert main([str(path), "-q", "--out", str(tmp_path / "out")]) == 2
    assert "no column for 1 of the grid's 2 load elements (first: 'other load')" in (
        capsys.readouterr().err
    )
    path.write_text(
        path.read_text().replace("{file: load.csv}", "{file: load.csv, missing: net_value}")
    )
    assert main([str(path), "-q", "--no-plots", "--out", str(tmp_path / "out")]) == 0
    assert _kpis(tmp_path / "out", "small")["demand_mwh"] == pytest.approx(2 * (1.0 + 0.3))


def test_grid_errors_name_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one_bus = str(OWN / "one_bus.yaml")
    assert main([one_bus, "-q", "--set", "profiles.source=simbench"]) == 2
    assert "profiles.source: simbench profiles need a SimBench grid" in capsys.readouterr().err
    unknown = ["--set", "grid={pandapower_network: case_nine}"]
    assert main([one_bus, "-q", *unknown]) == 2
    assert "grid: pandapower.networks has no network 'case_nine'" in capsys.readouterr().err
