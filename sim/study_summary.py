"""A study's summary: one row per case (its parameters, status and KPIs) from the
results folders on disk, and the comparison figures (each KPI against each swept
parameter, or per scenario).

The table is read from the case folders, not from the workers' replies, so a study
finished in several runs, on a local pool or a cluster, gives one table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.atomic_files import write_atomic
from sim.batch import case_folder, is_complete
from sim.kpi_labels import kpi_label, kpi_unit
from sim.study import Study

#: KPI values closer to zero than this are drawn as zero (solver round-off) [unit of the KPI]
ZERO_TOL = 1e-9
#: the columns before the KPIs
FIXED_COLUMNS = ("case_id", "scenario", "status", "error")


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _error(study_dir: Path, case_id: str) -> str:
    path = study_dir / "failed" / f"{case_id}.json"
    if not path.is_file():
        return ""
    try:
        return str(json.loads(path.read_text()).get("error", "failed"))
    except ValueError:
        return "failed (unreadable error record)"


def summary_table(study: Study, study_dir: Path) -> pd.DataFrame:
    """One row per case in study order: ``case_id``, ``scenario``, ``status``
    (``done``, ``failed`` or ``missing``), ``error``, one column per swept key path,
    then every KPI of the finished cases (NaN where a case has no such KPI)."""
    rows: list[dict[str, Any]] = []
    kpi_order: dict[str, None] = {}
    for c in study.cases:
        row: dict[str, Any] = {"case_id": c.case_id, "scenario": c.scenario or ""}
        if is_complete(study_dir, c):
            kpis = json.loads((case_folder(study_dir, c.case_id) / "kpis.json").read_text())
            row |= {"status": "done", "error": ""}
            kpi_order |= dict.fromkeys(kpis)
        else:
            error = _error(study_dir, c.case_id)
            row |= {"status": "failed" if error else "missing", "error": error}
            kpis = {}
        row |= {key: c.params.get(key) for key in study.swept}
        row |= {f"kpi:{k}": v for k, v in kpis.items()}
        rows.append(row)
    table = pd.DataFrame(rows)
    for key in study.swept:
        values = list(table[key])
        table[key] = table[key].astype(float) if _numeric(values) else table[key].astype(str)
    kpi_cols = {f"kpi:{k}": k for k in kpi_order}
    for col in kpi_cols:
        if col not in table:
            table[col] = np.nan
    table = table[[*FIXED_COLUMNS, *study.swept, *kpi_cols]].rename(columns=kpi_cols)
    return table.astype(dict.fromkeys(kpi_cols.values(), float))


def write_summary(table: pd.DataFrame, study_dir: Path) -> list[Path]:
    """Write ``summary.parquet`` and ``summary.csv`` (atomically) and return them."""
    return [
        write_atomic(study_dir / "summary.parquet", lambda p: table.to_parquet(p, index=False)),
        write_atomic(study_dir / "summary.csv", lambda p: table.to_csv(p, index=False)),
    ]


def _groups(
    table: pd.DataFrame, by: list[str], short: dict[str, str]
) -> list[tuple[str, pd.DataFrame]]:
    """The rows of ``table`` grouped by the columns ``by``, each with its label."""
    if not by:
        return [("", table)]
    out = []
    for key, part in table.groupby(by, sort=False, dropna=False):
        values = key if isinstance(key, tuple) else (key,)
        label = ", ".join(
            str(v)
            if b == "scenario"
            else f"{short[b]}={v:g}"
            if isinstance(v, float)
            else f"{short[b]}={v}"
            for b, v in zip(by, values, strict=True)
        )
        out.append((label, part))
    return out


def _axes_grid(n: int) -> tuple[Figure, list[Any]]:
    cols = min(3, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(4.6 * cols, 3.4 * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    return fig, axes


def study_figures(study: Study, table: pd.DataFrame) -> dict[str, Figure]:
    """The comparison figures of a study, by file stem: ``vs_<parameter>`` (each KPI
    against one swept parameter, a line per scenario and value of the other swept
    parameters) or, without a sweep, ``by_scenario`` (a bar per scenario)."""
    kpis = [k for k in study.spec.kpis if k in table and table[k].notna().any()]
    done = table[table["status"] == "done"]
    if not kpis or done.empty:
        return {}
    figures: dict[str, Figure] = {}
    if not study.swept:
        fig, axes = _axes_grid(len(kpis))
        for ax, k in zip(axes, kpis, strict=True):
            y = done[k].to_numpy(dtype=float)
            ax.bar(done["case_id"], np.where(np.abs(y) < ZERO_TOL, 0.0, y), color="#4c9be8")
            ax.set_title(kpi_label(k), fontsize=10)
            ax.set_ylabel(kpi_unit(k))
            ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        figures["by_scenario"] = fig
        return figures
    scenario = ["scenario"] if (done["scenario"] != "").any() else []
    short = study.short
    zipped = study.spec.sweep is not None and study.spec.sweep.mode == "zip"
    # zipped parameters move together: one figure against the first, a line per scenario
    for param in study.swept[:1] if zipped else study.swept:
        others = scenario + ([] if zipped else [p for p in study.swept if p != param])
        numeric = pd.api.types.is_float_dtype(done[param])
        categories = list(dict.fromkeys(done[param]))
        fig, axes = _axes_grid(len(kpis))
        for ax, k in zip(axes, kpis, strict=True):
            for label, part in _groups(done, others, short):
                x = part[param] if numeric else [categories.index(v) for v in part[param]]
                y = part[k].to_numpy(dtype=float)
                # values within the solver's tolerance of zero are drawn as zero
                y = np.where(np.abs(y) < ZERO_TOL, 0.0, y)
                ax.plot(x, y, marker="o", label=label or None)
            if not numeric:
                ax.set_xticks(range(len(categories)), categories)
            ax.set_title(kpi_label(k), fontsize=10)
            together = [short[q] for q in study.swept if q != param] if zipped else []
            ax.set_xlabel(param + (f"\n(with {', '.join(together)})" if together else ""))
            ax.set_ylabel(kpi_unit(k))
            ax.grid(alpha=0.3)
        if others:
            axes[0].legend(fontsize=7)
        figures[f"vs_{short[param]}"] = fig
    return figures
