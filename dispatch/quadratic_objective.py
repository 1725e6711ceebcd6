r"""Diagonal quadratic terms of a dispatch objective: exact quadratic costs (a QP).

A family block with quadratic costs calls :func:`add_quadratic_terms`: it gets the
Expression ``quadratic_cost_eur`` [EUR],

.. math::
    \mathrm{cost}^{quad} = \sum_i f_i\, q_i\, x_i^2

with a variable :math:`x_i` (e.g. a unit's output at one step [MW]), a coefficient
:math:`q_i` (a mutable Param, e.g. [EUR/(MW^2 h)]) and a constant factor
:math:`f_i` (e.g. the step length [h]), and keeps the terms as a list, so that
:func:`dispatch.lp_compile.compile_lp` reads them without walking a quadratic
expression. :func:`dispatch.model.build_model` adds the blocks' quadratic costs to
the objective with the weight of the cost there (:func:`add_to_objective`); the
block's own ``cost_eur`` stays linear. HiGHS takes the objective as
:math:`c^T x + \tfrac12 x^T Q x`, so its Hessian is diagonal with
:math:`Q_{ii} = 2 w f_i q_i`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

#: name of the model's Expression of all quadratic costs, and of each block's
QUADRATIC_COST = "quadratic_cost_eur"


@dataclass(frozen=True)
class QuadraticTerm:
    """One term ``factor * coef * var**2`` of a quadratic cost.

    Attributes
    ----------
    var
        The variable (a VarData).
    coef
        Its coefficient: a mutable ParamData (updated per window) or a number.
    factor
        A constant factor (e.g. the step length [h]).
    """

    var: Any
    coef: Any
    factor: float


def add_quadratic_terms(b: pyo.Block, terms: list[QuadraticTerm]) -> None:
    """Give block ``b`` the Expression ``quadratic_cost_eur`` of ``terms`` [EUR] and
    keep the terms as ``b.quadratic_terms``."""
    b.quadratic_cost_eur = pyo.Expression(
        expr=sum(t.factor * t.coef * t.var**2 for t in terms) if terms else 0.0
    )
    b.quadratic_terms = tuple(terms)


def add_to_objective(m: pyo.ConcreteModel, blocks: list[Any], weight: float) -> Any:
    """Collect the quadratic terms of ``blocks`` on model ``m`` (``m.quadratic_terms``,
    ``m.quadratic_weight`` and the Expression ``m.quadratic_cost_eur``) and return
    ``weight * m.quadratic_cost_eur`` for the objective (0 without terms, and then
    nothing is added to ``m``)."""
    terms = tuple(t for blk in blocks for t in getattr(blk, "quadratic_terms", ()))
    if not terms:
        return 0.0
    m.quadratic_cost_eur = pyo.Expression(
        expr=sum(blk.quadratic_cost_eur for blk in blocks if hasattr(blk, "quadratic_terms"))
    )
    m.quadratic_terms = terms
    m.quadratic_weight = float(weight)
    return weight * m.quadratic_cost_eur


def quadratic_terms(m: pyo.ConcreteModel) -> tuple[tuple[QuadraticTerm, ...], float]:
    """The quadratic terms of model ``m`` and their weight in its objective
    (``((), 0.0)`` for an LP)."""
    return getattr(m, "quadratic_terms", ()), float(getattr(m, "quadratic_weight", 0.0))
