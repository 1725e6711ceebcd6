"""Series specifications (constant, daily profile, CSV) turned into time series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.case import CaseError, SeriesSpec
from sim.series import series_from_spec

INDEX = pd.date_range("2016-07-04", periods=48, freq="1h", tz="UTC")


def test_constant_fills_every_step() -> None:
    s = series_from_spec(SeriesSpec(constant=40.0), INDEX, "k")
    assert s.index.equals(INDEX) and (s == 40.0).all()


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(st.floats(-500, 500, allow_nan=False), min_size=24, max_size=24))
def test_daily_profile_follows_the_utc_hour(values: list[float]) -> None:
    s = series_from_spec(SeriesSpec(daily_profile=values), INDEX, "k")
    for t, v in s.items():
        assert v == values[t.hour]


def test_daily_profile_on_half_hours_repeats_each_hour() -> None:
    idx = pd.date_range("2016-07-04", periods=4, freq="30min", tz="UTC")
    s = series_from_spec(SeriesSpec(daily_profile=list(range(24))), idx, "k")
    assert s.tolist() == [0, 0, 1, 1]


def test_csv_values_hold_until_the_next_stamp(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("time,da\n2016-07-04T00:00Z,10\n2016-07-04T06:00Z,20\n2016-07-05T00:00Z,-5\n")
    s = series_from_spec(SeriesSpec(csv=f, column="da"), INDEX, "external_grid.x")
    assert (s.iloc[:6] == 10).all() and (s.iloc[6:24] == 20).all() and (s.iloc[24:] == -5).all()


def test_csv_time_zones_are_converted_to_utc(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("time,da\n2016-07-04T02:00+02:00,1\n2016-07-04T03:00+02:00,2\n")
    s = series_from_spec(SeriesSpec(csv=f, column="da"), INDEX[:3], "k")
    assert s.tolist() == [1.0, 2.0, 2.0]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("time,da\n2016-07-04T05:00Z,1\n", "starts at"),
        ("time,other\n2016-07-04T00:00Z,1\n", "no column 'da'"),
        ("time,da\n2016-07-04T00:00Z,abc\n", "non-numeric"),
        ("time,da\nyesterday,1\n", "time stamps"),
    ],
)
def test_csv_errors_name_file_and_key(tmp_path: Path, text: str, match: str) -> None:
    f = tmp_path / "p.csv"
    f.write_text(text)
    with pytest.raises(CaseError, match=match) as err:
        series_from_spec(SeriesSpec(csv=f, column="da"), INDEX, "external_grid.import")
    assert "p.csv" in str(err.value)


def test_missing_csv_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="external_grid.import.csv: file not found"):
        series_from_spec(
            SeriesSpec(csv=tmp_path / "no.csv", column="da"), INDEX, "external_grid.import"
        )
    assert np.isfinite(series_from_spec(SeriesSpec(constant=1), INDEX, "k")).all()
