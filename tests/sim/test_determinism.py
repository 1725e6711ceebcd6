"""Identical inputs give identical results: the same case run twice in one process
gives bit-identical KPIs and time series (the batch tests show the same across
worker processes and machines' runs of one study)."""

from __future__ import annotations

import pandas as pd

from sim.case import Case
from sim.kpis import all_kpis
from sim.pipeline import RunOutput, run
from sim.results import frame_fields


def test_a_second_run_is_bit_identical(small_case: Case, small_run: RunOutput) -> None:
    again = run(small_case)
    first, second = small_run.results, again.results
    for name in frame_fields():
        pd.testing.assert_frame_equal(getattr(second, name), getattr(first, name), check_exact=True)
    assert set(second.families) == set(first.families)
    for family, frames in first.families.items():
        for quantity, frame in frames.items():
            pd.testing.assert_frame_equal(
                second.families[family][quantity], frame, check_exact=True
            )
    voll = small_case.dispatch.voll_eur_per_mwh
    assert all_kpis(second, voll) == all_kpis(first, voll)
