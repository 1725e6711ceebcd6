"""Print a finished study's summary as the Markdown table of its README.

    .venv/bin/python cases/studies/table.py STUDY.yaml [--out results]
        [--kpis KEY:DECIMALS,...]

Reads ``OUT/<study name>/summary.parquet`` (written by ``run_sim.py study``) and prints
one row per case: its scenario and swept values, then the KPIs (the study's
``kpis`` with 2 decimals unless ``--kpis`` names them), labelled with their units.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sim.kpi_labels import kpi_label, kpi_unit  # noqa: E402
from sim.study import load_study  # noqa: E402


def markdown(table: pd.DataFrame, columns: list[str], kpis: list[tuple[str, int]]) -> str:
    """The rows of ``table``: ``columns`` as they are, then each KPI to its decimals."""
    head = [*columns, *(f"{kpi_label(k)} [{kpi_unit(k)}]" for k, _ in kpis)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, row in table.iterrows():
        cells = [f"{row[c]:g}" if isinstance(row[c], float) else str(row[c]) for c in columns]
        cells += [f"{row[k]:,.{d}f}" if k in row and row[k] == row[k] else "–" for k, d in kpis]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("study", type=Path)
    p.add_argument("--out", type=Path, default=Path("results"))
    p.add_argument("--kpis", default=None, help="KEY:DECIMALS,... (default: the study's kpis)")
    a = p.parse_args(argv)
    study = load_study(a.study)
    table = pd.read_parquet(a.out / study.name / "summary.parquet")
    if a.kpis:
        kpis = [(k, int(d or 2)) for k, _, d in (i.partition(":") for i in a.kpis.split(","))]
    else:
        kpis = [(k, 2) for k in study.spec.kpis]
    scenario = ["scenario"] if study.spec.scenarios and study.swept else []
    columns = (scenario + study.swept) if study.swept else ["case_id"]
    shown = table.rename(columns=study.short)
    print(markdown(shown, [study.short.get(c, c) for c in columns], kpis))
    return 0


if __name__ == "__main__":
    sys.exit(main())
