"""Helpers shared by the block builders to turn aligned frames into Pyomo data."""

from __future__ import annotations

import math
import weakref
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.family import DispatchInputError


def param_data(frame: pd.DataFrame) -> dict[tuple[str, int], float]:
    """``{(column, t): value}`` for a time x unit frame, ``t`` the row position."""
    values = frame.to_numpy(dtype=float)
    return {
        (col, t): float(values[t, j])
        for j, col in enumerate(frame.columns)
        for t in range(values.shape[0])
    }


def matrix_data(units: list[str], values: np.ndarray) -> dict[tuple[str, int], float]:
    """``{(unit, t): value}`` for a steps x units array, units in the order given."""
    return {
        (u, t): float(values[t, j]) for j, u in enumerate(units) for t in range(values.shape[0])
    }


def var_values(sol: Any, var: Any, units: list[Any], n: int) -> np.ndarray:
    """Values of ``var[unit, t]`` as a steps x units array from solution ``sol``
    (:class:`dispatch.extract.Solution`); an empty array without units."""
    if not units:
        return np.zeros((n, 0))
    return np.asarray(sol.var_matrix(var, units, n), dtype=float)


def series_data(values: pd.Series) -> dict[int, float]:
    """``{t: value}`` for a series over the window's steps, ``t`` the position."""
    return {t: float(v) for t, v in enumerate(values.to_numpy(dtype=float))}


def units_by_bus(bus_of: pd.Series) -> dict[str, list[str]]:
    """Group unit names by their bus."""
    out: dict[str, list[str]] = defaultdict(list)
    for unit, bus in bus_of.items():
        out[str(bus)].append(str(unit))
    return dict(out)


def aligned_to_block(
    frame: pd.DataFrame, units: Iterable[Hashable], n_steps: int, name: str
) -> pd.DataFrame:
    """``frame`` with its columns in the order of a built block's ``units``.

    Used by the ``update_<family>`` functions: a model built for one window can only
    take the data of another window with the same units and number of steps.

    Raises
    ------
    DispatchInputError
        If the columns are not exactly ``units`` or the row count is not ``n_steps``.
    """
    order = list(units)
    if len(frame.columns) != len(order) or set(frame.columns) != set(order):
        raise DispatchInputError(
            f"{name}: columns {sorted(map(str, frame.columns))[:5]} differ from the "
            f"built model's {sorted(map(str, order))[:5]}; rebuild the model"
        )
    if len(frame.index) != n_steps:
        raise DispatchInputError(
            f"{name}: {len(frame.index)} steps, the built model has {n_steps}; rebuild the model"
        )
    return frame[order]


def store_param(param: pyo.Param, values: Mapping[Any, float] | float) -> None:
    """Write ``values`` (``{index: value}``, or one value for every index) into the
    mutable, fully initialised Param ``param``.

    Pyomo's ``store_values`` checks set membership and the domain of every value
    one by one, which costs more than the rest of a window's update; here the
    indices are those of the built block (an unknown one raises ``KeyError``) and
    every value must be a finite real number.

    Raises
    ------
    DispatchInputError
        If a value is not finite.
    """
    data = param._data  # {index: ParamData} of the initialised mutable Param
    items = values.items() if isinstance(values, Mapping) else ((k, values) for k in data)
    for index, value in items:
        v = float(value)
        if not math.isfinite(v):
            raise DispatchInputError(f"{param.name}[{index}]: value {value} is not finite")
        data[index]._value = v


#: the ParamData of each Param in its index order, kept from the first store_matrix
_DATA_ORDER: weakref.WeakKeyDictionary[pyo.Param, list[Any]] = weakref.WeakKeyDictionary()


def store_matrix(param: pyo.Param, values: np.ndarray) -> None:
    """Write ``values`` into the mutable, fully initialised Param ``param`` in the
    order of its index (for a Param over ``(UNIT, T)`` an array of shape
    ``(units, steps)``, unit by unit; for one over ``T`` a vector).

    The fast counterpart of :func:`store_param` for the time series of a window.

    Raises
    ------
    DispatchInputError
        If a value is not finite or the number of values differs from the Param's.
    """
    data = _DATA_ORDER.get(param)
    if data is None:
        data = list(param.values())
        _DATA_ORDER[param] = data
    flat = np.asarray(values, dtype=float).ravel()
    if len(flat) != len(data):
        raise DispatchInputError(
            f"{param.name}: {len(flat)} values for {len(data)} entries; rebuild the model"
        )
    if not np.isfinite(flat).all():
        raise DispatchInputError(f"{param.name}: values that are not finite")
    for item, value in zip(data, flat.tolist(), strict=True):
        item._value = value
