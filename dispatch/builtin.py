"""The five shipped asset families, and a window of them made from DataFrames.

:func:`window_inputs` takes the familiar frames (demand per load, availability per
renewable unit, the storage and conventional tables, grid signals) and returns the
:class:`dispatch.inputs.DispatchInputs` that hold them per family, as arrays; it is
how tests and small scripts write a window by hand. The simulator assembles its
windows per family (:mod:`sim.families`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dispatch.components.conventional import CONVENTIONAL_COLUMNS
from dispatch.components.conventional_family import CONVENTIONAL
from dispatch.components.grid_connection import GRID, GRID_SERIES, IMBALANCE_PRICE, SCHEDULE
from dispatch.components.loads import LOADS
from dispatch.components.renewables import RENEWABLES
from dispatch.components.storage import STORAGE
from dispatch.family import AssetData, AssetFamily, DispatchInputError, empty_table
from dispatch.inputs import DispatchInputs, DispatchOptions, NetworkInputs

#: the shipped families in build order (the order fixes the model's columns and rows)
BUILTIN_FAMILIES: tuple[AssetFamily, ...] = (LOADS, RENEWABLES, STORAGE, CONVENTIONAL, GRID)


def _values(frame: pd.DataFrame, columns: pd.Index, name: str) -> np.ndarray:
    if set(frame.columns) != set(columns) or len(frame.columns) != len(columns):
        raise DispatchInputError(f"{name}: columns differ from the bus mapping's names")
    return frame[list(columns)].to_numpy(dtype=float)


def _bus_table(bus: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"bus": bus.astype(object)}, index=pd.Index(bus.index, dtype=object))


def window_inputs(
    *,
    dt_h: float,
    load_p_mw: pd.DataFrame,
    load_bus: pd.Series,
    renewable_p_mw: pd.DataFrame,
    renewable_bus: pd.Series,
    storage: pd.DataFrame,
    storage_e_initial_mwh: pd.Series,
    grid: pd.DataFrame,
    ext_grid_bus: str,
    import_max_mw: float = float("inf"),
    export_max_mw: float = float("inf"),
    options: DispatchOptions | None = None,
    load_q_mvar: pd.DataFrame | None = None,
    network: NetworkInputs | None = None,
    conventional: pd.DataFrame | None = None,
    conventional_state: pd.DataFrame | None = None,
    branch_loss_mw: pd.DataFrame | None = None,
    grid_schedule_mw: pd.Series | None = None,
    n_active: int | None = None,
    extra: dict[str, AssetData] | None = None,
) -> DispatchInputs:
    """A window of the shipped families from DataFrames (time x unit, UTC index).

    Parameters are those of the families (see their docstrings): demand
    ``load_p_mw`` [MW] and ``load_q_mvar`` [Mvar] per load at ``load_bus``;
    availability ``renewable_p_mw`` [MW] per unit at ``renewable_bus``; the
    ``storage`` table (:data:`dispatch.components.storage.STORAGE_COLUMNS`) with
    ``storage_e_initial_mwh`` [MWh]; ``grid`` with the columns
    :data:`dispatch.components.grid_connection.GRID_SERIES` (and the imbalance
    price with ``grid_schedule_mw`` [MW]); the connection at ``ext_grid_bus`` with
    limits [MW]; the ``conventional`` table with its ``conventional_state``;
    ``branch_loss_mw`` [MW] per branch name of ``network.branches`` (branches not
    given: none). ``extra`` adds other families' data after the shipped ones.

    Raises
    ------
    DispatchInputError
        If a frame's index or columns do not fit (the message names the argument).
    """
    time = pd.DatetimeIndex(load_p_mw.index)
    for name, frame in (("renewable_p_mw", renewable_p_mw), ("grid", grid)):
        if not frame.index.equals(time):
            raise DispatchInputError(f"{name}: time index differs from load_p_mw")
    loads_series = {"p_mw": _values(load_p_mw, load_bus.index, "load_p_mw")}
    if load_q_mvar is not None:
        if not load_q_mvar.index.equals(time):
            raise DispatchInputError("load_q_mvar: time index differs from load_p_mw")
        loads_series["q_mvar"] = load_q_mvar[list(load_bus.index)].to_numpy(dtype=float)
    if set(storage_e_initial_mwh.index) != set(storage.index):
        raise DispatchInputError("storage_e_initial_mwh: names differ from storage")
    missing = [c for c in GRID_SERIES if c not in grid.columns]
    if missing:
        raise DispatchInputError(f"grid: missing columns {missing}")
    grid_series = {c: grid[[c]].to_numpy(dtype=float) for c in GRID_SERIES}
    if grid_schedule_mw is not None:
        if not grid_schedule_mw.index.equals(time):
            raise DispatchInputError("grid_schedule_mw: time index differs from load_p_mw")
        if IMBALANCE_PRICE not in grid.columns:
            raise DispatchInputError(
                "grid: a schedule needs the column imbalance_price_eur_per_mwh"
            )
        grid_series[SCHEDULE] = grid_schedule_mw.to_numpy(dtype=float)[:, None]
        grid_series[IMBALANCE_PRICE] = grid[[IMBALANCE_PRICE]].to_numpy(dtype=float)
    conv = conventional if conventional is not None else empty_table(CONVENTIONAL_COLUMNS)
    state: dict[str, np.ndarray] = {}
    if conventional_state is not None and len(conventional_state):
        unknown = set(conventional_state.index) - set(conv.index)
        if unknown:
            raise DispatchInputError(f"conventional_state: unknown units {sorted(unknown)}")
        full = conventional_state.reindex(conv.index)
        defaults = {"p_mw": 0.0, "on": 0.0, "hours_in_state": np.inf}
        state = {k: full[k].astype(float).fillna(v).to_numpy() for k, v in defaults.items()}
    grid_table = pd.DataFrame(
        {"bus": [ext_grid_bus], "import_max_mw": [import_max_mw], "export_max_mw": [export_max_mw]},
        index=pd.Index(["grid"], dtype=object),
    )
    assets: dict[str, AssetData] = {
        "loads": AssetData(LOADS, _bus_table(load_bus), loads_series),
        "renewables": AssetData(
            RENEWABLES,
            _bus_table(renewable_bus.reindex(renewable_p_mw.columns)),
            {"p_available_mw": renewable_p_mw.to_numpy(dtype=float)},
        ),
        "storage": AssetData(
            STORAGE,
            storage,
            state={"e_mwh": storage_e_initial_mwh.reindex(storage.index).to_numpy(dtype=float)},
        ),
        "conventional": AssetData(CONVENTIONAL, conv, state=state),
        "grid": AssetData(GRID, grid_table, grid_series),
        **(extra or {}),
    }
    if set(renewable_p_mw.columns) != set(renewable_bus.index):
        raise DispatchInputError("renewable_p_mw: columns differ from the bus mapping's names")
    losses = None
    if branch_loss_mw is not None:
        if network is None:
            raise DispatchInputError("branch_loss_mw: loss estimates need network data (network)")
        if not branch_loss_mw.index.equals(time):
            raise DispatchInputError("branch_loss_mw: time index differs from load_p_mw")
        unknown = set(branch_loss_mw.columns) - set(network.branches.index)
        if unknown:
            raise DispatchInputError(
                f"branch_loss_mw: unknown branches {sorted(map(str, unknown))[:5]}"
            )
        losses = branch_loss_mw.reindex(columns=network.branches.index, fill_value=0.0)
        losses = losses.to_numpy(dtype=float)
    return DispatchInputs(
        dt_h=dt_h,
        time=time,
        assets=assets,
        options=options if options is not None else DispatchOptions(),
        network=network,
        branch_loss_mw=losses,
        n_active=n_active,
    )


#: the arguments of :func:`window_inputs` that :func:`with_frames` reads back from a window
_FRAME_ARGS = (
    "load_p_mw",
    "load_bus",
    "renewable_p_mw",
    "renewable_bus",
    "storage",
    "storage_e_initial_mwh",
    "grid",
    "ext_grid_bus",
    "import_max_mw",
    "export_max_mw",
    "load_q_mvar",
    "conventional",
    "conventional_state",
    "grid_schedule_mw",
)


def with_frames(x: DispatchInputs, **changes: Any) -> DispatchInputs:
    """Window ``x`` with some of the :func:`window_inputs` arguments replaced (the
    frame counterpart of :func:`dataclasses.replace`); other families of ``x`` stay."""
    args: dict[str, Any] = {k: getattr(x, k) for k in _FRAME_ARGS}
    if x.branch_loss_mw is not None and x.network is not None:
        args["branch_loss_mw"] = pd.DataFrame(
            x.branch_loss_mw, index=x.time, columns=x.network.branches.index
        )
    args |= {"dt_h": x.dt_h, "options": x.options, "network": x.network, "n_active": x.n_active}
    args["extra"] = {
        k: d for k, d in x.assets.items() if k not in {f.name for f in BUILTIN_FAMILIES}
    }
    args |= changes
    return window_inputs(**args)
