"""Padding a shorter window to the length of a model built for longer ones."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from dispatch.inputs import DispatchInputError, DispatchInputs


def padded(x: DispatchInputs, n_steps: int) -> DispatchInputs:
    """Window ``x`` padded with zero-data steps to ``n_steps`` steps.

    The added steps continue the time index at ``dt_h``; demand, availability,
    prices, emission factors, reactive demand, loss estimates and the schedule are
    zero there, and ``n_active`` is the number of steps of ``x``, so a model built
    for ``n_steps`` can take the window by an update
    (:func:`dispatch.model.update_model`) and the solver leaves the padding out
    (:class:`dispatch.array_solver.ArrayDispatchSolver`). Static data and the
    state at the window start are those of ``x``.

    Raises
    ------
    DispatchInputError
        If ``n_steps`` is less than the steps of ``x``.
    """
    n = len(x.time)
    if n_steps < n:
        raise DispatchInputError(f"n_steps: {n_steps} is less than the window's {n} steps")
    if n_steps == n:
        return x
    step = pd.Timedelta(hours=x.dt_h)
    extra = pd.date_range(x.time[-1] + step, periods=n_steps - n, freq=step, name=x.time.name)
    index = x.time.append(extra)

    def pad(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame.reindex(index, fill_value=0.0)

    sched = x.grid_schedule_mw
    return replace(
        x,
        load_p_mw=pad(x.load_p_mw),
        renewable_p_mw=pad(x.renewable_p_mw),
        grid=pad(x.grid),
        load_q_mvar=pad(x.load_q_mvar),
        branch_loss_mw=pad(x.branch_loss_mw),
        grid_schedule_mw=None if sched is None else sched.reindex(index, fill_value=0.0),
        n_active=x.steps_active,
    )
