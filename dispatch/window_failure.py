"""The error of a dispatch window that HiGHS could not solve: which window, why
(the conflicting limits of an infeasible window, :mod:`dispatch.infeasibility`),
the fix, and the window's model written to a file on request."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.infeasibility import explain, write_model
from dispatch.inputs import DispatchInputs
from dispatch.solution_check import SolutionCheckError
from dispatch.solve_status import DispatchInfeasible, DispatchSolveError, DispatchTimeLimit

logger = logging.getLogger(__name__)

#: the fix of limits that belong to the network model rather than to a family
NETWORK_HINTS = {
    "bus_balance": "a bus cannot balance: check what is connected to it and the "
    "external grid's import_max_mw / export_max_mw",
    "p_flow_mw": "a branch rating binds: check the lines' max_i_ka and the "
    "transformers' sn_mva (or dispatch.network_model)",
}


def limit_hints(x: DispatchInputs) -> dict[str, str]:
    """Per component name (``<family>.<component>``, or a network component), the
    case keys that set its limit: each family's
    :attr:`dispatch.family.AssetFamily.limit_hints` and :data:`NETWORK_HINTS`."""
    hints = dict(NETWORK_HINTS)
    for d in x.assets.values():
        for component, hint in d.family.limit_hints.items():
            hints[f"{d.family.name}.{component}"] = hint
    return hints


def window_error(
    err: DispatchSolveError,
    solver: Any,
    x: DispatchInputs,
    window: int,
    windows: int,
    dump_model: Path | None = None,
) -> DispatchSolveError:
    """The error to raise for window ``window`` (0-based) of ``windows``, inputs
    ``x``, that ``solver`` failed to solve with ``err``: of ``err``'s type, its
    message naming the window, the reason (for an infeasible window the limits that
    conflict), the fix, and the file the window's model was written to
    (``dump_model``, ``.lp`` or ``.mps``)."""
    time: pd.DatetimeIndex = x.time
    head = (
        f"dispatch window {window + 1} of {windows} ({time[0]:%Y-%m-%d %H:%M} to "
        f"{time[-1]:%Y-%m-%d %H:%M} UTC)"
    )
    h, rows, cols = solver.highs_model()
    if isinstance(err, DispatchInfeasible):
        lines = [f"{head} is infeasible:", explain(h, rows, cols, time, limit_hints(x))]
    elif isinstance(err, SolutionCheckError):
        lines = [
            f"{head}: {err}",
            "  the fix: none in the case; this is a bug of the simulator (please report "
            "the case with its window's model, --dump-model); dispatch.solver_interface: "
            "pyomo may solve it meanwhile",
        ]
    elif isinstance(err, DispatchTimeLimit):
        lines = [
            f"{head}: {err}",
            "  the fix: raise dispatch.time_limit_s, shorten dispatch.horizon_h, or set "
            "dispatch.unit_commitment / dispatch.storage_exact to false",
        ]
    else:
        lines = [
            f"{head}: {err}",
            "  the fix: run with -v for the solver's messages and inspect the window's "
            "model (--dump-model)",
        ]
    if dump_model is not None:
        try:
            write_model(h, rows, cols, dump_model)
            lines.append(f"  the window's model is written to {dump_model}")
        except OSError as exc:
            lines.append(f"  the window's model could not be written: {exc}")
    else:
        lines.append("  to read the window's model, run again with --dump-model FILE.lp (or .mps)")
    message = "\n".join(lines)
    logger.debug("%s", message)
    return type(err)(message)
