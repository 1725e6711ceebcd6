"""Run the cases of a study in parallel: a Dask ``LocalCluster`` of worker processes
by default, or an existing Dask cluster given by its scheduler's address (one code
path for both), resumable.

Layout of a study's folder ``<out>/<study name>/``:

- ``cases/<case id>/``: each case's results folder, written atomically by
  :func:`sim.runner.run_case` (a case is complete when its ``meta.json`` holds the
  hash of the case as the study now defines it);
- ``failed/<case id>.json``: the error of a case that failed (removed once it runs);
- ``study.json``, ``summary.parquet``, ``summary.csv``, ``plots/``,
  ``study_report.html`` (:mod:`sim.study_summary`, :mod:`sim.study_report`).

A rerun skips complete cases and runs failed or missing ones. A failing case (a
bad grid, an infeasible dispatch, a lost worker) is recorded and never stops the
others. Workers keep the SimBench grids and shipped weather they read in a
per-process cache, so a grid is read once per worker, not once per case. A cluster
given by ``scheduler`` must see the same files (the case files and ``out``) at the
same paths, as on a shared file system.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.atomic_files import write_text_atomic
from sim.case import Case
from sim.study import Study, StudyCase

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseOutcome:
    """What became of one case: ``done`` (run now), ``skipped`` (complete from an
    earlier run) or ``failed`` (``error`` says why); the worker that ran it and its
    timings [s] (``task_s`` on the worker, the stages of the run, ``write_s``)."""

    case_id: str
    status: str
    error: str | None = None
    worker: str | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    grid_reads: int | None = None


@dataclass(frozen=True)
class BatchRun:
    """A finished batch: the outcome of every case in study order, the wall time [s],
    and the time to start the cluster [s] (0 for an existing one)."""

    outcomes: tuple[CaseOutcome, ...]
    wall_s: float
    startup_s: float
    workers: int

    @property
    def failed(self) -> list[CaseOutcome]:
        """The cases that failed."""
        return [o for o in self.outcomes if o.status == "failed"]


def case_folder(study_dir: Path, case_id: str) -> Path:
    """The results folder of a case of the study in ``study_dir``."""
    return study_dir / "cases" / case_id


def is_complete(study_dir: Path, case: StudyCase) -> bool:
    """True when the case's results folder holds a finished run of this very case."""
    meta = case_folder(study_dir, case.case_id) / "meta.json"
    if not (meta.is_file() and (meta.parent / "kpis.json").is_file()):
        return False
    try:
        return bool(json.loads(meta.read_text())["case_sha256"] == case.digest)
    except (ValueError, KeyError):
        return False


class StudyLockedError(RuntimeError):
    """Another process is running the same study folder."""


@contextmanager
def study_lock(study_dir: Path) -> Iterator[None]:
    """Hold ``study_dir/.lock`` (the driver's host and process id) while a batch runs;
    a lock left by a process that no longer runs on this host is taken over."""
    path = study_dir / ".lock"
    me = f"{socket.gethostname()}:{os.getpid()}"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            owner = path.read_text().strip() if path.is_file() else ""
            host, _, pid = owner.partition(":")
            if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
                path.unlink(missing_ok=True)
                continue
            raise StudyLockedError(
                f"{study_dir}: another run of this study is in progress ({owner}); "
                f"if it is not, remove {path}"
            ) from None
        with os.fdopen(fd, "w") as f:
            f.write(me)
        break
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_unfinished_writes(cases_dir: Path) -> int:
    """Remove what interrupted writes left in ``cases_dir`` (the hidden temporary and
    replaced folders of :func:`sim.results.write_results`); return how many."""
    import shutil

    stale = [p for p in cases_dir.glob(".*") if p.is_dir()]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return len(stale)


