"""Run one case and write its results folder: the CLI's and batch studies' entry."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import matplotlib.pyplot as plt

from sim.case import Case
from sim.forecast_kpis import value_of_foresight
from sim.kpis import all_kpis
from sim.meta import run_meta
from sim.pipeline import run
from sim.plots import all_figures
from sim.report import write_report
from sim.results import write_results
from sim.sites import site_kpis

logger = logging.getLogger(__name__)


def perfect_twin(case: Case) -> Case:
    """``case`` with perfect forecasts of every profile (the value-of-foresight reference)."""
    spec = case.forecast.model_copy(
        update={
            "method": "perfect",
            "load": None,
            "wind": None,
            "pv": None,
            "other_renewable": None,
            "prices": None,
        }
    )
    return case.model_copy(update={"forecast": spec})


def run_case(
    case: Case, out_root: Path = Path("results"), timings_s: dict[str, float] | None = None
) -> tuple[Path, dict[str, float]]:
    """Simulate ``case`` and write ``out_root/<case name>/``; return it and the KPIs.

    The folder holds the results, the plots (unless ``output.plots`` is false) and
    ``report.html`` (with the plots when they are written, else tables only). With
    ``forecast.value_of_foresight`` and imperfect forecasts the case is run a second
    time with perfect forecasts and the differences are added to the KPIs; with
    ``dispatch.loss_iterations`` the change of AC losses per iteration is too. The
    folder, report included, is written atomically. ``timings_s``, when given, gets
    the run's stage timings [s] and ``write_s``.
    """
    output = run(case)
    kpis = all_kpis(output.results, case.dispatch.voll_eur_per_mwh)
    if case.renewables.target_share is not None:
        kpis["renewable_target_share_percent"] = 100.0 * case.renewables.target_share
    kpis |= site_kpis(output.results, case.sites)
    for i, mwh in enumerate(output.loss_iterations_mwh[1:], start=1):
        kpis[f"losses_change_iteration_{i}_mwh"] = mwh - output.loss_iterations_mwh[i - 1]
    if case.forecast.value_of_foresight and not case.forecast.is_perfect:
        twin = run(perfect_twin(case))
        kpis |= value_of_foresight(kpis, all_kpis(twin.results, case.dispatch.voll_eur_per_mwh))
    meta = run_meta(case, output)
    figures = all_figures(output.results) if case.output.plots else None
    t0 = time.perf_counter()
    try:
        folder = write_results(
            output.results,
            kpis,
            meta,
            Path(out_root) / case.name,
            figures,
            before_commit=lambda tmp: write_report(tmp, output.results, kpis, meta, figures),
        )
    finally:
        for fig in (figures or {}).values():
            plt.close(fig)
    if timings_s is not None:
        timings_s.update(output.timings_s, write_s=time.perf_counter() - t0)
    logger.info("results written to %s", folder)
    return folder, kpis
