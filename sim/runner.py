"""Run one case and write its results folder: the CLI's and batch studies' entry."""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib.pyplot as plt

from sim.case import Case
from sim.kpis import all_kpis
from sim.meta import run_meta
from sim.pipeline import run
from sim.plots import all_figures
from sim.report import write_report
from sim.results import write_results

logger = logging.getLogger(__name__)


def run_case(case: Case, out_root: Path = Path("results")) -> tuple[Path, dict[str, float]]:
    """Simulate ``case`` and write ``out_root/<case name>/``; return it and the KPIs.

    The folder holds the results, the plots (unless ``output.plots`` is false) and
    ``report.html`` (with the plots when they are written, else tables only).
    """
    output = run(case)
    kpis = all_kpis(output.results, case.dispatch.voll_eur_per_mwh)
    meta = run_meta(case, output)
    figures = all_figures(output.results) if case.output.plots else None
    try:
        folder = write_results(output.results, kpis, meta, Path(out_root) / case.name, figures)
        write_report(folder, output.results, kpis, meta, figures)
    finally:
        for fig in (figures or {}).values():
            plt.close(fig)
    logger.info("results written to %s", folder)
    return folder, kpis
