"""Solve a dispatch model through its compiled array form, with HiGHS kept loaded.

The fast path of the rolling horizon: :func:`dispatch.lp_compile.compile_lp` turns
the built Pyomo model once into vectors affine in its mutable parameters; each
later solve reads the parameter values (written by
:func:`dispatch.model.update_model`), evaluates the LP vectors with a few sparse
products, pushes the entries that changed into the loaded ``highspy.Highs`` and
reads the solution back as arrays (:class:`ArraySolution`). No Pyomo expression is
walked and no Pyomo variable is touched per window.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo

from dispatch.array_solution import ArraySolution, basis_sensitivities
from dispatch.components.block_data import ParamMirror
from dispatch.gc_pause import gc_paused
from dispatch.highs_load import lp_vectors, pass_model, push_changes
from dispatch.highs_quiet import quiet_highs_banner
from dispatch.highs_run import run_once, run_to_optimum
from dispatch.infeasibility import Label, labels
from dispatch.lp_compile import CompiledLP, compile_lp
from dispatch.solution_check import built_coefficients, check_compiled
from dispatch.solve_status import DispatchSolveError, SolveStatus

logger = logging.getLogger(__name__)

#: linear expressions of the model compiled with it, for reporting and marginal emissions
FORMS = ("cost_eur", "emissions_tco2")


class NotPaddableError(DispatchSolveError):
    """A padded window cannot be solved in the longer model: a constraint of a step
    inside the window refers to a step after it."""


class ArrayDispatchSolver:
    """Keep one dispatch model loaded in HiGHS as arrays; re-solve it after its
    mutable parameters change.

    Same contract as :class:`dispatch.solve.PersistentDispatchSolver` (change only
    the data between solves, never the structure), but the model is compiled once
    (:func:`dispatch.lp_compile.compile_lp`), handed to HiGHS with ``passModel``,
    and later solves push only the bounds, costs, right-hand sides and
    coefficients that changed. The solution stays in arrays (:attr:`solution`);
    the Pyomo variables are not loaded. Warm start: HiGHS keeps the basis of the
    previous solve (LP); a MILP is searched afresh.

    The parameter values are read from a mirror that
    :func:`dispatch.components.block_data.store_param` and ``store_matrix`` keep up to
    date (as every family's update does), not from every Param: change a model's
    parameters through those two functions only. Once a model is loaded,
    ``store_matrix`` writes only the mirror; :meth:`sync_model` writes the current
    values back into the Pyomo Params for anyone who reads the model itself.

    A shorter window padded to the model's length (:func:`dispatch.padding.padded`)
    is solved with ``n_active``: the columns of the padding steps are fixed at
    zero and their rows dropped (free), which leaves exactly the model of the
    shorter window as long as no constraint of a step inside the window refers to
    a later step (all our constraints look back in time; checked, else
    :class:`NotPaddableError`) and the padding data are zero (no constant terms).

    Parameters
    ----------
    model
        The built model.

    Raises
    ------
    dispatch.lp_compile.NotAffineError
        If the model cannot be compiled (use the Pyomo persistent solver instead).
    """

    def __init__(self, model: pyo.ConcreteModel) -> None:
        self.model = model
        t0 = time.perf_counter()
        with gc_paused():
            self.lp: CompiledLP = compile_lp(model, FORMS)
        #: time spent compiling the model [s]
        self.compile_time_s = time.perf_counter() - t0
        quiet_highs_banner()
        self._h = highspy.Highs()
        self._h.setOptionValue("output_flag", False)
        self._loaded: dict[str, np.ndarray] = {}
        self._index_cache: dict[tuple[Any, ...], np.ndarray] = {}
        self.params = np.zeros(len(self.lp.params))
        #: the parameter values as the block updates write them (no read of every
        #: Param; the Params themselves are not written, see :meth:`sync_model`)
        self._mirror = ParamMirror(model, self.lp.params)
        self.col_value = np.zeros(self.lp.n_cols)
        #: per row, d objective / d right-hand side [EUR per unit of the row, e.g. MW]
        self.row_dual: np.ndarray | None = None
        #: per row, d emissions_tco2 / d right-hand side [tCO2 per unit of the row]
        self.row_emission: np.ndarray | None = None
        self.objective_eur = float("nan")
        self.solution = ArraySolution(self)
        self.n_steps = len(model.T)
        pattern = self.lp.matrix.tocoo()
        self._entries = (
            np.concatenate([pattern.row, self.lp.coef_rows]),
            np.concatenate([pattern.col, self.lp.coef_cols]),
        )
        self._paddable: dict[int, bool] = {}
        #: the build-time values of the parameter-dependent matrix entries
        self._coef_built = built_coefficients(self.lp)
        #: number of completed calls of :meth:`solve`
        self.solves = 0

    def sync_model(self) -> None:
        """Write the current parameter values into the model's Params (they are
        not written per window while the model is loaded here)."""
        self._mirror.sync_model()

    # -- data -----------------------------------------------------------------
    def _vectors(self) -> dict[str, np.ndarray]:
        return lp_vectors(self.lp, self.params)

    def _mask_padding(self, v: dict[str, np.ndarray], n_active: int) -> None:
        """Fix the columns of steps from ``n_active`` on at zero and free their rows."""
        lp = self.lp
        ok = self._paddable.get(n_active)
        if ok is None:
            rows, cols = self._entries
            row_step = lp.row_step[rows]
            ok = not bool(
                ((lp.col_step[cols] >= n_active) & (row_step >= 0) & (row_step < n_active)).any()
            )
            self._paddable[n_active] = ok
        if not ok:
            raise NotPaddableError(
                f"a constraint of the first {n_active} steps refers to a later step"
            )
        cols = lp.col_step >= n_active
        v["col_lower"][cols] = 0.0
        v["col_upper"][cols] = 0.0
        rows = lp.row_step >= n_active
        v["row_lower"][rows] = -np.inf
        v["row_upper"][rows] = np.inf

    def load_data(self, n_active: int | None = None) -> float:
        """Read the model's parameter values and bring HiGHS up to date; return the
        time taken [s].

        Raises
        ------
        NotPaddableError
            If ``n_active`` (the steps of a padded window) is less than the model's
            steps and the model cannot leave the rest out; nothing is pushed then.
        """
        t0 = time.perf_counter()
        self.params = self._mirror.values.copy()
        v = self._vectors()
        if n_active is not None and n_active < self.n_steps:
            self._mask_padding(v, n_active)
        if not self._loaded:
            pass_model(self._h, self.lp, v)
        else:
            push_changes(self._h, self.lp, self._loaded, v)
        self._loaded = v
        return time.perf_counter() - t0

    # -- solving ----------------------------------------------------------------
    def _run(self, time_limit_s: float) -> float:
        self.solves += 1
        return run_once(self._h, time_limit_s)

    def solve(
        self,
        time_limit_s: float = 300.0,
        duals: bool = True,
        milp_duals: bool = True,
        emission_sensitivities: bool = False,
        n_active: int | None = None,
    ) -> SolveStatus:
        """Solve with the model's current parameter values.

        Same arguments, outcome and errors as
        :meth:`dispatch.solve.PersistentDispatchSolver.solve`; the results are in
        :attr:`solution` (for :func:`dispatch.extract.extract`), not in the model.
        ``n_active`` solves a padded window (see the class docstring and
        :meth:`load_data`).
        """
        if n_active is not None and not 1 <= n_active <= self.n_steps:
            raise ValueError(f"n_active must be between 1 and {self.n_steps}, not {n_active}")
        t0 = time.perf_counter()
        load_s = self.load_data(n_active)
        highs_s, runs, termination = run_to_optimum(self._h, time_limit_s)
        self.solves += runs
        info = self._h.getInfo()
        is_mip = info.mip_node_count >= 0
        self._read_solution(duals, info)
        if duals and not is_mip and self.row_dual is None:
            raise DispatchSolveError("HiGHS returned no duals for an LP")
        if is_mip and milp_duals and (duals or emission_sensitivities):
            highs_s += self._fixed_integer_duals(time_limit_s, duals)
            is_mip = False
        self.check_solution()
        t_sens = time.perf_counter()
        self.row_emission = None
        sens = not is_mip and emission_sensitivities and self._emission_sensitivities()
        t_sens = time.perf_counter() - t_sens if emission_sensitivities else 0.0
        return SolveStatus(
            termination=(
                "convergenceCriteriaSatisfied" if termination == "optimal" else termination
            ),
            objective_eur=self.objective_eur,
            wall_time_s=time.perf_counter() - t0,
            solver_time_s=highs_s,
            load_time_s=load_s,
            duals_loaded=self.row_dual is not None,
            emission_sensitivities_loaded=bool(sens),
            sensitivity_time_s=t_sens,
        )

    def check_solution(self) -> None:
        """Check the solution against the model as loaded
        (:func:`dispatch.solution_check.check_compiled`; raises ``SolutionCheckError``)."""
        if not self._loaded:
            raise DispatchSolveError("no solution to check: the model was not solved")
        check_compiled(
            self.lp, self._loaded, self._coef_built, self.col_value, lambda: self.highs_model()[1:]
        )

    def _read_solution(self, duals: bool, info: Any = None) -> None:
        sol = self._h.getSolution()
        # each attribute read converts HiGHS's vector into a Python list: read once
        lp = self.lp
        self.col_value = np.fromiter(sol.col_value, dtype=float, count=lp.n_cols)
        info = self._h.getInfo() if info is None else info
        self.objective_eur = float(info.objective_function_value)
        self.row_dual = (
            np.fromiter(sol.row_dual, dtype=float, count=lp.n_rows)
            if duals and sol.dual_valid
            else None
        )

    def _fixed_integer_duals(self, time_limit_s: float, duals: bool) -> float:
        """Solve the LP with the integer columns fixed at their rounded values; read
        its solution; restore the integer columns; return the HiGHS time [s]."""
        h, v = self._h, self._loaded
        cols = np.flatnonzero(self.lp.integrality).astype(np.int32)
        fixed = np.round(self.col_value[cols])
        continuous = np.full(len(cols), int(highspy.HighsVarType.kContinuous), dtype=np.uint8)
        h.changeColsIntegrality(len(cols), cols, continuous)
        h.changeColsBounds(len(cols), cols, fixed, fixed)
        try:
            highs_s = self._run(time_limit_s)
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                raise DispatchSolveError(
                    "the LP with fixed integer decisions did not solve: "
                    f"{h.modelStatusToString(h.getModelStatus())}"
                )
            self._read_solution(duals)
            if duals and self.row_dual is None:
                raise DispatchSolveError("HiGHS returned no duals with fixed integer decisions")
        finally:
            integer = np.full(len(cols), int(highspy.HighsVarType.kInteger), dtype=np.uint8)
            h.changeColsIntegrality(len(cols), cols, integer)
            h.changeColsBounds(len(cols), cols, v["col_lower"][cols], v["col_upper"][cols])
        return highs_s

    def _emission_sensitivities(self) -> bool:
        """Row sensitivities of ``emissions_tco2`` at the optimal basis into
        :attr:`row_emission` (:func:`dispatch.array_solution.basis_sensitivities`);
        none for a QP, whose optimum is not at a vertex of a basis."""
        if "emissions_tco2" not in self.lp.forms or self.lp.quadratic is not None:
            return False
        g = self.lp.forms["emissions_tco2"].coef.at(self.params)
        self.row_emission = basis_sensitivities(self._h, g)
        if self.row_emission is None:
            logger.warning("no marginal emissions: HiGHS holds no usable basis of the last solve")
        return self.row_emission is not None

    # -- reading ----------------------------------------------------------------
    def index_of(self, component: Any, units: list[Any], n: int, column: bool) -> np.ndarray:
        """Columns (``column``) or rows of ``component[unit, t]`` (``component[t]``
        without ``units``) as a steps x units (or steps) index array, cached."""
        key = (id(component), tuple(units), n)
        found = self._index_cache.get(key)
        if found is None:
            at = (self.lp.column_of if column else self.lp.row_of)[id(component)]
            if units:
                items = (at[u, t] for t in range(n) for u in units)
                found = np.fromiter(items, dtype=np.int64).reshape(n, len(units))
            else:
                found = np.fromiter((at[t] for t in range(n)), dtype=np.int64)
            self._index_cache[key] = found
        return found

    def expression_value(self, name: str) -> float:
        """``objective`` or a compiled form (``cost_eur``, ``emissions_tco2``) at the
        last solution."""
        if name == "objective":
            return self.objective_eur
        value = self.lp.forms[name].value(self.params, self.col_value)
        if name == "cost_eur" and self.lp.quadratic is not None:
            value += float(self.lp.quadratic.at(self.params) @ self.col_value**2)
        return value

    def highs_model(self) -> tuple[highspy.Highs, list[Label], list[Label]]:
        """The ``highspy.Highs`` holding the model (with the last window's data) and
        the labels of its rows and columns (:func:`dispatch.infeasibility.labels`)."""
        lp = self.lp
        return (
            self._h,
            labels(self.model, pyo.Constraint, lp.rows, lp.n_rows),
            labels(self.model, pyo.Var, lp.columns, lp.n_cols),
        )

    def bounds_in_solver(self, var: Any) -> tuple[float, float]:
        """Lower and upper bound of ``var`` as HiGHS holds them [var units]."""
        j = self.lp.columns[id(var)]
        return float(self._loaded["col_lower"][j]), float(self._loaded["col_upper"][j])
