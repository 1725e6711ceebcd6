"""DispatchInputs: validated, label-aligned data for one optimisation window.

All frames share one UTC time index (rows) and name their assets in columns.
Validation happens once, here, before a model is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

STORAGE_COLUMNS = (
    "bus",
    "p_max_mw",
    "e_min_mwh",
    "e_max_mwh",
    "e_terminal_min_mwh",
    "eff_charge",
    "eff_discharge",
    "standing_loss_per_h",
    "wear_cost_eur_per_mwh",
)


#: columns of the conventional-unit table (powers [MW], ramps [MW/h], times [h],
#: marginal cost [EUR/MWh], emission factor [tCO2/MWh], start cost [EUR])
CONVENTIONAL_COLUMNS = (
    "bus",
    "p_min_mw",
    "p_max_mw",
    "cost_eur_per_mwh",
    "ef_tco2_per_mwh",
    "ramp_up_mw_per_h",
    "ramp_down_mw_per_h",
    "min_up_h",
    "min_down_h",
    "start_cost_eur",
)
#: columns of the conventional units' state before the window: power [MW], on (0/1),
#: hours the unit has been in that on/off state [h]
CONVENTIONAL_STATE_COLUMNS = ("p_mw", "on", "hours_in_state")
#: network models known to the dispatch
NETWORK_MODELS = ("copperplate", "dc", "lindistflow")
#: objectives known to the dispatch
OBJECTIVES = ("min_cost", "min_emissions")


class DispatchInputError(ValueError):
    """Inconsistent dispatch inputs; the message names the field and the problem."""


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

    def __post_init__(self) -> None:
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
class DispatchInputs:
    """Everything one optimisation window needs.

    Attributes
    ----------
    dt_h
        Time-step length [h].
    load_p_mw
        Forecast demand per load [MW] (time x load).
    load_bus
        Bus of each load.
    renewable_p_mw
        Forecast available power per renewable unit [MW] (time x unit).
    renewable_bus
        Bus of each renewable unit.
    storage
        One row per storage, columns :data:`STORAGE_COLUMNS` (powers [MW], energies
        [MWh], efficiencies [-], standing loss [1/h], wear cost [EUR/MWh]).
    storage_e_initial_mwh
        Stored energy at the start of the window [MWh], by storage name.
    grid
        Columns ``import_price_eur_per_mwh``, ``export_price_eur_per_mwh``,
        ``ef_tco2_per_mwh`` (emission factor of imports) per time step.
    ext_grid_bus
        Bus of the grid connection.
    import_max_mw, export_max_mw
        Connection limits [MW]; ``inf`` when unlimited.
    options
        Slack costs and objective options.
    load_q_mvar
        Forecast reactive demand per load [Mvar] (``lindistflow``); zero if ``None``.
    network
        Network data, needed by ``dc`` and ``lindistflow``.
    conventional
        One row per conventional unit, columns :data:`CONVENTIONAL_COLUMNS`.
    conventional_state
        State of each conventional unit before the window, columns
        :data:`CONVENTIONAL_STATE_COLUMNS`; units not listed start off at 0 MW,
        long enough in that state to be free to start.
    branch_loss_mw
        Estimated active losses per branch of ``network.branches`` [MW] (time x
        branch name), e.g. from the AC power flow of a previous run; the network
        model draws them from its balances (see :mod:`dispatch.network`). ``None``
        for none; branches not listed have none.
    grid_schedule_mw
        Scheduled net import at the grid connection per step [MW] (e.g. a day-ahead
        dispatch's), for an intraday re-dispatch: deviations from it cost the
        ``imbalance_price_eur_per_mwh`` column of ``grid``. ``None`` for none.
    n_active
        Number of leading steps that form the window; the steps after them only pad
        it to the length of a model built for longer windows (zero data, see
        :func:`dispatch.padding.padded`). The storage terminal energy applies at the last of these
        steps. Only :class:`dispatch.array_solver.ArrayDispatchSolver` solved with
        ``n_active`` (as :func:`dispatch.rolling.run_rolling` does) leaves the
        padding out of the optimisation; any other solve optimises it too.
        ``None``: all steps.
    """

    dt_h: float
    load_p_mw: pd.DataFrame
    load_bus: pd.Series
    renewable_p_mw: pd.DataFrame
    renewable_bus: pd.Series
    storage: pd.DataFrame
    storage_e_initial_mwh: pd.Series
    grid: pd.DataFrame
    ext_grid_bus: str
    import_max_mw: float = float("inf")
    export_max_mw: float = float("inf")
    options: DispatchOptions = field(default_factory=DispatchOptions)
    load_q_mvar: pd.DataFrame | None = None
    network: NetworkInputs | None = None
    conventional: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(CONVENTIONAL_COLUMNS))
    )
    conventional_state: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(CONVENTIONAL_STATE_COLUMNS))
    )
    branch_loss_mw: pd.DataFrame | None = None
    grid_schedule_mw: pd.Series | None = None
    n_active: int | None = None

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def time(self) -> pd.DatetimeIndex:
        """The window's time steps (interval starts, UTC)."""
        return pd.DatetimeIndex(self.load_p_mw.index)

    @property
    def steps_active(self) -> int:
        """Number of steps of the window proper (:attr:`n_active`, or all)."""
        return len(self.load_p_mw.index) if self.n_active is None else self.n_active

    @property
    def buses(self) -> list[str]:
        """All buses that carry an asset or the grid connection, sorted."""
        found = set(self.load_bus) | set(self.renewable_bus) | set(self.storage["bus"])
        found |= set(self.conventional["bus"])
        return sorted(found | {self.ext_grid_bus})


def _fail(name: str, problem: str) -> None:
    raise DispatchInputError(f"{name}: {problem}")


def _validate(x: DispatchInputs) -> None:
    if not x.dt_h > 0:
        _fail("dt_h", f"must be > 0 (got {x.dt_h})")
    t = x.load_p_mw.index
    if len(t) == 0:
        _fail("load_p_mw", "empty window")
    for name in ("renewable_p_mw", "grid"):
        if not getattr(x, name).index.equals(t):
            _fail(name, "time index differs from load_p_mw")
    for name, frame, bus in (
        ("load_p_mw", x.load_p_mw, x.load_bus),
        ("renewable_p_mw", x.renewable_p_mw, x.renewable_bus),
    ):
        values = frame.to_numpy(dtype=float)
        if not np.isfinite(values).all():
            _fail(name, "contains NaN or infinite values")
        if (values < 0).any():
            _fail(name, "contains negative power")
        if set(frame.columns) != set(bus.index):
            _fail(name, "columns differ from the bus mapping's names")
    missing = [
        c
        for c in ("import_price_eur_per_mwh", "export_price_eur_per_mwh", "ef_tco2_per_mwh")
        if c not in x.grid.columns
    ]
    if missing:
        _fail("grid", f"missing columns {missing}")
    if not np.isfinite(x.grid.to_numpy(dtype=float)).all():
        _fail("grid", "contains NaN or infinite values")
    st = x.storage
    if list(st.columns) != list(STORAGE_COLUMNS):
        _fail("storage", f"columns must be {STORAGE_COLUMNS}")
    if not st.index.is_unique:
        _fail("storage", "names are not unique")
    if set(x.storage_e_initial_mwh.index) != set(st.index):
        _fail("storage_e_initial_mwh", "names differ from storage")
    e0 = x.storage_e_initial_mwh.reindex(st.index)
    tol = 1e-6
    bad = st.index[(e0 < st["e_min_mwh"] - tol) | (e0 > st["e_max_mwh"] + tol)]
    if len(bad):
        _fail("storage_e_initial_mwh", f"outside [e_min_mwh, e_max_mwh] for {list(bad)}")
    sched = x.grid_schedule_mw
    if sched is not None:
        if not sched.index.equals(t):
            _fail("grid_schedule_mw", "time index differs from load_p_mw")
        if not np.isfinite(sched.to_numpy(dtype=float)).all():
            _fail("grid_schedule_mw", "contains NaN or infinite values")
        if "imbalance_price_eur_per_mwh" not in x.grid.columns:
            _fail("grid", "a schedule needs the column imbalance_price_eur_per_mwh")
    if x.n_active is not None and not 1 <= x.n_active <= len(t):
        _fail("n_active", f"must be between 1 and the {len(t)} steps (got {x.n_active})")
    if x.import_max_mw < 0 or x.export_max_mw < 0:
        _fail("import_max_mw/export_max_mw", "must be >= 0")
    _validate_conventional(x)
    _validate_network(x)


def _validate_conventional(x: DispatchInputs) -> None:
    cv = x.conventional
    if list(cv.columns) != list(CONVENTIONAL_COLUMNS):
        _fail("conventional", f"columns must be {CONVENTIONAL_COLUMNS}")
    if not cv.index.is_unique:
        _fail("conventional", "names are not unique")
    if cv.empty:
        return
    num = cv.drop(columns="bus").astype(float)
    if not np.isfinite(num.drop(columns=["ramp_up_mw_per_h", "ramp_down_mw_per_h"])).all().all():
        _fail("conventional", "contains NaN or infinite values (ramps may be inf)")
    if (num < 0).any().any():
        _fail("conventional", "contains negative values")
    bad = cv.index[num["p_min_mw"] > num["p_max_mw"]]
    if len(bad):
        _fail("conventional", f"p_min_mw above p_max_mw for {list(bad)}")
    st = x.conventional_state
    if list(st.columns) != list(CONVENTIONAL_STATE_COLUMNS):
        _fail("conventional_state", f"columns must be {CONVENTIONAL_STATE_COLUMNS}")
    unknown = set(st.index) - set(cv.index)
    if unknown:
        _fail("conventional_state", f"unknown units {sorted(unknown)}")


def _validate_losses(x: DispatchInputs) -> None:
    losses = x.branch_loss_mw
    if losses is None:
        return
    if x.network is None:
        _fail("branch_loss_mw", "loss estimates need network data (network)")
        return
    if not losses.index.equals(x.load_p_mw.index):
        _fail("branch_loss_mw", "time index differs from load_p_mw")
    unknown = set(losses.columns) - set(x.network.branches.index)
    if unknown:
        _fail("branch_loss_mw", f"unknown branches {sorted(map(str, unknown))[:5]}")
    if not np.isfinite(losses.to_numpy(dtype=float)).all():
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
    missing = set(x.buses) - set(net.bus_map.index)
    if missing:
        _fail("network.bus_map", f"no network bus for asset buses {sorted(missing)[:5]}")
    nodes = set(net.bus_table.index)
    ends = set(net.branches["from_bus"]) | set(net.branches["to_bus"])
    if not ends <= nodes or not set(net.bus_map) <= nodes or net.slack_bus not in nodes:
        _fail("network", "branches, bus_map or slack_bus name buses not in bus_table")
    if (net.branches["x_pu"] <= 0).any():
        _fail("network.branches", "x_pu must be > 0")
    if model == "lindistflow" and x.load_q_mvar is not None:
        if not x.load_q_mvar.index.equals(x.load_p_mw.index):
            _fail("load_q_mvar", "time index differs from load_p_mw")
