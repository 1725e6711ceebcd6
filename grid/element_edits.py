"""Add elements to a pandapower network or change those it has, from plain edits.

An edit names a table (``load``, ``sgen``, ``gen``, ``storage``, ``ext_grid``), an
element name and values of the table's columns. If the table has an element of that
name, the values replace its columns (and a bus moves it); otherwise a new element
is created at the bus with ``pandapower.create_<table>``. Units are pandapower's
(``p_mw`` [MW], ``q_mvar`` [Mvar], ``max_e_mwh`` [MWh], ``vm_pu`` [pu], ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandapower as pp
import pandas as pd

from grid.assets import AssetError, resolve_bus

#: tables a case may edit
EDITABLE_TABLES = ("load", "sgen", "gen", "storage", "ext_grid")

#: columns each table needs to create an element (besides its bus)
REQUIRED_TO_ADD: dict[str, tuple[str, ...]] = {
    "load": ("p_mw",),
    "sgen": ("p_mw",),
    "gen": ("p_mw",),
    "storage": ("max_e_mwh",),
    "ext_grid": (),
}

#: optional pandapower columns a table may lack until a value is set (OPF limits,
#: SimBench's profile names, storage parameters)
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "load": ("controllable", "max_p_mw", "min_p_mw", "max_q_mvar", "min_q_mvar", "profile"),
    "sgen": ("controllable", "max_p_mw", "min_p_mw", "max_q_mvar", "min_q_mvar", "profile"),
    "gen": ("controllable", "max_p_mw", "min_p_mw", "max_q_mvar", "min_q_mvar"),
    "storage": (
        "controllable",
        "max_p_mw",
        "min_p_mw",
        "max_q_mvar",
        "min_q_mvar",
        "efficiency_percent",
        "self-discharge_percent_per_day",
        "profile",
    ),
    "ext_grid": ("max_p_mw", "min_p_mw", "max_q_mvar", "min_q_mvar", "slack_weight"),
}

#: largest magnitude accepted for a number (a typo guard: 1e6 MW, MWh, kV, ...)
MAX_MAGNITUDE = 1e6

Value = float | int | bool | str


@dataclass(frozen=True)
class ElementEdit:
    """One edit of a network table (see the module docstring)."""

    table: str
    name: str
    bus: str | int | None = None
    values: Mapping[str, Value] = field(default_factory=dict)


def _allowed_columns(net: pp.pandapowerNet, table: str) -> set[str]:
    empty = pp.create_empty_network()
    cols = set(net[table].columns) | set(empty[table].columns) | set(OPTIONAL_COLUMNS[table])
    return cols - {"bus", "name"}


def _check_value(net: pp.pandapowerNet, table: str, key: str, value: Value) -> None:
    """Raise AssetError ``"values.<key>: ..."`` for a value of the wrong kind."""
    column = net[table][key] if key in net[table] else None
    is_bool_column = column is not None and pd.api.types.is_bool_dtype(column.dtype)
    if key in ("in_service", "controllable") or is_bool_column:
        if not isinstance(value, bool):
            raise AssetError(f"values.{key}: must be true or false (got {value!r})")
        return
    if key in ("type", "profile"):
        if not isinstance(value, str):
            raise AssetError(f"values.{key}: must be text (got {value!r})")
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AssetError(f"values.{key}: must be a number (got {value!r})")
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise AssetError(
            f"values.{key}: must be a finite number of magnitude at most {MAX_MAGNITUDE:g} "
            f"(got {value!r})"
        )


def _check_values(net: pp.pandapowerNet, edit: ElementEdit) -> None:
    allowed = _allowed_columns(net, edit.table)
    for key, value in edit.values.items():
        if key not in allowed:
            raise AssetError(
                f"values.{key}: not a column of the {edit.table} table "
                f"(columns: {', '.join(sorted(allowed))})"
            )
        _check_value(net, edit.table, key, value)


def _override(net: pp.pandapowerNet, edit: ElementEdit, index: int) -> None:
    df = net[edit.table]
    if edit.bus is not None:
        try:
            df.at[index, "bus"] = resolve_bus(net, edit.bus)
        except AssetError as exc:
            raise AssetError(f"bus: {exc}") from None
    for key, value in edit.values.items():
        if key not in df:
            df[key] = pd.Series(dtype=object if isinstance(value, str) else float)
        if pd.api.types.is_integer_dtype(df[key].dtype) and isinstance(value, float):
            df[key] = df[key].astype(float)
        df.at[index, key] = value


def _add(net: pp.pandapowerNet, edit: ElementEdit) -> None:
    if edit.bus is None:
        raise AssetError(
            f"bus: required to add {edit.table} {edit.name!r} (the grid has no {edit.table} "
            "of that name)"
        )
    missing = [k for k in REQUIRED_TO_ADD[edit.table] if k not in edit.values]
    if missing:
        raise AssetError(f"values.{missing[0]}: required to add {edit.table} {edit.name!r}")
    try:
        bus = resolve_bus(net, edit.bus)
    except AssetError as exc:
        raise AssetError(f"bus: {exc}") from None
    values = dict(edit.values)
    if edit.table == "storage":
        values.setdefault("p_mw", 0.0)
    create = getattr(pp, f"create_{edit.table}")
    try:
        create(net, bus=bus, name=edit.name, **values)
    except Exception as exc:  # pandapower checks its own arguments
        raise AssetError(f"values: pandapower cannot create the {edit.table}: {exc}") from None


def apply_element_edits(net: pp.pandapowerNet, edits: Sequence[ElementEdit]) -> None:
    """Apply ``edits`` to ``net`` in place, in order.

    Raises
    ------
    AssetError
        ``"<i>.<key>: ..."`` (``i`` the position of the edit) for an unknown table or
        column, a value of the wrong kind, an unknown bus, or a new element without
        its bus or required values.
    """
    for i, edit in enumerate(edits):
        try:
            if edit.table not in EDITABLE_TABLES:
                raise AssetError(f"table: must be one of {', '.join(EDITABLE_TABLES)}")
            _check_values(net, edit)
            hits = net[edit.table].index[net[edit.table]["name"].astype(str) == edit.name]
            if len(hits):
                _override(net, edit, int(hits[0]))
            else:
                _add(net, edit)
        except AssetError as exc:
            raise AssetError(f"{i}.{exc}") from None
