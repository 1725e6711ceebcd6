"""DispatchInputs: validated data for one optimisation window.

The window's time steps, one :class:`dispatch.family.AssetData` per asset family
(unit table, time series as arrays, state at the window start), the options and
the network. Validation happens once, here, before a model is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from dispatch.builtin_views import BuiltinViews
from dispatch.family import _TABLE_CACHE, AssetData, DispatchInputError

__all__ = ["DispatchInputError", "DispatchInputs", "DispatchOptions", "NetworkInputs"]

#: network models known to the dispatch
NETWORK_MODELS = ("copperplate", "dc", "lindistflow")
#: objectives known to the dispatch
OBJECTIVES = ("min_cost", "min_emissions")
#: how quadratic generation costs are solved: linear segments (an LP) or exactly (a QP)
QUADRATIC_COST_MODES = ("segments", "exact")


@dataclass(frozen=True)
class DispatchOptions:
    """Costs of slacks and options of the optimisation.

    Attributes
    ----------
    voll_eur_per_mwh
        Value of lost load: cost of load shedding [EUR/MWh].
    overgeneration_cost_eur_per_mwh
        Cost of over-generation (spilled injection that cannot be curtailed) [EUR/MWh].
    curtailment_cost_eur_per_mwh
        Cost of curtailing available renewable energy [EUR/MWh].
    carbon_price_eur_per_tco2
        Price on emissions added to the objective [EUR/tCO2].
    time_limit_s
        Solver time limit [s].
    network_model
        One of :data:`NETWORK_MODELS`; ``dc`` and ``lindistflow`` need
        :attr:`DispatchInputs.network`.
    objective
        ``min_cost`` (cost plus carbon price times emissions) or ``min_emissions``
        (emissions, with cost as a tie-breaker weighted by ``1e-6`` tCO2/EUR).
    emission_cap_tco2
        Upper bound on the window's emissions [tCO2]; ``None`` for none.
    storage_exact
        Add binaries so no storage unit charges and discharges in the same step (MILP).
    unit_commitment
        Model on/off states of conventional units with minimum up/down times and
        start-up costs (MILP); otherwise units run continuously between 0 and
        ``p_max_mw`` (see :mod:`dispatch.components.conventional`).
    cost_segments
        Linear segments per quadratic generation cost
        (:mod:`dispatch.components.cost_segments`).
    quadratic_cost
        One of :data:`QUADRATIC_COST_MODES`: ``segments`` (``cost_segments`` linear
        segments, an LP) or ``exact`` (the quadratic terms, a QP solved by HiGHS;
        needs the array interface; no marginal emission factors).
    """

    voll_eur_per_mwh: float = 3000.0
    overgeneration_cost_eur_per_mwh: float = 3000.0
    curtailment_cost_eur_per_mwh: float = 0.1
    carbon_price_eur_per_tco2: float = 0.0
    time_limit_s: float = 300.0
    network_model: str = "copperplate"
    objective: str = "min_cost"
    emission_cap_tco2: float | None = None
    storage_exact: bool = False
    unit_commitment: bool = False
    cost_segments: int = 20
    quadratic_cost: str = "segments"

    def __post_init__(self) -> None:
        if self.cost_segments < 1:
            raise DispatchInputError(f"cost_segments: {self.cost_segments} must be >= 1")
        if self.quadratic_cost not in QUADRATIC_COST_MODES:
            raise DispatchInputError(
                f"quadratic_cost: {self.quadratic_cost!r} is not one of {QUADRATIC_COST_MODES}"
            )
        if self.network_model not in NETWORK_MODELS:
            raise DispatchInputError(
                f"network_model: {self.network_model!r} is not one of {NETWORK_MODELS}"
            )
        if self.objective not in OBJECTIVES:
            raise DispatchInputError(f"objective: {self.objective!r} is not one of {OBJECTIVES}")


@dataclass(frozen=True)
class NetworkInputs:
    """Network data for the ``dc`` and ``lindistflow`` network models.

    Attributes
    ----------
    base_mva
        Per-unit power base [MVA].
    bus_table
        One row per network bus: ``vm_min_pu``, ``vm_max_pu`` [pu].
    branches
        One row per branch: ``from_bus``, ``to_bus`` (network buses), ``r_pu``,
        ``x_pu``, ``b_pu`` (total line charging susceptance), ``tap_ratio`` [-] and
        ``rate_mva`` [MVA].
    bus_map
        Network bus of every asset bus (buses fused by closed switches share one).
    slack_bus
        Network bus of the external grid (angle reference, voltage set-point).
    slack_vm_pu
        Voltage magnitude at the slack bus [pu].
    """

    base_mva: float
    bus_table: pd.DataFrame
    branches: pd.DataFrame
    bus_map: pd.Series
    slack_bus: str
    slack_vm_pu: float = 1.0


@dataclass(frozen=True)
class DispatchInputs(BuiltinViews):
    """Everything one optimisation window needs.

    Attributes
    ----------
    dt_h
        Time-step length [h].
    time
        The window's time steps (interval starts, UTC).
    assets
        The data of every asset family by family name, in build order
        (:class:`dispatch.family.AssetData`); each family builds one block of the
        model from its entry.
    options
        Slack costs and objective options.
    network
        Network data, needed by ``dc`` and ``lindistflow``.
    branch_loss_mw
        Estimated active losses [MW], shape (steps, branches of
        ``network.branches`` in their order), e.g. from the AC power flow of a
        previous run; the network model draws them from its balances (see
        :mod:`dispatch.network`). ``None`` for none.
    n_active
        Number of leading steps that form the window; the steps after them only pad
        it to the length of a model built for longer windows (zero data, see
        :func:`dispatch.padding.padded`). Terminal conditions apply at the last of
        these steps. Only :class:`dispatch.array_solver.ArrayDispatchSolver` solved
        with ``n_active`` (as :func:`dispatch.rolling.run_rolling` does) leaves the
        padding out of the optimisation; any other solve optimises it too.
        ``None``: all steps.
    """

    dt_h: float
    time: pd.DatetimeIndex
    assets: Mapping[str, AssetData]
    options: DispatchOptions = field(default_factory=DispatchOptions)
    network: NetworkInputs | None = None
    branch_loss_mw: np.ndarray | None = None
    n_active: int | None = None

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def steps_active(self) -> int:
        """Number of steps of the window proper (:attr:`n_active`, or all)."""
        return len(self.time) if self.n_active is None else self.n_active

    @cached_property
    def buses(self) -> list[str]:
        """All buses that carry an asset, sorted (computed once per window)."""
        found: set[str] = set()
        for d in self.assets.values():
            found |= set(d.bus)
        return sorted(found)

    def with_states(self, states: Mapping[str, Mapping[str, np.ndarray]]) -> DispatchInputs:
        """This window with the state at its start replaced, by family name (only
        the families whose state changes are validated again)."""
        if not states:
            return self
        assets = dict(self.assets)
        for k, state in states.items():
            if k in assets and state:
                assets[k] = assets[k].with_state(state)
                assets[k].family.validate(assets[k], self)
        return self.derived(assets=assets)

    def derived(self, **changes: Any) -> DispatchInputs:
        """A copy with ``changes`` that is not validated again: for data derived from
        these validated inputs by code that keeps them valid (new states validated
        by their family, padding with zero-data steps)."""
        out = object.__new__(DispatchInputs)
        for f in fields(self):
            object.__setattr__(out, f.name, changes.get(f.name, getattr(self, f.name)))
        return out


def _fail(name: str, problem: str) -> None:
    raise DispatchInputError(f"{name}: {problem}")


def _validate(x: DispatchInputs) -> None:
    if not x.dt_h > 0:
        _fail("dt_h", f"must be > 0 (got {x.dt_h})")
    n = len(x.time)
    if n == 0:
        _fail("time", "empty window")
    for key, d in x.assets.items():
        if d.family.name != key:
            _fail(f"assets.{key}", f"holds the data of family {d.family.name!r}")
        d.family.validate(d, x)
    if x.n_active is not None and not 1 <= x.n_active <= n:
        _fail("n_active", f"must be between 1 and the {n} steps (got {x.n_active})")
    _validate_network(x)


def _validate_losses(x: DispatchInputs) -> None:
    losses = x.branch_loss_mw
    if losses is None:
        return
    if x.network is None:
        _fail("branch_loss_mw", "loss estimates need network data (network)")
        return
    shape = (len(x.time), len(x.network.branches.index))
    if losses.shape != shape:
        _fail("branch_loss_mw", f"shape {losses.shape}, expected (steps, branches) = {shape}")
    if not np.isfinite(losses).all():
        _fail("branch_loss_mw", "contains NaN or infinite values")


def _validate_network(x: DispatchInputs) -> None:
    _validate_losses(x)
    model = x.options.network_model
    if model == "copperplate":
        return
    net = x.network
    if net is None:
        _fail("network", f"network_model {model!r} needs network data")
        return
    known = _TABLE_CACHE.get(net.bus_map, "asset_buses", lambda bm: set(bm.index))
    missing = set(x.buses) - known
    if missing:
        _fail("network.bus_map", f"no network bus for asset buses {sorted(missing)[:5]}")
    _TABLE_CACHE.get(net.branches, f"network:{id(net)}", lambda _: _check_network(net))


def _check_network(net: NetworkInputs) -> bool:
    """Checks of the network data itself (once per network)."""
    nodes = set(net.bus_table.index)
    ends = set(net.branches["from_bus"]) | set(net.branches["to_bus"])
    if not ends <= nodes or not set(net.bus_map) <= nodes or net.slack_bus not in nodes:
        _fail("network", "branches, bus_map or slack_bus name buses not in bus_table")
    if (net.branches["x_pu"] <= 0).any():
        _fail("network.branches", "x_pu must be > 0")
    return True
