r"""Convex generation costs as linear segments (the LP stays an LP): quadratic costs
approximated, piecewise-linear cost curves exactly; or quadratic costs exact (a QP
for HiGHS, :func:`add_exact_quadratic_cost`).

A unit :math:`g` with segments has output :math:`p_{g,t} = \sum_j s_{g,j,t}`,
:math:`0 \le s_{g,j,t} \le w_{g,j}`, and the cost
:math:`\Delta t \sum_{g,j,t} c_{g,j} s_{g,j,t}`; the slopes :math:`c_{g,j}` increase
with :math:`j`, so an optimum fills the segments in order and the cost is the
piecewise-linear curve through the segment ends.

*Quadratic* cost :math:`q_g p^2` per hour (:math:`q_g` > 0, [EUR/(MW^2 h)]):
:math:`K` segments of width :math:`\Delta_g = \bar p_g / K` over
:math:`[0, \bar p_g]` with the secant slopes of :math:`q_g p^2` between their ends,
:math:`c_{g,j} = q_g ((j+1)^2 - j^2) \Delta_g = q_g (2j+1) \Delta_g`. The cost is the
interpolation of :math:`q_g p^2` at the breakpoints :math:`j \Delta_g`: exact there
and above the quadratic in between, by at most :math:`q_g \Delta_g^2 / 4` per hour
(mid-segment).

*Cost curve* (:mod:`dispatch.components.cost_curve`, pandapower ``pwl_cost``): one
segment per range of the curve, its width and marginal cost; exact.

Units with fewer segments than the most of any unit get segments of zero width.
Widths and slopes are mutable parameters; which units have segments and how many
are fixed when the block is built.

*Exact quadratic* (:func:`add_exact_quadratic_cost`): the block declares the terms
:math:`\Delta t\, q_g p_{g,t}^2` (:mod:`dispatch.quadratic_objective`) and the model
is a convex QP; the coefficients are mutable parameters ``quad_cost_eur_per_mw2h``.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from dispatch.components.cost_curve import Curve, widths_and_slopes
from dispatch.quadratic_objective import QuadraticTerm, add_quadratic_terms


def segment_count(quadratic_units: list[str], k: int, curves: dict[str, Curve]) -> int:
    """Segments per unit of the block: the most of any unit (0: none)."""
    return max([k if quadratic_units else 0, *(len(c) for c in curves.values())])


def segment_values(
    quadratic_units: list[str],
    q_eur_per_mw2h: dict[str, float],
    p_max_mw: dict[str, float],
    k: int,
    curves: dict[str, Curve],
) -> dict[str, dict[Any, float]]:
    """The segment widths [MW] and slopes [EUR/MWh] by parameter name, of the
    ``quadratic_units`` (``k`` segments each; ``k = 0``: exact, their quadratic
    coefficients [EUR/(MW^2 h)] instead) and of the units with a cost curve."""
    out: dict[str, dict[Any, float]] = {}
    n = segment_count([] if k == 0 else quadratic_units, k, curves)
    if k == 0:
        out["quad_cost_eur_per_mw2h"] = {g: q_eur_per_mw2h[g] for g in quadratic_units}
        quadratic_units = []
    if not n:
        return out
    width: dict[Any, float] = {}
    slope: dict[Any, float] = {}
    for g in quadratic_units:
        w = p_max_mw[g] / k
        for j in range(n):
            width[g, j] = w if j < k else 0.0
            slope[g, j] = q_eur_per_mw2h[g] * (2 * j + 1) * w if j < k else 0.0
    for g, curve in curves.items():
        widths, slopes = widths_and_slopes(curve)
        for j in range(n):
            width[g, j] = widths[j] if j < len(widths) else 0.0
            slope[g, j] = slopes[j] if j < len(slopes) else 0.0
    return {**out, "segment_mw": width, "segment_slope_eur_per_mwh": slope}


def max_error_eur_per_h(q_eur_per_mw2h: float, p_max_mw: float, k: int) -> float:
    """Largest overestimate of a unit's hourly quadratic cost by its segments [EUR/h]."""
    return q_eur_per_mw2h * (p_max_mw / k) ** 2 / 4.0


def add_cost_segments(
    b: pyo.Block,
    m: pyo.ConcreteModel,
    units: list[str],
    n: int,
    values: dict[str, dict[Any, float]],
    dt_h: float,
) -> Any:
    """Add ``n`` segments per unit of ``units`` to block ``b`` (whose output is
    ``b.p_mw``) and return their cost over the window [EUR] (an expression)."""
    b.SEGMENT_UNIT = pyo.Set(initialize=units, ordered=True)
    b.SEGMENT = pyo.RangeSet(0, n - 1)
    b.segment_mw = pyo.Param(
        b.SEGMENT_UNIT, b.SEGMENT, mutable=True, within=pyo.Reals, initialize=values["segment_mw"]
    )
    b.segment_slope_eur_per_mwh = pyo.Param(
        b.SEGMENT_UNIT,
        b.SEGMENT,
        mutable=True,
        within=pyo.Reals,
        initialize=values["segment_slope_eur_per_mwh"],
    )
    b.p_segment_mw = pyo.Var(
        b.SEGMENT_UNIT, b.SEGMENT, m.T, bounds=lambda blk, g, j, t: (0.0, blk.segment_mw[g, j])
    )
    b.segment_sum = pyo.Constraint(
        b.SEGMENT_UNIT,
        m.T,
        rule=lambda blk, g, t: (
            blk.p_mw[g, t] == sum(blk.p_segment_mw[g, j, t] for j in blk.SEGMENT)
        ),
    )
    return dt_h * sum(
        b.segment_slope_eur_per_mwh[g, j] * b.p_segment_mw[g, j, t]
        for g in units
        for j in range(n)
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
