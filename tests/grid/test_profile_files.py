"""Reading the user's profile files: stamps, time zones, resampling and every error
naming the file, the column and the row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grid.profile_files import match_columns, read_profile_file, to_resolution
from grid.profiles import ProfileError

UTC = "UTC"


def _csv(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_utc_stamps_and_offsets(tmp_path: Path) -> None:
    path = _csv(
        tmp_path, "time,a\n2024-01-01T00:00Z,1\n2024-01-01T01:00+01:00,2\n2024-01-01T01:00Z,3\n"
    )
    with pytest.raises(ProfileError, match="line 3: stamp .* repeats"):
        read_profile_file(path)
    path = _csv(tmp_path, "time,a\n2024-01-01T00:00Z,1\n2024-01-01T02:00+01:00,2\n")
    frame = read_profile_file(path)
    assert list(frame.index) == list(pd.date_range("2024-01-01", periods=2, freq="h", tz=UTC))


def test_local_time_with_daylight_saving_is_converted_to_utc(tmp_path: Path) -> None:
    # 27 March 2016, Europe/Berlin: 02:00 local does not exist, so 01:00 -> 03:00
    path = _csv(
        tmp_path,
        "time,a\n2016-03-27 00:00,1\n2016-03-27 01:00,2\n2016-03-27 03:00,3\n2016-03-27 04:00,4\n",
    )
    frame = read_profile_file(path, "Europe/Berlin")
    assert frame.index[0] == pd.Timestamp("2016-03-26 23:00", tz=UTC)
    assert (np.diff(frame.index.asi8) == 3600 * 10**9).all()
    assert frame["a"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_finer_data_is_averaged_and_coarser_data_held(tmp_path: Path) -> None:
    fine = _csv(
        tmp_path,
        "time,a\n"
        + "".join(
            f"2024-01-01T00:{m:02d}Z,{v}\n"
            for m, v in zip((0, 15, 30, 45), (1, 2, 3, 6), strict=True)
        )
        + "".join(f"2024-01-01T01:{m:02d}Z,10\n" for m in (0, 15, 30, 45)),
    )
    start = pd.Timestamp("2024-01-01", tz=UTC)
    out = to_resolution(read_profile_file(fine), 60, start, start + pd.Timedelta(hours=2), fine)
    assert out["a"].tolist() == [3.0, 10.0]  # mean power: energy kept
    coarse = _csv(tmp_path, "time,a\n2024-01-01T00:00Z,4\n2024-01-01T01:00Z,8\n", "c.csv")
    out = to_resolution(read_profile_file(coarse), 30, start, start + pd.Timedelta(hours=2), coarse)
    assert out["a"].tolist() == [4.0, 4.0, 8.0, 8.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,a\n2024-01-01T00:00Z,1\nnot a time,2\n", r"line 3: cannot read 'not a time'"),
        ("time,a\n2024-01-01T01:00Z,1\n2024-01-01T00:00Z,2\n", r"line 3: .* goes back before"),
        ("time,a\n2024-01-01T00:00Z,1\n2024-01-01T00:00Z,2\n", r"line 3: .* repeats"),
        (
            "time,a\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,2\n2024-01-01T03:00Z,2\n",
            r"line 4: step 0 days 02:00:00 after .* differs .* \(a gap",
        ),
        ("time,a\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,\n", r"column 'a', line 3: empty value"),
        (
            "time,a\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,x\n",
            r"column 'a', line 3: value 'x' is not a finite number",
        ),
        (
            "time,a\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,inf\n",
            r"column 'a', line 3: value 'inf'",
        ),
        ("time,a\n2024-01-01T00:00Z,1e9\n2024-01-01T01:00Z,1\n", r"column 'a', line 2: .* exceeds"),
        ("time,a\n2024-01-01T00:00Z,1\n", r"at least two rows"),
    ],
)
def test_bad_files_name_the_column_and_row(tmp_path: Path, text: str, message: str) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(ProfileError, match=message) as info:
        read_profile_file(path)
    assert str(path) in str(info.value)


def test_parquet_rows_are_counted_from_one(tmp_path: Path) -> None:
    idx = pd.date_range("2024-01-01", periods=3, freq="h", tz=UTC)
    pd.DataFrame({"a": [1.0, np.nan, 2.0]}, index=idx.rename("time")).to_parquet(
        tmp_path / "p.parquet"
    )
    with pytest.raises(ProfileError, match="column 'a', row 2"):
        read_profile_file(tmp_path / "p.parquet")


def test_period_not_covered_and_mismatched_resolutions(tmp_path: Path) -> None:
    path = _csv(tmp_path, "time,a\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,2\n")
    frame = read_profile_file(path)
    start = pd.Timestamp("2024-01-01", tz=UTC)
    with pytest.raises(ProfileError, match="covers .* the case needs"):
        to_resolution(frame, 60, start, start + pd.Timedelta(hours=3), path)
    with pytest.raises(ProfileError, match="is not a multiple"):
        to_resolution(frame, 25, start, start + pd.Timedelta(hours=2), path)


def test_columns_match_names_or_indices(tmp_path: Path) -> None:
    names = pd.Series(["L1", "L2"], index=[4, 7])
    idx = pd.date_range("2024-01-01", periods=2, freq="h", tz=UTC)
    by_index = pd.DataFrame({"7": [1.0, 2.0], "4": [3.0, 4.0]}, index=idx)
    assert list(match_columns(by_index, names, "index", Path("f.csv"), "load").columns) == [
        "L2",
        "L1",
    ]
    with pytest.raises(ProfileError, match="'5' is not an index of the grid's load table"):
        match_columns(by_index.rename(columns={"7": "5"}), names, "index", Path("f.csv"), "load")
    with pytest.raises(ProfileError, match="'L3' names no element of the grid's load table"):
        match_columns(by_index.set_axis(["L1", "L3"], axis=1), names, "name", Path("f.csv"), "load")
