"""Padding a shorter window to the length of a model built for longer ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatch.inputs import DispatchInputError, DispatchInputs


def padded(x: DispatchInputs, n_steps: int) -> DispatchInputs:
    """Window ``x`` padded with zero-data steps to ``n_steps`` steps.

    The added steps continue the time index at ``dt_h``; every family pads its
    series (:meth:`dispatch.family.AssetFamily.pad`: zero by default) and the
    loss estimates are zero there, and ``n_active`` is the number of steps of
    ``x``, so a model built for ``n_steps`` can take the window by an update
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
    losses = x.branch_loss_mw
    if losses is not None:
        losses = np.vstack([losses, np.zeros((n_steps - n, losses.shape[1]))])
    return x.derived(
        time=x.time.append(extra),
        assets={k: d.family.pad(d, n_steps) for k, d in x.assets.items()},
        branch_loss_mw=losses,
        n_active=x.steps_active,
    )
