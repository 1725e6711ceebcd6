"""Time-series AC power flow of realised set-points.

This is the only module that runs the power flow on the realised set-points. It
takes them per pandapower element table (:class:`grid.injections.Injection`), in
that table's sign convention (:data:`grid.injections.SETPOINT_TABLES`); the asset
families turn their own directional quantities into these.

Engines
-------
``pgm`` (default)
    power-grid-model's batch Newton-Raphson on pandapower's own per-unit model
    (:mod:`grid.pgm_engine`): all hours in one call. Steps it does not solve are
    retried with pandapower; a network it cannot convert exactly (PV generators,
    voltage-dependent loads, ...) is run with pandapower throughout.
``pandapower``
    ``pandapower.runpp`` (Newton-Raphson, ``numba=False``) hour by hour: the
    reference, and the fallback of the fast engine.

Both give the same results: on SimBench ``1-MV-rural--0-sw`` with a battery over
168 h from 2016-07-04 the largest differences were 5e-9 relative in the losses,
2e-9 pu in the voltages and 2e-7 percentage points in the loadings
(tests/grid/test_powerflow_engines.py checks 1e-4, 1e-6 pu and 1e-4 points).

Measured on that grid, 168 h from 2016-07-04 (no storage), wall time of the whole
call per hour, three runs on a 2-core machine shared with other jobs (load ~2.5);
numba 0.68 and lightsim2grid 1.2 installed only for the measurement:

==============================================  ====================
pandapower ``runpp``, ``numba=False``           32 / 49 / 50 ms/h
pandapower ``runpp``, ``numba=True``            25 / 27 / 40 ms/h
pandapower ``runpp``, ``lightsim2grid=True``    32 / 35 / 56 ms/h
``pgm`` (power-grid-model 1.12 batch)           0.60 / 0.65 / 1.2 ms/h
``pgm``, a whole year (8760 h)                  0.18 ms/h (1.6 s)
==============================================  ====================

Of the ``pgm`` time, the batch solve is 0.12-0.14 ms/h; the rest is a fixed ~0.1 s
(one pandapower run to build the model, the copy of the net). numba and
lightsim2grid, used through ``runpp``, keep pandapower's per-call overhead
(building the model each hour) and agreed with the reference within 3e-10.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field

import numpy as np
import pandapower as pp
import pandas as pd
from power_grid_model.errors import PowerGridError

from grid.injections import SETPOINT_TABLES, Injection, SetPoints
from grid.pgm_engine import UnsupportedNetworkError, run_pgm_timeseries
from grid.powerflow_failures import failure_frame, failure_reason, lossless_exchange_mw, net_load_mw

logger = logging.getLogger(__name__)

#: names accepted by ``run_ac_timeseries(engine=...)``
ENGINES = ("pgm", "pandapower")


@dataclass(frozen=True)
class PowerFlowResults:
    """AC power flow results per time step (rows) and element (columns, by name).

    Attributes
    ----------
    ext_grid_p_mw
        Power drawn from the external grid [MW] (> 0 import, < 0 export), one column
        per external grid.
    losses_p_mw
        Active losses of all lines and transformers [MW] (column ``total``): the sum
        of ``line_pl_mw`` and ``trafo_pl_mw``.
    injection_balance_p_mw
        Net sum of all bus injections [MW] (ext grids + gens + sgens - loads - the
        storage table's consumption - shunts); equals the losses when the flow is
        solved (column ``total``).
    vm_pu, line_loading_percent, trafo_loading_percent
        Bus voltages [pu] and branch loadings [%].
    line_pl_mw, trafo_pl_mw
        Active losses of each line and transformer [MW] (pandapower's ``pl_mw``),
        for losses per branch and per voltage level.
    converged
        Whether the power flow converged (column ``converged``); failed steps hold
        NaN, except ``ext_grid_p_mw``, which holds the lossless balance of the step's
        injections (split equally between the external grids in service) so that energy, cost
        and emissions still count the step.
    failures
        One row per failed step (its time): ``reason`` (why it failed) and
        ``net_load_p_mw`` (loads minus generation and storage output [MW]).
    """

    ext_grid_p_mw: pd.DataFrame
    losses_p_mw: pd.DataFrame
    injection_balance_p_mw: pd.DataFrame
    vm_pu: pd.DataFrame
    line_loading_percent: pd.DataFrame
    trafo_loading_percent: pd.DataFrame
    converged: pd.DataFrame
    line_pl_mw: pd.DataFrame
    trafo_pl_mw: pd.DataFrame
    failures: pd.DataFrame = field(default_factory=lambda: failure_frame(pd.Index([]), [], []))


@dataclass(frozen=True)
class StepArrays:
    """Power flow results of a run as arrays: rows are time steps, columns are the
    elements of the net's tables in their order.

    Attributes
    ----------
    converged
        (T,) whether the step was solved.
    ext_grid_p_mw
        (T, n_ext_grid) power supplied by each external grid [MW].
    injection_balance_p_mw
        (T,) net sum of all bus injections [MW].
    vm_pu
        (T, n_bus) voltage magnitude [pu].
    line_pl_mw, trafo_pl_mw
        (T, n_line), (T, n_trafo) active losses of each branch [MW].
    line_loading_percent, trafo_loading_percent
        (T, n_line), (T, n_trafo) branch loading [%].
    """

    converged: np.ndarray
    ext_grid_p_mw: np.ndarray
    injection_balance_p_mw: np.ndarray
    vm_pu: np.ndarray
    line_pl_mw: np.ndarray
    trafo_pl_mw: np.ndarray
    line_loading_percent: np.ndarray
    trafo_loading_percent: np.ndarray
    #: why each failed step failed (by step position)
    reasons: dict[int, str] = field(default_factory=dict)
    #: (T,) loads minus generation and storage output of each step [MW]
    net_load_p_mw: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def empty(cls, n_steps: int, net: pp.pandapowerNet) -> StepArrays:
        """All-NaN arrays (nothing converged) sized for ``net``."""

        def nan(width: int) -> np.ndarray:
            return np.full((n_steps, width), np.nan)

        return cls(
            converged=np.zeros(n_steps, dtype=bool),
            ext_grid_p_mw=nan(len(net.ext_grid)),
            injection_balance_p_mw=np.full(n_steps, np.nan),
            vm_pu=nan(len(net.bus)),
            line_pl_mw=nan(len(net.line)),
            trafo_pl_mw=nan(len(net.trafo)),
            line_loading_percent=nan(len(net.line)),
            trafo_loading_percent=nan(len(net.trafo)),
            net_load_p_mw=np.full(n_steps, np.nan),
        )


def _positions(net: pp.pandapowerNet, table: str, names: pd.Index) -> np.ndarray:
    lookup = pd.Series(net[table].index, index=net[table]["name"].to_numpy())
    missing = names.difference(lookup.index)
    if len(missing):
        raise KeyError(f"{table}: unknown names {list(missing)[:5]}")
    return lookup.loc[names].to_numpy()


def run_ac_timeseries(
    net: pp.pandapowerNet,
    injections: dict[str, Injection],
    *,
    engine: str = "pgm",
) -> PowerFlowResults:
    """Run an AC Newton-Raphson power flow for every time step.

    Parameters
    ----------
    net
        The network with all assets; it is not modified (a copy is used).
    injections
        Set-points by pandapower table (:func:`combined_injections`), each in that
        table's sign convention [MW], [Mvar]; elements not given keep the net's
        values.
    engine
        ``"pgm"`` (power-grid-model batch, pandapower per failed step) or
        ``"pandapower"`` (``runpp`` per step); see the module docstring.

    Returns
    -------
    PowerFlowResults
        Non-converged steps are flagged and hold NaN; the run continues.

    Raises
    ------
    ValueError
        If ``engine`` is not one of :data:`ENGINES`.
    KeyError
        If a column names no element of the net.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown power-flow engine {engine!r}; choose one of {ENGINES}")
    net = copy.deepcopy(net)
    index = next(iter(injections.values())).p_mw.index
    points: dict[str, SetPoints] = {}
    for name in sorted(injections, key=list(SETPOINT_TABLES).index):
        inj, table = injections[name], SETPOINT_TABLES[name]
        q = inj.q_mvar if inj.q_mvar is not None else 0.0 * inj.p_mw
        points[name] = SetPoints(
            table,
            _positions(net, name, inj.p_mw.columns),
            inj.p_mw.to_numpy(float),
            q.to_numpy(float) if table.sets_q else None,
        )
    for table in SETPOINT_TABLES.values():
        if table.q_zero:
            net[table.name]["q_mvar"] = 0.0
    out = StepArrays.empty(len(index), net)
    if engine == "pgm":
        try:
            ok, values = run_pgm_timeseries(net, list(points.values()))
        except UnsupportedNetworkError as exc:
            logger.warning(
                "power-grid-model engine cannot model this grid (%s); using pandapower", exc
            )
        except (PowerGridError, pp.LoadflowNotConverged) as exc:
            logger.warning("power-grid-model engine failed (%s); using pandapower", exc)
        else:
            out.converged[:] = ok
            for name, array in values.items():
                getattr(out, name)[ok] = array
            if not ok.all():
                logger.info(
                    "pandapower retries %d steps power-grid-model did not solve", (~ok).sum()
                )
    todo = np.flatnonzero(~out.converged)
    _run_pandapower(net, list(points.values()), todo, index, out)
    if not out.converged.all():
        n_failed = int((~out.converged).sum())
        logger.warning("AC power flow failed in %d of %d steps", n_failed, len(index))
    return _to_results(net, index, out)


def _run_pandapower(
    net: pp.pandapowerNet,
    points: list[SetPoints],
    steps: np.ndarray,
    index: pd.Index,
    out: StepArrays,
) -> None:
    """Solve ``steps`` with ``pandapower.runpp`` one by one, writing into ``out``."""
    init = "auto"
    for k in steps:
        for sp in points:
            sp.write(net, int(k))
        out.net_load_p_mw[k] = net_load_mw(net)
        if not _runpp(net, init) and not (init == "results" and _runpp(net, "auto")):
            reason = failure_reason(net)
            if reason is None:
                logger.info("AC power flow at %s converged by the damped Newton method", index[k])
            else:
                logger.warning("AC power flow did not converge at %s: %s", index[k], reason)
                out.reasons[int(k)] = reason
                out.ext_grid_p_mw[k] = lossless_exchange_mw(net, out.net_load_p_mw[k])
                init = "auto"
                continue
        init = "results"
        out.converged[k] = True
        out.ext_grid_p_mw[k] = net.res_ext_grid["p_mw"].to_numpy()
        # every bus's net demand, the external grids' supply included: minus the losses
        out.injection_balance_p_mw[k] = -float(np.nansum(net.res_bus["p_mw"].to_numpy()))
        out.vm_pu[k] = net.res_bus["vm_pu"].to_numpy()
        out.line_pl_mw[k] = net.res_line["pl_mw"].to_numpy()
        out.trafo_pl_mw[k] = net.res_trafo["pl_mw"].to_numpy()
        out.line_loading_percent[k] = net.res_line["loading_percent"].to_numpy()
        out.trafo_loading_percent[k] = net.res_trafo["loading_percent"].to_numpy()


def _runpp(net: pp.pandapowerNet, init: str) -> bool:
    """``pandapower.runpp``; False if it does not converge. A warm start from the
    previous step's results can fail where a fresh start succeeds (isolated buses
    hold NaN), so callers retry a failed warm start with ``init="auto"``."""
    try:
        pp.runpp(net, init=init, numba=False)
    except pp.LoadflowNotConverged:
        return False
    return True


def _to_results(net: pp.pandapowerNet, index: pd.Index, out: StepArrays) -> PowerFlowResults:
    def frame(values: np.ndarray, columns: object) -> pd.DataFrame:
        return pd.DataFrame(values, index=index, columns=pd.Index(columns))

    losses = np.nansum(out.line_pl_mw, axis=1) + np.nansum(out.trafo_pl_mw, axis=1)
    losses[~out.converged] = np.nan
    return PowerFlowResults(
        ext_grid_p_mw=frame(out.ext_grid_p_mw, net.ext_grid["name"].astype(str).to_numpy()),
        losses_p_mw=frame(losses[:, None], ["total"]),
        injection_balance_p_mw=frame(out.injection_balance_p_mw[:, None], ["total"]),
        vm_pu=frame(out.vm_pu, net.bus["name"].to_numpy()),
        line_loading_percent=frame(out.line_loading_percent, net.line["name"].to_numpy()),
        trafo_loading_percent=frame(out.trafo_loading_percent, net.trafo["name"].to_numpy()),
        converged=frame(out.converged[:, None], ["converged"]),
        line_pl_mw=frame(out.line_pl_mw, net.line["name"].to_numpy()),
        trafo_pl_mw=frame(out.trafo_pl_mw, net.trafo["name"].to_numpy()),
        failures=failure_frame(
            index[sorted(out.reasons)],
            [out.reasons[k] for k in sorted(out.reasons)],
            [out.net_load_p_mw[k] for k in sorted(out.reasons)],
        ),
    )
