"""What a solve of a dispatch window gives back, whichever HiGHS interface solved it
(:mod:`dispatch.solve`, :mod:`dispatch.array_solver`): the status and the errors."""

from __future__ import annotations

from dataclasses import dataclass


class DispatchSolveError(RuntimeError):
    """The solver did not return an optimal dispatch."""


class DispatchInfeasible(DispatchSolveError):
    """The dispatch problem is infeasible or unbounded."""


class DispatchTimeLimit(DispatchSolveError):
    """HiGHS reached the time limit without a feasible dispatch (``is_mip``: of a
    MILP, else of an LP, which has no solution before it is solved to optimality)."""

    def __init__(self, message: str, is_mip: bool = False) -> None:
        super().__init__(message)
        self.is_mip = is_mip

    def __reduce__(self) -> tuple[type, tuple[str, bool]]:
        return (type(self), (str(self), self.is_mip))


#: termination of a MILP stopped at the time limit with a feasible, not proven
#: optimal, dispatch (accepted, and reported)
TIME_LIMITED = "timeLimitFeasible"


@dataclass(frozen=True)
class SolveStatus:
    """Outcome of one solve.

    Attributes
    ----------
    termination
        Solver termination condition.
    objective_eur
        Objective value [EUR].
    wall_time_s
        Time spent in the Pyomo solver interface, including HiGHS [s].
    solver_time_s
        Time spent inside HiGHS [s].
    load_time_s
        Part of ``wall_time_s`` spent loading the model into HiGHS (first solve of
        a model) or pushing changed parameters into the loaded model (later solves) [s].
    duals_loaded
        Whether duals were loaded into ``m.dual``; for a MILP they come from the LP
        with its integer decisions fixed at their optimum (see
        :meth:`PersistentDispatchSolver.solve`).
    emission_sensitivities_loaded
        Whether ``m.emission_sensitivity`` holds the marginal emissions of the bus
        balances (see :meth:`PersistentDispatchSolver.solve`).
    sensitivity_time_s
        Part of ``wall_time_s`` spent computing them [s].
    """

    termination: str
    objective_eur: float
    wall_time_s: float
    solver_time_s: float
    load_time_s: float = float("nan")
    duals_loaded: bool = False
    emission_sensitivities_loaded: bool = False
    sensitivity_time_s: float = 0.0
