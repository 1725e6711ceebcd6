r"""Quadratic generation costs: piecewise-linear segments (the LP stays an LP), or
exact (a QP for HiGHS, ``k = 0`` below).

A unit :math:`g` with cost :math:`c_g p + q_g p^2` per hour (:math:`q_g` > 0,
[EUR/(MW^2 h)]) gets :math:`K` segments of width :math:`\Delta_g = \bar p_g / K`
over :math:`[0, \bar p_g]`:

.. math::
    p_{g,t} = \sum_{k=0}^{K-1} s_{g,k,t}, \qquad 0 \le s_{g,k,t} \le \Delta_g

    \mathrm{cost} \mathrel{+}= \Delta t \sum_{g,k,t} q_g (2k + 1) \Delta_g\, s_{g,k,t}

Segment :math:`k` costs the secant slope of :math:`q_g p^2` between its ends,
:math:`q_g ((k+1)^2 - k^2) \Delta_g = q_g (2k+1) \Delta_g`; the slopes increase with
:math:`k`, so an optimum fills the segments in order and the cost is the
piecewise-linear interpolation of :math:`q_g p^2` at the breakpoints
:math:`k \Delta_g`. It is exact there and above the quadratic in between, by at most
:math:`q_g \Delta_g^2 / 4` per hour (mid-segment). Widths and slopes are mutable
parameters; which units have quadratic costs and :math:`K` are fixed when the block
is built.

Exact (:func:`add_exact_quadratic_cost`): the block declares the terms
:math:`\Delta t\, q_g p_{g,t}^2` (:mod:`dispatch.quadratic_objective`) and the
model is a convex QP; the coefficients are mutable parameters
``quad_cost_eur_per_mw2h``.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from dispatch.quadratic_objective import QuadraticTerm, add_quadratic_terms


def segment_values(
    units: list[str], q_eur_per_mw2h: dict[str, float], p_max_mw: dict[str, float], k: int
) -> dict[str, dict[Any, float]]:
    """The segment widths [MW] and slopes [EUR/MWh] of ``units``, by parameter name;
    with ``k = 0`` (exact) the quadratic coefficients [EUR/(MW^2 h)]."""
    if k == 0:
        return {"quad_cost_eur_per_mw2h": {g: q_eur_per_mw2h[g] for g in units}}
    width = {g: p_max_mw[g] / k for g in units}
    slope = {(g, j): q_eur_per_mw2h[g] * (2 * j + 1) * width[g] for g in units for j in range(k)}
    return {"segment_mw": width, "segment_slope_eur_per_mwh": slope}


def max_error_eur_per_h(q_eur_per_mw2h: float, p_max_mw: float, k: int) -> float:
    """Largest overestimate of a unit's hourly cost by its segments [EUR/h]."""
    return q_eur_per_mw2h * (p_max_mw / k) ** 2 / 4.0


def add_quadratic_cost(
    b: pyo.Block,
    m: pyo.ConcreteModel,
    units: list[str],
    k: int,
    values: dict[str, dict[Any, float]],
    dt_h: float,
) -> Any:
    """Add the segments of ``units`` to block ``b`` (whose output is ``b.p_mw``) and
    return their cost over the window [EUR] (an expression)."""
    b.QUAD_UNIT = pyo.Set(initialize=units, ordered=True)
    b.SEGMENT = pyo.RangeSet(0, k - 1)
    b.segment_mw = pyo.Param(
        b.QUAD_UNIT, mutable=True, within=pyo.Reals, initialize=values["segment_mw"]
    )
    b.segment_slope_eur_per_mwh = pyo.Param(
        b.QUAD_UNIT,
        b.SEGMENT,
        mutable=True,
        within=pyo.Reals,
        initialize=values["segment_slope_eur_per_mwh"],
    )
    b.p_segment_mw = pyo.Var(
        b.QUAD_UNIT, b.SEGMENT, m.T, bounds=lambda blk, g, j, t: (0.0, blk.segment_mw[g])
    )
    b.segment_sum = pyo.Constraint(
        b.QUAD_UNIT,
        m.T,
        rule=lambda blk, g, t: (
            blk.p_mw[g, t] == sum(blk.p_segment_mw[g, j, t] for j in blk.SEGMENT)
        ),
    )
    return dt_h * sum(
        b.segment_slope_eur_per_mwh[g, j] * b.p_segment_mw[g, j, t]
        for g in units
        for j in range(k)
        for t in m.T
    )


def add_exact_quadratic_cost(
    b: pyo.Block,
    m: pyo.ConcreteModel,
    units: list[str],
    values: dict[str, dict[Any, float]],
    dt_h: float,
) -> None:
    """Declare the exact quadratic costs of ``units`` on block ``b`` (whose output is
    ``b.p_mw``): ``b.quadratic_cost_eur`` [EUR], outside the block's linear cost."""
    b.QUAD_UNIT = pyo.Set(initialize=units, ordered=True)
    b.quad_cost_eur_per_mw2h = pyo.Param(
        b.QUAD_UNIT, mutable=True, within=pyo.Reals, initialize=values["quad_cost_eur_per_mw2h"]
    )
    add_quadratic_terms(
        b,
        [
            QuadraticTerm(b.p_mw[g, t], b.quad_cost_eur_per_mw2h[g], dt_h)
            for g in units
            for t in m.T
        ],
    )
