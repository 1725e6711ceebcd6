"""The asset-family protocol of the dispatch: one object per family builds, updates
and reads its Pyomo block, validates and pads its window data, and carries its
state from one rolling window to the next.

A window's data of one family is an :class:`AssetData`: a static table of units
(fixed when a model is built), time series as NumPy arrays (steps x units) and the
state at the window start (one value per unit). :class:`dispatch.inputs.DispatchInputs`
holds one :class:`AssetData` per family; the model, the rolling horizon, padding
and extraction iterate over them and never name a family. ``docs/extending.md``
shows how to add one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from dispatch.extract import Solution
    from dispatch.inputs import DispatchInputs


class DispatchInputError(ValueError):
    """Inconsistent dispatch inputs; the message names the field and the problem."""


#: the error of inconsistent family data (a :class:`DispatchInputError`)
AssetDataError = DispatchInputError


@dataclass(frozen=True, eq=False)
class AssetData:
    """The data of one asset family for one window.

    Attributes
    ----------
    family
        The family that builds the block of these units.
    units
        Static table, one row per unit (index: unit names), with at least a column
        ``bus``; fixed when a model is built (see :meth:`AssetFamily.structure`).
    series
        Time series of the window by name, each an array of shape (steps, units),
        units in the name (``p_mw``, ``price_eur_per_mwh``).
    state
        State at the window start by name, each an array of shape (units,), e.g.
        the stored energy ``e_mwh``; carried between rolling windows by
        :meth:`AssetFamily.state_after`.
    """

    family: AssetFamily
    units: pd.DataFrame
    series: Mapping[str, np.ndarray] = field(default_factory=dict)
    state: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Unit names in table order."""
        return [str(u) for u in self.units.index]

    @property
    def bus(self) -> np.ndarray:
        """Bus of every unit, in table order (computed once per unit table)."""
        return _TABLE_CACHE.get(self.units, "bus", lambda t: t["bus"].astype(str).to_numpy())

    def with_state(self, state: Mapping[str, np.ndarray]) -> AssetData:
        """These data with ``state`` replacing (or adding to) the state at the start."""
        return replace(self, state={**self.state, **state})


class _TableCache:
    """Values derived from a unit table, computed once per table object.

    Unit tables are made once per run and shared by every window, so what is
    derived from them (bus arrays, the checks of :meth:`AssetFamily.check_table`)
    is kept with a reference to the table (so its ``id`` stays unique); treat a
    unit table as immutable once it is in an :class:`AssetData`.
    """

    #: tables kept at most; the oldest are dropped first
    SIZE = 256

    def __init__(self) -> None:
        self._found: dict[tuple[int, str], tuple[pd.DataFrame, Any]] = {}

    def get(self, table: pd.DataFrame, what: str, make: Any) -> Any:
        key = (id(table), what)
        hit = self._found.get(key)
        if hit is not None and hit[0] is table:
            return hit[1]
        value = make(table)
        if len(self._found) >= self.SIZE:
            self._found.pop(next(iter(self._found)))
        self._found[key] = (table, value)
        return value


_TABLE_CACHE = _TableCache()


def empty_table(columns: tuple[str, ...]) -> pd.DataFrame:
    """A unit table without units."""
    return pd.DataFrame(columns=list(columns), index=pd.Index([], dtype=object))


