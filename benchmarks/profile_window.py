"""Where the time of a rolling dispatch goes: a cProfile of the pipeline's dispatch.

Run as ``python -m benchmarks.profile_window --grid rural --network dc --rolling
day_ahead --start ... --end ... [--json FILE]``.

The grid and profiles are set up first, unprofiled; then the pipeline's rolling
dispatch (:func:`sim.pipeline._dispatch`, the part ``dispatch_s`` times) runs
under :mod:`cProfile`. Two views of the profile:

- ``stage_*``: cumulative time of the steps of a window (forecasts and inputs,
  model build and its compile into arrays, data update, loading or pushing data
  into HiGHS, the HiGHS run, reading the solution and duals, marginal emission
  factors, extraction);
- ``group_*``: exclusive time summed by where the code lives (HiGHS itself,
  Pyomo's expression system, its standard representation, its solver
  interface, its components, our packages, pandas, NumPy, other).

cProfile slows Python code more than native code, so the shares of Python parts
are somewhat over-stated; the stage and group shares, not the absolute times,
are what the report uses.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from typing import Any

from benchmarks.child import Result, run_child
from benchmarks.studies import GRIDS, dst_gap_filled, study_case
from sim.case import Case
from sim.pipeline import _dispatch
from sim.setup import setup_run as _setup

#: stage -> (end of the file path, function name) whose cumulative time it is
STAGES = {
    "inputs": ("sim/windows.py", "inputs"),
    "build_model": ("dispatch/model.py", "build_model"),
    "compile_model": ("dispatch/lp_compile.py", "compile_lp"),
    "update_model": ("dispatch/model.py", "update_model"),
    "load_into_highs": ("dispatch/highs_load.py", "pass_model"),
    "push_updates": ("dispatch/highs_load.py", "push_changes"),
    "highs_run": ("~", "<built-in method highspy._core.run>"),
    "read_solution": ("dispatch/array_solver.py", "_read_solution"),
    "emission_factors": ("dispatch/array_solver.py", "_emission_sensitivities"),
    "extract": ("dispatch/extract.py", "extract"),
}

#: exclusive-time groups, first match wins: (group, substring of the file path)
GROUPS = (
    ("highs", "highspy"),
    ("pyomo_expr", "pyomo/core/expr"),
    ("pyomo_repn", "pyomo/repn"),
    ("pyomo_solver_interface", "pyomo/contrib/solver"),
    ("pyomo_components", "pyomo/core/base"),
    ("pyomo_other", "pyomo/"),
    ("ours", "/work/"),
    ("pandas", "pandas/"),
    ("numpy", "numpy/"),
)


def _group(filename: str, name: str) -> str:
    where = f"{filename} {name}"
    for group, part in GROUPS:
        if part in where:
            if group == "ours" and ".venv" in filename:
                continue
            return group
    return "other"


def breakdown(stats: pstats.Stats) -> dict[str, float]:
    """``stage_<name>_s`` (cumulative), ``group_<name>_s`` (exclusive) and
    ``profiled_s`` (the whole profile) [s] of a cProfile run."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    out = {f"stage_{k}_s": 0.0 for k in STAGES}
    groups: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, cumtime, _callers) in raw.items():
        for stage, (file_end, func) in STAGES.items():
            if filename.endswith(file_end) and name == func:
                out[f"stage_{stage}_s"] = max(out[f"stage_{stage}_s"], cumtime)
        group = _group(filename, name)
        groups[group] = groups.get(group, 0.0) + tottime
    out.update({f"group_{g}_s": t for g, t in groups.items()})
    out["profiled_s"] = float(stats.total_tt)  # type: ignore[attr-defined]
    return out


def measure(case: Case) -> Result:
    """Profile the rolling dispatch of ``case`` (see the module docstring)."""
    with dst_gap_filled():
        s = _setup(case)
    profiler = cProfile.Profile()
    profiler.enable()
    _, stats, _ = _dispatch(case, s, None)
    profiler.disable()
    out: Result = breakdown(pstats.Stats(profiler))
    out.update(windows=float(stats.windows), models_built=float(stats.models_built))
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grid", choices=sorted(GRIDS), default="rural")
    p.add_argument("--network", choices=["copperplate", "dc", "lindistflow"], default="dc")
    p.add_argument("--rolling", choices=["day_ahead", "intraday"], default="day_ahead")
    p.add_argument("--start", default="2016-03-01T00:00:00Z")
    p.add_argument("--end", default="2016-03-15T00:00:00Z")
    p.add_argument("--json", default=None, help="write the result here (default: stdout)")
    a = p.parse_args(argv)
    case = study_case(a.grid, a.network, a.rolling, a.start, a.end)
    run_child(lambda: measure(case), a.json)


if __name__ == "__main__":
    main()
