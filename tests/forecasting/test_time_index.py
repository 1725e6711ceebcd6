"""Positions of a window's steps in a run's time index: the one-lookup path for
consecutive steps gives what pandas' indexer gives, and falls back to it otherwise."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.time_index import time_positions


def test_positions_equal_pandas_indexer() -> None:
    index = pd.date_range("2016-03-01", periods=48, freq="h", tz="UTC")
    cases = [
        index[5:29],  # consecutive: the fast path
        index[[3, 7, 8]],  # not consecutive
        pd.date_range("2016-03-02T20:00", periods=10, freq="h", tz="UTC"),  # runs past the end
        pd.date_range("2016-02-28", periods=3, freq="h", tz="UTC"),  # before the start
        index[5:29].tz_convert("Europe/Berlin"),  # same instants, another zone
        index[:0],
    ]
    for times in cases:
        np.testing.assert_array_equal(time_positions(index, times), index.get_indexer(times))
    np.testing.assert_array_equal(time_positions(index, index[5:29]), np.arange(5, 29))