class AssetFamily:
    """Base class of an asset family of the dispatch.

    A family sets :attr:`name` (its block's name in the model and its key in
    :attr:`dispatch.inputs.DispatchInputs.assets`) and implements :meth:`build`,
    :meth:`update` and :meth:`extract`; the other methods have defaults.

    Every block built by a family exposes a set ``BUS`` (buses it touches), an
    expression ``injection_mw[bus, t]`` (active power into the bus [MW]) and scalar
    expressions ``cost_eur`` [EUR] and ``emissions_tco2`` [tCO2]; it may expose
    ``penalty_eur`` (slack penalties that keep their full weight in the
    ``min_emissions`` objective).
    """

    #: block name and key of the family's data in ``DispatchInputs.assets``
    name: str = ""
    #: columns the unit table must have
    columns: tuple[str, ...] = ("bus",)
    #: series every window must give, each (steps, units)
    series_names: tuple[str, ...] = ()
    #: series a window may give; their presence is part of the model structure
    optional_series: tuple[str, ...] = ()
    #: series that must not be negative
    nonnegative_series: tuple[str, ...] = ()
    #: False if the family's series are one column for all its units (steps, 1)
    series_per_unit: bool = True
    #: the state names carried between windows (each (units,))
    state_names: tuple[str, ...] = ()
    #: per component of the family's block (``e_mwh``, ``ramp_up``), the case keys
    #: that set its limits: the fix named when a window is infeasible
    #: (:mod:`dispatch.window_failure`)
    limit_hints: Mapping[str, str] = MappingProxyType({})

    # -- window data -------------------------------------------------------------------
    def validate(self, d: AssetData, x: DispatchInputs) -> None:
        """Check the data of one window; raise :class:`AssetDataError` naming the field.

        The default runs :meth:`check_table` once per unit table and checks the
        presence and shape of the series and state, finiteness and signs; a family
        extends it with checks of its series and state.
        """
        n, k = len(x.time), len(d.units.index)
        _TABLE_CACHE.get(d.units, f"checked:{self.name}", self._check_once)
        for name in self.series_names:
            if name not in d.series:
                self.fail(name, "missing series")
        for name, values in d.series.items():
            if name not in self.series_names and name not in self.optional_series:
                self.fail(
                    name, f"unknown series (known: {self.series_names + self.optional_series})"
                )
            want = (n, k if self.series_per_unit else 1)
            if values.shape != want:
                self.fail(name, f"shape {values.shape}, expected {want}")
            if not np.isfinite(values).all():
                self.fail(name, "contains NaN or infinite values")
            if name in self.nonnegative_series and (values < 0).any():
                self.fail(name, "contains negative values")
        for name, values in d.state.items():
            if np.shape(values) != (k,):
                self.fail(f"state.{name}", f"shape {np.shape(values)}, expected ({k},)")

    def _check_once(self, units: pd.DataFrame) -> bool:
        self.check_table(units)
        return True

    def check_table(self, units: pd.DataFrame) -> None:
        """Check the unit table (once per table object): the columns of
        :attr:`columns` and unique names; a family extends it."""
        missing = [c for c in self.columns if c not in units.columns]
        if missing:
            self.fail("units", f"missing columns {missing}")
        if not units.index.is_unique:
            self.fail("units", "names are not unique")

    def has_units_of(self, blk: pyo.Block, d: AssetData) -> bool:
        """Whether ``d`` has units (False: nothing to write); the units must be those
        of the built block ``blk``.

        Raises
        ------
        AssetDataError
            If the units differ from the block's (the model must be rebuilt).
        """
        if list(blk.UNIT) != d.names:
            self.fail("units", "units differ from the built model's; rebuild the model")
        return bool(d.names)

    def write_series_and_state(
        self, blk: pyo.Block, d: AssetData, state_params: Mapping[str, str]
    ) -> None:
        """Write every series of :attr:`series_names` into the block's mutable Param
        of the same name (units x steps) and each state into the Param
        ``state_params[state]``, if ``d`` has units (:meth:`has_units_of`)."""
        from dispatch.components.block_data import store_matrix

        if not self.has_units_of(blk, d):
            return
        for name in self.series_names:
            store_matrix(getattr(blk, name), d.series[name].T)
        for state, param in state_params.items():
            store_matrix(getattr(blk, param), d.state[state])

    def fail(self, what: str, problem: str) -> None:
        """Raise :class:`AssetDataError` for field ``what`` of this family."""
        raise AssetDataError(f"{self.name}.{what}: {problem}")

    #: columns of the unit table an update may change (data, not structure)
    mutable_columns: tuple[str, ...] = ()

    def same_structure(self, a: AssetData, b: AssetData) -> bool:
        """Whether a model built from ``a`` can take ``b`` by :meth:`update`: the same
        unit table (but :attr:`mutable_columns`) and the same series names."""
        if set(a.series) != set(b.series):
            return False
        ta, tb = a.units, b.units
        if ta is tb:
            return True
        if self.mutable_columns:
            ta, tb = (
                ta.drop(columns=list(self.mutable_columns)),
                tb.drop(columns=list(self.mutable_columns)),
            )
        return ta.shape == tb.shape and bool(ta.equals(tb))

    #: series whose padded steps repeat the window's last step (not zero): bounds a
    #: state must stay within, or conditions such as the outdoor temperature
    held_series: tuple[str, ...] = ()

    def pad(self, d: AssetData, n_steps: int) -> AssetData:
        """These data padded to ``n_steps`` steps (see :func:`dispatch.padding.padded`):
        zero-valued steps, the last step repeated for :attr:`held_series`."""
        grown = {}
        for name, values in d.series.items():
            extra = np.zeros((n_steps - values.shape[0], values.shape[1]))
            if name in self.held_series and len(values):
                extra[:] = values[-1]
            grown[name] = np.vstack([values, extra])
        return replace(d, series=grown)

    def reactive_demand_mvar(self, d: AssetData) -> np.ndarray | None:
        """Reactive demand per unit [Mvar] (steps x units) for network models with
        reactive power (``lindistflow``); None if the family draws none."""
        return None

    # -- the model ---------------------------------------------------------------------
    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        """Add and return the family's block ``m.<name>`` for window ``x``."""
        raise NotImplementedError

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        """Write the data of window ``x`` (series, state) into a built block."""
        raise NotImplementedError

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        """Results of the solved block as arrays (steps x columns) by quantity name."""
        raise NotImplementedError

    # -- between windows ---------------------------------------------------------------
    #: states that are the last committed value of a result: state name -> result
    state_results: Mapping[str, str] = {}

    def state_after(
        self, d: AssetData, committed: Mapping[str, Labelled], dt_h: float
    ) -> dict[str, np.ndarray]:
        """State at the end of the committed steps of a window (the start of the
        next), from the window's data ``d`` and its committed results. Default: the
        last committed value of each result of :attr:`state_results` (no state
        without)."""
        out = {}
        for state, result in self.state_results.items():
            values = committed[result].values
            if values.shape[1]:
                out[state] = values[-1].copy()
        return out


@dataclass(frozen=True)
class Labelled:
    """An array of steps x columns with its column labels (no pandas per window).

    Attributes
    ----------
    columns
        Column labels (unit, bus or node names).
    values
        Array of shape (steps, columns) [units of the quantity].
    """

    columns: tuple[Any, ...]
    values: np.ndarray

    def head(self, n: int) -> Labelled:
        """The first ``n`` steps."""
        return Labelled(self.columns, self.values[:n])

    def frame(self, index: pd.DatetimeIndex) -> pd.DataFrame:
        """As a DataFrame on ``index``."""
        cols = pd.Index(list(self.columns), dtype=object)
        return pd.DataFrame(self.values, index=index, columns=cols, dtype=float)
