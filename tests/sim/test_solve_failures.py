"""A case whose dispatch has no solution: exit code 3, the window, the limits that
conflict and the fix, the window's model on request, and no results folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import highspy
import pytest

import run_sim

REPO = Path(__file__).resolve().parents[2]
ONE_BUS = REPO / "cases" / "own_data" / "one_bus.yaml"
#: a 0.1 MW battery cannot charge 2 MWh within a 6-hour window
UNREACHABLE = [
    "--set",
    "storage.0.e_terminal_min_mwh=2",
    "--set",
    "storage.0.p_max_mw=0.1",
    "--set",
    "dispatch.window_h=6",
    "--set",
    "dispatch.horizon_h=6",
]
CONFLICT = (
    "storage.e_mwh[battery] = 2 (bound) at 2024-01-01 05:00",
    "storage.energy_balance[battery] = 0 (constraint) at 2024-01-01 00:00 to "
    "2024-01-01 05:00 (6 steps)",
    "storage.p_charge_mw[battery] <= 0.1 (bound) at 2024-01-01 00:00 to 2024-01-01 05:00",
)


def test_an_infeasible_case_exits_3_with_the_conflict_and_writes_its_model(
    tmp_path: Path,
) -> None:
    model = tmp_path / "window.lp"
    res = subprocess.run(
        [sys.executable, str(REPO / "run_sim.py"), str(ONE_BUS), *UNREACHABLE]
        + ["--out", str(tmp_path / "out"), "--dump-model", str(model)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 3, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith(
        f"error: {ONE_BUS}: dispatch window 1 of 4 (2024-01-01 00:00 to 2024-01-01 05:00 UTC) "
        "is infeasible:"
    )
    for line in CONFLICT:
        assert line in res.stderr
    assert "the fix: check the storage unit's e_min_mwh, e_max_mwh, e_initial_mwh and " in (
        res.stderr
    )
    assert f"the window's model is written to {model}" in res.stderr
    assert not (tmp_path / "out" / "one_bus").exists()
    g = highspy.Highs()
    g.setOptionValue("output_flag", False)
    assert g.readModel(str(model)) != highspy.HighsStatus.kError
    g.run()
    assert g.getModelStatus() == highspy.HighsModelStatus.kInfeasible
    assert "storage.e_mwh(battery,5)" in model.read_text()


@pytest.mark.parametrize("interface", ["pyomo", "arrays"])
def test_both_solver_interfaces_and_a_milp_name_the_same_conflict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], interface: str
) -> None:
    code = run_sim.main(
        [str(ONE_BUS), *UNREACHABLE, "-q", "--out", str(tmp_path)]
        + ["--set", f"dispatch.solver_interface={interface}"]
        + ["--set", "dispatch.storage_exact=true"]
    )
    err = capsys.readouterr().err
    assert code == 3, err
    for line in CONFLICT:
        assert line in err
    assert "run again with --dump-model FILE.lp (or .mps)" in err


def test_a_model_file_needs_an_lp_or_mps_suffix(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_sim.main([str(ONE_BUS), "--check", "--dump-model", "window.txt"])
    assert code == 2
    assert "dispatch.dump_model" in capsys.readouterr().err
