"""A study on a real Dask cluster: a ``dask scheduler`` and two ``dask worker``
processes on loopback give the same summary as the local pool; a worker killed
mid-study loses no case, and the rerun leaves every case exactly once with the KPIs
of an undisturbed run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from sim.study import load_study
from sim.study_run import run_study

REPO = Path(__file__).resolve().parents[2]
ONE_BUS = REPO / "cases" / "own_data" / "one_bus.yaml"
DASK = Path(sys.executable).parent / "dask"
#: long enough (a month of daily windows) for a worker to be killed mid-case
STUDY = f"""
name: cluster
base_case: {ONE_BUS}
set: {{time.end: "2024-02-01T00:00:00Z"}}
sweep:
  parameters:
    storage.0.p_max_mw: [0.25, 0.5, 1]
    storage.0.e_max_mwh: [1, 2]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    # its own session, so that killing it kills the nanny and its worker process
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(DASK), *args],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A scheduler and two single-threaded workers, each its own ``dask`` process."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start(
        ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        tmp_path / "scheduler.log",
    )
    workers = [
        _start(
            [
                "worker",
                address,
                "--nthreads",
                "1",
                "--no-dashboard",
                "--name",
                f"w{i}",
                "--local-directory",
                str(tmp_path / f"w{i}"),
            ],
            tmp_path / f"worker{i}.log",
        )
        for i in range(2)
    ]
    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield Cluster(address, scheduler, workers)
    finally:
        for proc in [*workers, scheduler]:
            _stop(proc)


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The study's summary from the local pool."""
    folder = tmp_path_factory.mktemp("pool")
    (folder / "cluster.yaml").write_text(STUDY)
    study = load_study(folder / "cluster.yaml")
    result = run_study(study, folder / "out", workers=2, progress=False)
    assert (result.table["status"] == "done").all()
    return result.table


def test_dask_cluster_gives_the_local_pools_summary(
    cluster: Cluster, undisturbed: pd.DataFrame, tmp_path: Path
) -> None:
    (tmp_path / "cluster.yaml").write_text(STUDY)
    study = load_study(tmp_path / "cluster.yaml")
    result = run_study(study, tmp_path / "out", scheduler=cluster.address, progress=False)
    assert result.batch.workers == 2
    assert len({o.worker for o in result.batch.outcomes}) == 2
    pd.testing.assert_frame_equal(result.table, undisturbed, check_exact=True)


def test_killed_worker_loses_no_case(
    cluster: Cluster, undisturbed: pd.DataFrame, tmp_path: Path
) -> None:
    (tmp_path / "cluster.yaml").write_text(STUDY)
    study = load_study(tmp_path / "cluster.yaml")
    cases = tmp_path / "out" / "cluster" / "cases"
    killed: dict[str, int] = {}

    def kill_when_one_case_is_done() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            done = (
                [p for p in cases.glob("*") if not p.name.startswith(".")] if cases.is_dir() else []
            )
            if done:
                killed["done_before_kill"] = len(done)
                os.killpg(cluster.workers[0].pid, signal.SIGKILL)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_one_case_is_done)
    killer.start()
    first = run_study(study, tmp_path / "out", scheduler=cluster.address, progress=False)
    killer.join()
    assert 0 < killed["done_before_kill"] < len(study.cases), killed
    assert cluster.workers[0].wait(timeout=30) != 0  # the worker is gone
    statuses = set(first.table["status"])
    assert statuses <= {"done", "failed"}
    # the rerun finishes whatever the lost worker left, on the remaining worker
    again = run_study(study, tmp_path / "out", scheduler=cluster.address, progress=False)
    assert sorted(p.name for p in cases.iterdir()) == sorted(c.case_id for c in study.cases)
    assert not (tmp_path / "out" / "cluster" / "failed").exists() or not any(
        (tmp_path / "out" / "cluster" / "failed").iterdir()
    )
    pd.testing.assert_frame_equal(again.table, undisturbed, check_exact=True)
