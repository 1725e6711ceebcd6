"""Conventional (thermal) units: marginal cost, emission factor, ramp limits, and
unit commitment (on/off states, minimum up/down times, start costs) as a MILP option.

This module builds and updates the units' block; the asset family (its unit table's
checks, results and state) is :mod:`dispatch.components.conventional_family`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from dispatch.components.block_data import store_param, units_by_bus
from dispatch.components.commitment import add_commitment
from dispatch.components.conventional_data import (
    CONVENTIONAL_COLUMNS,
    CONVENTIONAL_ON_TOL_MW,
    MUST_RUN,
    QUADRATIC_COST,
    UnitData,
    structure,
    unit_data,
)
from dispatch.components.conventional_state import CONVENTIONAL_STATE
from dispatch.components.cost_segments import (
    add_cost_segments,
    add_exact_quadratic_cost,
    segment_count,
    segment_values,
)
from dispatch.family import DispatchInputError

if TYPE_CHECKING:
    from dispatch.inputs import DispatchInputs

__all__ = [
    "CONVENTIONAL_COLUMNS",
    "CONVENTIONAL_ON_TOL_MW",
    "CONVENTIONAL_STATE",
    "MUST_RUN",
    "QUADRATIC_COST",
    "build_conventional",
    "update_conventional",
]


def _segments(x: DispatchInputs) -> int:
    """Segments per quadratic cost; 0 for exact quadratic costs."""
    return 0 if x.options.quadratic_cost == "exact" else x.options.cost_segments


def _param_values(d: UnitData, dt_h: float, segments: int) -> dict[str, dict]:
    """Values of every mutable parameter of the block, by parameter name (with
    ``segments`` per quadratic cost, 0 for exact ones,
    :mod:`dispatch.components.cost_segments`)."""
    c = d.column
    up = {g: c["ramp_up_mw_per_h"][g] * dt_h for g in d.ramp_up_units}
    down = {g: c["ramp_down_mw_per_h"][g] * dt_h for g in d.ramp_down_units}
    return {
        "p_min_mw": c["p_min_mw"],
        "p_floor_mw": {g: c["p_min_mw"][g] * c[MUST_RUN][g] for g in d.units},
        "p_max_mw": c["p_max_mw"],
        "cost_eur_per_mwh": c["cost_eur_per_mwh"],
        "ef_tco2_per_mwh": c["ef_tco2_per_mwh"],
        "start_cost_eur": c["start_cost_eur"],
        "p_initial_mw": d.p_initial_mw,
        "on_initial": d.on_initial,
        "ramp_up_mw": up,
        "ramp_down_mw": down,
        "start_allowance_mw": {g: max(0.0, c["p_min_mw"][g] - up[g]) for g in up},
        "stop_allowance_mw": {g: max(0.0, c["p_min_mw"][g] - down[g]) for g in down},
        "must_on": d.must_on,
        "must_off": d.must_off,
        **segment_values(d.quadratic_units, c[QUADRATIC_COST], c["p_max_mw"], segments, d.curves),
    }


def _param(index: object, values: dict) -> pyo.Param:
    """A mutable real parameter over ``index`` (a set or a tuple of sets)."""
    sets = index if isinstance(index, tuple) else (index,)
    return pyo.Param(*sets, mutable=True, within=pyo.Reals, initialize=values)


def build_conventional(m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
    r"""Add block ``m.conventional`` for all conventional units.

    For unit :math:`g` at bus :math:`b(g)` and step :math:`t` of length
    :math:`\Delta t` [h], with output :math:`p_{g,t}` [MW], marginal cost
    :math:`c_g` [EUR/MWh], emission factor :math:`\varepsilon_g` [tCO2/MWh] and ramp
    rates :math:`R^{up}_g, R^{dn}_g` [MW/h]; :math:`p_{g,-1} = p^0_g` and
    :math:`u_{g,-1} = u^0_g` are the state before the window.

    Without unit commitment (LP) the output is continuous down to zero, or down to
    :math:`\underline p_g` for a unit that must run (:data:`MUST_RUN`, always on):

    .. math::
        \underline p_g m_g \le p_{g,t} \le \bar p_g

        p_{g,t} - p_{g,t-1} \le R^{up}_g \Delta t, \qquad
        p_{g,t-1} - p_{g,t} \le R^{dn}_g \Delta t

    with :math:`m_g = 1` for a must-run unit, 0 otherwise. For the others
    :math:`\underline p_g` is **not** enforced: a unit may be off, and without
    binaries "off or above :math:`\underline p_g`" cannot be expressed, so the LP
    may run it below its minimum stable output. With unit commitment a must-run
    unit is on in every step (:math:`\mathrm{must\_on}_{g,t} = 1`).

    With unit commitment (``options.unit_commitment``, MILP) the binaries
    :math:`u_{g,t}` (on), :math:`v_{g,t}` (start) and :math:`w_{g,t}` (stop) add

    .. math::
        \underline p_g u_{g,t} \le p_{g,t} \le \bar p_g u_{g,t}

        u_{g,t} - u_{g,t-1} = v_{g,t} - w_{g,t}

        \sum_{\tau = t - U_g + 1}^{t} v_{g,\tau} \le u_{g,t}, \qquad
        \sum_{\tau = t - D_g + 1}^{t} w_{g,\tau} \le 1 - u_{g,t}

        u_{g,t} \ge \mathrm{must\_on}_{g,t}, \qquad u_{g,t} \le 1 - \mathrm{must\_off}_{g,t}

        p_{g,t} - p_{g,t-1} \le R^{up}_g \Delta t
            + \max(0, \underline p_g - R^{up}_g \Delta t)\, v_{g,t}

        p_{g,t-1} - p_{g,t} \le R^{dn}_g \Delta t
            + \max(0, \underline p_g - R^{dn}_g \Delta t)\, w_{g,t}

    with :math:`U_g = \max(1, \lceil T^{up}_g / \Delta t \rceil)` and
    :math:`D_g = \max(1, \lceil T^{dn}_g / \Delta t \rceil)` steps (sums start at
    :math:`\tau = 0`). A unit on for :math:`h^0_g < T^{up}_g` hours before the window
    has :math:`\mathrm{must\_on}_{g,t} = 1` for its first
    :math:`\lceil (T^{up}_g - h^0_g)/\Delta t \rceil` steps, and likewise
    :math:`\mathrm{must\_off}` for a unit off for less than :math:`T^{dn}_g`. The
    ramp allowances let a unit start at, or stop from, :math:`\underline p_g` even
    if it ramps slower than that. Ramp constraints are left out where a rate is
    ``inf``.

    Injection, cost [EUR] (start cost :math:`c^{start}_g` [EUR] only with unit
    commitment) and emissions [tCO2]:

    .. math::
        \mathrm{injection}_{b,t} = \sum_{g: b(g)=b} p_{g,t}

        \mathrm{cost} = \Delta t \sum_{g,t} c_g\, p_{g,t} + \sum_{g,t} c^{start}_g v_{g,t}

    plus, for units with a quadratic cost coefficient (column :data:`QUADRATIC_COST`),
    its piecewise-linear segments (:mod:`dispatch.components.cost_segments`,
    ``options.cost_segments`` of them), or with ``options.quadratic_cost = "exact"``
    the quadratic terms themselves (a QP, outside ``cost_eur``); for units with a
    cost curve (column :data:`dispatch.components.cost_curve.COST_CURVE`) one
    segment per range of the curve:

        \mathrm{emissions} = \Delta t \sum_{g,t} \varepsilon_g\, p_{g,t}

    Costs, emission factors, output limits, the ramp limits per step
    ``ramp_up_mw`` = :math:`R^{up}_g \Delta t` and ``ramp_down_mw`` [MW], the
    allowances, the initial state (``p_initial_mw``, ``on_initial``) and the
    must-on/off flags are mutable parameters (:func:`update_conventional`).
    """
    b = pyo.Block()
    m.conventional = b
    d = unit_data(x)
    values = _param_values(d, x.dt_h, _segments(x))
    uc = x.options.unit_commitment
    by_bus = units_by_bus(x.assets["conventional"].units["bus"])
    b.structure_key = structure(d, x)
    b.UNIT = pyo.Set(initialize=d.units, ordered=True)
    b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
    b.RAMP_UP_UNIT = pyo.Set(within=b.UNIT, initialize=d.ramp_up_units, ordered=True)
    b.RAMP_DOWN_UNIT = pyo.Set(within=b.UNIT, initialize=d.ramp_down_units, ordered=True)
    for name in (
        "p_min_mw",
        "p_floor_mw",
        "p_max_mw",
        "cost_eur_per_mwh",
        "ef_tco2_per_mwh",
        "start_cost_eur",
        "p_initial_mw",
        "on_initial",
    ):
        b.add_component(name, _param(b.UNIT, values[name]))
    b.ramp_up_mw = _param(b.RAMP_UP_UNIT, values["ramp_up_mw"])
    b.ramp_down_mw = _param(b.RAMP_DOWN_UNIT, values["ramp_down_mw"])
    b.p_mw = pyo.Var(b.UNIT, m.T, bounds=lambda blk, g, t: (blk.p_floor_mw[g], blk.p_max_mw[g]))
    first = m.T.first()

    def p_prev(blk: pyo.Block, g: str, t: int) -> pyo.Expression:
        return blk.p_initial_mw[g] if t == first else blk.p_mw[g, m.T.prev(t)]

    if uc:
        add_commitment(b, m, d.up_steps, d.down_steps, values)
        start_term = sum(b.start_cost_eur[g] * b.start[g, t] for g in b.UNIT for t in m.T)
        b.ramp_up = pyo.Constraint(
            b.RAMP_UP_UNIT,
            m.T,
            rule=lambda blk, g, t: (
                blk.p_mw[g, t] - p_prev(blk, g, t)
                <= blk.ramp_up_mw[g] + blk.start_allowance_mw[g] * blk.start[g, t]
            ),
        )
        b.ramp_down = pyo.Constraint(
            b.RAMP_DOWN_UNIT,
            m.T,
            rule=lambda blk, g, t: (
                p_prev(blk, g, t) - blk.p_mw[g, t]
                <= blk.ramp_down_mw[g] + blk.stop_allowance_mw[g] * blk.stop[g, t]
            ),
        )
    else:
        start_term = 0.0
        b.ramp_up = pyo.Constraint(
            b.RAMP_UP_UNIT,
            m.T,
            rule=lambda blk, g, t: blk.p_mw[g, t] - p_prev(blk, g, t) <= blk.ramp_up_mw[g],
        )
        b.ramp_down = pyo.Constraint(
            b.RAMP_DOWN_UNIT,
            m.T,
            rule=lambda blk, g, t: p_prev(blk, g, t) - blk.p_mw[g, t] <= blk.ramp_down_mw[g],
        )
    b.injection_mw = pyo.Expression(
        b.BUS, m.T, rule=lambda blk, bus, t: sum(blk.p_mw[g, t] for g in by_bus[bus])
    )
    dt = x.dt_h
    exact = _segments(x) == 0
    if d.quadratic_units and exact:
        add_exact_quadratic_cost(b, m, d.quadratic_units, values, dt)
    quadratic_segmented = [] if exact else d.quadratic_units
    segmented = quadratic_segmented + list(d.curves)
    n = segment_count(quadratic_segmented, _segments(x), d.curves)
    quadratic = add_cost_segments(b, m, segmented, n, values, dt) if segmented else 0.0
    b.cost_eur = pyo.Expression(
        expr=dt * sum(b.cost_eur_per_mwh[g] * b.p_mw[g, t] for g in b.UNIT for t in m.T)
        + start_term
        + quadratic
    )
    b.emissions_tco2 = pyo.Expression(
        expr=dt * sum(b.ef_tco2_per_mwh[g] * b.p_mw[g, t] for g in b.UNIT for t in m.T)
    )
    return b


def update_conventional(blk: pyo.Block, x: DispatchInputs) -> None:
    """Set the mutable parameters of block ``blk`` (from :func:`build_conventional`)
    to the data and state of ``x``, so the window can be re-solved without rebuilding.

    Costs, emission factors, output and ramp limits, the state before the window and
    the must-on/off flags it implies are updated.

    Raises
    ------
    DispatchInputError
        If ``x`` changes what the block's structure depends on: the units, the
        number or length of steps, the unit-commitment option, which ramp rates are
        finite, or the minimum up/down times in steps.
    """
    if (
        x.assets["conventional"].units.empty
        and len(blk.UNIT) == 0
        and len(x.time) == len(blk.model().T)
    ):
        return  # no units: nothing to write
    d = unit_data(x)
    key = structure(d, x)
    if key != blk.structure_key:
        raise DispatchInputError(
            "conventional: the inputs change the block's structure (units, steps, "
            "unit_commitment, finite ramps or min up/down steps); rebuild the model"
        )
    for name, data in _param_values(d, x.dt_h, _segments(x)).items():
        param = blk.component(name)
        if param is None:
            continue  # commitment parameters exist only with unit commitment
        store_param(param, data)
