"""``study_report.html``: one self-contained page for a study (what was varied, the
status of every case, the KPI table with units, failed cases' errors and the
comparison figures as PNG data URIs), in the style of the run report."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape
from pathlib import Path

import pandas as pd

from sim.atomic_files import write_text_atomic
from sim.batch import BatchRun
from sim.kpi_labels import format_value, kpi_label, kpi_unit
from sim.report import REPORT_CSS
from sim.study import Study


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f'<td class="num">{escape(format_value(value)) if value == value else "–"}</td>'
    return f"<td>{escape(str(value))}</td>"


def _case_table(study: Study, table: pd.DataFrame) -> str:
    kpis = [k for k in study.spec.kpis if k in table]
    cols = (["scenario"] if (table["scenario"] != "").any() else []) + study.swept
    head = "".join(f"<th>{escape(c)}</th>" for c in ["case", *cols, "status"])
    head += "".join(
        f"<th>{escape(kpi_label(k))}<br><code>{escape(kpi_unit(k))}</code></th>" for k in kpis
    )
    body = []
    for _, row in table.iterrows():
        status = row["status"]
        css = "ok" if status == "done" else "warn"
        cells = _cell(row["case_id"]) + "".join(_cell(row[c]) for c in cols)
        cells += f'<td class="{css}">{escape(status)}</td>'
        cells += "".join(_cell(row[k]) for k in kpis)
        body.append(f"<tr>{cells}</tr>")
    return f"<table>{'<tr>' + head + '</tr>'}{''.join(body)}</table>"


def _unknown_kpis(study: Study, table: pd.DataFrame) -> str:
    missing = [k for k in study.spec.kpis if k not in table]
    if not missing or not (table["status"] == "done").any():
        return ""
    return (
        f"<p class='warn'>KPIs named by the study that no finished case reports: "
        f"{escape(', '.join(missing))} (see docs/kpis.md for the keys).</p>"
    )


def _failures(table: pd.DataFrame) -> str:
    bad = table[table["status"] != "done"]
    if bad.empty:
        return '<p class="ok">Every case finished.</p>'
    rows = "".join(
        f"<tr><td>{escape(r.case_id)}</td><td class='warn'>{escape(r.status)}</td>"
        f"<td>{escape(r.error or 'not run yet (rerun the study)')}</td></tr>"
        for r in bad.itertuples()
    )
    return f"<table><tr><th>case</th><th>status</th><th>error</th></tr>{rows}</table>"


def _run_rows(study: Study, table: pd.DataFrame, batch: BatchRun | None) -> str:
    counts = table["status"].value_counts()
    rows = [
        ("study file", escape(str(study.path))),
        ("base case", escape(study.spec.base_case)),
        ("cases", escape(f"{len(table)}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))),
    ]
    if study.spec.sweep is not None:
        rows.append(("sweep", escape(f"{study.spec.sweep.mode} over {', '.join(study.swept)}")))
    if study.spec.scenarios:
        rows.append(("scenarios", escape(", ".join(s.name for s in study.spec.scenarios))))
    if batch is not None:
        ran = [o for o in batch.outcomes if o.status != "skipped"]
        rows.append(
            (
                "last run",
                escape(
                    f"{len(ran)} cases on {batch.workers} workers in {batch.wall_s:.1f} s "
                    f"(cluster start {batch.startup_s:.1f} s); "
                    f"{len(batch.outcomes) - len(ran)} complete from earlier runs"
                ),
            )
        )
    return "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)


def render_study_report(
    study: Study,
    table: pd.DataFrame,
    images: Mapping[str, bytes],
    batch: BatchRun | None = None,
) -> str:
    """The HTML text of a study's report."""
    figures = "".join(
        f'<figure><img alt="{escape(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode()}"><figcaption>{escape(name)}: each KPI against '
        f"the parameter, one line per value of the others.</figcaption></figure>"
        for name, png in images.items()
    )
    name = escape(study.name)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Study report: {name}</title><style>{REPORT_CSS}</style></head>"
        f"<body><main><h1>Study report: {name}</h1>"
        f'<p class="sub">{escape(study.spec.description)}</p>'
        f"<h2>Study</h2><table>{_run_rows(study, table, batch)}</table>"
        f"<h2>Cases</h2>{_case_table(study, table)}{_unknown_kpis(study, table)}"
        f"<p class='note'>Every KPI of every case is in summary.csv and summary.parquet; "
        f"each case's own report is cases/&lt;case&gt;/report.html.</p>"
        f"<h2>Failed or missing cases</h2>{_failures(table)}"
        f"<h2>Comparison</h2>{figures or '<p class=note>No finished case to plot.</p>'}"
        "</main></body></html>"
    )


def write_study_report(
    study_dir: Path,
    study: Study,
    table: pd.DataFrame,
    images: Mapping[str, bytes],
    batch: BatchRun | None = None,
) -> Path:
    """Write ``study_dir/study_report.html`` atomically and return its path."""
    text = render_study_report(study, table, images, batch)
    return write_text_atomic(study_dir / "study_report.html", text)
