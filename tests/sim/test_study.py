"""Study files: expansion into cases (cartesian, zip, scenarios), override order,
paths, ids, and every error naming the study file, the case and the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.case import CaseError
from sim.study import load_study

REPO = Path(__file__).resolve().parents[2]
ONE_BUS = REPO / "cases" / "own_data" / "one_bus.yaml"


def _study(tmp_path: Path, text: str, name: str = "study.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("BASE", str(ONE_BUS)))
    return path


def test_cartesian_sweep_gives_every_combination_in_order(tmp_path: Path) -> None:
    path = _study(
        tmp_path,
        """
base_case: BASE
sweep:
  parameters:
    storage.0.p_max_mw: [0.5, 1]
    storage.0.e_max_mwh: [1, 2, 4]
""",
    )
    study = load_study(path)
    assert study.name == "study"
    assert [(c.case.storage[0].p_max_mw, c.case.storage[0].e_max_mwh) for c in study.cases] == [
        (0.5, 1.0),
        (0.5, 2.0),
        (0.5, 4.0),
        (1.0, 1.0),
        (1.0, 2.0),
        (1.0, 4.0),
    ]
    assert study.cases[0].case_id == "p_max_mw-0.5_e_max_mwh-1"
    assert [c.case.name for c in study.cases] == [c.case_id for c in study.cases]
    assert study.cases[4].params == {"storage.0.p_max_mw": 1, "storage.0.e_max_mwh": 2}
    assert study.swept == ["storage.0.p_max_mw", "storage.0.e_max_mwh"]
    assert len({c.digest for c in study.cases}) == 6
    assert all(not c.case.output.plots for c in study.cases)


def test_zip_sweep_pairs_the_lists(tmp_path: Path) -> None:
    path = _study(
        tmp_path,
        """
base_case: BASE
sweep:
  mode: zip
  parameters:
    storage.0.p_max_mw: [0.5, 1, 2]
    storage.0.e_max_mwh: [1, 2, 4]
""",
    )
    cases = load_study(path).cases
    assert [(c.case.storage[0].p_max_mw, c.case.storage[0].e_max_mwh) for c in cases] == [
        (0.5, 1.0),
        (1.0, 2.0),
        (2.0, 4.0),
    ]


def test_sweep_labels_name_the_cases(tmp_path: Path) -> None:
    path = _study(
        tmp_path,
        """
base_case: BASE
scenarios: [{name: s}]
sweep:
  mode: zip
  labels: {storage.0.p_max_mw: power, storage.0.e_max_mwh: energy}
  parameters:
    storage.0.p_max_mw: [0.5, 1]
    storage.0.e_max_mwh: [1, 2]
""",
    )
    study = load_study(path)
    assert [c.case_id for c in study.cases] == ["s_power-0.5_energy-1", "s_power-1_energy-2"]
    assert study.short == {"storage.0.p_max_mw": "power", "storage.0.e_max_mwh": "energy"}
    bad = _study(
        tmp_path,
        "base_case: BASE\nsweep: {labels: {x: y}, parameters: {storage.0.p_max_mw: [1]}}\n",
        "bad.yaml",
    )
    with pytest.raises(CaseError, match="labels.x: not a key path of parameters"):
        load_study(bad)


def test_overrides_apply_base_set_scenario_then_sweep(tmp_path: Path) -> None:
    path = _study(
        tmp_path,
        """
name: order
base_case: BASE
set: {storage.0.p_max_mw: 0.7, storage.0.e_max_mwh: 3, time.end: 2024-01-01T12:00:00Z}
scenarios:
  - {name: plain}
  - {name: big, set: {storage.0.e_max_mwh: 5, storage.0.p_max_mw: 2}}
sweep:
  parameters:
    storage.0.p_max_mw: [0.2]
