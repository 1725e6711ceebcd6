"""The console KPI table printed after a run."""

from __future__ import annotations

from sim.families import registered_families
from sim.kpi_labels import ROWS, SHOWN_IF_NONZERO, kpi_label, kpi_unit

__all__ = ["ROWS", "kpi_table"]


def kpi_table(kpis: dict[str, float], title: str = "") -> str:
    """A fixed-width text table of the main KPIs (values as written to kpis.json)."""
    rows: list[tuple[str, str, str] | None] = []
    for row in ROWS:
        if row is not None:
            label, key, unit = row
            if key not in kpis or (key in SHOWN_IF_NONZERO and kpis[key] == 0):
                continue
        rows.append(row)
    plugin = [k for k in kpis if any(k.startswith(f"{f.name}_") for f in registered_families())]
    if plugin:
        rows.append(None)
    rows += [(kpi_label(key), key, kpi_unit(key)) for key in plugin]
    width = max([26] + [len(r[0]) for r in rows if r is not None])
    lines = [title] if title else []
    lines.append(f"{'KPI':<{width}} {'value':>14}  unit")
    lines.append("-" * (width + 32))
    for item in rows:
        if item is None:
            lines.append("")
        else:
            lines.append(_line(item[0], kpis[item[1]], item[2], width))
    return "\n".join(lines)


def _line(label: str, value: float, unit: str, width: int) -> str:
    text = f"{value:14.4f}" if abs(value) < 10 else f"{value:14.2f}"
    return f"{label:<{width}} {text}  {unit}"
