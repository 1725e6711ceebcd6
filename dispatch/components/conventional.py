"""Conventional (thermal) units: marginal cost, emission factor, ramp limits, and
unit commitment (on/off states, minimum up/down times, start costs) as a MILP option."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from dispatch.components._indexing import store_param, units_by_bus
from dispatch.inputs import DispatchInputError, DispatchInputs

#: slack when turning hours into whole steps, so 3 h at 1 h per step is 3 steps, not 4
STEP_ROUNDING_TOL = 1e-9


@dataclass(frozen=True)
class _UnitData:
    """Plain per-unit data of one window, derived from the inputs (no pandas in rules)."""

    units: list[str]
    column: dict[str, dict[str, float]]
    p_initial_mw: dict[str, float]
    on_initial: dict[str, float]
    must_on: dict[tuple[str, int], float]
    must_off: dict[tuple[str, int], float]
    up_steps: dict[str, int]
    down_steps: dict[str, int]
    ramp_up_units: list[str]
    ramp_down_units: list[str]


def _steps(hours: float, dt_h: float) -> int:
    """Whole steps needed to cover ``hours`` [h] (0 if ``hours`` <= 0, also ``-inf``)."""
    if hours <= 0.0:
        return 0
    return math.ceil(hours / dt_h - STEP_ROUNDING_TOL)


def _unit_data(x: DispatchInputs) -> _UnitData:
    cv = x.conventional
    units = [str(u) for u in cv.index]
    column = {
        c: {str(u): float(v) for u, v in cv[c].astype(float).items()}
        for c in cv.columns
        if c != "bus"
    }
    state = x.conventional_state.reindex(cv.index)
    p0 = state["p_mw"].astype(float).fillna(0.0).to_numpy()
    on0 = state["on"].astype(float).fillna(0.0).to_numpy()
    hours = state["hours_in_state"].astype(float).fillna(np.inf).to_numpy()
    n = len(x.time)
    must_on: dict[tuple[str, int], float] = {}
    must_off: dict[tuple[str, int], float] = {}
    for j, g in enumerate(units):
        left_on = _steps(column["min_up_h"][g] - hours[j], x.dt_h) if on0[j] > 0.5 else 0
        left_off = _steps(column["min_down_h"][g] - hours[j], x.dt_h) if on0[j] <= 0.5 else 0
        for t in range(n):
            must_on[g, t] = 1.0 if t < left_on else 0.0
            must_off[g, t] = 1.0 if t < left_off else 0.0
    return _UnitData(
        units=units,
        column=column,
        p_initial_mw=dict(zip(units, map(float, p0), strict=True)),
        on_initial={g: 1.0 if v > 0.5 else 0.0 for g, v in zip(units, on0, strict=True)},
        must_on=must_on,
        must_off=must_off,
        up_steps={g: max(1, _steps(column["min_up_h"][g], x.dt_h)) for g in units},
        down_steps={g: max(1, _steps(column["min_down_h"][g], x.dt_h)) for g in units},
        ramp_up_units=[g for g in units if math.isfinite(column["ramp_up_mw_per_h"][g])],
        ramp_down_units=[g for g in units if math.isfinite(column["ramp_down_mw_per_h"][g])],
    )


def _structure(d: _UnitData, x: DispatchInputs) -> tuple[object, ...]:
    """What fixes the block's sets and constraints; an update must not change it."""
    return (
        tuple(d.units),
        len(x.time),
        x.dt_h,
        x.options.unit_commitment,
        tuple(d.ramp_up_units),
        tuple(d.ramp_down_units),
        tuple(sorted(d.up_steps.items())),
        tuple(sorted(d.down_steps.items())),
    )


