"""Batch studies on the local pool: results equal single runs, a rerun skips finished
cases and runs missing ones, a failing case is recorded and never stops the others,
a grid is read once per worker, and the summary, plots and report are written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sim.batch import StudyLockedError, run_batch, study_lock
from sim.runner import run_case
from sim.study import Study, load_study
from sim.study_run import StudyResult, run_study

REPO = Path(__file__).resolve().parents[2]
ONE_BUS = REPO / "cases" / "own_data" / "one_bus.yaml"
#: the one-bus battery case's hand optimum (tests/sim/test_own_data.py) [EUR]
ONE_BUS_COST_EUR = 708.0

SWEEP = f"""
name: sweep
base_case: {ONE_BUS}
sweep:
  parameters:
    storage.0.p_max_mw: [0.5, 1]
    storage.0.e_max_mwh: [1, 2]
kpis: [cost_eur, emissions_tco2, storage_discharge_mwh]
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A running local cluster of two single-threaded workers, kept warm for the
    tests that run batches on it by its address (the ``--scheduler`` path)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, StudyResult]:
    """The four-case sweep run on a local pool of two workers."""
    folder = tmp_path_factory.mktemp("pool")
    study = load_study(_write(folder, "sweep.yaml", SWEEP))
    return study, run_study(study, folder / "out", workers=2, progress=False)


