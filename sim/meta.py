"""Provenance of a run: case hash, package and solver versions, solve statistics."""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from dispatch.solve_status import TIME_LIMITED
from sim.case import Case
from sim.pipeline import RunOutput

PACKAGES = ("pandapower", "simbench", "pyomo", "highspy", "numpy", "pandas", "pydantic")


def versions() -> dict[str, str]:
    """Installed versions of Python and the packages the results depend on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_meta(case: Case, output: RunOutput) -> dict[str, Any]:
    """The ``meta.json`` content of a run."""
    st = output.stats
    return {
        "case_name": case.name,
        "case_sha256": case.digest(),
        "case": case.model_dump(mode="json"),
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": versions(),
        "solver": {
            "name": "HiGHS",
            "windows": st.windows,
            "terminations": sorted({s.termination for s in st.statuses}),
            "time_limit_s": case.dispatch.time_limit_s,
            # windows stopped at the time limit with a feasible, not proven optimal dispatch
            "time_limited_windows": sum(s.termination == TIME_LIMITED for s in st.statuses),
            "objective_eur": [s.objective_eur for s in st.statuses],
            "duals_loaded": all(s.duals_loaded for s in st.statuses),
            "models_built": st.models_built,
            "build_time_s": st.build_time_s,
            "update_time_s": st.update_time_s,
            "load_time_s": sum(s.load_time_s for s in st.statuses),
            "solve_time_s": st.solve_time_s,
            "solver_time_s": st.solver_time_s,
            "extract_time_s": st.extract_time_s,
        },
        "intraday": (
            None
            if output.intraday_stats is None
            else {
                "windows": output.intraday_stats.windows,
                "models_built": output.intraday_stats.models_built,
                "build_time_s": output.intraday_stats.build_time_s,
                "update_time_s": output.intraday_stats.update_time_s,
                "solve_time_s": output.intraday_stats.solve_time_s,
                "solver_time_s": output.intraday_stats.solver_time_s,
            }
        ),
        "timings_s": output.timings_s,
        "loss_iterations_mwh": output.loss_iterations_mwh,
    }