""",
    )
    study = load_study(path)
    assert study.name == "order"
    by_id = {c.case_id: c for c in study.cases}
    assert list(by_id) == ["plain_p_max_mw-0.2", "big_p_max_mw-0.2"]
    plain, big = by_id["plain_p_max_mw-0.2"].case, by_id["big_p_max_mw-0.2"].case
    assert (plain.storage[0].p_max_mw, plain.storage[0].e_max_mwh) == (0.2, 3.0)
    assert (big.storage[0].p_max_mw, big.storage[0].e_max_mwh) == (0.2, 5.0)
    assert plain.time.end.hour == 12
    assert by_id["big_p_max_mw-0.2"].scenario == "big"


def test_relative_base_case_and_paths_resolve_against_the_study_file(tmp_path: Path) -> None:
    import shutil

    (tmp_path / "base").mkdir()
    (tmp_path / "sub").mkdir()
    shutil.copy(ONE_BUS, tmp_path / "base" / "one_bus.yaml")
    shutil.copy(ONE_BUS.parent / "one_bus.json", tmp_path / "base" / "one_bus.json")
    shutil.copy(ONE_BUS.parent / "one_bus.json", tmp_path / "sub" / "grid.json")
    path = tmp_path / "study.yaml"
    path.write_text(
        "base_case: base/one_bus.yaml\n"
        "scenarios:\n"
        "  - {name: base}\n"
        "  - {name: own, set: {grid.pandapower_json: sub/grid.json}}\n"
    )
    base, own = (c.case for c in load_study(path).cases)
    assert base.grid.pandapower_json == tmp_path / "base" / "one_bus.json"
    assert own.grid.pandapower_json == tmp_path / "sub" / "grid.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base_case: BASE\n", "give scenarios, a sweep or both"),
        ("base_case: BASE\nsweep: {parameters: {}}\n", "at least one key path"),
        ("base_case: BASE\nsweep: {parameters: {storage.0.p_max_mw: []}}\n", "empty"),
        (
            "base_case: BASE\nsweep: {mode: zip, parameters: {a: [1, 2], b: [1]}}\n",
            "lists of one length",
        ),
        ("base_case: BASE\nscenarios: [{name: a}, {name: a}]\n", "duplicate names"),
        ("base_case: BASE\nscenarios: [{name: 'a b'}]\n", "scenarios.0.name"),
        ("base_case: BASE\nscenario: [{name: a}]\n", "scenario: Extra inputs"),
        ("base_case: nowhere.yaml\nscenarios: [{name: a}]\n", "base_case: file not found"),
        ("- just a list\n", "the top level must be a mapping"),
    ],
)
def test_bad_study_files_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = _study(tmp_path, text)
    with pytest.raises(CaseError) as err:
        load_study(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_every_invalid_case_is_listed_with_its_id_and_key(tmp_path: Path) -> None:
    path = _study(
        tmp_path,
        """
base_case: BASE
sweep:
  parameters:
    storage.0.p_max_mw: [1, -1, -2]
""",
    )
    with pytest.raises(CaseError) as err:
        load_study(path)
    text = str(err.value)
    assert f"{path}: case p_max_mw--1:" in text and f"{path}: case p_max_mw--2:" in text
    assert "p_max_mw-1:" not in text
    assert "storage.0.p_max_mw" in text and "greater than 0" in text


def test_values_that_give_one_id_twice_are_an_error(tmp_path: Path) -> None:
    path = _study(
        tmp_path,
        """
base_case: BASE
sweep:
  parameters:
    storage.0.p_max_mw: [1, 1.0]
""",
    )
    with pytest.raises(CaseError, match="the same case id twice"):
        load_study(path)


def test_cli_check_validates_every_case(tmp_path: Path) -> None:
    good = _study(tmp_path, "base_case: BASE\nsweep: {parameters: {storage.0.p_max_mw: [1, 2]}}\n")
    bad = _study(
        tmp_path, "base_case: BASE\nsweep: {parameters: {storage.0.p_max_mw: [1, x]}}\n", "b.yaml"
    )
    cmd = [sys.executable, str(REPO / "run_sim.py"), "study"]
    res = subprocess.run([*cmd, str(good), "--check"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "valid study 'study' of 2 cases" in res.stdout
    res = subprocess.run([*cmd, str(bad), "--check"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert "case p_max_mw-x" in res.stderr and "storage.0.p_max_mw" in res.stderr
    assert "Traceback" not in res.stderr


def test_figures_of_a_zipped_sweep_with_scenarios(tmp_path: Path) -> None:
    """One figure against the first zipped key, a line per scenario; values within
    round-off of zero drawn as zero; a KPI no case has is left out."""
    import numpy as np
    import pandas as pd

    from sim.study_summary import study_figures

    path = _study(
        tmp_path,
        """
base_case: BASE
scenarios: [{name: a}, {name: b}]
sweep:
  mode: zip
  labels: {storage.0.p_max_mw: power, storage.0.e_max_mwh: energy}
  parameters:
    storage.0.p_max_mw: [0.5, 1, 2]
    storage.0.e_max_mwh: [1, 2, 4]
kpis: [cost_eur, ev_unmet_mwh, not_a_kpi]
""",
    )
    study = load_study(path)
    table = pd.DataFrame(
        {
            "case_id": [c.case_id for c in study.cases],
            "scenario": [c.scenario for c in study.cases],
            "status": "done",
            "error": "",
            "storage.0.p_max_mw": [c.params["storage.0.p_max_mw"] for c in study.cases],
            "storage.0.e_max_mwh": [c.params["storage.0.e_max_mwh"] for c in study.cases],
            "cost_eur": [10.0, 20.0, 30.0, 11.0, 21.0, 31.0],
            "ev_unmet_mwh": [1e-13, -1e-14, 0.0, 2e-13, 0.0, 0.0],
        }
    ).astype({"storage.0.p_max_mw": float, "storage.0.e_max_mwh": float})
    figures = study_figures(study, table)
    assert list(figures) == ["vs_power"]
    cost_ax, unmet_ax = figures["vs_power"].axes
    assert [line.get_label() for line in cost_ax.lines] == ["a", "b"]
    np.testing.assert_array_equal(cost_ax.lines[1].get_xdata(), [0.5, 1.0, 2.0])
    np.testing.assert_array_equal(cost_ax.lines[1].get_ydata(), [11.0, 21.0, 31.0])
    assert all((line.get_ydata() == 0.0).all() for line in unmet_ax.lines)
    assert "with energy" in cost_ax.get_xlabel()
