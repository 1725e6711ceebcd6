"""The tables of benchmarks/RESULTS.md, one builder per section, from the summarised
runs of :mod:`benchmarks.run_all` (times [s], memory [MiB])."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.obstacles import Summary

STUDY = {
    "year_day_ahead_rural_dc": "year, day-ahead, rural, dc",
    "year_day_ahead_urban_dc": "year, day-ahead, urban, dc",
    "year_day_ahead_rural_lindistflow": "year, day-ahead, rural, lindistflow",
    "weeks_day_ahead_urban_dc": "2 weeks, day-ahead, urban, dc",
    "intraday_week_rural_dc": "week, intraday, rural, dc",
    "intraday_week_urban_dc": "week, intraday, urban, dc",
    "intraday_month_rural_dc": "month, intraday, rural, dc",
}


def num(value: Any, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits (thousands kept whole); "–" if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if v == 0:
        return "0"
    if abs(v) >= 10 ** (digits - 1):
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines + [""]


def _runs(r: dict[str, Any]) -> str:
    return str(int(r.get("runs", 1)))


def dispatch_rows(s: Summary) -> list[list[str]]:
    rows = []
    for name, label in STUDY.items():
        r = s.get(name)
        if r is None:
            continue
        rest = r["dispatch_s"] - r["build_s"] - r["update_s"] - r["solve_s"] - r["extract_s"]
        rows.append(
            [
                label,
                _runs(r),
                num(r["hours"]),
                num(r["windows"]),
                num(r["models_built"]),
                num(r["setup_s"]),
                num(r["dispatch_s"]),
                num(r["build_s"]),
                num(r["update_s"]),
                num(r["solve_s"] - r["highs_s"]),
                num(r["highs_s"]),
                num(r["extract_s"]),
                num(rest),
                num(r["powerflow_s"]),
                num(r["total_s"]),
                num(r["peak_rss_run_mb"]),
            ]
        )
    return rows


def floor_rows(s: Summary) -> list[list[str]]:
    rows = []
    for name, label in STUDY.items():
        r = s.get(name)
        if r is None or "floor_run_s" not in r:
            continue
        rows.append(
            [
                label,
                f"{num(r['floor_sampled'])} of {num(r['windows'])}",
                f"{num(r['lp_rows'])} × {num(r['lp_cols'])}, {num(r['lp_nonzeros'])} nz",
                num(r["floor_run_s"]),
                num(r["floor_read_s"]),
                num(r["highs_s"]),
                num(r["dispatch_s"]),
                num(r["dispatch_s"] / r["floor_run_s"]),
                num(r["dispatch_s"] / r["highs_s"]),
                num(r["floor_objective_max_rel_diff"], 2),
            ]
        )
    return rows


def peer_rows(s: Summary) -> list[list[str]]:
    pairs = [
        ("year, rural", "year_day_ahead_rural_dc", "pypsa_year_rural"),
        ("year, urban", "year_day_ahead_urban_dc", "pypsa_year_urban"),
        ("2 weeks, urban", "weeks_day_ahead_urban_dc", "pypsa_weeks_urban"),
    ]
    rows = []
    for label, ours_name, peer_name in pairs:
        ours, peer = s.get(ours_name), s.get(peer_name)
        if ours is None or peer is None:
            continue
        rows.append(
            [
                label,
                f"{_runs(ours)} / {_runs(peer)}",
                num(peer["windows"]),
                num(ours["dispatch_s"]),
                num(peer["rolling_s"]),
                num(peer["build_network_s"]),
                num(ours["dispatch_s"] / peer["rolling_s"]),
                f"{num(ours['grid_import_mwh'], 4)} / {num(peer['grid_import_mwh'], 4)}",
                f"{num(ours['curtailment_mwh'], 4)} / {num(peer['curtailment_mwh'], 4)}",
                f"{num(ours['peak_rss_run_mb'])} / {num(peer['peak_rss_mb'])}",
            ]
        )
    return rows


def powerflow_rows(s: Summary) -> list[list[str]]:
    rows = []
    for grid in ("rural", "urban"):
        r = s.get(f"powerflow_year_{grid}")
        if r is None:
            continue
        rows.append(
            [
                grid,
                _runs(r),
                num(r["hours"]),
                num(r["pgm_s"]),
                num(1e3 * r["pgm_s"] / r["hours"]),
                num(r["pp_hours"]),
                num(1e3 * r["pp_s"] / r["pp_hours"]),
                num(r["pp_year_s"]),
                num(r["speedup"]),
                f"{100 * r['losses_rel_diff']:.1e}",
                num(r["pgm_losses_mwh"]),
                num(r["peak_rss_mb"]),
            ]
        )
    return rows


def profile_lines(s: Summary) -> list[str]:
    da, intra = s.get("profile_day_ahead_rural_dc"), s.get("profile_intraday_rural_dc")
    profs = [(n, p) for n, p in (("day-ahead", da), ("intraday", intra)) if p is not None]
    if not profs:
        return []
    lines = ["## Where the time goes (cProfile of the rolling dispatch)", ""]
    lines.append(
        "Rural grid, dc. "
        + "; ".join(
            f"{n}: {num(p['windows'])} windows, {num(p['models_built'])} model(s) built, "
            f"{num(p['profiled_s'])} s profiled"
            for n, p in profs
        )
        + ". Shares of the profiled time; stages are cumulative (nested calls inside"
        " them count), groups are exclusive and add up to 100 %.",
    )
    lines.append("")
    stages = [k[6:-2] for k in profs[0][1] if k.startswith("stage_")]
    rows = [
        [st.replace("_", " ")]
        + [f"{100 * p.get(f'stage_{st}_s', 0.0) / p['profiled_s']:.1f} %" for _, p in profs]
        for st in stages
    ]
    lines += table(["stage"] + [n for n, _ in profs], rows)
    groups = sorted(
        {k[6:-2] for _, p in profs for k in p if k.startswith("group_")},
        key=lambda g: -profs[0][1].get(f"group_{g}_s", 0.0),
    )
    rows = [
        [g.replace("_", " ")]
        + [f"{100 * p.get(f'group_{g}_s', 0.0) / p['profiled_s']:.1f} %" for _, p in profs]
        for g in groups
    ]
    return lines + table(["where (exclusive)"] + [n for n, _ in profs], rows)
