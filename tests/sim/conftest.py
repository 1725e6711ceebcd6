"""Shared fixtures: one end-to-end run of a small case, reused by the sim tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.case import Case, load_case
from sim.pipeline import RunOutput, run

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def small_case() -> Case:
    """The default grid over two days with a tight export limit."""
    return load_case(DATA / "two_days.yaml")


@pytest.fixture(scope="session")
def small_run(small_case: Case) -> RunOutput:
    """The end-to-end run of :func:`small_case` (about 10 s)."""
    return run(small_case)
