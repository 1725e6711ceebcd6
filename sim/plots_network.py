"""Matplotlib figures of the AC power flow of a run: losses, voltages, branch loadings.

Each function takes :class:`sim.results.SimulationResults`, returns a Figure made
with :mod:`matplotlib.pyplot` (Agg backend) and shows nothing; the caller saves and
closes it. Steps whose power flow failed hold NaN and are left out.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.results import SimulationResults  # noqa: E402

#: voltage band used when the results carry no bus limits [pu] (EN 50160-like ±5 %)
VM_MIN_PU, VM_MAX_PU = 0.95, 1.05
#: thermal limit of a branch [%]
LOADING_LIMIT_PERCENT = 100.0


def extend_to_end(frame: pd.DataFrame | pd.Series, dt_h: float) -> pd.DataFrame | pd.Series:
    """Repeat the last row at the end of the last step (``t[-1] + dt_h``), so that a
    ``step(where="post")`` plot shows the last step too.

    Parameters
    ----------
    frame
        Values indexed by interval start (UTC time).
    dt_h
        Step length [h].
    """
    if len(frame) == 0:
        return frame
    end = frame.index[-1] + pd.Timedelta(hours=dt_h)
    last = frame.iloc[[-1]].copy()
    last.index = pd.DatetimeIndex([end], name=frame.index.name)
    return pd.concat([frame, last])


def voltage_limits_pu(r: SimulationResults) -> tuple[float, float]:
    """The strictest bus voltage limits of the grid [pu]: the highest ``vm_min_pu`` and
    the lowest ``vm_max_pu`` of the results' bus table, or 0.95 and 1.05 pu when the
    results carry no bus limits."""
    table = getattr(r, "bus_table", None)
    if isinstance(table, pd.DataFrame) and len(table):
        if {"vm_min_pu", "vm_max_pu"} <= set(table.columns):
            return float(table["vm_min_pu"].max()), float(table["vm_max_pu"].min())
    return VM_MIN_PU, VM_MAX_PU


def losses(r: SimulationResults) -> Figure:
    """AC losses of lines and transformers per step [MW], from ``losses_p_mw["total"]``,
    with the period's loss energy [MWh] in the title."""
    p_mw = r.losses_p_mw["total"].astype(float)
    e_mwh = float(np.nansum(p_mw.to_numpy())) * r.dt_h
    p_mw = extend_to_end(p_mw, r.dt_h)
    fig, ax = plt.subplots(figsize=(11, 3.0))
    ax.step(p_mw.index, p_mw.to_numpy(), where="post", color="#c0392b", lw=1.2)
    ax.fill_between(p_mw.index, p_mw.to_numpy(), step="post", color="#c0392b", alpha=0.25)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("AC losses [MW]")
    ax.set_title(f"Network losses from the AC power flow (total {e_mwh:.2f} MWh)")
    ax.margins(x=0)
    fig.autofmt_xdate()
    return fig


def voltage_envelope(
    r: SimulationResults, vm_min_pu: float | None = None, vm_max_pu: float | None = None
) -> Figure:
    """Lowest and highest bus voltage of each step [pu] with the voltage band drawn.

    Parameters
    ----------
    vm_min_pu, vm_max_pu
        Voltage limits drawn as dashed lines [pu]; by default the strictest bus
        limits, see :func:`voltage_limits_pu`.
    """
    default_min, default_max = voltage_limits_pu(r)
    vm_min_pu = default_min if vm_min_pu is None else vm_min_pu
    vm_max_pu = default_max if vm_max_pu is None else vm_max_pu
    vm = r.vm_pu.astype(float)
    n_bus = vm.shape[1]
    vm = extend_to_end(vm, r.dt_h)
    t = vm.index
    low = vm.min(axis=1).to_numpy()
    high = vm.max(axis=1).to_numpy()
    fig, ax = plt.subplots(figsize=(11, 3.5))
    ax.fill_between(t, low, high, step="post", color="#4c9be8", alpha=0.3, label="all buses")
    ax.step(t, high, where="post", color="#1f4e79", lw=1.2, label="max")
    ax.step(t, low, where="post", color="#4c9be8", lw=1.2, label="min")
    for limit in (vm_min_pu, vm_max_pu):
        ax.axhline(limit, color="r", ls="--", lw=1.0)
    ax.text(t[0], vm_max_pu, f" {vm_max_pu:.3f} pu", color="r", va="bottom", fontsize=8)
    ax.text(t[0], vm_min_pu, f" {vm_min_pu:.3f} pu", color="r", va="top", fontsize=8)
    finite = np.concatenate([low[np.isfinite(low)], high[np.isfinite(high)]])
    lo = min([vm_min_pu, *finite]) if len(finite) else vm_min_pu
    hi = max([vm_max_pu, *finite]) if len(finite) else vm_max_pu
    pad = 0.1 * (hi - lo)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_ylabel("bus voltage [pu]")
    ax.set_title(f"Voltage envelope over {n_bus} buses (AC power flow)")
    ax.legend(loc="center right", ncol=3, fontsize=8)
    ax.margins(x=0)
    fig.autofmt_xdate()
    return fig


def _duration(loading_percent: pd.DataFrame) -> np.ndarray:
    """Highest loading of each step, sorted descending, NaN steps dropped [%]."""
    if loading_percent.shape[1] == 0:
        return np.array([])
    peak = loading_percent.astype(float).max(axis=1).to_numpy()
    return np.sort(peak[np.isfinite(peak)])[::-1]


def loading_duration(r: SimulationResults) -> Figure:
    """Loading duration curves: the highest line and transformer loading of each step,
    sorted descending, against the time it is reached or exceeded [h]; the thermal
    limit (100 %) is drawn."""
    fig, ax = plt.subplots(figsize=(11, 3.5))
    curves = {
        f"lines ({r.line_loading_percent.shape[1]})": (_duration(r.line_loading_percent), "k"),
        f"transformers ({r.trafo_loading_percent.shape[1]})": (
            _duration(r.trafo_loading_percent),
            "#a0522d",
        ),
    }
    top = LOADING_LIMIT_PERCENT
    for label, (curve, colour) in curves.items():
        if len(curve) == 0:
            continue
        hours = np.arange(len(curve) + 1) * r.dt_h
        ax.step(
            hours,
            np.append(curve, curve[-1]),
            where="post",
            color=colour,
            lw=1.4,
            label=f"max over {label}",
        )
        top = max(top, float(curve[0]))
    ax.axhline(LOADING_LIMIT_PERCENT, color="r", ls="--", lw=1.0, label="thermal limit")
    ax.set_xlim(0, max(len(r.line_loading_percent), 1) * r.dt_h)
    ax.set_ylim(0, 1.08 * top)
    ax.set_xlabel("duration at or above loading [h]")
    ax.set_ylabel("loading [%]")
    ax.set_title("Branch loading duration curve (AC power flow)")
    ax.legend(loc="upper right", fontsize=8)
    return fig
