"""From charging sessions to the arrays of the EV block, and back to sessions.

Sessions are placed on the run's steps: a vehicle is plugged in from the first step
starting at or after its arrival to the last step ending at or before its departure
(a session shorter than one step is dropped). Each session enters the dispatch model
at its *model arrival*: its arrival with ``foresight: perfect``; otherwise the start
of the first dispatch window that begins at or after its arrival (the dispatch
knows a session only from its arrival), having charged uncontrolled until then.

For every window, :func:`window_series` sums the sessions of each unit into power
limits and envelopes of the energy stored since the model arrival, of the vehicles
staying and of those leaving (see :class:`dispatch.components.ev.EVCharging`). The
lower envelope of a session's energy at the end of step :math:`k` is

.. math::
    \\underline e_{s,k} = \\min\\big(e^{reach}_{s,k},\\ \\max(e^{min}_s,\\
        e^{target}_s - \\eta_s \\bar p_s \\Delta t\\,(k_{dep,s} - 1 - k))\\big)

(what it must hold to still reach its target at full power, never more than it can
reach from its model arrival at full power, and at least its minimum state of
charge), so the envelopes of every unit are feasible (charging every vehicle at
full power from its model arrival meets them) and a single session is modelled
exactly; summed over a station's vehicles they are a relaxation.
:func:`disaggregate` splits a unit's charging (earliest departure first) and
discharging (in proportion to the energy each vehicle holds above its envelope) back
to its sessions and reports what each vehicle leaves with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SessionArrays:
    """Sessions on the run's steps (one entry per session, positions in steps).

    Attributes
    ----------
    unit
        Unit (station or session) index of each session.
    arrive, depart
        First plugged step and the step after the last plugged one (``depart`` may
        lie beyond the run).
    model_arrive
        Step at which the session enters the dispatch model (see module docstring).
    p_charge_mw, p_discharge_mw
        Charging and discharging power limits [MW] (discharge 0 without V2G).
    e_battery_mwh, e_arrive_mwh, e_target_mwh, e_min_mwh
        Battery, energy at arrival, energy needed at departure and minimum energy
        (minimum state of charge) [MWh].
    e_model_mwh
        Energy at the model arrival [MWh] (after uncontrolled charging before it).
    eff_charge
        Charging efficiency [-].
    uncontrolled
        True for sessions of uncontrolled units.
    foreseen
        True for sessions the dispatch knows before they arrive (``foresight: perfect``).
    dt_h
        Step length [h].
    """

    unit: np.ndarray
    arrive: np.ndarray
    depart: np.ndarray
    model_arrive: np.ndarray
    p_charge_mw: np.ndarray
    p_discharge_mw: np.ndarray
    e_battery_mwh: np.ndarray
    e_arrive_mwh: np.ndarray
    e_target_mwh: np.ndarray
    e_min_mwh: np.ndarray
    e_model_mwh: np.ndarray
    eff_charge: np.ndarray
    uncontrolled: np.ndarray
    foreseen: np.ndarray
    dt_h: float

    @property
    def rate_mwh(self) -> np.ndarray:
        """Energy stored per step at full charging power [MWh]."""
        return self.eff_charge * self.p_charge_mw * self.dt_h


def step_positions(
    sessions: pd.DataFrame, index: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray]:
    """First plugged step and the step after the last plugged one of each session on
    the run's ``index`` (regular steps; positions may lie outside ``[0, len)``)."""
    dt = index[1] - index[0] if len(index) > 1 else pd.Timedelta(hours=1)
    start = index[0]
    a = (pd.DatetimeIndex(sessions["arrival"]) - start) / dt
    d = (pd.DatetimeIndex(sessions["departure"]) - start) / dt
    return np.ceil(np.asarray(a, dtype=float) - 1e-9).astype(int), np.floor(
        np.asarray(d, dtype=float) + 1e-9
    ).astype(int)


