"""The state of conventional units carried between rolling windows: output, on/off
state and hours in that state."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: the state of the units before the window: power [MW], on (0/1), hours the unit
#: has been in that on/off state [h]
CONVENTIONAL_STATE = ("p_mw", "on", "hours_in_state")


def default_state(n_units: int) -> dict[str, np.ndarray]:
    """State of units with no history: off at 0 MW, long enough to be free to start."""
    return {
        "p_mw": np.zeros(n_units),
        "on": np.zeros(n_units),
        "hours_in_state": np.full(n_units, np.inf),
    }


def state_after(
    before: Mapping[str, np.ndarray], p_mw: np.ndarray, on: np.ndarray, dt_h: float
) -> dict[str, np.ndarray]:
    """State of the units after the committed steps of a window.

    Parameters
    ----------
    before
        State before the window (:data:`CONVENTIONAL_STATE`, arrays by unit).
    p_mw, on
        Committed output [MW] and on/off state (1.0/0.0), steps x units.
    dt_h
        Step length [h].

    Returns
    -------
    dict
        ``p_mw`` and ``on`` of the last committed step, and ``hours_in_state``: the
        hours the unit has been in that state, counting back through the committed
        steps and, if the state did not change in the window, the hours before it.
    """
    n_units = p_mw.shape[1]
    prior = {**default_state(n_units), **before}
    states = on > 0.5
    last = states[-1]
    changed = states != last[None, :]
    # steps since the last change: rows after the last row that differs from the end
    any_change = changed.any(axis=0)
    last_change = np.where(any_change, len(states) - 1 - np.argmax(changed[::-1], axis=0), -1)
    hours = (len(states) - 1 - last_change) * dt_h
    same = ~any_change & ((np.asarray(prior["on"]) > 0.5) == last)
    hours = np.where(same, hours + np.asarray(prior["hours_in_state"], dtype=float), hours)
    return {"p_mw": p_mw[-1].copy(), "on": last.astype(float), "hours_in_state": hours}
