"""Steps whose AC power flow fails: one more try with a damped Newton method, the
reason when that fails too, the step's net load (what the external grids supply,
losses aside) and the table of failed steps (:mod:`grid.powerflow`)."""

from __future__ import annotations

import contextlib
import io
import logging

import numpy as np
import pandapower as pp
import pandas as pd

from grid.injections import SETPOINT_TABLES

logger = logging.getLogger(__name__)

#: iterations of the damped (Iwamoto) Newton-Raphson tried after a failed power flow
ROBUST_ITERATIONS = 50


def _in_service_sum(table: pd.DataFrame, column: str) -> float:
    if not len(table):
        return 0.0
    on = table["in_service"].astype(bool) if "in_service" in table else True
    scaling = table["scaling"].astype(float) if "scaling" in table else 1.0
    return float((table[column].astype(float) * scaling).where(on, 0.0).sum())


def net_load_mw(net: pp.pandapowerNet) -> float:
    """Consumption minus generation of the elements of every set-point table
    (:data:`grid.injections.SETPOINT_TABLES`) of ``net`` [MW]: what the external
    grids supply, losses aside."""
    return sum(
        t.consumption_sign * _in_service_sum(net[t.name], "p_mw") for t in SETPOINT_TABLES.values()
    )


def failure_reason(net: pp.pandapowerNet) -> str | None:
    """Try the step once more with a damped Newton method from a flat start; None if
    that converges (the results are in ``net``), else why the step fails."""
    for table in SETPOINT_TABLES.values():
        rows = net[table.name]
        for column in ("p_mw", "q_mvar") if table.sets_q else ("p_mw",):
            if not len(rows):
                continue
            values = rows[column].to_numpy(dtype=float)
            bad = ~np.isfinite(values) & rows["in_service"].astype(bool).to_numpy()
            if bad.any():
                name = rows["name"].to_numpy()[bad][0]
                return f"the {table.name} '{name}' has no finite {column}"
    try:
        # pandapower prints the damping factor of every iteration (the worker processes
        # of a study are single-threaded, so redirecting the process's stdout is safe)
        with contextlib.redirect_stdout(io.StringIO()):
            pp.runpp(
                net,
                init="flat",
                algorithm="iwamoto_nr",
                max_iteration=ROBUST_ITERATIONS,
                numba=False,
            )
    except pp.LoadflowNotConverged:
        pass
    else:
        return None
    return (
        "Newton-Raphson did not converge, nor did the damped Newton method in "
        f"{ROBUST_ITERATIONS} iterations from a flat start: the grid cannot carry the "
        f"step's net load of {net_load_mw(net):.4g} MW (voltage collapse) or an "
        "element's parameters are wrong; the step's voltages, loadings and losses are "
        "left out of the KPIs"
    )


def failure_frame(index: pd.Index, reasons: list[str], net_load_p_mw: list[float]) -> pd.DataFrame:
    """The failed steps ``index`` with their ``reason`` and ``net_load_p_mw`` [MW]."""
    return pd.DataFrame(
        {
            "reason": pd.Series(reasons, dtype=object),
            "net_load_p_mw": np.asarray(net_load_p_mw, dtype=float),
        }
    ).set_axis(index)


def lossless_exchange_mw(net: pp.pandapowerNet, net_load_mw: float) -> np.ndarray:
    """Per external grid of ``net`` (in table order), its share of ``net_load_mw``
    [MW] for a step without a power flow: split equally between those in service
    (nothing for those out of service)."""
    on = net.ext_grid["in_service"].astype(bool).to_numpy()
    if not on.any():
        logger.warning("no external grid in service: the failed step's exchange is not counted")
        return np.zeros(len(on))
    return np.where(on, net_load_mw / on.sum(), 0.0)