def run_study_case(case: Case, cases_dir: str) -> dict[str, Any]:
    """Run one case on a worker and report; never raises (errors are reported)."""
    from grid.network import simbench_reads
    from sim.runner import run_case

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    out: dict[str, Any] = {"worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        run_case(case, Path(cases_dir), timings)
        out["status"] = "done"
    except Exception as exc:  # a failing case is reported, never stops the study
        out["status"] = "failed"
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc()
    out["timings_s"] = {**timings, "task_s": time.perf_counter() - t0}
    out["grid_reads"] = simbench_reads()
    return out


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[tuple[Any, float]]:
    """A ``distributed.Client`` of a new ``LocalCluster`` of ``workers`` single-threaded
    worker processes, or of the running cluster at ``scheduler``; and the start-up
    time [s]."""
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    if scheduler is not None:
        client = Client(scheduler, timeout="30s")
        try:
            yield client, 0.0
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",  # a free port: never clash with a running cluster
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    try:
        yield client, time.perf_counter() - t0
    finally:
        client.close()
        cluster.close()


def _record_failure(study_dir: Path, case_id: str, report: dict[str, Any]) -> None:
    folder = study_dir / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(folder / f"{case_id}.json", json.dumps(report, indent=2, default=str) + "\n")


def _outcome(study_dir: Path, case: StudyCase, report: dict[str, Any]) -> CaseOutcome:
    if report["status"] == "failed":
        _record_failure(study_dir, case.case_id, report)
        logger.warning("case %s failed: %s", case.case_id, report["error"])
    else:
        (study_dir / "failed" / f"{case.case_id}.json").unlink(missing_ok=True)
    return CaseOutcome(
        case.case_id,
        report["status"],
        report.get("error"),
        report.get("worker"),
        dict(report.get("timings_s") or {}),
        report.get("grid_reads"),
    )


def _task_key(case: StudyCase, cases_dir: Path) -> str:
    """The case's task name on the cluster: its id, hash and results folder (two studies
    writing to different folders never share a task)."""
    where = hashlib.sha256(f"{case.digest}:{cases_dir.resolve()}".encode()).hexdigest()
    return f"case-{case.case_id}-{where[:16]}"


def _running(client: Any, keys: set[str]) -> int:
    """Cases running now: on each worker, its assigned cases up to its threads."""
    threads = client.nthreads()
    return sum(
        min(len(keys.intersection(tasks)), threads.get(worker, 1))
        for worker, tasks in client.processing().items()
    )


def run_batch(
    study: Study,
    study_dir: Path,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
) -> BatchRun:
    """Run the study's incomplete cases and return every case's outcome.

    Parameters
    ----------
    study
        The expanded, validated study.
    study_dir
        The study's folder (cases are written to ``study_dir/cases/``).
    workers
        Worker processes of the local cluster (ignored with ``scheduler``).
    scheduler
        Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    progress
        Show a progress bar (cases done, running, failed) on standard error.

    Raises
    ------
    StudyLockedError
        If another process is running the study in ``study_dir``.
    """
    cases_dir = study_dir / "cases"
    cases_dir.mkdir(parents=True, exist_ok=True)
    with study_lock(study_dir):
        remove_unfinished_writes(cases_dir)
        run = _run_incomplete(study, study_dir, workers, scheduler, progress)
        remove_unfinished_writes(cases_dir)
    return run


def _run_incomplete(
    study: Study, study_dir: Path, workers: int, scheduler: str | None, progress: bool
) -> BatchRun:
    from distributed import wait
    from tqdm import tqdm

    t0 = time.perf_counter()
    cases_dir = study_dir / "cases"
    todo = [c for c in study.cases if not is_complete(study_dir, c)]
    todo_ids = {c.case_id for c in todo}
    outcomes = {
        c.case_id: CaseOutcome(c.case_id, "skipped")
        for c in study.cases
        if c.case_id not in todo_ids
    }
    startup_s, n_workers = 0.0, 0
    if todo:
        n = max(1, min(workers, len(todo)))
        with dask_client(n, scheduler) as (client, startup_s):
            if scheduler is not None and not client.nthreads():
                client.wait_for_workers(1, timeout=60)  # a cluster whose workers are starting
            n_workers = len(client.nthreads())
            futures = {
                client.submit(
                    run_study_case, c.case, str(cases_dir), key=_task_key(c, cases_dir), pure=False
                ): c
                for c in todo
            }
            bar = tqdm(total=len(todo), unit="case", disable=not progress, dynamic_ncols=True)
            pending, failed, last = set(futures), 0, (-1, -1)
            try:
                while pending:
                    try:
                        done, pending = wait(pending, timeout=0.5, return_when="FIRST_COMPLETED")
                    except TimeoutError:  # nothing finished: refresh the running count
                        done = set()
                    for fut in done:
                        case = futures[fut]
                        try:
                            report = fut.result()
                        except Exception as exc:  # a lost worker, a cancelled task
                            report = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                        outcome = _outcome(study_dir, case, report)
                        outcomes[case.case_id] = outcome
                        failed += outcome.status == "failed"
                    bar.update(len(done))
                    keys = {f.key for f in pending}
                    shown = (_running(client, keys) if keys else 0, failed)
                    if shown != last:  # redraw when a count changes
                        bar.set_postfix(running=shown[0], failed=failed)
                        last = shown
            finally:
                bar.close()
                for fut in pending:
                    fut.cancel()
    ordered = tuple(outcomes[c.case_id] for c in study.cases)
    return BatchRun(ordered, time.perf_counter() - t0, startup_s, n_workers)