def _param_values(d: _UnitData, dt_h: float) -> dict[str, dict]:
    """Values of every mutable parameter of the block, by parameter name."""
    c = d.column
    up = {g: c["ramp_up_mw_per_h"][g] * dt_h for g in d.ramp_up_units}
    down = {g: c["ramp_down_mw_per_h"][g] * dt_h for g in d.ramp_down_units}
    return {
        "p_min_mw": c["p_min_mw"],
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

    Without unit commitment (LP) the output is continuous down to zero:

    .. math::
        0 \le p_{g,t} \le \bar p_g

        p_{g,t} - p_{g,t-1} \le R^{up}_g \Delta t, \qquad
        p_{g,t-1} - p_{g,t} \le R^{dn}_g \Delta t

    :math:`\underline p_g` is **not** enforced: a unit may be off, and without
    binaries "off or above :math:`\underline p_g`" cannot be expressed, so the LP
    may run a unit below its minimum stable output.

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

        \mathrm{emissions} = \Delta t \sum_{g,t} \varepsilon_g\, p_{g,t}

    Costs, emission factors, output limits, the ramp limits per step
    ``ramp_up_mw`` = :math:`R^{up}_g \Delta t` and ``ramp_down_mw`` [MW], the
    allowances, the initial state (``p_initial_mw``, ``on_initial``) and the
    must-on/off flags are mutable parameters (:func:`update_conventional`).
    """
    b = pyo.Block()
    m.conventional = b
    d = _unit_data(x)
    values = _param_values(d, x.dt_h)
    uc = x.options.unit_commitment
    by_bus = units_by_bus(x.conventional["bus"])
    b.structure_key = _structure(d, x)
    b.UNIT = pyo.Set(initialize=d.units, ordered=True)
    b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
    b.RAMP_UP_UNIT = pyo.Set(within=b.UNIT, initialize=d.ramp_up_units, ordered=True)
    b.RAMP_DOWN_UNIT = pyo.Set(within=b.UNIT, initialize=d.ramp_down_units, ordered=True)
    for name in (
        "p_min_mw",
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
    b.p_mw = pyo.Var(b.UNIT, m.T, bounds=lambda blk, g, t: (0.0, blk.p_max_mw[g]))
    first = m.T.first()

    def p_prev(blk: pyo.Block, g: str, t: int) -> pyo.Expression:
        return blk.p_initial_mw[g] if t == first else blk.p_mw[g, m.T.prev(t)]

    if uc:
        _add_commitment(b, m, d, values)
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
    b.cost_eur = pyo.Expression(
        expr=dt * sum(b.cost_eur_per_mwh[g] * b.p_mw[g, t] for g in b.UNIT for t in m.T)
        + start_term
    )
    b.emissions_tco2 = pyo.Expression(
        expr=dt * sum(b.ef_tco2_per_mwh[g] * b.p_mw[g, t] for g in b.UNIT for t in m.T)
    )
    return b


def _add_commitment(
    b: pyo.Block, m: pyo.ConcreteModel, d: _UnitData, values: dict[str, dict]
) -> None:
    """Binaries, output range, state transitions, min up/down and initial conditions."""
    b.start_allowance_mw = _param(b.RAMP_UP_UNIT, values["start_allowance_mw"])
    b.stop_allowance_mw = _param(b.RAMP_DOWN_UNIT, values["stop_allowance_mw"])
    b.must_on = _param((b.UNIT, m.T), values["must_on"])
    b.must_off = _param((b.UNIT, m.T), values["must_off"])
    b.on = pyo.Var(b.UNIT, m.T, within=pyo.Binary)
    b.start = pyo.Var(b.UNIT, m.T, within=pyo.Binary)
    b.stop = pyo.Var(b.UNIT, m.T, within=pyo.Binary)
    b.p_min_on = pyo.Constraint(
        b.UNIT, m.T, rule=lambda blk, g, t: blk.p_mw[g, t] >= blk.p_min_mw[g] * blk.on[g, t]
    )
    b.p_max_on = pyo.Constraint(
        b.UNIT, m.T, rule=lambda blk, g, t: blk.p_mw[g, t] <= blk.p_max_mw[g] * blk.on[g, t]
    )
    first = m.T.first()

    def on_prev(blk: pyo.Block, g: str, t: int) -> pyo.Expression:
        return blk.on_initial[g] if t == first else blk.on[g, m.T.prev(t)]

    b.transition = pyo.Constraint(
        b.UNIT,
        m.T,
        rule=lambda blk, g, t: (
            blk.on[g, t] - on_prev(blk, g, t) == blk.start[g, t] - blk.stop[g, t]
        ),
    )
    up, down = d.up_steps, d.down_steps
    b.min_up = pyo.Constraint(
        b.UNIT,
        m.T,
        rule=lambda blk, g, t: (
            sum(blk.start[g, k] for k in range(max(0, t - up[g] + 1), t + 1)) <= blk.on[g, t]
        ),
    )
    b.min_down = pyo.Constraint(
        b.UNIT,
        m.T,
        rule=lambda blk, g, t: (
            sum(blk.stop[g, k] for k in range(max(0, t - down[g] + 1), t + 1)) <= 1 - blk.on[g, t]
        ),
    )
    b.initial_on = pyo.Constraint(
        b.UNIT, m.T, rule=lambda blk, g, t: blk.on[g, t] >= blk.must_on[g, t]
    )
    b.initial_off = pyo.Constraint(
        b.UNIT, m.T, rule=lambda blk, g, t: blk.on[g, t] <= 1 - blk.must_off[g, t]
    )


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
    if x.conventional.empty and len(blk.UNIT) == 0 and len(x.time) == len(blk.model().T):
        return  # no units: nothing to write
    d = _unit_data(x)
    key = _structure(d, x)
    if key != blk.structure_key:
        raise DispatchInputError(
            "conventional: the inputs change the block's structure (units, steps, "
            "unit_commitment, finite ramps or min up/down steps); rebuild the model"
        )
    for name, data in _param_values(d, x.dt_h).items():
        param = blk.component(name)
        if param is None:
            continue  # commitment parameters exist only with unit commitment
        store_param(param, data)
