"""The error of a dispatch window that HiGHS could not solve: which window, why
(the conflicting limits of an infeasible window, :mod:`dispatch.infeasibility`),
the fix, and the window's model written to a file on request."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import highspy
import pandas as pd

from dispatch.infeasibility import Label, explain, write_model
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


class HasHighsModel(Protocol):
    """A solver that can hand over the HiGHS instance holding its model."""

    def highs_model(self) -> tuple[highspy.Highs, list[Label], list[Label]]: ...


def window_error(
    err: DispatchSolveError,
    solver: HasHighsModel,
    x: DispatchInputs,
    window: int,
    windows: int,
    dump_model: Path | None = None,
    stage: str = "",
) -> DispatchSolveError:
    """The error to raise for window ``window`` (0-based) of ``windows``, inputs
    ``x``, that ``solver`` failed to solve with ``err``: of ``err``'s type, its
    message naming the window (and the ``stage``, e.g. ``intraday``), the reason
    (for an infeasible window the limits that conflict), the fix, and the file the
    window's model was written to (``dump_model``, ``.lp`` or ``.mps``). A failure
    while explaining never hides ``err``: it is named instead."""
    time: pd.DatetimeIndex = x.time
    head = (
        f"{stage + ' ' if stage else ''}dispatch window {window + 1} of {windows} "
        f"({time[0]:%Y-%m-%d %H:%M} to {time[-1]:%Y-%m-%d %H:%M} UTC)"
    )
    try:
        h, rows, cols = solver.highs_model()
    except Exception as exc:  # noqa: BLE001 (the original error is what matters)
        logger.debug("no model to explain: %s", exc, exc_info=True)
        return type(err)(f"{head}: {err} (the model could not be read back: {exc})")
    if isinstance(err, DispatchInfeasible):
        try:
            why = explain(h, rows, cols, time, limit_hints(x))
        except Exception as exc:  # noqa: BLE001
            logger.debug("no explanation: %s", exc, exc_info=True)
            why = f"  (the conflicting limits could not be computed: {exc})"
        said = str(err).lower()
        word = "infeasible"
        if "unbounded" in said:
            word = "infeasible or unbounded" if "infeasible" in said else "unbounded"
        lines = [f"{head} is {word}:", why]
    elif isinstance(err, SolutionCheckError):
        lines = [
            f"{head}: {err}",
            "  the fix: none in the case; this is a bug of the simulator (please report "
            "the case with its window's model, --dump-model); dispatch.solver_interface: "
            "pyomo may solve it meanwhile",
        ]
    elif isinstance(err, DispatchTimeLimit):
        integer = "unit_commitment / dispatch.storage_exact to false" if err.is_mip else ""
        lines = [
            f"{head}: {err}",
            "  the fix: raise dispatch.time_limit_s or shorten dispatch.horizon_h"
            + (f", or set dispatch.{integer}" if integer else ""),
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
        except Exception as exc:  # noqa: BLE001
            lines.append(f"  the window's model could not be written: {exc}")
    else:
        lines.append("  to read the window's model, run again with --dump-model FILE.lp (or .mps)")
    message = "\n".join(lines)
    logger.debug("%s", message)
    return type(err)(message)
