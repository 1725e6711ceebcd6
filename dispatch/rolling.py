"""Receding horizon: solve windows in turn, commit their first hours, carry state.

A window's model is built once and re-used for the next windows (shorter ones padded):
:func:`dispatch.model.update_model` writes the next window's data into its mutable
parameters and the solver (:func:`load_solver`) pushes only those
into the model HiGHS holds (see ARCHITECTURE.md, section 4).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.array_solver import ArrayDispatchSolver, NotPaddableError
from dispatch.extract import DispatchResult, concat_results, extract
from dispatch.inputs import DispatchInputs
from dispatch.lp_compile import NotAffineError
from dispatch.model import build_model, update_model
from dispatch.padding import padded
from dispatch.solve import PersistentDispatchSolver, SolveStatus
from dispatch.solve_status import TIME_LIMITED, DispatchSolveError
from dispatch.window_failure import window_error

logger = logging.getLogger(__name__)

#: builds the inputs of one window from its time steps (with the state at the start
#: of the period; :func:`run_rolling` replaces it by the carried state after the first)
InputsFor = Callable[[pd.DatetimeIndex], DispatchInputs]
#: the state carried between windows: per family name, its state arrays by name
WindowState = dict[str, dict[str, np.ndarray]]


@dataclass(frozen=True)
class RollingStats:
    """Timings and solver outcomes of a rolling run.

    Attributes
    ----------
    windows
        Number of windows solved.
    build_time_s, update_time_s, solve_time_s, solver_time_s, extract_time_s
        Summed time constructing models, writing window data into built models, in the
        solver interface (loading models into HiGHS or pushing changed data, and
        solving), inside HiGHS and extracting results [s].
    statuses
        One :class:`SolveStatus` per window.
    models_built
        Number of Pyomo models built: one, plus one per change of structure
        (:func:`same_structure`), plus, without padding (interface ``pyomo``), one
        per further window length (the last windows may be shorter than the
        others); where padding fails (a model that does not compile, or a
        constraint that looks ahead) one per shorter window; one per window with
        ``rebuild``.
    """

    windows: int
    build_time_s: float
    solve_time_s: float
    solver_time_s: float
    extract_time_s: float
    statuses: tuple[SolveStatus, ...]
    update_time_s: float = 0.0
    models_built: int = 0


@dataclass
class _Loaded:
    """A built model, its persistent solver and the inputs it was built from."""

    model: pyo.ConcreteModel
    solver: PersistentDispatchSolver | ArrayDispatchSolver
    built_from: DispatchInputs


#: the solver interfaces of :func:`run_rolling`
INTERFACES = ("arrays", "pyomo")


def load_solver(
    m: pyo.ConcreteModel, interface: str = "arrays"
) -> PersistentDispatchSolver | ArrayDispatchSolver:
    """The solver that keeps model ``m`` loaded in HiGHS.

    ``arrays``: :class:`dispatch.array_solver.ArrayDispatchSolver` (compiled once,
    data pushed as arrays), or the Pyomo persistent interface if the model does not
    compile; ``pyomo``: :class:`dispatch.solve.PersistentDispatchSolver`.
    """
    if interface not in INTERFACES:
        raise ValueError(f"interface must be one of {INTERFACES}, not {interface!r}")
    if interface == "arrays":
        try:
            return ArrayDispatchSolver(m)
        except NotAffineError as err:
            logger.info("model does not compile to arrays (%s): Pyomo persistent interface", err)
    return PersistentDispatchSolver(m)


def _frames_equal(a: pd.DataFrame | pd.Series, b: pd.DataFrame | pd.Series) -> bool:
    return a is b or (a.shape == b.shape and bool(a.equals(b)))


def same_structure(a: DispatchInputs, b: DispatchInputs) -> bool:
    """Whether a model built from ``a`` can take the data of ``b`` by an update.

    True when everything :func:`dispatch.model.build_model` fixes at build time is
    equal: number of steps, ``dt_h``, options, the families in their order and, for
    each, what :meth:`dispatch.family.AssetFamily.same_structure` compares (the
    unit table, the series given), and the network data. Time series and the
    state at the window start may differ (see :func:`dispatch.model.update_model`).
    """
    if (len(a.time), a.dt_h, a.options) != (len(b.time), b.dt_h, b.options):
        return False
    if list(a.assets) != list(b.assets):
        return False
    for k, da in a.assets.items():
        db = b.assets[k]
        if da.family is not db.family or not da.family.same_structure(da, db):
            return False
    na, nb = a.network, b.network
    if na is nb:
        return True
    if na is None or nb is None:
        return False
    if (na.base_mva, na.slack_bus, na.slack_vm_pu) != (nb.base_mva, nb.slack_bus, nb.slack_vm_pu):
        return False
    return all(
        _frames_equal(p, q)
        for p, q in (
            (na.bus_table, nb.bus_table),
            (na.branches, nb.branches),
            (na.bus_map, nb.bus_map),
        )
    )


def state_after(x: DispatchInputs, part: DispatchResult) -> WindowState:
    """The state of every family at the end of the committed part ``part`` of
    window ``x`` (:meth:`dispatch.family.AssetFamily.state_after`)."""
    out: WindowState = {}
    for k, d in x.assets.items():
        state = d.family.state_after(d, part.assets[k], x.dt_h)
        if state:
            out[k] = state
    return out


def _solve(
    solver: PersistentDispatchSolver | ArrayDispatchSolver,
    time_limit_s: float,
    emission_sensitivities: bool,
    n_active: int | None,
) -> SolveStatus:
    """One solve of a loaded model; ``n_active`` only for a padded window (arrays)."""
    if n_active is not None:
        if not isinstance(solver, ArrayDispatchSolver):
            raise TypeError("only the array solver can leave the padding of a window out")
        return solver.solve(
            time_limit_s=time_limit_s,
            emission_sensitivities=emission_sensitivities,
            n_active=n_active,
        )
    return solver.solve(time_limit_s=time_limit_s, emission_sensitivities=emission_sensitivities)


def window_plan(n_steps: int, window: int, horizon: int) -> list[tuple[int, int]]:
    """``(first step, number of steps)`` of every window: ``horizon`` steps cut at the
    end of the period, starting every ``window`` steps."""
    return [(start, min(horizon, n_steps - start)) for start in range(0, n_steps, window)]


def run_rolling(
    time_index: pd.DatetimeIndex,
    dt_h: float,
    inputs_for: InputsFor,
    window_h: float | None = None,
    horizon_h: float | None = None,
    network_model: str = "copperplate",
    time_limit_s: float = 300.0,
    rebuild: bool = False,
    emission_sensitivities: bool = False,
    interface: str = "arrays",
    on_window: Callable[[int, DispatchInputs], None] | None = None,
    dump_model: Path | None = None,
    stage: str = "",
) -> tuple[DispatchResult, RollingStats]:
    """Dispatch ``time_index`` window by window.

    Each window optimises ``horizon_h`` hours (cut at the end of the period) from
    inputs made by ``inputs_for`` and commits its first ``window_h`` hours; every
    family's state at the end of the committed hours (:func:`state_after`, from
    each family's :meth:`dispatch.family.AssetFamily.state_after`) replaces the
    state of the next window's inputs (the first window keeps the state
    ``inputs_for`` gave it).
    Without ``window_h``/``horizon_h`` the whole period is one window.

    A model is built for the first window and re-used: a later window updates
    its data (:func:`dispatch.model.update_model`) and re-solves it with the model
    still loaded in HiGHS (:func:`load_solver`); it is rebuilt instead if its
    inputs differ in structure (:func:`same_structure`). The shorter windows at
    the end of the period are padded to the horizon with zero-data steps that the
    solver leaves out (:func:`dispatch.padding.padded`; same optimum as a model of
    their own length) with the ``arrays`` interface; with ``pyomo``, or where a
    model cannot leave padding out, each length gets its own model. A model is
    dropped once no later window needs it.

    Parameters
    ----------
    time_index
        All time steps of the period (UTC interval starts).
    dt_h
        Step length [h].
    inputs_for
        ``window time steps -> DispatchInputs`` (:data:`InputsFor`).
    window_h, horizon_h
        Committed and optimised hours per window [h].
    network_model
        Network model of the dispatch (see :func:`dispatch.model.build_model`).
    time_limit_s
        HiGHS time limit per window [s].
    rebuild
        Build and load a new model for every window (the behaviour before models
        were re-used; for comparisons and timing).
    emission_sensitivities
        Compute the marginal emission factors of every window
        (``DispatchResult.lmef_tco2_per_mwh``; NaN without).
    interface
        How a model is kept in HiGHS (:func:`load_solver`): ``arrays`` (default,
        the fast path) or ``pyomo`` (Pyomo's persistent interface, the reference).
    on_window
        Called with the position and the inputs of every window as solved (with the
        carried state, before padding), e.g. to keep windows for a comparison.
    dump_model
        Where to write the model of a window that fails to solve (``.lp`` or
        ``.mps``).
    stage
        What this run of windows is (``day-ahead``, ``intraday``...), for messages.

    Raises
    ------
    DispatchSolveError
        If a window has no solution (:class:`dispatch.solve.DispatchInfeasible` with
        the conflicting limits, :class:`dispatch.solve_status.DispatchTimeLimit`):
        the message names the window, the reason and the fix
        (:func:`dispatch.window_failure.window_error`).
    """
    n = len(time_index)
    horizon = n if horizon_h is None else max(1, round(horizon_h / dt_h))
    window = horizon if window_h is None else max(1, round(window_h / dt_h))
    window = min(window, horizon)
    plan = window_plan(n, window, horizon)
    pad = interface == "arrays" and not rebuild
    can_pad = pad  # cleared once padding fails (Pyomo fallback, or a look-ahead constraint)
    later = Counter(horizon if pad else length for _, length in plan)
    loaded: dict[int, _Loaded] = {}
    parts: list[DispatchResult] = []
    statuses: list[SolveStatus] = []
    t_build = t_update = t_solve = t_solver = t_extract = 0.0
    built = 0
    state: WindowState = {}
    for start, length in plan:
        steps = time_index[start : start + length]
        x = inputs_for(steps).with_states(state)
        if on_window is not None:
            on_window(len(parts), x)
        key = horizon if pad else length
        later[key] -= 1
        t0 = time.perf_counter()
        cur = loaded.get(key)
        fits = cur is not None and (
            length == key or (can_pad and isinstance(cur.solver, ArrayDispatchSolver))
        )
        xm = padded(x, key) if fits and length < key else x
        status = None
        solved = xm  # the inputs of the model solved (the padded window, if padded)
        if cur is not None and fits and same_structure(cur.built_from, xm):
            update_model(cur.model, xm)
            t_update += time.perf_counter() - t0
            t1 = time.perf_counter()
            try:
                status = _solve(cur.solver, time_limit_s, emission_sensitivities, xm.n_active)
            except NotPaddableError as err:
                logger.info("window at %s: %s; constructing a model of its length", steps[0], err)
                t_solve += time.perf_counter() - t1
                can_pad = False
            except DispatchSolveError as err:
                raise window_error(
                    err, cur.solver, x, len(parts), len(plan), dump_model, stage
                ) from err
        elif cur is not None and length == key:
            logger.info("window at %s differs in structure: constructing its model anew", steps[0])
        # a new model: padded to the horizon if this window is shorter (then kept for
        # the later windows), of the window's own length if padding fails
        for xb in [padded(x, key), x] if length < key and can_pad else [x]:
            if status is not None:
                break
            t0 = time.perf_counter()
            m = build_model(xb, network_model)
            cur = _Loaded(model=m, solver=load_solver(m, interface), built_from=xb)
            built += 1
            t_build += time.perf_counter() - t0
            t1 = time.perf_counter()
            if xb.n_active is not None and not isinstance(cur.solver, ArrayDispatchSolver):
                logger.info("window at %s: the model did not compile; no padding", steps[0])
                can_pad = False
                continue
            try:
                status = _solve(cur.solver, time_limit_s, emission_sensitivities, xb.n_active)
            except NotPaddableError as err:
                logger.info("window at %s: %s; constructing a model of its length", steps[0], err)
                can_pad = False
                continue
            except DispatchSolveError as err:
                raise window_error(
                    err, cur.solver, x, len(parts), len(plan), dump_model, stage
                ) from err
            solved = xb
            if len(xb.time) == key and not rebuild:
                loaded[key] = cur
        assert status is not None and cur is not None
        if rebuild or later[key] == 0:
            loaded.pop(key, None)
        t2 = time.perf_counter()
        solution = cur.solver.solution if isinstance(cur.solver, ArrayDispatchSolver) else None
        # read at the model's length (index arrays cached once), cut to the commitment
        part = extract(cur.model, solved, solution).head(min(window, length), length)
        t3 = time.perf_counter()
        t_solve, t_extract = t_solve + t2 - t1, t_extract + t3 - t2
        t_solver += status.solver_time_s
        if status.termination == TIME_LIMITED:
            logger.warning(
                "window %s..%s: time limit reached, the best dispatch found is kept",
                steps[0],
                steps[-1],
            )
        statuses.append(status)
        parts.append(part)
        state = state_after(x, part)
        logger.debug("window %s..%s solved in %.3f s", steps[0], steps[-1], t2 - t1)
    stats = RollingStats(
        windows=len(parts),
        build_time_s=t_build,
        solve_time_s=t_solve,
        solver_time_s=t_solver,
        extract_time_s=t_extract,
        statuses=tuple(statuses),
        update_time_s=t_update,
        models_built=built,
    )
    return concat_results(parts), stats
