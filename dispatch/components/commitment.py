"""Unit commitment of conventional units (MILP option): on/start/stop binaries,
minimum up and down times, output range when on, and the state before the window."""

from __future__ import annotations

import pyomo.environ as pyo


def _param(index: object, values: dict) -> pyo.Param:
    """A mutable real parameter over ``index`` (a set or a tuple of sets)."""
    sets = index if isinstance(index, tuple) else (index,)
    return pyo.Param(*sets, mutable=True, within=pyo.Reals, initialize=values)


def add_commitment(
    b: pyo.Block,
    m: pyo.ConcreteModel,
    up: dict[str, int],
    down: dict[str, int],
    values: dict[str, dict],
) -> None:
    """Add the binaries, output range, state transitions, minimum up/down times
    (``up``, ``down`` in steps per unit) and initial conditions to the conventional
    block ``b`` (equations in :func:`dispatch.components.conventional.build_conventional`);
    ``values`` are the block's parameter values by name."""
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
