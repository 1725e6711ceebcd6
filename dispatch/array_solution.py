"""The solution of a model loaded in HiGHS as arrays: what extraction reads
(:class:`ArraySolution`) and the sensitivities of a linear form to the row bounds at
the optimal basis (:func:`basis_sensitivities`, the marginal emission factors)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

if TYPE_CHECKING:
    from dispatch.array_solver import ArrayDispatchSolver

logger = logging.getLogger(__name__)

_KOK = highspy.HighsStatus.kOk


class ArraySolution:
    """The solution of the last solve of an :class:`ArrayDispatchSolver`, as arrays.

    Reads what :func:`dispatch.extract.extract` needs: variable values by index,
    row duals and marginal emissions by constraint index, and the values of the
    objective, cost and emissions. Index arrays are cached per component.
    """

    def __init__(self, solver: ArrayDispatchSolver) -> None:
        self._s = solver

    def var_matrix(self, var: Any, units: list[Any], n: int) -> np.ndarray:
        """Values of ``var[unit, t]`` (``var[t]`` without ``units``), time x unit
        [var units]."""
        return self._s.col_value[self._s.index_of(var, units, n, column=True)]

    def row_values(self, kind: str, con: Any, nodes: list[Any], n: int) -> np.ndarray | None:
        """``dual`` or ``emission`` sensitivity of ``con[node, t]``, time x node; None
        if the last solve has none."""
        values = self._s.row_dual if kind == "dual" else self._s.row_emission
        if values is None:
            return None
        return values[self._s.index_of(con, nodes, n, column=False)]

    def value(self, name: str) -> float:
        """``objective``, ``cost_eur`` or ``emissions_tco2`` at the solution."""
        return self._s.expression_value(name)


def basis_sensitivities(h: highspy.Highs, g: np.ndarray) -> np.ndarray | None:
    """Derivative of the linear form ``g @ x`` with respect to each row's bound at
    the optimal basis of the last solve held by ``h``: ``g_B^T B^{-1}`` (units of the
    form per unit of the row, e.g. tCO2 per MW); None if HiGHS holds no basis or
    cannot solve with it (the derivation:
    :func:`dispatch.pyomo_sensitivities.basis_sensitivities_of`)."""
    status, basic = h.getBasicVariables()  # type: ignore[attr-defined]
    if status != _KOK or not h.getBasis().valid:
        return None
    basic = np.asarray(basic)
    g_basic = np.where(basic >= 0, g[np.clip(basic, 0, None)], 0.0)
    status, y = h.getBasisTransposeSolve(g_basic)  # type: ignore[attr-defined]
    if status != _KOK:
        return None
    return np.asarray(y, dtype=float)
