#!/usr/bin/env python3
"""Command line: run a simulation case file and print its KPIs, or run a study.

    run_sim.py CASE.yaml [--set KEY.PATH=VALUE ...]
    run_sim.py study STUDY.yaml [--workers N | --scheduler ADDRESS] [--check]

Exit codes: 0 success, 2 invalid input (case or study file, overrides, grid or
profile mismatch), 1 the simulation failed (e.g. the dispatch was infeasible; for a
study: at least one case failed, the others' results are kept).
"""

from __future__ import annotations

import argparse
import logging
import os
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
        epilog="Case file keys are documented in docs/case-file.md. Batch studies: "
        "run_sim.py study STUDY.yaml (see run_sim.py study --help and docs/studies.md).",
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
    _out_option(p, "the case's results folder <case name>/")
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
    p.add_argument(
        "--dump-model",
        type=Path,
        metavar="FILE",
        help="if a dispatch window fails to solve, write its model to FILE (.lp or .mps) "
        "(the case key dispatch.dump_model)",
    )
    _output_options(p, "the KPI table")
    return p


def _out_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        metavar="DIR",
        help=f"folder under which {what} is written (default: results)",
    )


def _output_options(p: argparse.ArgumentParser, table: str) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help=f"do not print {table}")
    p.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-v info, -vv debug)"
    )


def _study_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="run_sim.py study",
        description=(
            "Run a batch study: every case of a study file (a base case with scenarios "
            "and/or a sweep of key paths) in parallel worker processes, or on a Dask "
            "cluster; a rerun skips finished cases and reruns failed or missing ones."
        ),
        epilog="Study files are documented in docs/studies.md.",
    )
    p.add_argument("study", type=Path, help="YAML study file, e.g. cases/studies/storage_size.yaml")
    _out_option(p, "the study's folder <study name>/")
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes of the local pool (default: the number of CPUs)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on the Dask cluster of this scheduler (e.g. tcp://10.0.0.5:8786) instead "
        "of a local pool; its workers must see the case files and --out at the same paths",
    )
    p.add_argument(
        "--check", action="store_true", help="only validate every case of the study and exit"
    )
    p.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    _output_options(p, "the summary table")
    return p


def _logging(verbose: int) -> None:
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # libraries that set their own loggers' levels (Dask's at INFO) pass the root
    # logger's level; the handler's level holds them to the one chosen here
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)


def study_main(argv: list[str]) -> int:
    """``run_sim.py study``: validate or run a study; return the exit code."""
    args = _study_parser().parse_args(argv)
    _logging(args.verbose)
    from sim.case import CaseError
    from sim.study import load_study

    try:
        study = load_study(args.study)
    except CaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        print(f"{args.study}: valid study '{study.name}' of {len(study.cases)} cases")
        return 0
    if args.workers < 1:
        print("error: --workers: give at least 1", file=sys.stderr)
        return 2
    from sim.batch import StudyLockedError
    from sim.study_run import run_study, summary_text

    try:
        result = run_study(study, args.out, args.workers, args.scheduler, not args.no_progress)
    except StudyLockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, TimeoutError) as exc:
        where = f"the Dask scheduler at {args.scheduler}" if args.scheduler else "the local pool"
        print(f"error: {args.study}: cannot run on {where}: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(summary_text(study, result.table))
    missing = [k for k in study.spec.kpis if k not in result.table]
    if missing and (result.table["status"] == "done").any():
        print(f"warning: no case reports the KPIs {', '.join(missing)}", file=sys.stderr)
    print(f"\nStudy: {result.folder} (summary.csv, study_report.html)")
    failed = result.table[result.table["status"] != "done"]
    for row in failed.itertuples():
        print(f"error: case {row.case_id}: {row.error or row.status}", file=sys.stderr)
    return 1 if len(failed) else 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the case, print the KPI table; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["study"]:
        return study_main(argv[1:])
    args = _parser().parse_args(argv)
    _logging(args.verbose)

    from dispatch.solve import DispatchSolveError
    from sim.case import CaseError, load_case

    try:
        overrides = list(args.overrides)
        if args.no_plots:
            overrides.append("output.plots=false")
        if args.dump_model is not None:
            overrides.append(("dispatch.dump_model", str(args.dump_model.resolve())))
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
        print(f"error: {args.case}: {exc}", file=sys.stderr)
        return 3
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
