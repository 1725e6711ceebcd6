"""Window data into a family's Pyomo block and results out of it: the helpers every
asset family's ``build``, ``update`` and ``extract`` use (see ``docs/extending.md``).

``array_param`` adds a mutable Param set from an array in its index order (the
fast way to build a series Param); ``matrix_data`` gives ``{(unit, t): value}`` of
a steps x units array for Pyomo's own ``initialize``;
``store_matrix`` and ``store_param`` write a new window's values into a built block
(and into the parameter vector of a loaded array solver, :class:`ParamMirror`);
``var_values`` reads a variable over ``(UNIT, T)`` from a solution as an array;
``units_by_bus`` groups units by bus for the ``injection_mw`` expressions.
"""

from __future__ import annotations

import math
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.family import DispatchInputError


def matrix_data(units: list[str], values: np.ndarray) -> dict[tuple[str, int], float]:
    """``{(unit, t): value}`` for a steps x units array, units in the order given."""
    return {
        (u, t): float(values[t, j]) for j, u in enumerate(units) for t in range(values.shape[0])
    }


def array_param(
    block: pyo.Block, name: str, sets: tuple[Any, ...], values: np.ndarray | list[float]
) -> pyo.Param:
    """Add the mutable real Param ``block.<name>`` over ``sets`` holding ``values``
    in its index order (over ``(UNIT, T)`` an array units x steps, unit by unit;
    over one set a vector), as :func:`store_matrix` writes them.

    Pyomo initialises all entries to one number at once and the values are then
    written directly, instead of one validated ``param[index] = value`` per entry,
    which is most of the time of building a window's Params.

    Raises
    ------
    DispatchInputError
        If a value is not finite or the number of values differs from the entries'.
    """
    param = pyo.Param(*sets, mutable=True, within=pyo.Reals, initialize=0.0)
    block.add_component(name, param)
    store_matrix(param, np.asarray(values, dtype=float))
    return param


def var_values(sol: Any, var: Any, units: list[Any], n: int) -> np.ndarray:
    """Values of ``var[unit, t]`` as a steps x units array from solution ``sol``
    (:class:`dispatch.extract.Solution`); an empty array without units."""
    if not units:
        return np.zeros((n, 0))
    return np.asarray(sol.var_matrix(var, units, n), dtype=float)


def units_by_bus(bus_of: pd.Series) -> dict[str, list[str]]:
    """Group unit names by their bus."""
    out: dict[str, list[str]] = defaultdict(list)
    for unit, bus in bus_of.items():
        out[str(bus)].append(str(unit))
    return dict(out)


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
    sinks = _MIRRORS.get(param, ())
    for index, value in items:
        v = float(value)
        if not math.isfinite(v):
            raise DispatchInputError(f"{param.name}[{index}]: value {value} is not finite")
        item = data[index]
        item._value = v
        _LAST_WRITTEN.pop(param, None)
        for sink in sinks:
            sink.write_one(item, v)


#: the values store_matrix last wrote into each Param (in index order)
_LAST_WRITTEN: weakref.WeakKeyDictionary[pyo.Param, np.ndarray] = weakref.WeakKeyDictionary()
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
    last = _LAST_WRITTEN.get(param)
    if last is not None and last.shape == flat.shape and np.array_equal(last, flat):
        return  # e.g. loss estimates that stay zero: nothing to write
    sinks = _MIRRORS.get(param, ())
    if not sinks:  # a model loaded in an array solver is written through its mirror only
        for item, value in zip(data, flat.tolist(), strict=True):
            item._value = value
    _LAST_WRITTEN[param] = flat.copy()
    for sink in sinks:
        sink.write(param, flat)


class ParamMirror:
    """A vector of parameter values kept equal to the Params of a model as
    :func:`store_param` and :func:`store_matrix` write them, so that a solver can
    read the vector instead of every Param (see
    :class:`dispatch.array_solver.ArrayDispatchSolver`).

    Parameters
    ----------
    model
        The model whose mutable Params are mirrored.
    params
        The ParamData objects in vector order; those of ``model`` not among them are
        not mirrored (they enter no constraint).

    Once a Param is mirrored, :func:`store_matrix` writes the mirror alone (the
    mirror's owner is the only reader of the values); the Params keep older values
    until :meth:`sync_model`.
    """

    def __init__(self, model: pyo.ConcreteModel, params: Iterable[Any]) -> None:
        order = list(params)
        self._order = order
        at = {id(p): i for i, p in enumerate(order)}
        self.values = np.fromiter((p._value for p in order), dtype=float, count=len(order))
        self._at_item = at
        self._positions: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        for comp in model.component_objects(pyo.Param, active=True, descend_into=True):
            if not comp.mutable:
                continue
            items = _DATA_ORDER.get(comp)
            if items is None:
                items = list(comp.values())
                _DATA_ORDER[comp] = items
            pos = np.array([at.get(id(d), -1) for d in items], dtype=np.int64)
            keep = None if (pos >= 0).all() else np.flatnonzero(pos >= 0)
            self._positions[id(comp)] = (pos if keep is None else pos[keep], keep)
            _MIRRORS.setdefault(comp, []).append(self)

    def write(self, param: pyo.Param, flat: np.ndarray) -> None:
        """Mirror the values ``flat`` just written into ``param`` (index order)."""
        pos, keep = self._positions[id(param)]
        self.values[pos] = flat if keep is None else flat[keep]

    def sync_model(self) -> None:
        """Write the mirrored values into the model's Params."""
        for item, value in zip(self._order, self.values.tolist(), strict=True):
            item._value = value

    def write_one(self, item: Any, value: float) -> None:
        """Mirror one ParamData's new value."""
        i = self._at_item.get(id(item))
        if i is not None:
            self.values[i] = value


#: the mirrors of each mutable Param (:class:`ParamMirror`)
_MIRRORS: weakref.WeakKeyDictionary[pyo.Param, list[ParamMirror]] = weakref.WeakKeyDictionary()
