"""Positions of time stamps in a time index, fast for a window of consecutive steps."""

from __future__ import annotations

import numpy as np
import pandas as pd


def time_positions(index: pd.DatetimeIndex, times: pd.DatetimeIndex) -> np.ndarray:
    """Positions of ``times`` in ``index``, -1 where a stamp is missing (as
    ``index.get_indexer(times)``).

    A rolling window's steps are a run of consecutive stamps of the run's index:
    then the first stamp is looked up and the run compared as integers, which is
    much cheaper than pandas' general indexer; anything else takes that indexer.
    """
    n = len(times)
    if n and index.dtype == times.dtype and index.is_unique:
        try:
            first = index.get_loc(times[0])
        except KeyError:
            first = None
        if isinstance(first, (int, np.integer)) and first + n <= len(index):
            if np.array_equal(index.asi8[first : first + n], times.asi8):
                return np.arange(first, first + n)
    return index.get_indexer(times)
