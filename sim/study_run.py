"""Run a study end to end: its incomplete cases in parallel (:mod:`sim.batch`), then
its summary table, comparison plots, ``study.json`` and ``study_report.html``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.atomic_files import write_bytes_atomic, write_text_atomic
from sim.batch import BatchRun, run_batch
from sim.kpi_labels import format_value
from sim.report import png_bytes
from sim.study import Study
from sim.study_report import write_study_report
from sim.study_summary import study_figures, summary_table, write_summary


@dataclass(frozen=True)
class StudyResult:
    """A study's folder, its summary table and the batch run that completed it."""

    folder: Path
    table: pd.DataFrame
    batch: BatchRun


def _write_study_json(study: Study, folder: Path) -> None:
    data = {
        "name": study.name,
        "study_file": str(study.path),
        "spec": study.spec.model_dump(mode="json", by_alias=True),
        "cases": [
            {"case_id": c.case_id, "scenario": c.scenario, "params": c.params, "sha256": c.digest}
            for c in study.cases
        ],
    }
    write_text_atomic(folder / "study.json", json.dumps(data, indent=2, default=str) + "\n")


def finish_study(study: Study, folder: Path, batch: BatchRun | None = None) -> pd.DataFrame:
    """Write the summary, the plots, ``study.json`` and the report of the study in
    ``folder`` from the case folders there; return the summary table."""
    table = summary_table(study, folder)
    write_summary(table, folder)
    _write_study_json(study, folder)
    figures = study_figures(study, table)
    images = {name: png_bytes(fig) for name, fig in figures.items()}
    (folder / "plots").mkdir(exist_ok=True)
    for old in (folder / "plots").glob("*.png"):  # figures of an earlier form of the study
        if old.stem not in images:
            old.unlink()
    for name, png in images.items():
        write_bytes_atomic(folder / "plots" / f"{name}.png", png)
    write_study_report(folder, study, table, images, batch)
    return table


def run_study(
    study: Study,
    out: Path = Path("results"),
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
) -> StudyResult:
    """Run ``study`` into ``out/<study name>/`` and write its summary.

    Parameters
    ----------
    study
        The expanded, validated study (:func:`sim.study.load_study`).
    out
        Folder under which the study's folder is written.
    workers
        Worker processes of the local cluster (ignored with ``scheduler``).
    scheduler
        Address of a running Dask scheduler; its workers must see ``out`` and the
        case files at the same paths.
    progress
        Show the progress bar.
    """
    folder = Path(out) / study.name
    folder.mkdir(parents=True, exist_ok=True)
    batch = run_batch(study, folder, workers, scheduler, progress)
    table = finish_study(study, folder, batch)
    return StudyResult(folder, table, batch)


def summary_text(study: Study, table: pd.DataFrame) -> str:
    """The summary as console text: case, scenario, swept values, status, the study's KPIs."""
    kpis = [k for k in study.spec.kpis if k in table]
    both = bool(study.spec.scenarios) and bool(study.swept)
    cols = ["case_id", *(["scenario"] if both else [])]
    shown = table[[*cols, *study.swept, "status", *kpis]].copy()
    for k in kpis:
        shown[k] = [format_value(v) if v == v else "-" for v in shown[k]]
    return shown.to_string(index=False)
