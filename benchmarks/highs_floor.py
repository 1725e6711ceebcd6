"""The floor: the same dispatch windows solved by HiGHS alone.

Each sampled window's model is built from the very inputs the rolling run gave it
(:func:`dispatch.model.build_model`), written as MPS by Pyomo and read by a fresh
``highspy.Highs``; only ``readModel`` and ``run`` are timed. This is a cold solve
(presolve, no basis from the previous window), the time any front end that hands
the LP to HiGHS has to pay at least.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import highspy
import numpy as np

from dispatch.inputs import DispatchInputs
from dispatch.model import build_model


def sample_positions(n_windows: int, n_sample: int) -> list[int]:
    """``n_sample`` window positions spread evenly over ``0..n_windows-1`` (the first
    and the last included), or all of them if ``n_sample >= n_windows``."""
    if n_sample >= n_windows:
        return list(range(n_windows))
    return sorted({int(round(p)) for p in np.linspace(0, n_windows - 1, max(n_sample, 1))})


def solve_alone(mps: Path) -> dict[str, float]:
    """Read ``mps`` into a fresh HiGHS and solve it.

    Returns
    -------
    dict
        ``read_s`` and ``run_s`` (wall time of ``readModel`` and ``run``) [s],
        ``highs_run_time_s`` (HiGHS's own clock) [s], ``objective`` and the size
        ``rows``, ``cols``, ``nonzeros``.

    Raises
    ------
    RuntimeError
        If HiGHS does not find an optimum.
    """
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    t0 = time.perf_counter()
    h.readModel(str(mps))
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"{mps.name}: HiGHS ended with {h.modelStatusToString(status)}")
    lp = h.getLp()
    return {
        "read_s": t1 - t0,
        "run_s": t2 - t1,
        "highs_run_time_s": float(h.getRunTime()),
        "objective": float(h.getInfo().objective_function_value),
        "rows": float(lp.num_row_),
        "cols": float(lp.num_col_),
        "nonzeros": float(len(lp.a_matrix_.value_)),
    }


def floor_of_windows(
    windows: Sequence[DispatchInputs], network_model: str, n_windows: int
) -> dict[str, float]:
    """Time HiGHS alone on ``windows`` (a sample of a run's ``n_windows`` windows).

    Returns
    -------
    dict
        ``floor_sampled``: windows timed; ``floor_run_s`` and ``floor_read_s``: the
        summed ``run`` and ``readModel`` times scaled from the sample to all
        ``n_windows`` windows [s]; ``floor_export_s``: time spent building and
        writing the sampled models (not part of the floor) [s]; the size of the
        first sampled window (``lp_rows``, ``lp_cols``, ``lp_nonzeros``) and the
        objectives ``floor_objective_<i>`` of the sampled windows [EUR].
    """
    out: dict[str, float] = {}
    run_s = read_s = export_s = 0.0
    with tempfile.TemporaryDirectory(prefix="sgls-bench-") as tmp:
        for i, x in enumerate(windows):
            t0 = time.perf_counter()
            path = Path(tmp) / f"window{i}.mps"
            build_model(x, network_model).write(
                str(path), io_options={"symbolic_solver_labels": False}
            )
            export_s += time.perf_counter() - t0
            r = solve_alone(path)
            path.unlink()
            run_s, read_s = run_s + r["run_s"], read_s + r["read_s"]
            out[f"floor_objective_{i}"] = r["objective"]
            if i == 0:
                out.update(lp_rows=r["rows"], lp_cols=r["cols"], lp_nonzeros=r["nonzeros"])
    scale = n_windows / max(len(windows), 1)
    out.update(
        floor_sampled=float(len(windows)),
        floor_run_s=run_s * scale,
        floor_read_s=read_s * scale,
        floor_export_s=export_s,
    )
    return out
