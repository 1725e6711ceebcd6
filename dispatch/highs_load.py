"""Load a compiled dispatch model into HiGHS, and push only what changed.

The vectors of a window (:func:`lp_vectors`: bounds, costs, right-hand sides,
parameter-dependent coefficients, the quadratic costs' Hessian) are evaluated from
the parameter values; the first window passes the whole model (:func:`pass_model`),
later windows write the entries that differ (:func:`push_changes`), so HiGHS keeps
its basis (:class:`dispatch.array_solver.ArrayDispatchSolver`).
"""

from __future__ import annotations

import highspy
import numpy as np

from dispatch.lp_compile import CompiledLP
from dispatch.solve_status import DispatchSolveError

_KOK = highspy.HighsStatus.kOk


def lp_vectors(lp: CompiledLP, params: np.ndarray) -> dict[str, np.ndarray]:
    """The LP's vectors at parameter values ``params``: ``col_lower``, ``col_upper``,
    ``row_lower``, ``row_upper``, ``cost``, ``offset``, ``coef`` (the
    parameter-dependent matrix entries) and ``hessian`` (its diagonal; empty for an LP)."""
    p = params
    return {
        "col_lower": lp.col_lower.at(p),
        "col_upper": lp.col_upper.at(p),
        "row_lower": lp.row_lower.at(p),
        "row_upper": lp.row_upper.at(p),
        "cost": lp.cost.at(p),
        "offset": lp.offset.at(p),
        "coef": lp.coef.at(p),
        "hessian": (
            2.0 * lp.quadratic_weight * lp.quadratic.at(p)
            if lp.quadratic is not None
            else np.zeros(0)
        ),
    }


def pass_hessian(h: highspy.Highs, n_cols: int, diag: np.ndarray) -> None:
    """Hand HiGHS the diagonal Hessian ``diag`` of the quadratic costs.

    Raises
    ------
    DispatchSolveError
        If HiGHS does not accept it.
    """
    cols = np.flatnonzero(diag).astype(np.int32)
    start = np.searchsorted(cols, np.arange(n_cols + 1)).astype(np.int32)
    status = h.passHessian(
        n_cols,
        len(cols),
        int(highspy.HessianFormat.kTriangular),
        start,
        cols,
        diag[cols].astype(float),
    )
    if status != _KOK:
        raise DispatchSolveError("HiGHS did not accept the quadratic costs")


def pass_model(h: highspy.Highs, lp: CompiledLP, v: dict[str, np.ndarray]) -> None:
    """Load the whole model ``lp`` with the vectors ``v`` into ``h``.

    Raises
    ------
    DispatchSolveError
        If HiGHS does not accept it.
    """
    matrix = lp.matrix.copy()
    for i, j, a in zip(lp.coef_rows, lp.coef_cols, v["coef"], strict=True):
        matrix[i, j] = a
    matrix = matrix.tocsc()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = lp.n_cols, lp.n_rows
    model.col_cost_ = v["cost"]
    model.col_lower_, model.col_upper_ = v["col_lower"], v["col_upper"]
    model.row_lower_, model.row_upper_ = v["row_lower"], v["row_upper"]
    model.offset_ = float(v["offset"][0])
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = matrix.indptr
    model.a_matrix_.index_ = matrix.indices
    model.a_matrix_.value_ = matrix.data
    if lp.integrality.any():
        model.integrality_ = [highspy.HighsVarType(int(k)) for k in lp.integrality]
    if h.passModel(model) != _KOK:
        raise DispatchSolveError("HiGHS did not accept the dispatch model")
    if len(v["hessian"]):
        pass_hessian(h, lp.n_cols, v["hessian"])


def push_changes(
    h: highspy.Highs, lp: CompiledLP, old: dict[str, np.ndarray], v: dict[str, np.ndarray]
) -> None:
    """Write the entries of ``v`` that differ from ``old`` (what ``h`` holds)."""
    cols = np.flatnonzero(
        (v["col_lower"] != old["col_lower"]) | (v["col_upper"] != old["col_upper"])
    )
    if len(cols):
        h.changeColsBounds(
            len(cols), cols.astype(np.int32), v["col_lower"][cols], v["col_upper"][cols]
        )
    cols = np.flatnonzero(v["cost"] != old["cost"])
    if len(cols):
        h.changeColsCost(len(cols), cols.astype(np.int32), v["cost"][cols])
    rows = np.flatnonzero(
        (v["row_lower"] != old["row_lower"]) | (v["row_upper"] != old["row_upper"])
    )
    if len(rows):
        h.changeRowsBounds(  # type: ignore[attr-defined]
            len(rows), rows.astype(np.int32), v["row_lower"][rows], v["row_upper"][rows]
        )
    for k in np.flatnonzero(v["coef"] != old["coef"]):
        h.changeCoeff(int(lp.coef_rows[k]), int(lp.coef_cols[k]), float(v["coef"][k]))
    if v["offset"][0] != old["offset"][0]:
        h.changeObjectiveOffset(float(v["offset"][0]))
    if len(v["hessian"]) and (v["hessian"] != old["hessian"]).any():
        pass_hessian(h, lp.n_cols, v["hessian"])
