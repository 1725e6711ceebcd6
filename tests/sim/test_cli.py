"""The command line: exit codes and messages for bad input, --help, --check.

Most tests call ``run_sim.main`` in this process (an uncaught exception fails the
test, as a traceback would); the output test runs the real command."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import run_sim

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``run_sim.py ARGS`` from the repository root, run in this process."""
    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    os.chdir(REPO)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = run_sim.main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors
                code = int(exc.code or 0)
    finally:
        os.chdir(cwd)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def cli_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``run_sim.py ARGS`` as a process of its own."""
    return subprocess.run(
        [sys.executable, str(REPO / "run_sim.py"), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )


def test_unknown_key_exits_2_naming_file_and_key() -> None:
    res = cli(str(DATA / "bad_unknown_key.yaml"))
    assert res.returncode == 2
    assert "bad_unknown_key.yaml" in res.stderr
    assert "storage.0.capacity_kwh: unknown key" in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_value_exits_2_naming_file_and_key() -> None:
    res = cli(str(DATA / "bad_value.yaml"))
    assert res.returncode == 2
    assert "bad_value.yaml" in res.stderr
    assert "storage.0.p_max_mw" in res.stderr
    assert "greater than 0" in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_override_exits_2() -> None:
    res = cli("cases/default.yaml", "--set", "time.resolution_min=abc", "--check")
    assert res.returncode == 2
    assert "time.resolution_min" in res.stderr


def test_unknown_bus_exits_2_naming_the_key() -> None:
    res = cli(
        "cases/default.yaml",
        "--set",
        "storage.0.bus=Nowhere",
        "--set",
        "time.end=2016-07-04T02:00:00Z",
        "--no-plots",
        "--out",
        "/nonexistent-dir",
    )
    assert res.returncode == 2
    assert "storage.0.bus" in res.stderr and "Nowhere" in res.stderr
    assert "cases/default.yaml: storage.0.bus" in res.stderr


def test_period_outside_profiles_exits_2() -> None:
    res = cli(
        "cases/default.yaml",
        "--set",
        "time.start=2019-01-01T00:00:00Z",
        "--set",
        "time.end=2019-01-02T00:00:00Z",
        "--no-plots",
    )
    assert res.returncode == 2
    assert "time" in res.stderr and "outside" in res.stderr
    assert "Traceback" not in res.stderr


def test_too_little_forecast_history_exits_2_naming_the_key() -> None:
    res = cli(
        "cases/forecast_30days.yaml",
        "--set",
        "time.start=2016-01-01T00:00:00Z",
        "--set",
        "time.end=2016-01-03T00:00:00Z",
        "--no-plots",
        "--out",
        "/nonexistent-dir",
    )
    assert res.returncode == 2
    assert "cases/forecast_30days.yaml: forecast." in res.stderr
    assert "Traceback" not in res.stderr


def test_help_documents_every_option() -> None:
    res = cli("--help")
    assert res.returncode == 0
    for option in ("--set", "--out", "--no-plots", "--check", "--quiet", "--verbose"):
        assert option in res.stdout


def test_check_validates_without_running() -> None:
    res = cli("cases/default.yaml", "--check")
    assert res.returncode == 0
    assert "valid case 'default'" in res.stdout


def test_pandapower_json_grid_without_profiles_exits_2(tmp_path: Path) -> None:
    import pandapower as pp
    import pandapower.networks as pn

    net_file = tmp_path / "net.json"
    pp.to_json(pn.example_simple(), str(net_file))
    case = tmp_path / "c.yaml"
    case.write_text(
        f"extends: {REPO / 'cases' / 'default.yaml'}\n"
        "grid: {pandapower_json: net.json}\nstorage: []\n"
    )
    res = cli(str(case), "--no-plots", "--out", str(tmp_path))
    assert res.returncode == 2
    assert "profiles.source" in res.stderr and "SimBench" in res.stderr


def test_missing_pandapower_json_exits_2(tmp_path: Path) -> None:
    case = tmp_path / "c.yaml"
    case.write_text(
        f"extends: {REPO / 'cases' / 'default.yaml'}\ngrid: {{pandapower_json: no.json}}\n"
    )
    res = cli(str(case), "--no-plots", "--out", str(tmp_path))
    assert res.returncode == 2
    assert "grid:" in res.stderr and "not found" in res.stderr


def test_quiet_prints_nothing_not_even_the_solver_banner(tmp_path: Path) -> None:
    res = cli_process("cases/own_data/one_bus.yaml", "-q", "--no-plots", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert res.stdout == "" and "HiGHS" not in res.stderr
    loud = cli_process("cases/own_data/one_bus.yaml", "--no-plots", "--out", str(tmp_path))
    assert "Case 'one_bus'" in loud.stdout and "Running HiGHS" not in loud.stdout
