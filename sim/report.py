"""A self-contained HTML report of a run: KPIs with units, plots, case and solver summary.

The report is one file, ``report.html`` in the results folder. It needs nothing
but a browser: images are PNG data URIs, the style sheet is inline, and there is
no script, web font or link to another site. All text from the case and the
results is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from sim.atomic_files import write_text_atomic
from sim.kpi_labels import KPI_GROUPS, format_value, kpi_group, kpi_label, kpi_unit
from sim.plots_network import LOADING_LIMIT_PERCENT, VM_MAX_PU, VM_MIN_PU
from sim.results import SimulationResults

__all__ = ["checks", "format_value", "kpi_group", "kpi_label", "kpi_unit", "render_report"]

_CAPTIONS = {
    "dispatch_stack": "Realised supply (above zero) and uses (below zero) per step, with "
    "demand and curtailment [MW].",
    "state_of_charge": "Energy stored in each storage unit at the end of each step, as a "
    "share of its capacity [%].",
    "curtailment": "Renewable power curtailed per step by kind: actual availability minus "
    "realised generation [MW].",
    "emission_intensity": "Average emission factor of the supplied energy by day and hour "
    "of day (UTC) [tCO2/MWh].",
    "losses": "AC losses of lines and transformers per step [MW].",
    "voltage_envelope": "Lowest and highest bus voltage of each step; dashed: the strictest "
    "bus voltage limits [pu].",
    "loading_duration": "Highest line and transformer loading of each step, sorted "
    "descending; the dashed line is the thermal limit [%].",
}
REPORT_CSS = """
body{font-family:system-ui,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1d2733;
background:#f4f6f8}main{max-width:1180px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:1.7em;margin:0 0 4px}h2{border-bottom:2px solid #d8dee4;padding-bottom:4px;
margin-top:36px}h3{margin:18px 0 6px;font-size:1.05em;color:#34495e}
.sub{color:#56616d;margin:0 0 12px}nav a{margin-right:14px;color:#1f4e79}
table{border-collapse:collapse;margin:6px 0 12px;font-size:.93em}code{font-size:.88em;color:#56616d}
th,td{border-bottom:1px solid #e3e7eb;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#eef2f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.kpis{display:grid;grid-template-columns:1fr 1fr;gap:0 28px}.kpis table{width:100%}
.ok{color:#1e7d32;font-weight:600}.warn{color:#b3261e;font-weight:600}.note{color:#56616d}
figure{margin:18px 0}figure img{max-width:100%;height:auto;border:1px solid #e3e7eb}
figcaption{color:#56616d;font-size:.9em}
"""


def _table(rows: list[tuple[str, str]], head: tuple[str, str] | None = None) -> str:
    """A two-column table of already escaped cells."""
    top = f"<tr><th>{head[0]}</th><th>{head[1]}</th></tr>" if head else ""
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{top}{body}</table>"


def _kpi_section(kpis: Mapping[str, float], kinds: set[str]) -> str:
    groups: dict[str, list[str]] = {g: [] for g in KPI_GROUPS}
    for key in kpis:
        groups[kpi_group(key, kinds)].append(key)
    parts = []
    for group, keys in groups.items():
        if not keys:
            continue
        rows = "".join(
            f"<tr><td>{escape(kpi_label(k))}<br><code>{escape(k)}</code></td>"
            f'<td class="num" data-kpi="{escape(k)}" data-value="{float(kpis[k])!r}">'
            f"{escape(format_value(kpis[k]))}</td><td>{escape(kpi_unit(k))}</td></tr>"
            for k in keys
        )
        parts.append(
            f'<div><h3>{escape(group)}</h3><table class="kpi"><tr><th>KPI</th>'
            f"<th>value</th><th>unit</th></tr>{rows}</table></div>"
        )
    return f'<div class="kpis">{"".join(parts)}</div>'


#: (KPI key, bound, True if the bound is an upper one, text when the check passes)
_CHECKS = (
    ("unserved_mwh", 0.0, True, "All demand served"),
    ("powerflow_failed_steps", 0.0, True, "AC power flow converged in every step"),
    ("storage_simultaneous_steps", 0.0, True, "No simultaneous charge and discharge"),
    ("vm_violation_bus_steps", 0.0, True, "Bus voltages within their limits"),
    ("vm_min_pu", VM_MIN_PU, False, f"Bus voltages at or above {VM_MIN_PU} pu"),
    ("vm_max_pu", VM_MAX_PU, True, f"Bus voltages at or below {VM_MAX_PU} pu"),
    ("line_overload_steps", 0.0, True, "Lines within their thermal limits"),
    ("trafo_overload_steps", 0.0, True, "Transformers within their limits"),
    ("line_loading_max_percent", LOADING_LIMIT_PERCENT, True, "Lines within thermal limits"),
    ("trafo_loading_max_percent", LOADING_LIMIT_PERCENT, True, "Transformers within limits"),
)
#: checks left out when the run has the KPI that checks each bus's or branch's own limit
_SUPERSEDED_BY = {
    "vm_min_pu": "vm_violation_bus_steps",
    "vm_max_pu": "vm_violation_bus_steps",
    "line_loading_max_percent": "line_overload_steps",
    "trafo_loading_max_percent": "trafo_overload_steps",
}


def checks(kpis: Mapping[str, float]) -> list[tuple[bool, str]]:
    """Plain-language checks a planner looks at first, as (passed, text); a failed
    check names the KPI, its value and the bound."""
    out = []
    for key, bound, upper, ok_text in _CHECKS:
        if key not in kpis or _SUPERSEDED_BY.get(key) in kpis:
            continue
        v = float(kpis[key])
        good = v <= bound if upper else v >= bound
        bad_text = (
            f"{kpi_label(key)}: {format_value(v)} {kpi_unit(key)} "
            f"({'above' if upper else 'below'} {bound:g})"
        )
        out.append((good, ok_text if good else bad_text))
    return out


def _case_section(results: SimulationResults, meta: Mapping[str, Any]) -> str:
    case: Mapping[str, Any] = meta.get("case") or {}
    time = case.get("time") or {}
    grid = case.get("grid") or {}
    dispatch = case.get("dispatch") or {}
    ext = case.get("external_grid") or {}
    n_steps, hours_total = len(results.demand_p_mw), f"{len(results.demand_p_mw) * results.dt_h:g}"
    n_bus, n_line = results.vm_pu.shape[1], results.line_loading_percent.shape[1]
    n_trafo = results.trafo_loading_percent.shape[1]
    grid_name = (
        grid.get("simbench_code")
        or grid.get("pandapower_network")
        or Path(str(grid.get("pandapower_json") or "-")).name
    )
    family = results.assets.get("family")
    kind = results.assets.get("kind")
    ren = kind[family == "renewable"].value_counts().sort_index() if kind is not None else {}
    ren_text = ", ".join(f"{n} {k}" for k, n in dict(ren).items()) or "none"
    n_loads = int((family == "load").sum()) if family is not None else 0
    storage = [
        f"{s.get('name')} ({s.get('p_max_mw')} MW / {s.get('e_max_mwh')} MWh at {s.get('bus')})"
        for s in case.get("storage") or []
    ]
    conv = [
        f"{c.get('name')} ({c.get('p_max_mw')} MW at {c.get('bus')})"
        for c in case.get("conventional") or []
    ]

    def limit(key: str) -> str:
        v = ext.get(key)
        return "none" if v is None else f"{v} MW"

    def hours(key: str, default: str) -> str:
        v = dispatch.get(key)
        return default if v is None else f"{v} h"

    horizon = f"{hours('horizon_h', 'whole period')} / {hours('window_h', 'whole horizon')}"
    rows = [
        ("Period (UTC)", f"{time.get('start', '-')} to {time.get('end', '-')}"),
        ("Resolution", f"{time.get('resolution_min', '-')} min, {n_steps} steps ({hours_total} h)"),
        ("Grid", f"{grid_name}: {n_bus} buses, {n_line} lines, {n_trafo} transformers"),
        ("Network model in dispatch", str(dispatch.get("network_model", "-"))),
        ("Objective", str(dispatch.get("objective", "-"))),
        ("Forecast", str((case.get("forecast") or {}).get("method", "-"))),
        ("Horizon / window", horizon),
        ("Loads", str(n_loads)),
        ("Renewable units", ren_text),
        ("Storage units", "; ".join(storage) or "none"),
        ("Conventional units", "; ".join(conv) or "none"),
        ("Import / export limit", f"{limit('import_max_mw')} / {limit('export_max_mw')}"),
        ("Case SHA-256", str(meta.get("case_sha256", "-"))),
        ("Created (UTC)", str(meta.get("created_utc", "-"))),
    ]
    versions = meta.get("versions") or {}
    if versions:
        rows.append(("Versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    return _table([(escape(k), escape(v)) for k, v in rows])


def _solver_section(meta: Mapping[str, Any]) -> str:
    solver: Mapping[str, Any] = meta.get("solver") or {}
    rows: list[tuple[str, str]] = []
    for key, value in solver.items():
        if key == "objective_eur" and isinstance(value, list):
            text = f"{format_value(sum(value))} EUR over {len(value)} windows"
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, float):
            text = format_value(value) + (" s" if key.endswith("_s") else "")
        else:
            text = str(value)
        rows.append((escape(key), escape(text)))
    timings: Mapping[str, Any] = meta.get("timings_s") or {}
    stage_rows = [(escape(k), escape(f"{format_value(float(v))} s")) for k, v in timings.items()]
    if not rows and not stage_rows:
        return '<p class="note">No solver statistics in meta data.</p>'
    return (
        "<h3>Dispatch solver</h3>"
        + _table(rows, ("statistic", "value"))
        + "<h3>Run stages</h3>"
        + _table(stage_rows, ("stage", "wall time"))
    )


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """A figure rendered as PNG, as written to ``plots/`` by the results folder."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def render_report(
    results: SimulationResults,
    kpis: Mapping[str, float],
    meta: Mapping[str, Any],
    images: Mapping[str, bytes],
) -> str:
    """The report as an HTML string.

    Parameters
    ----------
    results
        The run's results (asset counts, network size, renewable kinds).
    kpis
        Every KPI of the run, as in ``kpis.json``; units follow from the key suffix.
    meta
        The run's meta data (``meta.json``): ``case``, ``solver``, ``timings_s``...
    images
        PNG images by figure name, embedded as data URIs in this order.
    """
    case: Mapping[str, Any] = meta.get("case") or {}
    name = str(case.get("name") or meta.get("case_name") or "unnamed case")
    description = str(case.get("description") or "").strip()
    kinds = {"wind", "pv", "other_renewable"}
    if "kind" in results.assets and "family" in results.assets:
        kinds |= set(results.assets.loc[results.assets["family"] == "renewable", "kind"])
    check_items = "".join(
        f'<li><span class="{"ok" if ok else "warn"}">{"ok" if ok else "check"}</span> '
        f"{escape(text)}</li>"
        for ok, text in checks(kpis)
    )
    failures = results.powerflow_failures
    if len(failures):
        rows = [(f"{t:%Y-%m-%d %H:%M}", escape(str(r))) for t, r in failures["reason"].items()]
        check_items += (
            "<li>AC power flow failed in these steps (UTC), left out of the network "
            f"KPIs:{_table(rows, ('step', 'reason'))}</li>"
        )
    figures = "".join(
        f'<figure id="fig-{escape(n)}"><img alt="{escape(n)}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
        f"<figcaption>{escape(_CAPTIONS.get(n, n))}</figcaption></figure>"
        for n, png in images.items()
    )
    if not figures:
        figures = '<p class="note">Plots were not written for this run (output.plots false).</p>'
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Simulation report: {escape(name)}</title><style>{REPORT_CSS}</style></head>"
        f"<body><main><h1>Simulation report: {escape(name)}</h1>"
        f'<p class="sub">{escape(description)}</p>'
        '<nav><a href="#kpis">KPIs</a><a href="#plots">Plots</a><a href="#case">Case</a>'
        '<a href="#solver">Solver</a></nav>'
        f'<h2 id="checks">Checks</h2><ul>{check_items}</ul>'
        f'<h2 id="kpis">Key performance indicators</h2>{_kpi_section(kpis, kinds)}'
        f'<h2 id="plots">Plots</h2>{figures}'
        f'<h2 id="case">Case</h2>{_case_section(results, meta)}'
        f'<h2 id="solver">Solver statistics</h2>{_solver_section(meta)}'
        "</main></body></html>\n"
    )


def write_report(
    folder: Path,
    results: SimulationResults,
    kpis: dict[str, float],
    meta: dict[str, Any],
    figures: dict[str, Figure] | None = None,
) -> Path:
    """Write ``folder/report.html`` (atomically) and return its path.

    Each figure is embedded from ``folder/plots/<name>.png`` when the results folder
    holds it (the same image as the plot file), otherwise rendered anew. Without
    figures the report holds the tables only.
    """
    folder = Path(folder)
    images = {}
    for name, fig in (figures or {}).items():
        png = folder / "plots" / f"{name}.png"
        images[name] = png.read_bytes() if png.is_file() else png_bytes(fig)
    return write_text_atomic(folder / "report.html", render_report(results, kpis, meta, images))
