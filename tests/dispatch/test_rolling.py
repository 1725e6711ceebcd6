"""Receding-horizon dispatch: one window equals the single-shot solve; windows start
where the previous committed window ended, with its storage energy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dispatch.inputs import DispatchInputs
from dispatch.rolling import run_rolling

TOL_EUR = 1e-6
TOL_MW = 1e-6
TOL_MWH = 1e-6

MakeInputs = Callable[..., DispatchInputs]
RunDispatch = Callable[[DispatchInputs], Any]

N_STEPS = 96
E0 = pd.Series({"bat": 1.0})


class Recorder:
    """An ``inputs_for`` callback over a seeded 96-hour case that records its calls."""

    def __init__(self, make_inputs: MakeInputs, seed: int = 11) -> None:
        rng = np.random.default_rng(seed)
        self.index = pd.date_range("2016-05-01", periods=N_STEPS, freq="h", tz="UTC", name="time")
        price = rng.uniform(10.0, 100.0, N_STEPS)
        self.data = pd.DataFrame(
            {
                "demand_mw": rng.uniform(0.5, 2.0, N_STEPS),
                "wind_mw": rng.uniform(0.0, 3.0, N_STEPS),
                "import_price": price,
                "export_price": price - 5.0,
                "ef": rng.uniform(0.1, 0.6, N_STEPS),
            },
            index=self.index,
        )
        self.make_inputs = make_inputs
        self.calls: list[pd.DatetimeIndex] = []

    def __call__(self, steps: pd.DatetimeIndex, e0: pd.Series | None = None) -> DispatchInputs:
        """Inputs of ``steps`` starting from ``e0`` (default: the period's :data:`E0`;
        :func:`run_rolling` replaces it by the carried energy after the first window)."""
        self.calls.append(steps)
        if e0 is None:
            e0 = E0
        d = self.data.loc[steps]
        return self.make_inputs(
            d["demand_mw"].to_numpy(),
            start=steps[0],
            wind_mw=d["wind_mw"].to_numpy(),
            import_price=d["import_price"].to_numpy(),
            export_price=d["export_price"].to_numpy(),
            ef=d["ef"].to_numpy(),
            storage={
                "bat": {
                    "p_max_mw": 1.5,
                    "e_min_mwh": 0.2,
                    "e_max_mwh": 4.0,
                    "eff_charge": 0.92,
                    "eff_discharge": 0.95,
                    "standing_loss_per_h": 0.01,
                    "wear_cost_eur_per_mwh": 1.0,
                }
            },
            e0_mwh=e0.to_dict(),
        )


@pytest.mark.parametrize("horizon_h", [None, float(N_STEPS)])
def test_one_window_over_the_whole_period_equals_the_single_shot_solve(
    make_inputs: MakeInputs, run_dispatch: RunDispatch, horizon_h: float | None
) -> None:
    rec = Recorder(make_inputs)
    single = run_dispatch(rec(rec.index, E0)).result
    rolled, stats = run_rolling(rec.index, 1.0, rec, window_h=horizon_h, horizon_h=horizon_h)
    assert stats.windows == 1
    assert rolled.objective_eur == pytest.approx(single.objective_eur, abs=TOL_EUR)
    assert stats.statuses[0].objective_eur == pytest.approx(single.objective_eur, abs=TOL_EUR)
    np.testing.assert_allclose(rolled.storage_e_mwh, single.storage_e_mwh, atol=TOL_MWH)
    np.testing.assert_allclose(rolled.grid_import_p_mw, single.grid_import_p_mw, atol=TOL_MW)


@pytest.mark.parametrize(
    ("window_h", "horizon_h", "starts", "lengths"),
    [
        (24, 48, [0, 24, 48, 72], [48, 48, 48, 24]),
        (36, 48, [0, 36, 72], [48, 48, 24]),
        (24, None, [0, 24, 48, 72], [96, 72, 48, 24]),
        (48, 24, [0, 24, 48, 72], [24, 24, 24, 24]),  # window capped at the horizon
    ],
)
def test_windows_cover_the_period_and_carry_the_storage_energy(
    make_inputs: MakeInputs,
    run_dispatch: RunDispatch,
    window_h: float,
    horizon_h: float | None,
    starts: list[int],
    lengths: list[int],
) -> None:
    rec = Recorder(make_inputs)
    result, stats = run_rolling(rec.index, 1.0, rec, window_h=window_h, horizon_h=horizon_h)
    assert stats.windows == len(starts) == len(rec.calls) == len(stats.statuses)
    assert [steps[0] for steps in rec.calls] == [rec.index[s] for s in starts]
    assert [len(steps) for steps in rec.calls] == lengths
    # the committed parts join into exactly the period, without gaps or overlaps
    assert result.storage_e_mwh.index.equals(rec.index)
    assert result.grid_import_p_mw.index.equals(rec.index)

    e = result.storage_e_mwh["bat"]
    # every window starts from the energy at the end of the previous committed window:
    # solved on its own from that energy (the period's E0 for the first), it has the
    # objective the rolling run reports for it
    windows = list(rec.calls)
    for i, (steps, start) in enumerate(zip(windows, starts, strict=True)):
        e0 = E0 if start == 0 else pd.Series({"bat": e.iloc[start - 1]})
        alone = run_dispatch(rec(steps, e0)).result
        assert stats.statuses[i].objective_eur == pytest.approx(alone.objective_eur, abs=TOL_EUR)

    # the storage balance holds across window boundaries in the joined result
    x = rec(rec.index, E0)
    st = x.storage.loc["bat"]
    keep = 1.0 - st["standing_loss_per_h"]
    before = e.shift(1).fillna(E0["bat"])
    flow = (
        st["eff_charge"] * result.storage_charge_p_mw["bat"]
        - result.storage_discharge_p_mw["bat"] / st["eff_discharge"]
    )
    assert (e - keep * before - flow).abs().max() < TOL_MWH
    assert result.storage_charge_p_mw["bat"].max() > 0.1


def test_perfect_foresight_is_never_worse_than_myopic_windows(
    make_inputs: MakeInputs,
) -> None:
    """Non-overlapping 24 h windows (window = horizon) solve a restriction of the
    96 h problem, so the sum of their objectives cannot beat the single window."""
    rec = Recorder(make_inputs)
    whole, _ = run_rolling(rec.index, 1.0, rec)
    myopic, stats = run_rolling(rec.index, 1.0, rec, window_h=24, horizon_h=24)
    assert stats.windows == 4
    assert myopic.objective_eur == pytest.approx(
        sum(s.objective_eur for s in stats.statuses), abs=TOL_EUR
    )
    assert myopic.objective_eur >= whole.objective_eur - TOL_EUR
