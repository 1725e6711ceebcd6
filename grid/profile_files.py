"""The user's own profiles: time series of loads and generators from CSV or Parquet.

A profile file has time stamps in its first column (CSV) or as its index or first
column (Parquet) and one column per element. Stamps with a UTC offset are read as
given; stamps without one are in the file's stated time zone (``time_zone``, UTC by
default; local times with daylight-saving shifts are read with the shift inferred).
The stamps must be strictly increasing and regular (one resolution throughout, no
gap): each marks the start of its interval.

Resampling to the case's resolution:

- finer data (e.g. 15-minute into hourly): the mean power over each interval, so
  energy is kept; an interval must be complete;
- coarser data (e.g. hourly into 15-minute): each value is held over its interval
  (a step profile).

Every error names the file, and where it applies the column and the row: the
line of a CSV file (the header is line 1) or the row number of a Parquet file.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from grid.profiles import ProfileError

#: suffixes read as Parquet; anything else is read as CSV
PARQUET_SUFFIXES = (".parquet", ".pq")
#: a time stamp's UTC offset at its end: ``Z``, ``+01:00``, ``-0500``
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
#: largest magnitude accepted for a value in MW or Mvar
MAX_ABS_MW = 1e5


def _row(path: Path, i: int) -> str:
    """How to point at data row ``i`` (0-based) of ``path``."""
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return f"row {i + 1}"
    return f"line {i + 2}"


def read_profile_file(path: Path, time_zone: str = "UTC") -> pd.DataFrame:
    """The numeric columns of a profile file on a UTC index, stamps checked.

    A file is read once per process while it is unchanged (same size and
    modification time): the cases of a study that share it share the reading; each
    caller gets its own copy.

    Raises
    ------
    ProfileError
        If the file is missing or unreadable, a stamp cannot be parsed, the stamps
        are not strictly increasing or not regular, or a value is empty, non-numeric
        or non-finite.
    """
    path = Path(path)
    if not path.is_file():
        raise ProfileError(f"{path}: file not found")
    st = path.stat()
    return _read_checked(path, st.st_mtime_ns, st.st_size, time_zone).copy()


@functools.lru_cache(maxsize=32)
def _read_checked(path: Path, mtime_ns: int, size: int, time_zone: str) -> pd.DataFrame:
    """:func:`read_profile_file` of one version of a file (its stamp and size)."""
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            raw = pd.read_parquet(path)
            if isinstance(raw.index, pd.RangeIndex):
                raw = raw.set_index(raw.columns[0])
        else:
            raw = pd.read_csv(path, index_col=0)
    except Exception as exc:  # pandas/pyarrow raise assorted errors for bad files
        raise ProfileError(f"{path}: cannot read the file: {exc}") from None
    if raw.shape[0] < 2 or raw.shape[1] < 1:
        raise ProfileError(f"{path}: needs a time column and at least two rows of values")
    stamps = _stamps(path, raw.index, time_zone)
    values = raw.copy()
    values.index = stamps
    values.columns = [str(c) for c in values.columns]
    for c in values.columns:
        num = pd.to_numeric(values[c], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(num))
        if len(bad):
            given = values[c].iloc[bad[0]]
            what = (
                "empty value" if pd.isna(given) else f"value {str(given)!r} is not a finite number"
            )
            raise ProfileError(f"{path}: column {c!r}, {_row(path, int(bad[0]))}: {what}")
        big = np.flatnonzero(np.abs(num) > MAX_ABS_MW)
        if len(big):
            raise ProfileError(
                f"{path}: column {c!r}, {_row(path, int(big[0]))}: |{num[big[0]]}| exceeds "
                f"{MAX_ABS_MW:g} (MW or per unit expected)"
            )
        values[c] = num
    return values.astype(float)


def _stamps(path: Path, raw: pd.Index, time_zone: str) -> pd.DatetimeIndex:
    """UTC stamps of a file's index, checked to be strictly increasing and regular."""
    text = pd.Series(raw.astype(str)).str.strip()
    bad = np.flatnonzero(pd.to_datetime(text, errors="coerce", utc=True, format="mixed").isna())
    if len(bad):
        raise ProfileError(
            f"{path}: time column, {_row(path, int(bad[0]))}: cannot read {text.iloc[bad[0]]!r} "
            "as a time stamp"
        )
    offset = text.str.contains(_OFFSET, regex=True).to_numpy()
    if offset.any() and not offset.all():
        i = int(np.flatnonzero(offset != offset[0])[0])
        raise ProfileError(
            f"{path}: time column, {_row(path, i)}: stamps mix with and without UTC offsets"
        )
    parsed = pd.to_datetime(text, utc=bool(offset[0]), format="mixed")
    stamps = pd.DatetimeIndex(parsed)
    if not offset[0]:
        try:
            stamps = stamps.tz_localize(time_zone, ambiguous="infer", nonexistent="raise")
        except Exception as exc:  # unknown zone, ambiguous or non-existent local times
            raise ProfileError(
                f"{path}: time column: stamps are not valid {time_zone} times: {exc}"
            ) from None
        stamps = stamps.tz_convert("UTC")
    diff = np.diff(stamps.asi8)
    back = np.flatnonzero(diff <= 0)
    if len(back):
        i = int(back[0]) + 1
        what = "repeats" if diff[back[0]] == 0 else "goes back before"
        raise ProfileError(
            f"{path}: time column, {_row(path, i)}: stamp {stamps[i]} {what} the one before "
            "(stamps must be strictly increasing)"
        )
    steps, counts = np.unique(diff, return_counts=True)
    step = int(steps[np.argmax(counts)])  # the file's resolution: its most common step
    gap = np.flatnonzero(diff != step)
    if len(gap):
        i = int(gap[0]) + 1
        raise ProfileError(
            f"{path}: time column, {_row(path, i)}: step {pd.Timedelta(int(diff[gap[0]]))} "
            f"after {stamps[i - 1]} differs from the file's resolution {pd.Timedelta(step)} "
            "(a gap or an irregular stamp)"
        )
    return stamps


