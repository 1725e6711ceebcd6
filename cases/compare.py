"""Run one case with a key varied and print the KPIs side by side.

    .venv/bin/python cases/compare.py CASE.yaml --vary KEY=V1,V2,... [--vary ...]
        [--label L1,L2,...] [--kpis KEY:DECIMALS,...] [--out results]

Every ``--vary`` gives one value per run (the lists are zipped: run ``i`` sets the
``i``-th value of each key, as ``--set KEY=VALUE`` would). The runs are the
scenarios of a batch study (``OUT/<case>-compare/study.yaml``, run as
``run_sim.py study`` runs it, on ``--workers`` worker processes; a rerun skips the
finished runs), each writing ``OUT/<case>-compare/cases/<label>/``. The table
(Markdown, labels as columns, the KPIs' labels and units as rows) is printed and
written to ``OUT/<case>-compare/comparison.csv``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sim.kpi_labels import kpi_label, kpi_unit  # noqa: E402
from sim.study import load_study  # noqa: E402
from sim.study_run import run_study  # noqa: E402


def _vary(text: str) -> tuple[str, list[str]]:
    key, _, values = text.partition("=")
    if not key or not values:
        raise SystemExit(f"--vary {text}: expected KEY=V1,V2,...")
    return key, values.split(",")


def compare(
    case: Path,
    vary: list[tuple[str, list[str]]],
    labels: list[str],
    kpis: list[tuple[str, int]],
    out: Path,
    workers: int = 2,
) -> pd.DataFrame:
    """Run the variants as a study and return the table (rows: KPIs, columns: labels)."""
    name = f"{case.stem}-compare"
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    scenarios = [
        {"name": label, "set": {key: yaml.safe_load(options[i]) for key, options in vary}}
        for i, label in enumerate(labels)
    ]
    spec = {
        "name": name,
        "base_case": str(case.resolve()),
        "scenarios": scenarios,
        "kpis": [k for k, _ in kpis],
    }
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = run_study(load_study(path), out, workers=workers, progress=False)
    failed = result.table[result.table["status"] != "done"]
    if len(failed):
        raise SystemExit(
            f"runs failed: {dict(zip(failed['case_id'], failed['error'], strict=True))}"
        )
    values = result.table.set_index("case_id")
    table = pd.DataFrame(
        {
            "KPI": [f"{kpi_label(k)} [{kpi_unit(k)}]" for k, _ in kpis],
            **{label: [f"{values.loc[label, k]:,.{d}f}" for k, d in kpis] for label in labels},
        }
    )
    table.to_csv(folder / "comparison.csv", index=False)
    return table


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += [
        "| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("case", type=Path)
    p.add_argument("--vary", action="append", type=_vary, required=True, help="KEY=V1,V2,...")
    p.add_argument("--label", default=None, help="labels of the runs, comma-separated")
    p.add_argument("--kpis", required=True, help="KEY:DECIMALS,... rows of the table")
    p.add_argument("--out", type=Path, default=Path("results"))
    p.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    a = p.parse_args(argv)
    n = {len(v) for _, v in a.vary}
    if len(n) != 1:
        raise SystemExit("every --vary needs the same number of values")
    labels = a.label.split(",") if a.label else [f"run_{i}" for i in range(n.pop())]
    kpis = [(k, int(d or 2)) for k, _, d in (item.partition(":") for item in a.kpis.split(","))]
    print(markdown(compare(a.case, a.vary, labels, kpis, a.out, a.workers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
