"""AC loss feedback: with one iteration the dispatch plans the losses of the first
AC power flow, so the schedule's exchange meets the realised one far better."""

from __future__ import annotations

import numpy as np

from sim.case import Case
from sim.forecast_kpis import imbalance_p_mw
from sim.pipeline import RunOutput, run


def test_one_loss_iteration_puts_the_losses_into_the_schedule(
    small_case: Case, small_run: RunOutput
) -> None:
    d = small_case.dispatch.model_copy(update={"loss_iterations": 1})
    again = run(small_case.model_copy(update={"dispatch": d}))
    assert len(again.loss_iterations_mwh) == 2
    assert small_run.loss_iterations_mwh == [again.loss_iterations_mwh[0]]
    before = np.abs(imbalance_p_mw(small_run.results)).mean()
    after = np.abs(imbalance_p_mw(again.results)).mean()
    # without feedback the imbalance is the (unplanned) AC losses
    np.testing.assert_allclose(
        imbalance_p_mw(small_run.results), small_run.results.losses_p_mw["total"], atol=1e-5
    )
    assert after < 0.2 * before
    # the losses themselves change little between iterations
    l0, l1 = again.loss_iterations_mwh
    assert abs(l1 - l0) < 0.1 * l0
