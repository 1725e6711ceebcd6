"""DispatchInputs validation: every problem raises DispatchInputError naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dispatch.builtin import with_frames
from dispatch.inputs import DispatchInputError, DispatchInputs

MakeInputs = Callable[..., DispatchInputs]


@pytest.fixture()
def valid(make_inputs: MakeInputs) -> DispatchInputs:
    """Three steps with a load, a wind farm and a battery (1 MWh of 0..10 MWh)."""
    return make_inputs(
        [1.0, 2.0, 1.5], wind_mw=[0.5, 0.0, 3.0], storage={"bat": {}}, e0_mwh={"bat": 1.0}
    )


def _with_value(frame: pd.DataFrame, row: int, column: str, value: float) -> pd.DataFrame:
    out = frame.copy()
    out.iloc[row, out.columns.get_loc(column)] = value
    return out


def _shifted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_axis(frame.index + pd.Timedelta(hours=1), axis=0)


# (field named in the message: ``<family>.<field>`` for a family's data, the argument
# of window_inputs for a frame that does not fit; mutation of the valid inputs;
# expected problem)
CASES: dict[str, tuple[str, Callable[[DispatchInputs], dict[str, Any]], str]] = {
    "nan_load": (
        "loads.p_mw",
        lambda x: {"load_p_mw": _with_value(x.load_p_mw, 1, "load", np.nan)},
        "NaN",
    ),
    "inf_renewable": (
        "renewables.p_available_mw",
        lambda x: {"renewable_p_mw": _with_value(x.renewable_p_mw, 0, "wind", np.inf)},
        "infinite",
    ),
    "negative_load": (
        "loads.p_mw",
        lambda x: {"load_p_mw": _with_value(x.load_p_mw, 2, "load", -0.1)},
        "negative values",
    ),
    "negative_renewable": (
        "renewables.p_available_mw",
        lambda x: {"renewable_p_mw": _with_value(x.renewable_p_mw, 0, "wind", -1.0)},
        "negative values",
    ),
    "renewable_index": (
        "renewable_p_mw",
        lambda x: {"renewable_p_mw": _shifted(x.renewable_p_mw)},
        "time index differs",
    ),
    "renewable_index_length": (
        "renewable_p_mw",
        lambda x: {"renewable_p_mw": x.renewable_p_mw.iloc[:2]},
        "time index differs",
    ),
    "grid_index": ("grid", lambda x: {"grid": _shifted(x.grid)}, "time index differs"),
    "load_columns": (
        "load_p_mw",
        lambda x: {"load_p_mw": x.load_p_mw.rename(columns={"load": "other"})},
        "columns differ",
    ),
    "grid_nan_price": (
        "grid.import_price_eur_per_mwh",
        lambda x: {"grid": _with_value(x.grid, 1, "import_price_eur_per_mwh", np.nan)},
        "NaN",
    ),
    "grid_missing_column": (
        "grid",
        lambda x: {"grid": x.grid.drop(columns="ef_tco2_per_mwh")},
        "ef_tco2_per_mwh",
    ),
    "storage_columns": (
        "storage.units",
        lambda x: {"storage": x.storage.drop(columns="wear_cost_eur_per_mwh")},
        "missing columns ['wear_cost_eur_per_mwh']",
    ),
    "e0_above_max": (
        "storage.state.e_mwh",
        lambda x: {"storage_e_initial_mwh": pd.Series({"bat": 10.5})},
        "outside",
    ),
    "e0_below_min": (
        "storage.state.e_mwh",
        lambda x: {"storage_e_initial_mwh": pd.Series({"bat": -0.5})},
        "outside",
    ),
    "e0_names": (
        "storage_e_initial_mwh",
        lambda x: {"storage_e_initial_mwh": pd.Series({"battery": 1.0})},
        "names differ",
    ),
    "dt_zero": ("dt_h", lambda x: {"dt_h": 0.0}, "must be > 0"),
    "negative_import_limit": (
        "grid.import_max_mw/export_max_mw",
        lambda x: {"import_max_mw": -1.0},
        "must be >= 0",
    ),
    "empty_window": (
        "time",
        lambda x: {
            "load_p_mw": x.load_p_mw.iloc[:0],
            "renewable_p_mw": x.renewable_p_mw.iloc[:0],
            "grid": x.grid.iloc[:0],
        },
        "empty window",
    ),
}


def test_valid_inputs_are_accepted(valid: DispatchInputs) -> None:
    assert list(valid.time) == list(valid.load_p_mw.index)
    assert valid.buses == ["b1", "ext"]
    # with_frames() re-validates: unchanged inputs still pass
    assert with_frames(valid).storage_e_initial_mwh["bat"] == 1.0


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_inputs_raise_naming_the_field(valid: DispatchInputs, case: str) -> None:
    field, mutate, problem = CASES[case]
    with pytest.raises(DispatchInputError) as info:
        with_frames(valid, **mutate(valid))
    message = str(info.value)
    assert message.startswith(f"{field}: "), message
    assert problem in message


def test_initial_energy_on_the_bounds_is_accepted(valid: DispatchInputs) -> None:
    for e0 in (0.0, 10.0):
        x = with_frames(valid, storage_e_initial_mwh=pd.Series({"bat": e0}))
        assert x.storage_e_initial_mwh["bat"] == e0


def test_dispatch_input_error_is_a_value_error() -> None:
    assert issubclass(DispatchInputError, ValueError)


def test_a_carried_state_is_validated_by_its_family(valid: DispatchInputs) -> None:
    """with_states skips the checks of what did not change, but not of the new state."""
    ok = valid.with_states({"storage": {"e_mwh": np.array([2.0])}})
    assert ok.storage_e_initial_mwh["bat"] == 2.0
    assert valid.storage_e_initial_mwh["bat"] == 1.0  # the original is unchanged
    with pytest.raises(DispatchInputError, match=r"^storage\.state\.e_mwh: outside"):
        valid.with_states({"storage": {"e_mwh": np.array([99.0])}})
