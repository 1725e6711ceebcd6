"""Check a solution against the model it is meant to solve, after every solve.

HiGHS returns a solution within its tolerances of the LP it holds. What it holds
is the result of pushes of changed data (:class:`dispatch.array_solver.ArrayDispatchSolver`)
or of Pyomo's persistent updates; a stale bound or coefficient would give a
solution of another model without any error. So every solution is checked against
the model as the simulator built it, with its own arithmetic: every row (the
energy balance of each bus and hour, each storage trajectory step, each limit) and
every variable bound. A violation beyond the tolerance is an error
(:class:`SolutionCheckError`), never a silent result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyomo.environ as pyo

from dispatch.infeasibility import Label, labels
from dispatch.lp_compile import CompiledLP
from dispatch.solve_status import DispatchSolveError

#: absolute tolerance of a check [units of the row or variable], plus this times the
#: magnitude of the bound or of the row's terms (HiGHS's own tolerances, 1e-7 for an LP
#: and 1e-6 for a MILP, hold for its scaled model; a stale datum misses by far more)
ABS_TOL = 1e-5
REL_TOL = 1e-6
#: violations named in the error at most
NAMED = 5


class SolutionCheckError(DispatchSolveError):
    """A solution violates the model beyond the tolerance."""


def excess(
    value: np.ndarray, lower: np.ndarray, upper: np.ndarray, scale: np.ndarray | None = None
) -> np.ndarray:
    """How far each ``value`` lies outside ``[lower, upper]`` beyond the tolerance
    (0 inside) [units of the value]: ``ABS_TOL`` plus ``REL_TOL`` times the larger of
    that bound's magnitude and ``scale`` (e.g. the sum of a row's term magnitudes)."""
    size = np.zeros_like(value) if scale is None else np.abs(scale)
    out = np.zeros_like(value)
    for bound, sign in ((lower, -1.0), (upper, 1.0)):
        finite = np.isfinite(bound)
        with np.errstate(invalid="ignore"):
            miss = np.where(finite, sign * (value - bound), 0.0)
        tol = ABS_TOL + REL_TOL * np.maximum(np.abs(np.where(finite, bound, 0.0)), size)
        out = np.maximum(out, miss - tol)
    out[~np.isfinite(value)] = np.inf
    return np.maximum(out, 0.0)


def check(
    row_value: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_value: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    names: Callable[[], tuple[Sequence[Label], Sequence[Label]]],
    row_scale: np.ndarray | None = None,
) -> None:
    """Raise :class:`SolutionCheckError` if a row activity or a column value lies
    outside its bounds beyond the tolerance (rows relative to ``row_scale``, the sum
    of each row's term magnitudes, if given); ``names()`` gives the labels of rows
    and columns (computed only for the message).

    Raises
    ------
    SolutionCheckError
        Naming the worst violations (component, index, step, value and bounds).
    """
    rows = excess(row_value, row_lower, row_upper, row_scale)
    cols = excess(col_value, col_lower, col_upper)
    if not rows.any() and not cols.any():
        return
    row_labels, col_labels = names()
    found = [
        (rows[i], "constraint", row_labels[i], row_value[i], row_lower[i], row_upper[i])
        for i in np.flatnonzero(rows).tolist()
    ]
    found += [
        (cols[j], "variable", col_labels[j], col_value[j], col_lower[j], col_upper[j])
        for j in np.flatnonzero(cols).tolist()
    ]
    found.sort(key=lambda f: -f[0])
    lines = [
        f"{kind} {lab.component}{f'[{lab.index}]' if lab.index else ''} at step "
        f"{lab.step}: {v:.9g} outside [{lo:.9g}, {up:.9g}]"
        for _, kind, lab, v, lo, up in found[:NAMED]
    ]
    raise SolutionCheckError(
        f"the solver's solution violates {len(found)} limits of the model beyond the "
        f"tolerance ({ABS_TOL:g} + {REL_TOL:g} x |bound|): " + "; ".join(lines)
    )


def built_coefficients(lp: CompiledLP) -> np.ndarray:
    """The build-time values of ``lp``'s parameter-dependent matrix entries."""
    if not len(lp.coef_rows):
        return np.zeros(0)
    return np.asarray(lp.matrix.tocsr()[lp.coef_rows, lp.coef_cols], dtype=float).ravel()


def check_compiled(
    lp: CompiledLP,
    loaded: dict[str, np.ndarray],
    coef_built: np.ndarray,
    x: np.ndarray,
    names: Callable[[], tuple[Sequence[Label], Sequence[Label]]],
) -> None:
    """:func:`check` of solution ``x`` of a compiled model with the vectors
    ``loaded`` into HiGHS: every row's activity is computed here, from the matrix with
    the window's coefficients (``loaded["coef"]`` in place of ``coef_built``).

    Raises
    ------
    SolutionCheckError
        As :func:`check`.
    """
    rows = lp.matrix @ x
    np.add.at(rows, lp.coef_rows, (loaded["coef"] - coef_built) * x[lp.coef_cols])
    scale = abs(lp.matrix) @ np.abs(x)
    lo, up = loaded["row_lower"], loaded["row_upper"]
    check(rows, lo, up, x, loaded["col_lower"], loaded["col_upper"], names, scale)


def check_pyomo(model: pyo.ConcreteModel) -> None:
    """:func:`check` for a model whose variables hold the solution (Pyomo interface).

    Raises
    ------
    SolutionCheckError
        As :func:`check`.
    """
    # variables without a value are in no constraint (HiGHS never saw them)
    vars_ = [
        v
        for v in model.component_data_objects(pyo.Var, descend_into=True)
        if not v.fixed and v.value is not None
    ]
    cons = list(model.component_data_objects(pyo.Constraint, active=True, descend_into=True))

    def bound(b: object) -> float:
        return np.nan if b is None else float(pyo.value(b))

    def val(e: object) -> float:
        out = pyo.value(e, exception=False)
        return np.nan if out is None else float(out)

    def bounds(values: list[float], missing: float) -> np.ndarray:
        a = np.array(values, dtype=float)
        return np.where(np.isnan(a), missing, a)  # no bound: infinite (inf stays inf)

    row_value = np.array([val(c.body) for c in cons])
    row_lower = bounds([bound(c.lower) for c in cons], -np.inf)
    row_upper = bounds([bound(c.upper) for c in cons], np.inf)
    col_value = np.array([val(v) for v in vars_])
    col_lower = bounds([bound(v.lb) for v in vars_], -np.inf)
    col_upper = bounds([bound(v.ub) for v in vars_], np.inf)

    def names() -> tuple[list[Label], list[Label]]:
        return (
            labels(model, pyo.Constraint, {id(c): i for i, c in enumerate(cons)}, len(cons)),
            labels(model, pyo.Var, {id(v): j for j, v in enumerate(vars_)}, len(vars_)),
        )

    check(row_value, row_lower, row_upper, col_value, col_lower, col_upper, names)