def model_arrival(arrive: np.ndarray, window_steps: int | None, perfect: bool) -> np.ndarray:
    """The step each session enters the model: its arrival (clipped to the run's
    start) with perfect foresight, else the first window start at or after it."""
    a = np.maximum(arrive, 0)
    if perfect or not window_steps:
        return a
    return -(-a // window_steps) * window_steps


def _expand(first: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(entry, step) pairs for steps ``first[i] .. stop[i] - 1`` of every entry."""
    length = np.maximum(stop - first, 0)
    entry = np.repeat(np.arange(len(first)), length)
    offset = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    return entry, first[entry] + offset


def _sum(
    rows: np.ndarray, units: np.ndarray, values: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    flat = np.bincount(rows * shape[1] + units, weights=values, minlength=shape[0] * shape[1])
    return flat.reshape(shape)


def uncontrolled_p_mw(
    s: SessionArrays, first: np.ndarray, stop: np.ndarray, n: int, n_units: int
) -> np.ndarray:
    """Power of charging at full power until full [MW] (steps x units) over steps
    ``first .. stop - 1`` of each session, starting at its arrival energy at
    ``arrive``."""
    i, k = _expand(first, stop)
    keep = (k >= 0) & (k < n)
    i, k = i[keep], k[keep]
    j = k - s.arrive[i]
    e0, cap, rate = s.e_arrive_mwh[i], s.e_battery_mwh[i], s.rate_mwh[i]
    stored = np.minimum(cap, np.maximum(e0 + rate * (j + 1), e0)) - np.minimum(
        cap, np.maximum(e0 + rate * j, e0)
    )
    power = np.maximum(stored, 0.0) / (s.eff_charge[i] * s.dt_h)
    return _sum(k, s.unit[i], power, (n, n_units))


def lower_envelope_mwh(s: SessionArrays, i: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The lower envelope of sessions ``i`` at the end of steps ``k`` [MWh]."""
    rate = s.rate_mwh[i]
    reach = np.minimum(s.e_battery_mwh[i], s.e_model_mwh[i] + rate * (k - s.model_arrive[i] + 1))
    need = s.e_target_mwh[i] - rate * (s.depart[i] - 1 - k)
    return np.maximum(np.minimum(reach, np.maximum(s.e_min_mwh[i], need)), 0.0)


def _stored_bounds(s: SessionArrays, i: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bound of the energy sessions ``i`` have stored since their
    model arrival at the end of steps ``k`` [MWh] (at least 0 without V2G: their
    energy never falls)."""
    e0 = s.e_model_mwh[i]
    reach = np.minimum(s.e_battery_mwh[i], e0 + s.rate_mwh[i] * (k - s.model_arrive[i] + 1))
    lo = lower_envelope_mwh(s, i, k) - e0
    lo = np.where(s.p_discharge_mw[i] > 0, lo, np.maximum(lo, 0.0))
    return lo, reach - e0


def window_series(s: SessionArrays, at0: int, n_steps: int, n_units: int) -> dict[str, np.ndarray]:
    """The EV block's series (steps x units) of the window of ``n_steps`` steps from
    run step ``at0``, from the sessions the dispatch knows then."""
    shape = (n_steps, n_units)
    end = at0 + n_steps
    known = (s.model_arrive <= at0) | s.foreseen
    sel = np.flatnonzero(
        known & (s.model_arrive < end) & (s.depart > at0) & (s.model_arrive < s.depart)
    )
    out = {}
    controlled = sel[~s.uncontrolled[sel]]
    first = np.maximum(s.model_arrive[controlled], at0)
    i, k = _expand(first, np.minimum(s.depart[controlled], end))
    i = controlled[i]
    rows, units = k - at0, s.unit[i]
    lo, hi = _stored_bounds(s, i, k)
    stay = k < s.depart[i] - 1
    go = ~stay
    out["e_min_mwh"] = _sum(rows[stay], units[stay], lo[stay], shape)
    out["e_max_mwh"] = _sum(rows[stay], units[stay], hi[stay], shape)
    out["e_leave_min_mwh"] = _sum(rows[go], units[go], lo[go], shape)
    out["e_leave_max_mwh"] = _sum(rows[go], units[go], hi[go], shape)
    out["p_charge_max_mw"] = _sum(rows, units, s.p_charge_mw[i], shape)
    out["p_discharge_max_mw"] = _sum(rows, units, s.p_discharge_mw[i], shape)
    fixed = sel[s.uncontrolled[sel]]
    sub = _subset(s, fixed)
    first_f, stop = np.maximum(sub.arrive, at0), np.minimum(sub.depart, end)
    out["p_fixed_mw"] = uncontrolled_p_mw(sub, first_f, stop, end, n_units)[at0:end]
    return out


def _subset(s: SessionArrays, i: np.ndarray) -> SessionArrays:
    fields = {f: getattr(s, f)[i] for f in SessionArrays.__dataclass_fields__ if f != "dt_h"}
    return SessionArrays(**fields, dt_h=s.dt_h)


def _first_come(
    u: np.ndarray, rank: np.ndarray, room: np.ndarray, want: np.ndarray, n_units: int
) -> np.ndarray:
    """Give each unit's ``want`` to its entries in the order ``rank`` (sorted by
    unit first), each up to its ``room``."""
    ur, rr = u[rank], room[rank]
    cum = np.cumsum(rr)
    start = np.searchsorted(ur, np.arange(n_units))
    before = np.concatenate([[0.0], cum])[start][ur]
    got = np.clip(np.maximum(want, 0.0)[ur] - (cum - rr - before), 0.0, rr)
    out = np.empty(len(u))
    out[rank] = got
    return out


def disaggregate(
    s: SessionArrays, charge_mw: np.ndarray, discharge_mw: np.ndarray, eff_discharge: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Split each unit's charging and discharging [MW] (steps x units) over its
    controlled sessions from their model arrival, and return per session the energy
    at departure ``e_departure_mwh``, the shortfall ``shortfall_mwh`` (target minus
    that, at least 0), the energy charged and discharged [MWh] and the power that
    found no vehicle ``unallocated_mwh`` (0 if the split is feasible). Sessions that
    leave after the run report NaN at departure. Also returns the energy of each
    unit's steered vehicles at the end of every step [MWh] (steps x units).

    Charging goes to the vehicles leaving first, first up to what each needs (its
    target), then up to a full battery (each within its charger); discharging is
    shared in proportion to what each V2G vehicle can give above its lower envelope
    at the end of the step.
    """
    n, n_units = charge_mw.shape
    dt = s.dt_h
    idx = np.flatnonzero(~s.uncontrolled & (s.model_arrive < np.minimum(s.depart, n)))
    order = idx[np.argsort(s.model_arrive[idx], kind="stable")]
    arrivals = s.model_arrive[order]
    e = np.zeros(len(s.unit))
    charged, discharged = np.zeros(len(s.unit)), np.zeros(len(s.unit))
    e_dep = np.full(len(s.unit), np.nan)
    unallocated = np.zeros(len(s.unit))
    active = np.zeros(0, dtype=int)
    plugged = np.zeros((n, n_units))
    nxt = 0
    for t in range(n):
        start, nxt = nxt, int(np.searchsorted(arrivals, t, side="right"))
        new = order[start:nxt]
        e[new] = s.e_model_mwh[new]
        active = np.concatenate([active, new])
        if not len(active):
            continue
        u = s.unit[active]
        want = discharge_mw[t]
        d = np.zeros(len(active))
        if (want > 1e-12).any():
            floor = lower_envelope_mwh(s, active, np.full(len(active), t))
            give = np.minimum(
                s.p_discharge_mw[active],
                np.maximum(e[active] - floor, 0.0) * eff_discharge[u] / dt,
            )
            total = np.bincount(u, weights=give, minlength=n_units)
            share = np.divide(want, total, out=np.zeros(n_units), where=total > 1e-12)
            d = give * np.minimum(share, 1.0)[u]
        per_mwh = 1.0 / (s.eff_charge[active] * dt)
        after = e[active] - d * dt / eff_discharge[u]
        need = np.clip((s.e_target_mwh[active] - after) * per_mwh, 0.0, s.p_charge_mw[active])
        rank = np.lexsort((s.depart[active], u))
        c = _first_come(u, rank, need, charge_mw[t], n_units)
        full = np.clip((s.e_battery_mwh[active] - after) * per_mwh, 0.0, s.p_charge_mw[active])
        rest = charge_mw[t] - np.bincount(u, weights=c, minlength=n_units)
        c += _first_come(u, rank, np.maximum(full - c, 0.0), rest, n_units)
        e[active] += dt * (s.eff_charge[active] * c - d / eff_discharge[u])
        charged[active] += c * dt
        discharged[active] += d * dt
        missing_c = charge_mw[t] - np.bincount(u, weights=c, minlength=n_units)
        missing_d = want - np.bincount(u, weights=d, minlength=n_units)
        lost = np.maximum(missing_c, 0.0) + np.maximum(missing_d, 0.0)
        for unit in np.flatnonzero(lost > 1e-9):
            unallocated[active[u == unit][0]] += lost[unit] * dt
        plugged[t] = np.bincount(u, weights=e[active], minlength=n_units)
        leaving = s.depart[active] - 1 == t
        e_dep[active[leaving]] = e[active[leaving]]
        active = active[~leaving]
    # sessions charged uncontrolled throughout (uncontrolled units, or gone before
    # the dispatch knew them)
    alone = np.setdiff1d(np.arange(len(s.unit)), idx)
    full = np.minimum(
        s.e_battery_mwh[alone],
        np.maximum(
            s.e_arrive_mwh[alone] + s.rate_mwh[alone] * (s.depart[alone] - s.arrive[alone]),
            s.e_arrive_mwh[alone],
        ),
    )
    e_dep[alone] = np.where(s.depart[alone] <= n, full, np.nan)
    charged[alone] = np.where(
        s.depart[alone] <= n, (full - s.e_arrive_mwh[alone]) / s.eff_charge[alone], np.nan
    )
    charged[idx] += (s.e_model_mwh[idx] - s.e_arrive_mwh[idx]) / s.eff_charge[idx]
    short = np.maximum(s.e_target_mwh - e_dep, 0.0)
    table = pd.DataFrame(
        {
            "e_departure_mwh": e_dep,
            "shortfall_mwh": short,
            "charged_mwh": charged,
            "discharged_mwh": discharged,
            "unallocated_mwh": unallocated,
        }
    )
    return table, plugged
