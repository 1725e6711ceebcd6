"""Turn a case's series specifications (prices, emission factors) into time series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.case import CaseError, SeriesSpec


def series_from_spec(spec: SeriesSpec, index: pd.DatetimeIndex, key: str) -> pd.Series:
    """Values of ``spec`` on ``index`` (UTC).

    A constant fills every step; a daily profile gives the value of each UTC hour
    of day; a CSV column is read with UTC time stamps in its first column and each
    value held until the next stamp (steps before the first stamp are an error).

    Parameters
    ----------
    key
        The case key path of ``spec``, used in error messages.
    """
    if spec.constant is not None:
        return pd.Series(float(spec.constant), index=index, name=key)
    if spec.daily_profile is not None:
        values = np.asarray(spec.daily_profile, dtype=float)[index.hour]
        return pd.Series(values, index=index, name=key)
    assert spec.csv is not None and spec.column is not None
    return _from_csv(Path(spec.csv), spec.column, index, key)


def _from_csv(path: Path, column: str, index: pd.DatetimeIndex, key: str) -> pd.Series:
    if not path.is_file():
        raise CaseError(f"{key}.csv: file not found: {path}")
    try:
        df = pd.read_csv(path, index_col=0)
        stamps = pd.to_datetime(df.index, utc=True)
    except (ValueError, TypeError) as exc:
        raise CaseError(f"{path}: first column must hold time stamps ({key}): {exc}") from None
    if column not in df.columns:
        raise CaseError(f"{path}: no column {column!r} ({key}.column); has {list(df.columns)}")
    values = pd.to_numeric(df[column], errors="coerce")
    if values.isna().any():
        raise CaseError(f"{path}: column {column!r} has empty or non-numeric values ({key})")
    raw = pd.Series(values.to_numpy(dtype=float), index=stamps).sort_index()
    if index[0] < raw.index[0]:
        raise CaseError(f"{path}: {key} starts at {raw.index[0]}, after the case start {index[0]}")
    out = raw.reindex(raw.index.union(index)).ffill().reindex(index)
    return out.rename(key)
