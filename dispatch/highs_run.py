"""One HiGHS run of the array path and what its model status means: optimal,
infeasible (:class:`DispatchInfeasible`), another final status
(:class:`DispatchSolveError`), or numerical trouble after a warm start, which is
solved once more from scratch."""

from __future__ import annotations

import logging
import time

import highspy

from dispatch.solve_status import (
    TIME_LIMITED,
    DispatchInfeasible,
    DispatchSolveError,
    DispatchTimeLimit,
)

logger = logging.getLogger(__name__)

INFEASIBLE = (
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
    highspy.HighsModelStatus.kUnbounded,
)
#: statuses after which HiGHS solves again from scratch (a warm start gone wrong
#: numerically); the time and iteration limits are final
RETRY_COLD = (highspy.HighsModelStatus.kUnknown, highspy.HighsModelStatus.kSolveError)


def run_once(h: highspy.Highs, time_limit_s: float) -> float:
    """Run HiGHS with a time limit [s]; return the time taken [s]."""
    h.setOptionValue("time_limit", float(time_limit_s))
    t0 = time.perf_counter()
    h.run()
    return time.perf_counter() - t0


def run_to_optimum(h: highspy.Highs, time_limit_s: float) -> tuple[float, int, str]:
    """Run HiGHS (again from scratch after numerical trouble) until an optimal
    solution; return the time taken [s], the number of runs and the termination
    (``optimal``, or :data:`TIME_LIMITED` for a MILP that reached the time limit
    with a feasible solution, which is kept).

    Raises
    ------
    DispatchInfeasible
        If the model is infeasible or unbounded.
    DispatchTimeLimit
        If HiGHS reached the time limit without a feasible solution.
    DispatchSolveError
        If HiGHS stops without an optimal solution otherwise (numerical trouble).
    """
    highs_s, runs = run_once(h, time_limit_s), 1
    status = h.getModelStatus()
    if status in RETRY_COLD:
        logger.warning(
            "HiGHS ended with %s from the previous basis; solving again from scratch",
            h.modelStatusToString(status),
        )
        h.clearSolver()
        highs_s += run_once(h, time_limit_s)
        runs += 1
        status = h.getModelStatus()
    if status in INFEASIBLE:
        raise DispatchInfeasible(f"dispatch problem is {h.modelStatusToString(status)}")
    if status == highspy.HighsModelStatus.kTimeLimit:
        info = h.getInfo()
        is_mip = info.mip_node_count >= 0
        if is_mip and info.primal_solution_status == int(
            highspy.SolutionStatus.kSolutionStatusFeasible
        ):
            logger.info(
                "HiGHS reached the time limit of %g s with a feasible dispatch %.3g %% "
                "from the proven optimum; it is kept",
                time_limit_s,
                100.0 * info.mip_gap,
            )
            return highs_s, runs, TIME_LIMITED
        what = "without a feasible dispatch" if is_mip else "before the LP was solved"
        raise DispatchTimeLimit(
            f"HiGHS reached the time limit of {time_limit_s:g} s {what}", is_mip=is_mip
        )
    if status != highspy.HighsModelStatus.kOptimal:
        raise DispatchSolveError(
            f"HiGHS stopped without an optimal solution: {h.modelStatusToString(status)}"
        )
    return highs_s, runs, "optimal"
