"""Set-points of pandapower elements for the AC power flow, by element table.

The asset families give their realised power as :class:`Injection` into a
pandapower table, in that table's own sign convention. :data:`SETPOINT_TABLES`
holds what the power flow needs to know of each such table (its sign convention,
whether it takes reactive power, whether it holds a voltage), so that
:mod:`grid.powerflow` and :mod:`grid.pgm_engine` handle every table alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd


@dataclass(frozen=True)
class ElementTable:
    """How a pandapower element table takes set-points.

    Attributes
    ----------
    name
        The table (``net[name]``, results in ``net["res_" + name]``).
    consumes
        Whether its ``p_mw`` is consumption (load convention), else generation.
    sets_q
        Whether a set-point includes ``q_mvar``; otherwise the element keeps the
        net's reactive power (zero with ``q_zero``).
    q_zero
        Whether the power flow holds the table's reactive power at zero.
    holds_voltage
        Whether its elements hold a voltage set-point (PV buses) and take the
        reactive power that holds it.
    """

    name: str
    consumes: bool
    sets_q: bool = False
    q_zero: bool = False
    holds_voltage: bool = False

    @property
    def consumption_sign(self) -> float:
        """+1 for a table in load convention, -1 for one in generation convention."""
        return 1.0 if self.consumes else -1.0


#: the pandapower tables whose elements take set-points from :class:`Injection`
SETPOINT_TABLES: dict[str, ElementTable] = {
    t.name: t
    for t in (
        ElementTable("load", consumes=True, sets_q=True),
        ElementTable("sgen", consumes=False),
        ElementTable("storage", consumes=True, q_zero=True),
        ElementTable("gen", consumes=False, holds_voltage=True),
    )
}
#: their names
TABLES = tuple(SETPOINT_TABLES)


@dataclass(frozen=True)
class SetPoints:
    """The set-points of one table's elements over the time steps, as arrays.

    Attributes
    ----------
    table
        The element table.
    positions
        Index labels of the elements in ``net[table.name]`` (the arrays' columns).
    p_mw
        (T, n) active power in the table's sign convention [MW].
    q_mvar
        (T, n) reactive power [Mvar], or None for a table that does not take it.
    """

    table: ElementTable
    positions: np.ndarray
    p_mw: np.ndarray
    q_mvar: np.ndarray | None = None

    def write(self, net: pp.pandapowerNet, step: int) -> None:
        """Write the set-points of time step ``step`` into ``net``."""
        if len(self.positions):
            rows = net[self.table.name]
            rows.loc[self.positions, "p_mw"] = self.p_mw[step]
            if self.q_mvar is not None:
                rows.loc[self.positions, "q_mvar"] = self.q_mvar[step]

    def zero(self, net: pp.pandapowerNet) -> None:
        """Set the elements' set-points in ``net`` to zero."""
        columns = ["p_mw", "q_mvar"] if self.q_mvar is not None else ["p_mw"]
        net[self.table.name].loc[self.positions, columns] = 0.0


@dataclass(frozen=True)
class Injection:
    """Power of pandapower elements for the AC power flow, time x element name.

    Attributes
    ----------
    table
        The pandapower table of the elements: one of :data:`TABLES`.
    p_mw
        Active power in that table's sign convention [MW]
        (:attr:`ElementTable.consumes`; an element that holds a voltage keeps its
        set-point and takes the reactive power that holds it).
    q_mvar
        Reactive power in the same convention [Mvar], for a table that takes it
        (:attr:`ElementTable.sets_q`; zero where not given).
    """

    table: str
    p_mw: pd.DataFrame
    q_mvar: pd.DataFrame | None = None


def combined_injections(injections: list[Injection]) -> dict[str, Injection]:
    """One :class:`Injection` per table: the columns of all injections into it.

    Raises
    ------
    ValueError
        If a table is not one of :data:`TABLES` or an element is given twice.
    """
    by_table: dict[str, list[Injection]] = {}
    for inj in injections:
        if inj.table not in TABLES:
            raise ValueError(f"injection into {inj.table!r}: not one of {TABLES}")
        by_table.setdefault(inj.table, []).append(inj)
    out = {}
    for table, parts in by_table.items():
        p = pd.concat([i.p_mw for i in parts], axis=1)
        if p.columns.duplicated().any():
            raise ValueError(
                f"{table}: elements given twice {list(p.columns[p.columns.duplicated()])[:5]}"
            )
        q = pd.concat(
            [i.q_mvar[i.p_mw.columns] if i.q_mvar is not None else 0.0 * i.p_mw for i in parts],
            axis=1,
        )
        out[table] = Injection(table, p, q)
    return out


def table_injections(
    **tables: pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame | None],
) -> dict[str, Injection]:
    """Set-points by pandapower table, e.g. ``table_injections(load=(p_mw, q_mvar),
    sgen=p_mw, storage=p_mw)``: each a frame of active power [MW], or a pair of
    active and reactive power [MW], [Mvar], in the table's sign convention
    (:class:`Injection`)."""
    parts = []
    for table, value in tables.items():
        p, q = value if isinstance(value, tuple) else (value, None)
        parts.append(Injection(table, p, q))
    return combined_injections(parts)
