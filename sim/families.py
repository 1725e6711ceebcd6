"""Plug-in asset families of the simulator: the registry and the protocol.

A family beyond the five shipped ones (loads, renewables, storage, conventional
units, the grid connection) is one :class:`SimFamily` object, registered with
:func:`register`. It brings its dispatch side (a :class:`dispatch.family.AssetFamily`:
block, update, extraction, state between windows, padding) and here its case-file
key and spec, its pandapower elements, its data per window, its realisation, its
injections into the AC power flow and its KPIs. The pipeline iterates over the
registry (:func:`registered_families`); ``docs/extending.md`` walks through a
complete family (:mod:`sim.flexible_load`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from dispatch.family import AssetData, AssetFamily
from grid.powerflow import Injection

__all__ = ["Injection", "SimFamily", "register", "registered", "registered_families", "unregister"]


class SimFamily:
    """Base class of a plug-in family of the simulator.

    Subclasses set :attr:`name` (the dispatch family's name), :attr:`dispatch`,
    :attr:`case_key` and :attr:`spec`, and implement :meth:`prepare` and
    :meth:`window`; the other hooks have defaults.
    """

    #: name of the family (its block and its entry in every result)
    name: str = ""
    #: the family's dispatch side
    dispatch: AssetFamily
    #: the top-level key of the case file holding a list of the family's units
    case_key: str = ""
    #: pydantic model of one entry of that list (``extra="forbid"`` recommended)
    spec: type[BaseModel]

    def add_to_net(self, net: Any, specs: list[Any]) -> None:
        """Add the family's pandapower elements to ``net`` (default: none).

        Raise ``ValueError`` naming the entry for a bus that is not in the grid."""

    def prepare(self, specs: list[Any], net: Any, index: pd.DatetimeIndex, dt_h: float) -> Any:
        """The family's data for the whole run (tables, series on ``index``).

        Raise ``ValueError("<entry>.<key>: problem")`` for bad data (the user sees
        ``<case_key>.<entry>.<key>: problem``, exit code 2)."""
        raise NotImplementedError

    def window(self, prepared: Any, steps: pd.DatetimeIndex, at: np.ndarray) -> AssetData:
        """The family's data of one window: ``steps`` are its time steps, ``at``
        their positions in the run's index (slice the prepared arrays with it)."""
        raise NotImplementedError

    def initial_state(self, prepared: Any) -> Mapping[str, np.ndarray]:
        """State at the start of the period (default: none)."""
        return {}

    def realise(
        self, prepared: Any, dispatched: Mapping[str, pd.DataFrame]
    ) -> dict[str, pd.DataFrame]:
        """Realised frames from the dispatched ones (default: the set-points are
        kept as dispatched)."""
        return dict(dispatched)

    def injections(self, prepared: Any, realised: Mapping[str, pd.DataFrame]) -> list[Injection]:
        """What the family injects into the AC power flow (default: nothing)."""
        return []

    def kpis(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, float]:
        """KPIs of the family from its realised frames (default: none); prefix
        the names with the family's name."""
        return {}

    def demand_p_mw(self, frames: Mapping[str, pd.DataFrame]) -> pd.Series | None:
        """Power the family's units draw as demand served [MW] per step (counted in
        the demand, consumption and supply of the system KPIs), or None if they
        draw none (default)."""
        return None

    def cost_eur(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> float:
        """The family's realised cost over the run [EUR], added to the run's
        ``cost_eur`` (default: 0)."""
        return 0.0

    def figures(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, Any]:
        """Matplotlib figures of the family by file name (default: none); written to
        ``plots/`` and shown in the report after the standard figures. Import
        :mod:`sim.plots` first (it selects the Agg backend)."""
        return {}


_REGISTRY: dict[str, SimFamily] = {}


def register(family: SimFamily) -> SimFamily:
    """Add ``family`` to the registry (in registration order) and return it.

    Raises
    ------
    ValueError
        If its name or case key is already taken.
    """
    for other in registered_families():
        if other.name == family.name or other.case_key == family.case_key:
            raise ValueError(f"family {family.name!r}: name or case key already registered")
    if family.dispatch.name != family.name:
        raise ValueError(
            f"family {family.name!r}: its dispatch side is named {family.dispatch.name!r}"
        )
    _REGISTRY[family.name] = family
    return family


def unregister(name: str) -> None:
    """Remove the family ``name`` from the registry (no error if absent)."""
    _REGISTRY.pop(name, None)


@contextmanager
def registered(family: SimFamily) -> Iterator[SimFamily]:
    """Register ``family`` for the duration of a ``with`` block."""
    register(family)
    try:
        yield family
    finally:
        unregister(family.name)


_DEFAULTS_LOADED = False


def registered_families() -> list[SimFamily]:
    """The plug-in families, in registration order: the ones that ship with the
    simulator (the flexible load, :mod:`sim.flexible_load`) first."""
    global _DEFAULTS_LOADED
    if not _DEFAULTS_LOADED:
        _DEFAULTS_LOADED = True
        from sim.flexible_load import FLEXIBLE_LOAD_FAMILY

        if FLEXIBLE_LOAD_FAMILY.name not in _REGISTRY:
            _REGISTRY[FLEXIBLE_LOAD_FAMILY.name] = FLEXIBLE_LOAD_FAMILY
    return list(_REGISTRY.values())
