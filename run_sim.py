#!/usr/bin/env python3
"""Command line: run a simulation case file and print its KPIs.

Exit codes: 0 success, 2 invalid input (case file, overrides, grid or profile
mismatch), 1 the simulation failed (e.g. the dispatch was infeasible).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="run_sim.py",
        description=(
            "Simulate a source-grid-load-storage case: build the grid, dispatch every hour "
            "with a Pyomo/HiGHS optimisation, check it by AC power flow and report "
            "curtailment, losses, emissions and cost."
        ),
        epilog="Case file keys are documented in docs/case-file.md.",
    )
    p.add_argument("case", type=Path, help="YAML case file, e.g. cases/default.yaml")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a case key (repeatable), e.g. --set storage.0.p_max_mw=3 "
        "--set time.end=2016-07-05T00:00Z; the value is parsed as YAML",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        metavar="DIR",
        help="folder under which the case's results folder <case name>/ is written "
        "(default: results)",
    )
    p.add_argument("--no-plots", action="store_true", help="do not write PNG plots")
    p.add_argument(
        "--backtest",
        action="store_true",
        help="first backtest the case's forecast methods against persistence at the "
        "dispatch's issue times (written to <out>/<case name>-backtest/backtest/) and "
        "print the skill",
    )
    p.add_argument(
        "--check", action="store_true", help="only validate the case file (with overrides) and exit"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the KPI table")
    p.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-v info, -vv debug)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the case, print the KPI table; return the exit code."""
    args = _parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")

    from dispatch.solve import DispatchSolveError
    from sim.case import CaseError, load_case

    try:
        overrides = list(args.overrides)
        if args.no_plots:
            overrides.append("output.plots=false")
        case = load_case(args.case, overrides)
        if args.check:
            print(f"{args.case}: valid case '{case.name}'")
            return 0
        from sim.runner import run_case
        from sim.summary import kpi_table

        if args.backtest:
            from sim.backtest_run import run_backtest

            table = run_backtest(case, args.out / f"{case.name}-backtest")
            if not args.quiet:
                print(f"Forecast backtest (skill against persistence):\n{table.to_string()}\n")
        folder, kpis = run_case(case, args.out)
    except CaseError as exc:
        # errors found after loading (grid, profiles, forecasts) name only the key
        where = "" if str(exc).startswith(str(args.case)) else f"{args.case}: "
        print(f"error: {where}{exc}", file=sys.stderr)
        return 2
    except DispatchSolveError as exc:
        print(f"error: {args.case}: dispatch failed: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(
            kpi_table(
                kpis,
                f"Case '{case.name}': {case.time.start:%Y-%m-%d %H:%M} to "
                f"{case.time.end:%Y-%m-%d %H:%M} UTC",
            )
        )
        print(f"\nResults: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
