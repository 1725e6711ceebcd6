"""The README figures tool (cases/figures.py): every marked block has a recipe, and
a block or prose number that differs from the regenerated output is reported as
drift and rewritten."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from sim.summary import kpi_table

REPO = Path(__file__).resolve().parents[1]


def _figures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("figures", REPO / "cases" / "figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["figures"] = module
    spec.loader.exec_module(module)
    return module


figures = _figures()


def test_every_marker_has_a_recipe_and_every_recipe_one_marker() -> None:
    found: dict[str, list[str]] = {}
    for path in [REPO / "README.md", *sorted((REPO / "cases").glob("**/README.md"))]:
        for fig_id in figures.MARKER.findall(path.read_text()):
            found.setdefault(fig_id, []).append(str(path.relative_to(REPO)))
    assert {k: [v.file] for k, v in figures.FIGURES.items()} == found


TEXT = """intro
<!-- figure: demo -->
```
Case 'demo'
KPI                                 value  unit
Demand                             100.00  MWh
Min / max voltage                  0.9800  pu
                                   1.0400  pu
```

The highest voltage is 1.0400 pu and the demand 100 MWh.
<!-- figure: other -->
| a | b |
"""


def _output(demand: str, vm_max: str) -> list[str]:
    return [
        "Case 'demo'",
        "KPI                                 value  unit",
        f"Demand                             {demand}  MWh",
        "Renewable used                     5.0000  MWh",
        "Min / max voltage                  0.9800  pu",
        f"                                   {vm_max}  pu",
        "",
        "Results: results/demo",
    ]


PROSE = (
    figures.Prose(r"highest voltage is ([\d.]+) pu", figures.kpi("Min / max voltage", 1), "{:.4f}"),
    figures.Prose(r"the demand ([\d,]+) MWh", figures.kpi("Demand"), "{:,.0f}"),
)


def test_a_subset_block_that_matches_its_output_has_no_drift() -> None:
    fig = figures.Figure("demo.md", (), subset=True, prose=PROSE)
    text, diffs = figures.update(TEXT, "demo", fig, _output("100.00", "1.0400"))
    assert diffs == [] and text == TEXT


def test_drift_in_a_block_and_in_its_prose_is_reported_and_rewritten() -> None:
    fig = figures.Figure("demo.md", (), subset=True, prose=PROSE)
    text, diffs = figures.update(TEXT, "demo", fig, _output("1200.50", "1.0550"))
    assert len(diffs) == 4  # two block lines, two prose numbers
    assert "Demand                             1200.50  MWh" in text
    assert "The highest voltage is 1.0550 pu and the demand 1,200 MWh." in text
    assert "Renewable used" not in text  # a subset block keeps its own lines
    assert text.endswith("<!-- figure: other -->\n| a | b |\n")  # the next block untouched


def test_a_full_block_takes_the_whole_output() -> None:
    fig = figures.Figure("demo.md", ())
    text, diffs = figures.update(TEXT, "demo", fig, _output("100.00", "1.0400"))
    assert "lines printed" in diffs[-1]
    assert "Results: results/demo" in text


def test_a_missing_marker_is_an_error() -> None:
    with pytest.raises(ValueError, match="0 markers of figure 'absent'"):
        figures.update(TEXT, "absent", figures.Figure("demo.md", ()), [])


def test_labels_are_read_from_the_console_table_however_long() -> None:
    table = kpi_table(
        {"demand_mwh": 1.0, "vm_min_pu": 0.98, "vm_max_pu": 1.04, "storage_full_cycles": 2.0}
    )
    labels = [figures.label_of(line) for line in table.splitlines()]
    assert "Demand" in labels and "Min / max voltage" in labels
    assert labels[labels.index("Min / max voltage") + 1] == ""
    assert figures.kpi("Min / max voltage", 1)(table) == 1.04
    # every value starts in one column, also after a label longer than 26 characters
    rows = [m for m in map(figures.ROW.match, table.splitlines()) if m]
    assert "Storage equivalent full cycles" in [m.group(1) for m in rows]
    assert len({m.end(2) for m in rows}) == 1