def test_every_case_runs_once_and_equals_its_single_run(
    pooled: tuple[Study, StudyResult], tmp_path: Path
) -> None:
    study, result = pooled
    assert [o.status for o in result.batch.outcomes] == ["done"] * 4
    assert result.batch.workers == 2
    assert len({o.worker for o in result.batch.outcomes}) == 2
    assert sorted(p.name for p in (result.folder / "cases").iterdir()) == sorted(
        c.case_id for c in study.cases
    )
    table = result.table.set_index("case_id")
    for c in study.cases:
        _, kpis = run_case(c.case, tmp_path)
        row = table.loc[c.case_id]
        assert row["status"] == "done"
        for key, value in kpis.items():
            assert row[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
    # the 1 MW / 2 MWh battery of the base case: the hand-computed optimum
    assert table.loc["p_max_mw-1_e_max_mwh-2", "cost_eur"] == pytest.approx(ONE_BUS_COST_EUR)
    assert table.loc["p_max_mw-1_e_max_mwh-2", "storage.0.p_max_mw"] == 1.0


def test_summary_files_plots_and_report(pooled: tuple[Study, StudyResult]) -> None:
    study, result = pooled
    folder = result.folder
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "summary.parquet"), result.table)
    csv = pd.read_csv(folder / "summary.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == list(result.table.columns)
    assert csv["cost_eur"].tolist() == pytest.approx(result.table["cost_eur"].tolist())
    assert {p.name for p in (folder / "plots").iterdir()} == {
        "vs_p_max_mw.png",
        "vs_e_max_mwh.png",
    }
    html = (folder / "study_report.html").read_text()
    for c in study.cases:
        assert c.case_id in html
    assert "Every case finished." in html and "http" not in html.replace("http-equiv", "")
    saved = json.loads((folder / "study.json").read_text())
    assert [c["sha256"] for c in saved["cases"]] == [c.digest for c in study.cases]
    # each case's own report was written inside its atomic folder
    assert all((folder / "cases" / c.case_id / "report.html").is_file() for c in study.cases)


def test_rerun_skips_finished_and_runs_missing_cases(
    pooled: tuple[Study, StudyResult], scheduler: str, tmp_path: Path
) -> None:
    study, result = pooled
    folder = tmp_path / "sweep"
    shutil.copytree(result.folder, folder)
    before = (folder / "cases" / study.cases[1].case_id / "kpis.json").stat().st_mtime_ns
    again = run_batch(study, folder, scheduler=scheduler, progress=False)
    assert [o.status for o in again.outcomes] == ["skipped"] * 4
    assert again.workers == 0  # no cluster was started
    shutil.rmtree(folder / "cases" / study.cases[2].case_id)
    (folder / "cases" / ".p_max_mw-1_e_max_mwh-1.abc123").mkdir()  # an interrupted write
    again = run_batch(study, folder, scheduler=scheduler, progress=False)
    assert [o.status for o in again.outcomes] == ["skipped", "skipped", "done", "skipped"]
    assert sorted(p.name for p in (folder / "cases").iterdir()) == sorted(
        c.case_id for c in study.cases
    )
    assert (folder / "cases" / study.cases[1].case_id / "kpis.json").stat().st_mtime_ns == before
    redone = json.loads((folder / "cases" / study.cases[2].case_id / "kpis.json").read_text())
    assert redone["cost_eur"] == result.table.loc[2, "cost_eur"]


def test_a_changed_case_is_run_again(
    pooled: tuple[Study, StudyResult], scheduler: str, tmp_path: Path
) -> None:
    _, result = pooled
    folder = tmp_path / "sweep"
    shutil.copytree(result.folder, folder)
    text = SWEEP + "set: {dispatch.voll_eur_per_mwh: 2999}\n"
    changed = load_study(_write(tmp_path, "sweep.yaml", text))
    run = run_batch(changed, folder, scheduler=scheduler, progress=False)
    assert [o.status for o in run.outcomes] == ["done"] * 4


def test_a_locked_study_folder_is_refused(tmp_path: Path) -> None:
    with study_lock(tmp_path):
        with pytest.raises(StudyLockedError, match="another run of this study"):
            with study_lock(tmp_path):
                pass
    (tmp_path / ".lock").write_text("nohost:1")
    with pytest.raises(StudyLockedError):
        with study_lock(tmp_path):
            pass
    # a lock left by a process of this host that has ended is taken over
    import socket

    (tmp_path / ".lock").write_text(f"{socket.gethostname()}:999999999")
    with study_lock(tmp_path):
        pass
    assert not (tmp_path / ".lock").exists()


def test_a_failing_case_is_recorded_and_the_others_finish(scheduler: str, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "failing.yaml",
        f"""
base_case: {ONE_BUS}
scenarios:
  - {{name: good}}
  - {{name: lost_bus, set: {{storage.0.bus: nowhere}}}}
  - {{name: also_good, set: {{storage.0.p_max_mw: 0.5}}}}
""",
    )
    cmd = [sys.executable, str(REPO / "run_sim.py"), "study", str(path), "--out", str(tmp_path)]
    # the command line on the running cluster (its --scheduler path)
    res = subprocess.run(
        [*cmd, "--scheduler", scheduler, "--no-progress"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 1, res.stderr
    assert "error: case lost_bus: CaseError: storage.0.bus" in res.stderr
    assert "Traceback" not in res.stderr
    table = pd.read_parquet(tmp_path / "failing" / "summary.parquet").set_index("case_id")
    assert table["status"].to_dict() == {"good": "done", "lost_bus": "failed", "also_good": "done"}
    assert table.loc["good", "cost_eur"] == pytest.approx(ONE_BUS_COST_EUR)
    record = json.loads((tmp_path / "failing" / "failed" / "lost_bus.json").read_text())
    assert "nowhere" in record["error"] and "Traceback" in record["traceback"]
    assert not (tmp_path / "failing" / "cases" / "lost_bus").exists()
    assert "storage.0.bus" in (tmp_path / "failing" / "study_report.html").read_text()
    assert (tmp_path / "failing" / "plots" / "by_scenario.png").is_file()


def test_cli_refuses_a_study_folder_another_run_holds(tmp_path: Path) -> None:
    path = _write(tmp_path, "held.yaml", SWEEP.replace("name: sweep", "name: held"))
    (tmp_path / "held").mkdir()
    (tmp_path / "held" / ".lock").write_text("another-host:4242")
    cmd = [sys.executable, str(REPO / "run_sim.py"), "study", str(path), "--out", str(tmp_path)]
    res = subprocess.run([*cmd, "--no-progress"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 2
    assert "another run of this study is in progress (another-host:4242)" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "held" / "cases").exists() or not any(
        (tmp_path / "held" / "cases").iterdir()
    )


def test_a_simbench_grid_is_read_once_per_worker(scheduler: str, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "grid_once.yaml",
        f"""
base_case: {REPO / "cases" / "default.yaml"}
set: {{time.end: "2016-07-04T03:00:00Z"}}
sweep:
  parameters:
    storage.0.p_max_mw: [1, 2, 3, 4, 5]
""",
    )
    run = run_batch(load_study(path), tmp_path / "out", scheduler=scheduler, progress=False)
    assert [o.status for o in run.outcomes] == ["done"] * 5
    by_worker: dict[str, list[int | None]] = {}
    for o in run.outcomes:
        by_worker.setdefault(str(o.worker), []).append(o.grid_reads)
    # five cases on two workers: each worker read the grid once, for its first case
    assert len(by_worker) <= 2
    assert all(reads == [1] * len(reads) for reads in by_worker.values()), by_worker


def test_the_progress_bar_counts_done_running_and_failed(
    scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        "progress.yaml",
        f"""
base_case: {ONE_BUS}
scenarios:
  - {{name: good}}
  - {{name: lost_bus, set: {{storage.0.bus: nowhere}}}}
""",
    )
    run = run_batch(load_study(path), tmp_path / "out", scheduler=scheduler, progress=True)
    assert [o.status for o in run.outcomes] == ["done", "failed"]
    bar = capsys.readouterr().err
    assert "0/2" in bar and "2/2" in bar
    assert "running=" in bar and "failed=1" in bar