def to_resolution(
    frame: pd.DataFrame, resolution_min: int, start: pd.Timestamp, end: pd.Timestamp, path: Path
) -> pd.DataFrame:
    """``frame`` (regular stamps) on the steps of [start, end) at ``resolution_min``.

    Raises
    ------
    ProfileError
        If the resolutions do not divide each other or the file does not cover
        the period.
    """
    step = pd.Timedelta(int(np.median(np.diff(frame.index.asi8))))
    res = pd.Timedelta(minutes=resolution_min)
    covers_to = frame.index[-1] + step
    if frame.index[0] > start or covers_to < end:
        raise ProfileError(
            f"{path}: covers {frame.index[0]} to {covers_to}; the case needs {start} to {end}"
        )
    target = pd.date_range(start, end, freq=res, inclusive="left")
    if step == res:
        out = frame.reindex(target)
    elif step < res:
        if res % step:
            raise ProfileError(
                f"{path}: resolution {step} does not divide the case's {resolution_min} min"
            )
        inside = frame.loc[(frame.index >= start) & (frame.index < end)]
        out = inside.resample(res, origin=start, label="left", closed="left").mean()
        out = out.reindex(target)
    else:
        if step % res:
            raise ProfileError(
                f"{path}: resolution {step} is not a multiple of the case's {resolution_min} min"
            )
        out = frame.reindex(frame.index.union(target)).ffill().reindex(target)
    if out.isna().to_numpy().any():
        raise ProfileError(f"{path}: the stamps do not line up with the case's time steps")
    return out


def match_columns(
    frame: pd.DataFrame, names: pd.Series, match: str, path: Path, table: str
) -> pd.DataFrame:
    """``frame`` with its columns renamed to element names.

    Parameters
    ----------
    names
        Element name by pandapower index of the table.
    match
        ``"name"``: columns are element names; ``"index"``: columns are pandapower
        indices of ``table``.

    Raises
    ------
    ProfileError
        If a column names no element of the table, or two name the same.
    """
    if match == "name":
        known = set(names.astype(str))
        cols = list(frame.columns)
    else:
        by_index = {str(i): n for i, n in names.items()}
        unknown = [c for c in frame.columns if c not in by_index]
        if unknown:
            raise ProfileError(
                f"{path}: column {unknown[0]!r} is not an index of the grid's {table} table "
                f"(indices {min(names.index)}..{max(names.index)})"
            )
        cols = [str(by_index[c]) for c in frame.columns]
        known = set(cols)
    unknown = [c for c in cols if c not in known]
    if unknown:
        sample = ", ".join(map(repr, list(names.astype(str))[:3]))
        raise ProfileError(
            f"{path}: column {unknown[0]!r} names no element of the grid's {table} table "
            f"(names look like {sample}; or set match: index)"
        )
    if len(set(cols)) < len(cols):
        dup = next(c for c in cols if cols.count(c) > 1)
        raise ProfileError(f"{path}: two columns give {table} {dup!r}")
    out = frame.copy()
    out.columns = cols
    return out
