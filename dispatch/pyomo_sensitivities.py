"""Duals and basis sensitivities of a model solved through Pyomo's persistent HiGHS
interface (:class:`dispatch.solve.PersistentDispatchSolver`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import Results
from pyomo.contrib.solver.common.util import NoDualsError
from pyomo.contrib.solver.solvers.highs import Highs
from pyomo.core.base.constraint import ConstraintData
from pyomo.repn import generate_standard_repn

from dispatch.array_solution import basis_sensitivities
from dispatch.solve_status import DispatchSolveError

logger = logging.getLogger(__name__)


def basis_sensitivities_of(
    highs: Highs, expr: Any, constraints: Sequence[ConstraintData]
) -> dict[ConstraintData, float]:
    r"""Derivatives of a linear expression with respect to the right-hand sides
    of ``constraints`` at the optimal basis of the last (LP) solve.

    HiGHS holds the LP :math:`\min c^T x` s.t. :math:`L \le A x \le U`,
    :math:`l \le x \le u` and its optimal basis :math:`B` (columns of :math:`A`
    of the basic variables, unit columns of basic row slacks). Moving the bound
    :math:`b_i` of a non-basic row (for ``body == 0`` with a constant :math:`-d`
    in its body, :math:`b_i = d`) with the non-basic variables held at their
    bounds moves the basic variables by :math:`\Delta x_B = B^{-1} e_i \Delta
    b_i`, so for :math:`f = g^T x + g_0`

    .. math::
        \partial f / \partial b_i = (g_B^T B^{-1})_i = y_i, \qquad B^T y = g_B

    with :math:`g_B` the coefficients of the basic variables (0 for row slacks;
    a row with a basic slack gets 0): one transposed solve with the factorised
    basis (HiGHS ``getBasisTransposeSolve``). With :math:`g = c`, :math:`y` are
    the row duals. The derivative holds while the basis stays feasible: at a
    primal-degenerate optimum it is one of the one-sided values, at a non-unique
    optimum that of the vertex HiGHS returned.

    Parameters
    ----------
    expr
        A linear Pyomo expression (e.g. ``m.emissions_tco2``); fixed variables
        and parameters count as constants at their current values.
    constraints
        Constraints of the model loaded in HiGHS.

    Returns
    -------
    dict
        ``{constraint: d expr / d rhs}`` [expr units per constraint unit].

    Raises
    ------
    DispatchSolveError
        If the last solve was a MILP or HiGHS holds no basis.
    """
    h = highs._solver_model
    if h.getInfo().mip_node_count >= 0:
        raise DispatchSolveError("basis sensitivities need an LP solved last")
    columns = highs._pyomo_var_to_solver_var_map
    g = np.zeros(h.getNumCol())
    repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
    if repn.nonlinear_expr is not None or repn.quadratic_vars:
        raise ValueError("basis sensitivities need an expression linear in the variables")
    for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        column = columns.get(id(var))
        if column is not None:  # a variable HiGHS does not hold cannot respond
            g[column] += float(coef)
    y = basis_sensitivities(h, g)
    if y is None:
        raise DispatchSolveError("HiGHS holds no usable basis of the last solve")
    rows = highs._pyomo_con_to_solver_con_map
    return {c: float(y[rows[c]]) for c in constraints}


def solved_an_lp(res: Results) -> bool:
    """Whether the solve of ``res`` was an LP (HiGHS reports no MIP nodes)."""
    nodes = getattr(res.extra_info, "mip_node_count", -1)
    return nodes is None or nodes < 0


def load_duals(m: pyo.ConcreteModel, res: Results) -> bool:
    """Fill ``m.dual`` from ``res``; leave it empty and return False for a MILP."""
    if not hasattr(m, "dual"):
        m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    m.dual.clear()
    try:
        m.dual.update(res.solution_loader.get_duals())
    except NoDualsError:
        nodes = getattr(res.extra_info, "mip_node_count", -1)
        if nodes is None or nodes < 0:
            raise DispatchSolveError("HiGHS returned no duals for an LP") from None
        logger.debug("MILP: no duals; prices are NaN")
        return False
    return True
