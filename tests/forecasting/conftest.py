"""Shared data of the forecasting tests: seeded synthetic series on UTC indexes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

SEED = 20160101

LoadMaker = Callable[..., pd.DataFrame]


def synthetic_load_mw(
    days: int, step_min: int = 60, n_series: int = 2, noise_mw: float = 0.15, seed: int = SEED
) -> pd.DataFrame:
    """Load-like series: daily and weekly pattern, a slow drift and AR(1) noise [MW].

    Series ``i`` is scaled by ``1 + i``, so a pooled model must handle levels.
    """
    rng = np.random.default_rng(seed)
    index = pd.date_range(
        "2016-01-04", periods=days * 24 * 60 // step_min, freq=f"{step_min}min", tz="UTC",
        name="time",
    )  # fmt: skip
    hour_h = index.hour.to_numpy() + index.minute.to_numpy() / 60.0
    weekend = index.dayofweek.to_numpy() >= 5
    day_shape = 0.35 * np.sin(2 * np.pi * (hour_h - 9.0) / 24.0) + 0.15 * np.cos(
        4 * np.pi * hour_h / 24.0
    )
    week_shape = np.where(weekend, -0.3, 0.0) * (1.0 + 0.5 * np.sin(np.pi * hour_h / 24.0))
    drift = 0.1 * np.sin(2 * np.pi * np.arange(len(index)) / len(index))
    columns = {}
    for i in range(n_series):
        shocks = rng.normal(0.0, noise_mw, len(index))
        noise = np.empty(len(index))
        level = 0.0
        for t, shock in enumerate(shocks):
            level = 0.6 * level + shock
            noise[t] = level
        columns[f"load {i}"] = (1.0 + i) * (1.5 + day_shape + week_shape + drift + noise)
    return pd.DataFrame(columns, index=index)


@pytest.fixture()
def make_load() -> LoadMaker:
    """The synthetic load maker (see :func:`synthetic_load_mw`)."""
    return synthetic_load_mw


@pytest.fixture()
def load_6w() -> pd.DataFrame:
    """Six weeks of two hourly load-like series [MW]."""
    return synthetic_load_mw(42)
