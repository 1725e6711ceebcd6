"""Results folder: written atomically, read back identically, printed KPIs = files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.case import Case
from sim.kpis import all_kpis
from sim.meta import run_meta
from sim.pipeline import RunOutput
from sim.results import RESULT_NAMES, frame_fields, read_results, write_results

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
#: the shipped families, each with its frames in every results folder
FAMILIES = ("loads", "renewables", "storage", "conventional", "grid")


def test_write_then_read_round_trips(
    tmp_path: Path, small_case: Case, small_run: RunOutput
) -> None:
    r = small_run.results
    kpis = all_kpis(r, small_case.dispatch.voll_eur_per_mwh)
    meta = run_meta(small_case, small_run)
    folder = write_results(r, kpis, meta, tmp_path / small_case.name)
    back, kpis_back, meta_back = read_results(folder)
    for name in frame_fields():
        pd.testing.assert_frame_equal(getattr(back, name), getattr(r, name), check_freq=False)
    # every family's frames, the shipped ones and under their familiar names too
    assert set(back.families) == set(r.families) == set(FAMILIES)
    for family, frames in r.families.items():
        assert set(back.families[family]) == set(frames)
        for quantity, frame in frames.items():
            pd.testing.assert_frame_equal(back.families[family][quantity], frame, check_freq=False)
    for name in RESULT_NAMES:
        pd.testing.assert_frame_equal(getattr(back, name), getattr(r, name), check_freq=False)
    assert kpis_back == pytest.approx(kpis)
    assert meta_back["case_sha256"] == small_case.digest()
    assert meta_back["versions"]["highspy"] != "not installed"
    csv = pd.read_csv(folder / "kpis.csv", index_col=0)["value"]
    assert csv.to_dict() == pytest.approx(kpis)
    # a second write replaces the first and leaves no temporary folders behind
    write_results(r, kpis, meta, tmp_path / small_case.name)
    assert sorted(p.name for p in tmp_path.iterdir()) == [small_case.name]
    # the folder has its parent's permissions, not the private ones of a temporary folder
    tmp_path.chmod(0o755)
    folder = write_results(r, kpis, meta, tmp_path / small_case.name)
    assert folder.stat().st_mode & 0o777 == 0o755


def test_failed_write_keeps_the_old_folder(
    tmp_path: Path, small_case: Case, small_run: RunOutput
) -> None:
    r = small_run.results
    kpis = all_kpis(r, small_case.dispatch.voll_eur_per_mwh)
    folder = write_results(r, kpis, {}, tmp_path / "x")

    class Broken:
        def savefig(self, *args: object, **kwargs: object) -> None:
            raise OSError("disk full")

    with pytest.raises(OSError):
        write_results(r, {"other": 1.0}, {}, tmp_path / "x", {"bad": Broken()})
    assert json.loads((folder / "kpis.json").read_text()) == pytest.approx(kpis)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]

    def interrupted(tmp: Path) -> None:  # e.g. the report fails or the run is stopped
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_results(r, {"other": 1.0}, {}, tmp_path / "x", before_commit=interrupted)
    assert json.loads((folder / "kpis.json").read_text()) == pytest.approx(kpis)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]


def test_cli_prints_the_kpis_it_wrote(tmp_path: Path) -> None:
    res = subprocess.run(
        [
            sys.executable,
            str(REPO / "run_sim.py"),
            str(DATA / "two_days.yaml"),
            "--out",
            str(tmp_path),
            "--set",
            "time.end=2016-07-06T00:00:00Z",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    folder = tmp_path / "two_days"
    kpis = json.loads((folder / "kpis.json").read_text())
    printed = {
        "Demand": kpis["demand_mwh"],
        "Renewable curtailed": kpis["curtailed_mwh"],
        "Grid import": kpis["import_mwh"],
        "Grid export": kpis["export_mwh"],
        "Emissions": kpis["emissions_tco2"],
        "Cost": kpis["cost_eur"],
    }
    for label, value in printed.items():
        m = re.search(rf"^{label}\s+(-?[0-9.]+)", res.stdout, flags=re.M)
        assert m, f"{label} not printed"
        assert float(m.group(1)) == pytest.approx(value, abs=0.01)
    m = re.search(r"^Network losses \(AC\)\s+([0-9.]+)\s+MWh", res.stdout, flags=re.M)
    assert m and float(m.group(1)) == pytest.approx(kpis["losses_mwh"], abs=0.01)
    for name in ("dispatch_stack.png", "state_of_charge.png"):
        assert (folder / "plots" / name).stat().st_size > 10_000
    n_family_frames = len(RESULT_NAMES)  # the shipped families' frames, one file each
    files = list((folder / "timeseries").glob("*.parquet"))
    assert len(files) == len(frame_fields()) + n_family_frames
    assert (folder / "timeseries" / "storage.e_mwh.parquet").exists()
    assert json.loads((folder / "meta.json").read_text())["solver"]["windows"] == 1
    solver = json.loads((folder / "meta.json").read_text())["solver"]
    assert solver["models_built"] == 1 and solver["duals_loaded"] is True
