"""Solve a dispatch model with HiGHS through Pyomo's persistent interface (the reference
path; `dispatch/array_solver.py` is the other module that talks to HiGHS, directly)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import pyomo.environ as pyo
from pyomo.common.timing import HierarchicalTimer
from pyomo.contrib.solver.common.results import Results, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData

from dispatch.highs_quiet import quiet_highs_banner
from dispatch.infeasibility import Label, labels
from dispatch.pyomo_sensitivities import basis_sensitivities_of, load_duals, solved_an_lp
from dispatch.quadratic_objective import quadratic_terms
from dispatch.solution_check import check_pyomo
from dispatch.solve_status import (
    DispatchInfeasible,
    DispatchSolveError,
    DispatchTimeLimit,
    SolveStatus,
)

__all__ = [
    "DispatchInfeasible",
    "DispatchSolveError",
    "PersistentDispatchSolver",
    "SolveStatus",
    "solve",
]

logger = logging.getLogger(__name__)

#: change checks of Pyomo's persistent interface that are switched off: the dispatch
#: model's structure (constraints, objective, Expressions, mutable Params) is fixed
#: once built, so scanning it for changes before every re-solve is wasted time
STRUCTURE_CHECKS_OFF = (
    "check_for_new_or_removed_constraints",
    "check_for_new_or_removed_vars",
    "check_for_new_or_removed_params",
    "check_for_new_objective",
    "update_constraints",
    "update_named_expressions",
    "update_objective",
)

_INFEASIBLE = (
    TerminationCondition.provenInfeasible,
    TerminationCondition.locallyInfeasible,
    TerminationCondition.infeasibleOrUnbounded,
    TerminationCondition.unbounded,
)


class PersistentDispatchSolver:
    """Keep one dispatch model loaded in HiGHS across solves.

    The first :meth:`solve` translates the whole model into HiGHS (Pyomo's
    ``set_instance``: one walk of every constraint and of the objective, the
    expensive part of a solve). Later solves only push the current values of the
    model's mutable Params (``update_parameters``: constraint coefficients and
    right-hand sides, objective coefficients and constant, and variable bounds that
    are expressions of mutable Params, e.g. ``p_mw <= p_available_mw``) plus
    changed bounds or fixings of variables (``update_vars``). So between solves
    change the data with :func:`dispatch.model.update_model` (or by setting
    mutable Params, bounds or fixed values), never the model's structure: new or
    deleted constraints, variables, Expressions or a new objective are not
    detected (see :data:`STRUCTURE_CHECKS_OFF`).

    Warm start: the HiGHS instance, and with it the simplex basis and the solution
    of the previous solve, is kept. For an LP, HiGHS starts the next solve from
    that basis (still a valid basis after bounds, costs and right-hand sides
    change, though possibly not primal feasible) and then skips presolve. For a
    MILP the branch-and-bound search starts afresh each time; nothing beyond the
    loaded model is reused.

    Parameters
    ----------
    model
        The model to keep loaded; every :meth:`solve` solves this model.

    Raises
    ------
    DispatchSolveError
        If HiGHS is not available.
    """

    def __init__(self, model: pyo.ConcreteModel) -> None:
        if quadratic_terms(model)[0]:
            raise DispatchSolveError(
                "exact quadratic costs need the array interface "
                "(dispatch.solver_interface: arrays), not the Pyomo persistent one"
            )
        self.model = model
        quiet_highs_banner()
        self._highs = Highs()
        if not self._highs.available():
            raise DispatchSolveError("HiGHS is not available (install the 'highspy' package)")
        updates = self._highs.config.auto_updates
        for name in STRUCTURE_CHECKS_OFF:
            setattr(updates, name, False)
        updates.update_parameters = True
        updates.update_vars = True
        #: number of completed calls of :meth:`solve`
        self.solves = 0
        # HiGHS reports its run time summed over all runs of one instance
        self._highs_run_time_s = 0.0

    def solve(
        self,
        time_limit_s: float = 300.0,
        duals: bool = True,
        milp_duals: bool = True,
        emission_sensitivities: bool = False,
    ) -> SolveStatus:
        r"""Solve the model; load primal values and, if ``duals``, ``m.dual``.

        A MILP has no duals. With ``milp_duals`` the integer decisions (unit
        commitment, storage direction) are fixed at their optimal values and the
        remaining LP is solved again; its duals are loaded (the usual prices of a
        committed dispatch: the cost of one more MW given the commitment). The
        primal values are those of that LP, the same optimum. Without
        ``milp_duals``, ``m.dual`` stays empty (prices are NaN) and
        ``duals_loaded`` is False.

        With ``emission_sensitivities`` the Suffix ``m.emission_sensitivity`` gets
        the change of ``m.emissions_tco2`` per MW more demand [tCO2/MW] for every
        ``m.bus_balance[n, t]`` (:meth:`basis_sensitivities`; over :math:`\Delta t`
        the marginal emission factor); for a MILP those of the LP with fixed
        integer decisions (needs ``milp_duals``). Without a basis it stays empty.

        Parameters
        ----------
        time_limit_s
            HiGHS time limit [s].
        duals
            Load the constraint duals into the Suffix ``m.dual``.
        milp_duals
            For a MILP, re-solve with fixed integer decisions for duals (and
            emission sensitivities).
        emission_sensitivities
            Load the Suffix ``m.emission_sensitivity`` (see above).

        Raises
        ------
        DispatchInfeasible
            If the problem is infeasible or unbounded.
        DispatchSolveError
            For any other non-optimal outcome (time limit, numerical failure).
        """
        m = self.model
        if hasattr(m, "emission_sensitivity"):
            m.emission_sensitivity.clear()
        timer = HierarchicalTimer()
        t0 = time.perf_counter()
        res = self._solve_once(time_limit_s, timer)
        highs_s = self._run_time_s(res)
        tc = res.termination_condition
        if tc in _INFEASIBLE:
            raise DispatchInfeasible(f"dispatch problem is {tc.name}")
        if tc == TerminationCondition.maxTimeLimit:
            raise DispatchTimeLimit(
                f"HiGHS reached the time limit of {time_limit_s:g} s (the Pyomo interface "
                "keeps no solution that is not proven optimal)",
                is_mip=not solved_an_lp(res),
            )
        if tc != TerminationCondition.convergenceCriteriaSatisfied:
            raise DispatchSolveError(f"HiGHS stopped without an optimal solution: {tc.name}")
        res.solution_loader.load_vars()
        is_lp = solved_an_lp(res)
        loaded = load_duals(m, res) if duals else False
        if not is_lp and milp_duals and (duals or emission_sensitivities):
            highs_s += self._fixed_integer_duals(time_limit_s, timer, duals)
            loaded, is_lp = duals, True
        check_pyomo(m)  # the values as loaded last (of the LP with fixed integers)
        t_sens = time.perf_counter()
        sens_loaded = is_lp and emission_sensitivities and self._load_emission_sensitivities()
        t_sens = time.perf_counter() - t_sens if emission_sensitivities else 0.0
        wall = time.perf_counter() - t0
        return SolveStatus(
            termination=tc.name,
            objective_eur=float(res.incumbent_objective),
            wall_time_s=wall,
            solver_time_s=highs_s,
            load_time_s=sum(
                timer.get_total_time(name)
                for name in ("set_instance", "update")
                if name in timer.timers
            ),
            duals_loaded=loaded,
            emission_sensitivities_loaded=sens_loaded,
            sensitivity_time_s=t_sens,
        )

    def highs_model(self) -> tuple[Any, list[Label], list[Label]]:
        """The ``highspy.Highs`` holding the model and the labels of its rows and
        columns (:func:`dispatch.infeasibility.labels`)."""
        s = self._highs
        h = s._solver_model
        rows = {id(c): i for c, i in s._pyomo_con_to_solver_con_map.items()}
        cols = dict(s._pyomo_var_to_solver_var_map)
        return (
            h,
            labels(self.model, pyo.Constraint, rows, h.getNumRow()),
            labels(self.model, pyo.Var, cols, h.getNumCol()),
        )

    def _solve_once(self, time_limit_s: float, timer: HierarchicalTimer) -> Results:
        """One HiGHS run of the loaded model; results are not loaded into it."""
        res = self._highs.solve(
            self.model,
            time_limit=time_limit_s,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            timer=timer,
        )
        self.solves += 1
        return res

    def _fixed_integer_duals(
        self, time_limit_s: float, timer: HierarchicalTimer, duals: bool = True
    ) -> float:
        """Fix the integer variables at their (rounded) values as continuous ones,
        solve the LP, load its primal values and (if ``duals``) duals, and restore
        the integer variables in Pyomo (HiGHS keeps the LP and its basis until the
        next solve); return the time HiGHS spent [s]."""
        m = self.model
        free = [
            v
            for v in m.component_data_objects(pyo.Var, active=True)
            if v.is_integer() and not v.fixed
        ]
        domains = [v.domain for v in free]
        for v in free:
            value = round(v.value) if v.value is not None else 0
            v.domain = pyo.Reals
            v.fix(value)
        try:
            res = self._solve_once(time_limit_s, timer)
            tc = res.termination_condition
            if tc != TerminationCondition.convergenceCriteriaSatisfied:
                raise DispatchSolveError(
                    f"the LP with fixed integer decisions did not solve: {tc.name}"
                )
            res.solution_loader.load_vars()
            if duals and not load_duals(m, res):
                raise DispatchSolveError("HiGHS returned no duals with fixed integer decisions")
        finally:
            for v, domain in zip(free, domains, strict=True):
                v.unfix()
                v.domain = domain
        return self._run_time_s(res)

    def basis_sensitivities(
        self, expr: Any, constraints: Sequence[ConstraintData]
    ) -> dict[ConstraintData, float]:
        """Derivatives of the linear ``expr`` with respect to the right-hand sides of
        ``constraints`` at the optimal basis of the last (LP) solve
        (:func:`dispatch.pyomo_sensitivities.basis_sensitivities_of`)."""
        if self.solves == 0:
            raise DispatchSolveError("basis sensitivities need an LP solved last")
        return basis_sensitivities_of(self._highs, expr, constraints)

    def _load_emission_sensitivities(self) -> bool:
        """Fill ``m.emission_sensitivity`` for ``m.bus_balance``; False without a basis."""
        m = self.model
        if not hasattr(m, "emission_sensitivity"):
            m.emission_sensitivity = pyo.Suffix(direction=pyo.Suffix.LOCAL)
        try:
            values = self.basis_sensitivities(m.emissions_tco2, list(m.bus_balance.values()))
        except DispatchSolveError as err:
            logger.warning("no marginal emissions: %s", err)
            return False
        m.emission_sensitivity.update(values)
        return True

    def bounds_in_solver(self, var: VarData) -> tuple[float, float]:
        """Lower and upper bound of ``var`` as HiGHS holds them (for checks) [var units].

        Reflects the values pushed by the last :meth:`solve`; an unbounded side is
        ``-inf`` or ``inf``.
        """
        column = self._highs._pyomo_var_to_solver_var_map[id(var)]
        lp = self._highs._solver_model.getLp()
        return float(lp.col_lower_[column]), float(lp.col_upper_[column])

    def _run_time_s(self, res: Results) -> float:
        """Time HiGHS spent in the last solve [s] (it reports the sum over all solves)."""
        total = getattr(res.timing_info, "highs_time", None)
        if total is None:
            return float("nan")
        total = float(total)
        this_solve = total - self._highs_run_time_s if total >= self._highs_run_time_s else total
        self._highs_run_time_s = total
        return this_solve


def solve(m: pyo.ConcreteModel, time_limit_s: float = 300.0, duals: bool = True) -> SolveStatus:
    """Solve ``m`` once with HiGHS; load primal values and, if ``duals``, ``m.dual``.

    A one-off :class:`PersistentDispatchSolver`; use that class to re-solve a
    model after changing its data. For a MILP no duals are loaded (``m.dual``
    stays empty, prices are NaN).

    Raises
    ------
    DispatchInfeasible
        If the problem is infeasible or unbounded.
    DispatchSolveError
        For any other non-optimal outcome (time limit, numerical failure).
    """
    return PersistentDispatchSolver(m).solve(time_limit_s=time_limit_s, duals=duals)
