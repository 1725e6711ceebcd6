"""Asset families of the simulator: the protocol, the registry and a run's stages.

Every asset family is one :class:`SimFamily` object in the registry: the five that
ship with the simulator (loads, renewables, storage, conventional units and the grid
connection, :mod:`sim.shipped`), the flexible load (:mod:`sim.flexible_load`) and any
registered with :func:`register`. A family brings its dispatch side (a
:class:`dispatch.family.AssetFamily`: block, update, extraction, state between
windows, padding) and here its case-file key and spec, its pandapower elements, its
data for the run and per window, its realisation, its injections into the AC power
flow, its results and its KPIs and figures. The pipeline iterates over the registry
(:func:`registered_families`) and names no family; ``docs/extending.md`` walks
through a complete one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from dispatch.extract import DispatchResult
from dispatch.family import AssetData, AssetFamily
from grid.injections import Injection
from grid.powerflow import PowerFlowResults

if TYPE_CHECKING:
    from sim.case import Case
    from sim.forecasts import Forecasts
    from sim.setup import Setup

__all__ = [
    "Injection",
    "SimFamily",
    "Stage",
    "Window",
    "register",
    "registered",
    "registered_families",
    "unregister",
]


@dataclass(frozen=True)
class Stage:
    """One dispatch stage of a run (day-ahead, or the intraday re-dispatch after it).

    Attributes
    ----------
    index
        The run's time steps.
    forecasts
        The stage's fitted forecasters, with the record of what they issued.
    previous
        The committed dispatch of the stage before (over ``index``), whose exchange
        with the grid is this stage's schedule; None for the first stage.
    window_steps
        Steps committed per dispatch window (windows start at multiples of it;
        the period's length for one window); None if not known.
    """

    index: pd.DatetimeIndex
    forecasts: Forecasts
    previous: DispatchResult | None = None
    window_steps: int | None = None


@dataclass(frozen=True)
class Window:
    """One dispatch window: its ``steps``, their positions ``at`` in the run's index
    (slice the run's arrays with it) and the :class:`Stage` it belongs to."""

    steps: pd.DatetimeIndex
    at: np.ndarray
    stage: Stage


class SimFamily:
    """Base class of an asset family of the simulator.

    Subclasses set :attr:`name` (the dispatch family's name), :attr:`dispatch`,
    :attr:`case_key` and :attr:`spec`, and implement :meth:`prepare` and
    :meth:`window`; the other hooks have defaults. Hooks that get ``prepared`` get
    what :meth:`prepare` (or :meth:`prepare_run`) returned.
    """

    #: name of the family (its block and its entry in every result)
    name: str = ""
    #: the family's dispatch side
    dispatch: AssetFamily
    #: the top-level key of the case file holding a list of the family's units
    #: (empty for the shipped families, whose sections :class:`sim.case.Case` holds)
    case_key: str = ""
    #: pydantic model of one entry of that list (``extra="forbid"`` recommended)
    spec: type[BaseModel]
    #: True if the network data (:func:`grid.topology.network_data`) describe the
    #: family's elements: they are added to the net before it is read (the shipped
    #: families); the other families' elements are added after, so stay their own
    in_network_data: bool = False

    def add_elements(self, case: Case, net: Any) -> None:
        """Add the family's pandapower elements for ``case`` to ``net``; the default
        calls :meth:`add_to_net` with the case's entries under :attr:`case_key`.

        Raises
        ------
        CaseError
            If the family refuses its entries (e.g. an unknown bus or a taken name).
        """
        from grid.assets import AssetError
        from sim.case import CaseError

        specs = case.families.get(self.name, [])
        if specs:
            try:
                self.add_to_net(net, specs)
            except (AssetError, ValueError) as exc:
                raise CaseError(f"{self.case_key}.{exc}") from None  # "<entry>.<key>: ..."

    def add_to_net(self, net: Any, specs: list[Any]) -> None:
        """Add the family's pandapower elements to ``net`` (default: none).

        Raise ``ValueError`` naming the entry for a bus that is not in the grid."""

    @staticmethod
    def add_entry_loads(net: Any, specs: list[Any]) -> None:
        """A pandapower load (``p_mw`` 0) per entry with a ``name`` and a ``bus``,
        for families whose units are loads (an :meth:`add_to_net`).

        Raises
        ------
        ValueError
            ``"<i>.name: ..."`` for a taken load name, ``"<i>.bus: ..."`` for an
            unknown bus.
        """
        import pandapower as pp

        from grid.assets import AssetError, resolve_bus

        taken = set(net.load["name"])
        for i, s in enumerate(specs):
            if s.name in taken:
                raise ValueError(f"{i}.name: {s.name!r} is already a load's name")
            try:
                bus = resolve_bus(net, s.bus)
            except AssetError as exc:
                raise ValueError(f"{i}.bus: {exc}") from None
            pp.create_load(net, bus=bus, p_mw=0.0, name=s.name)
            taken.add(s.name)

    def prepare(self, specs: list[Any], net: Any, index: pd.DatetimeIndex, dt_h: float) -> Any:
        """The family's data for the whole run (tables, series on ``index``).

        Raise ``ValueError("<entry>.<key>: problem")`` for bad data (the user sees
        ``<case_key>.<entry>.<key>: problem``, exit code 2)."""
        raise NotImplementedError

    def prepare_run(self, case: Case, setup: Setup) -> Any | None:
        """The family's data for the run, or None if the case has none of its units
        (the family then takes no part in the run).

        The default reads the case's entries under :attr:`case_key` and calls
        :meth:`prepare`; a family whose units come from the grid itself (loads,
        renewables) overrides it."""
        from sim.case import CaseError

        specs = case.families.get(self.name, [])
        if not specs:
            return None
        try:
            return self.prepare(specs, setup.net, setup.index, case.time.dt_h)
        except CaseError:
            raise
        except ValueError as exc:
            raise CaseError(f"{self.case_key}.{exc}") from None  # "<entry>.<key>: ..."

    def window(self, prepared: Any, w: Window) -> AssetData:
        """The family's data of the window ``w``: slice the prepared arrays with
        ``w.at``; forecasts come from ``w.stage.forecasts``."""
        raise NotImplementedError

    def realise(
        self, prepared: Any, dispatched: Mapping[str, pd.DataFrame], stage: Stage
    ) -> dict[str, pd.DataFrame]:
        """Realised frames from the dispatched ones of the run's last stage (default:
        the set-points are kept as dispatched)."""
        return dict(dispatched)

    def injections(self, prepared: Any, realised: Mapping[str, pd.DataFrame]) -> list[Injection]:
        """What the family injects into the AC power flow (default: nothing)."""
        return []

    def after_powerflow(
        self, prepared: Any, realised: Mapping[str, pd.DataFrame], pf: PowerFlowResults
    ) -> dict[str, pd.DataFrame]:
        """The family's result frames, given the AC power flow of every step
        (default: the realised frames)."""
        return dict(realised)

    def assets(self, prepared: Any) -> pd.DataFrame | None:
        """The family's rows of the results' asset table (``family``, ``kind``,
        ``bus`` and the family's own parameters), or None (default)."""
        return None

    def kpis(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, float]:
        """KPIs of the family from its result frames (default: none); prefix the
        names with the family's name. System KPIs (energy balance, cost, emissions,
        network) are in :mod:`sim.kpis`."""
        return {}

    def demand_p_mw(self, frames: Mapping[str, pd.DataFrame]) -> pd.Series | None:
        """Power the family's units draw as demand served [MW] per step (counted in
        the demand, consumption and supply of the system KPIs) beyond the loads, or
        None if they draw none (default)."""
        return None

    def cost_eur(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> float:
        """The family's realised cost over the run [EUR] beyond the system cost
        components of :func:`sim.kpis.cost_kpis`, added to ``cost_eur`` (default: 0)."""
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
        If its name or case key is already taken, or its case key is empty or a
        section of the case file.
    """
    from sim.case import Case

    if not family.case_key or family.case_key in Case.model_fields:
        raise ValueError(
            f"family {family.name!r}: case key {family.case_key!r} is empty or a case section"
        )
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
    """The asset families, in registration order: the shipped ones
    (:data:`sim.shipped.SHIPPED_FAMILIES`), the flexible load, the EV fleets, the
    buildings and the shiftable loads first, then those
    added with :func:`register`."""
    global _DEFAULTS_LOADED
    if not _DEFAULTS_LOADED:
        _DEFAULTS_LOADED = True
        from sim.building import BUILDING_FAMILY
        from sim.ev_family import EV_FAMILY
        from sim.flexible_load import FLEXIBLE_LOAD_FAMILY
        from sim.shiftable_load import SHIFTABLE_LOAD_FAMILY
        from sim.shipped import SHIPPED_FAMILIES

        added = dict(_REGISTRY)
        _REGISTRY.clear()
        plug_ins = (FLEXIBLE_LOAD_FAMILY, EV_FAMILY, BUILDING_FAMILY, SHIFTABLE_LOAD_FAMILY)
        for fam in (*SHIPPED_FAMILIES, *plug_ins):
            _REGISTRY[fam.name] = fam
        _REGISTRY.update({k: v for k, v in added.items() if k not in _REGISTRY})
    return list(_REGISTRY.values())
