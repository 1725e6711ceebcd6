"""Why a dispatch window has no solution: the limits that conflict, in the model's
own names, from an irreducible infeasible subsystem (IIS) of HiGHS.

An IIS is a set of constraints and variable bounds that cannot hold together and
that holds once any one of them is dropped: the smallest explanation of an
infeasible LP. HiGHS finds one for an LP; a MILP's integrality is relaxed first
(if the relaxation is feasible, the integer decisions are what conflicts, and that
is said instead). Each limit of the set is named by its component (``block.var``
or ``block.constraint``), its index without the time step, the bound and the
steps it holds at, so a planner reads e.g. ``storage.e_mwh[battery] >= 2 at
2024-01-01 05:00`` and not ``c17 >= 2``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo

logger = logging.getLogger(__name__)

#: the HiGHS IIS strategy: from an elastic LP (2), refined to irreducible (4)
IIS_STRATEGY = int(highspy.IisStrategy.kIisStrategyFromLp) | int(
    highspy.IisStrategy.kIisStrategyIrreducible
)
#: most time spent looking for the conflicting limits [s]
IIS_TIME_LIMIT_S = 60.0
#: limit groups printed at most
SHOWN = 12

_INFEASIBLE = (
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)
#: HiGHS's IIS bound status -> what is bounded
_BOUND = {1: "free", 2: "lower", 3: "upper", 4: "boxed"}


@dataclass(frozen=True)
class Label:
    """Where a row or column of the LP comes from.

    Attributes
    ----------
    component
        Full name of the Pyomo component (``storage.e_mwh``).
    index
        Its index without the time step (``battery``; empty if none).
    step
        Position of the time step in the window, -1 for none.
    """

    component: str
    index: str
    step: int


def labels(
    model: pyo.ConcreteModel, ctype: Any, position: Mapping[int, int], n: int
) -> list[Label]:
    """Labels of the ``n`` rows (``ctype`` Constraint) or columns (Var) of an LP
    made from ``model``, ``position`` mapping ``id(component data)`` to its row or
    column (unmapped ones are labelled by number)."""
    out = [Label(f"{'row' if ctype is pyo.Constraint else 'col'} {i}", "", -1) for i in range(n)]
    T = model.T
    for comp in model.component_objects(ctype, active=True, descend_into=True):
        subsets = list(comp.index_set().subsets()) if comp.is_indexed() else []
        # position of the time step in the flat index (a subset may have several
        # dimensions, e.g. a set of (bus, sign) pairs)
        widths = [s.dimen if isinstance(s.dimen, int) and s.dimen > 0 else 1 for s in subsets]
        k_t = next((k for k, s in enumerate(subsets) if s is T), -1)
        at = sum(widths[:k_t]) if k_t >= 0 else -1
        for data in comp.values():
            i = position.get(id(data))
            if i is None or i >= n:
                continue
            idx = data.index()
            idx = idx if isinstance(idx, tuple) else (idx,)
            step = T.ord(idx[at]) - 1 if at >= 0 and len(idx) == sum(widths) else -1
            rest = [str(v) for k, v in enumerate(idx) if k != at and v is not None]
            out[i] = Label(comp.name, ",".join(rest), step)
    return out


@dataclass(frozen=True)
class _Member:
    label: Label
    kind: str  # "constraint" (a row) or "bound" (of a column)
    what: str  # "lower" / "upper" / "boxed" / "equal"
    value: float


def _members(lp: Any, iis: Any, rows: Sequence[Label], cols: Sequence[Label]) -> list[_Member]:
    out = []
    for kind, index, bound, names, lower, upper in (
        ("constraint", iis.row_index_, iis.row_bound_, rows, lp.row_lower_, lp.row_upper_),
        ("bound", iis.col_index_, iis.col_bound_, cols, lp.col_lower_, lp.col_upper_),
    ):
        for i, b in zip(index, bound, strict=True):
            if int(b) == 1:  # in the set, but none of its bounds is: not a limit
                continue
            lo, up = float(lower[i]), float(upper[i])
            what = "equal" if lo == up else _BOUND.get(int(b), "bound")
            value = up if what == "upper" else lo
            out.append(_Member(names[i], kind, what, value))
    return out


def _when(steps: list[int], time: pd.DatetimeIndex) -> str:
    steps = sorted(s for s in set(steps) if 0 <= s < len(time))
    if not steps:
        return ""
    first, last = time[steps[0]], time[steps[-1]]
    if len(steps) == 1:
        return f" at {first:%Y-%m-%d %H:%M}"
    return f" at {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} ({len(steps)} steps)"


def _values(values: list[float]) -> str:
    lo, up = min(values), max(values)
    return f"{lo:g}" if np.isclose(lo, up) else f"{lo:g} to {up:g}"


_SIGN = {"lower": ">=", "upper": "<=", "equal": "=", "boxed": "within its bounds"}


def describe(members: Iterable[_Member], time: pd.DatetimeIndex) -> list[str]:
    """One line per component, index and bound of the conflicting limits, with the
    steps they hold at."""
    groups: dict[tuple[str, str, str], list[_Member]] = {}
    for mem in members:
        groups.setdefault((mem.label.component, mem.label.index, mem.what), []).append(mem)
    lines = []
    for (component, index, what), group in sorted(
        groups.items(), key=lambda kv: (len(kv[1]), kv[0])
    ):
        name = f"{component}[{index}]" if index else component
        sign = _SIGN.get(what, what)
        bound = sign if what == "boxed" else f"{sign} {_values([m.value for m in group])}"
        steps = [m.label.step for m in group]
        lines.append(f"{name} {bound} ({group[0].kind}){_when(steps, time)}")
    return lines


def explain(
    h: highspy.Highs,
    rows: Sequence[Label],
    cols: Sequence[Label],
    time: pd.DatetimeIndex,
    hints: Mapping[str, str] | None = None,
) -> str:
    """Explain why the LP loaded in ``h`` (the failed window's model) is infeasible.

    Parameters
    ----------
    h
        HiGHS holding the window's model (left unchanged: a copy is analysed).
    rows, cols
        :class:`Label` of every row and column.
    time
        The window's time steps (UTC interval starts).
    hints
        Per component name (``storage.e_mwh``), the case keys that set its limit;
        those of the conflicting components are given as the fix.

    Returns
    -------
    str
        Lines: the conflicting limits (or why none could be named) and the fix.
    """
    lp = h.getLp()
    integrality = list(lp.integrality_)
    integer = any(int(k) != int(highspy.HighsVarType.kContinuous) for k in integrality)
    lp.integrality_ = []
    g = highspy.Highs()
    g.setOptionValue("output_flag", False)
    g.passModel(lp)
    g.setOptionValue("time_limit", IIS_TIME_LIMIT_S)
    if g.setOptionValue("iis_strategy", IIS_STRATEGY) == highspy.HighsStatus.kError:
        logger.warning(
            "this HiGHS does not know iis_strategy %d; its default is used", IIS_STRATEGY
        )
    g.run()
    status = g.getModelStatus()
    if status == highspy.HighsModelStatus.kUnbounded:
        return (
            "  the model is unbounded: a variable can grow without limit at a profit "
            "(a negative cost without a bound)\n  the fix: give the asset a limit "
            "(p_max_mw, e_max_mwh) or check the prices' signs"
        )
    if status != highspy.HighsModelStatus.kOptimal and status not in _INFEASIBLE:
        return (
            f"  the model without its integer decisions ends with "
            f"{g.modelStatusToString(status)}: no conflicting limits could be named; "
            "read the model (--dump-model)"
        )
    if status == highspy.HighsModelStatus.kOptimal:
        if integer:
            found = {cols[j].component for j, k in enumerate(integrality) if int(k) != 0}
            fixes = sorted({v for k, v in (hints or {}).items() if k in found})
            return (
                "  the model without its integer decisions is feasible: the on/off "
                f"decisions ({', '.join(sorted(found))}) conflict with the limits "
                "(e.g. minimum up and down times with the state at the window's start)\n"
                f"  the fix: {'; '.join(fixes) or 'check the options that add on/off decisions'}"
            )
        return f"  HiGHS reports the model {g.modelStatusToString(g.getModelStatus())}"
    found_iis, iis = g.getIis()
    if found_iis == highspy.HighsStatus.kError or not iis.valid_:
        return (
            "  HiGHS found no irreducible set of conflicting limits; read the model (--dump-model)"
        )
    members = _members(lp, iis, rows, cols)
    lines = describe(members, time)
    shown = lines[:SHOWN]
    more = f"\n    ... and {len(lines) - SHOWN} more" if len(lines) > SHOWN else ""
    relaxed = " of the model without its integer decisions" if integer else ""
    what = "that model" if integer else "the window"
    text = (
        f"  these {len(members)} limits cannot all hold (an irreducible infeasible set"
        f"{relaxed}; dropping any one of them makes {what} feasible):\n    "
        + "\n    ".join(shown)
        + more
    )
    found = {m.label.component for m in members}
    fixes = sorted({v for k, v in (hints or {}).items() if k in found})
    fix = (
        "; ".join(fixes)
        if fixes
        else (
            "relax one of these limits in the case file, or check the state the window "
            "starts from (the previous window's end)"
        )
    )
    return f"{text}\n  the fix: {fix}"


def _lp_name(label: Label, fallback: str) -> str:
    if label.component.startswith(("row ", "col ")):  # not from the model
        return fallback
    parts = [p for p in (label.index, str(label.step) if label.step >= 0 else "") if p]
    name = f"{label.component}({','.join(parts)})" if parts else label.component
    return re.sub(r"[^A-Za-z0-9_.(),]", "_", name)


def write_model(h: highspy.Highs, rows: Sequence[Label], cols: Sequence[Label], path: Path) -> None:
    """Write the model loaded in ``h`` to ``path`` (``.lp`` or ``.mps``, by its
    suffix) with rows and columns named after their components, index and step
    (``storage.energy_balance(battery,3)``).

    Raises
    ------
    OSError
        If HiGHS cannot write the file.
    """
    model = h.getModel()
    names = {}
    for what, labelled in (("r", rows), ("c", cols)):
        seen: set[str] = set()
        out = []
        for i, label in enumerate(labelled):
            name = _lp_name(label, f"{what}{i}")
            name = name if name not in seen else f"{name}_{what}{i}"
            seen.add(name)
            out.append(name)
        names[what] = out
    model.lp_.row_names_, model.lp_.col_names_ = names["r"], names["c"]
    g = highspy.Highs()
    g.setOptionValue("output_flag", False)
    g.passModel(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    if g.writeModel(str(path)) == highspy.HighsStatus.kError or not path.exists():
        raise OSError(f"HiGHS could not write the model to {path}")
