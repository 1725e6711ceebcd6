"""Import from and export to the external grid at its connection buses."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyomo.environ as pyo

from dispatch.components.block_data import array_param, store_matrix
from dispatch.family import AssetData, AssetFamily, Labelled

if TYPE_CHECKING:
    from dispatch.extract import Solution
    from dispatch.inputs import DispatchInputs

#: the time series of the grid connection held in mutable parameters of the same name
GRID_SERIES = ("import_price_eur_per_mwh", "export_price_eur_per_mwh", "ef_tco2_per_mwh")
#: the series with the price of deviations from a schedule [EUR/MWh]
IMBALANCE_PRICE = "imbalance_price_eur_per_mwh"
#: the series of the scheduled net import [MW]
SCHEDULE = "schedule_mw"
#: columns of the grid connection's table (one row per connection): its bus and the
#: limits of the total exchange [MW] (the same value in every row)
GRID_COLUMNS = ("bus", "import_max_mw", "export_max_mw")


def build_grid_connection(m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
    r"""Add block ``m.grid`` for the grid connections :math:`c` (at buses :math:`b_c`).

    .. math::
        p^{imp}_{c,t}, p^{exp}_{c,t} \ge 0, \qquad
        \sum_c p^{imp}_{c,t} \le \bar p^{imp}, \qquad \sum_c p^{exp}_{c,t} \le \bar p^{exp}

        \mathrm{injection}_{b,t} = \sum_{c: b_c = b} (p^{imp}_{c,t} - p^{exp}_{c,t})

        \mathrm{cost} = \Delta t \sum_{c,t} (\pi^{imp}_t p^{imp}_{c,t} - \pi^{exp}_t p^{exp}_{c,t})

        \mathrm{emissions} = \Delta t \sum_{c,t} \varepsilon_t\, p^{imp}_{c,t}

    With one connection the limits are the bounds of its variables. With a
    schedule :math:`S_t` [MW] of total net import (e.g. from a day-ahead dispatch,
    for an intraday re-dispatch) deviations from it are priced at the imbalance
    price :math:`\pi^{imb}_t` [EUR/MWh]:

    .. math::
        \sum_c (p^{imp}_{c,t} - p^{exp}_{c,t}) - S_t = \delta^{up}_t - \delta^{dn}_t, \qquad
        \delta^{up}_t, \delta^{dn}_t \ge 0

        \mathrm{cost} \mathrel{+}= \Delta t \sum_t \pi^{imb}_t (\delta^{up}_t + \delta^{dn}_t)

    Prices :math:`\pi` [EUR/MWh], the emission factor :math:`\varepsilon`
    [tCO2/MWh] and the schedule are mutable parameters, one series for all
    connections (see :meth:`GridConnection.update`); the connections and their
    limits, and whether there is a schedule, are fixed when the block is built.
    """
    b = pyo.Block()
    m.grid = b
    d = x.assets["grid"]
    g = d.series
    names = list(d.units.index)
    bus_of = dict(zip(names, d.bus, strict=True))
    b.CONN = pyo.Set(initialize=names, ordered=True)
    b.BUS = pyo.Set(initialize=list(dict.fromkeys(d.bus)), ordered=True)
    for column in GRID_SERIES:
        array_param(b, column, (m.T,), g[column][:, 0])
    import_max = float(d.units["import_max_mw"].iloc[0])
    export_max = float(d.units["export_max_mw"].iloc[0])
    imax = None if import_max == float("inf") else import_max
    emax = None if export_max == float("inf") else export_max
    single = len(names) == 1
    b.p_import_mw = pyo.Var(b.CONN, m.T, bounds=(0.0, imax if single else None))
    b.p_export_mw = pyo.Var(b.CONN, m.T, bounds=(0.0, emax if single else None))
    if not single:
        for limit, var, label in ((imax, b.p_import_mw, "import"), (emax, b.p_export_mw, "export")):
            if limit is not None:
                rule = _total_limit(var, names, limit)
                b.add_component(f"{label}_limit", pyo.Constraint(m.T, rule=rule))
    b.injection_mw = pyo.Expression(
        b.BUS,
        m.T,
        rule=lambda blk, bus, t: sum(
            blk.p_import_mw[c, t] - blk.p_export_mw[c, t] for c in names if bus_of[c] == bus
        ),
    )
    energy = x.dt_h * sum(
        b.import_price_eur_per_mwh[t] * b.p_import_mw[c, t]
        - b.export_price_eur_per_mwh[t] * b.p_export_mw[c, t]
        for c in names
        for t in m.T
    )
    if SCHEDULE in g:
        _add_schedule(b, m, d)
        energy += x.dt_h * sum(
            b.imbalance_price_eur_per_mwh[t] * (b.p_dev_up_mw[t] + b.p_dev_down_mw[t]) for t in m.T
        )
    b.cost_eur = pyo.Expression(expr=energy)
    b.emissions_tco2 = pyo.Expression(
        expr=x.dt_h * sum(b.ef_tco2_per_mwh[t] * b.p_import_mw[c, t] for c in names for t in m.T)
    )
    return b


def _total_limit(var: pyo.Var, names: list[str], limit: float) -> Any:
    """Constraint rule: the sum of ``var`` over the connections at most ``limit``."""
    return lambda blk, t: sum(var[c, t] for c in names) <= limit


def _add_schedule(b: pyo.Block, m: pyo.ConcreteModel, d: AssetData) -> None:
    """Schedule of net import, deviations from it and their price."""
    array_param(b, "schedule_mw", (m.T,), d.series[SCHEDULE][:, 0])
    array_param(b, "imbalance_price_eur_per_mwh", (m.T,), d.series[IMBALANCE_PRICE][:, 0])
    b.p_dev_up_mw = pyo.Var(m.T, bounds=(0.0, None))
    b.p_dev_down_mw = pyo.Var(m.T, bounds=(0.0, None))
    names = list(d.units.index)
    b.schedule_deviation = pyo.Constraint(
        m.T,
        rule=lambda blk, t: (
            sum(blk.p_import_mw[c, t] - blk.p_export_mw[c, t] for c in names) - blk.schedule_mw[t]
            == blk.p_dev_up_mw[t] - blk.p_dev_down_mw[t]
        ),
    )


class GridConnection(AssetFamily):
    """The connections to the external grid (see :func:`build_grid_connection`): one
    row per connection in table :data:`GRID_COLUMNS` (the simulator names a single
    one ``grid``); series :data:`GRID_SERIES` (steps x 1, for all connections) and,
    for an intraday re-dispatch, ``schedule_mw`` [MW] with
    ``imbalance_price_eur_per_mwh``; results ``import_p_mw`` and ``export_p_mw``
    [MW] (one column per connection)."""

    name = "grid"
    limit_hints = MappingProxyType(
        {
            "p_import_mw": "check external_grid.import_max_mw",
            "p_export_mw": "check external_grid.export_max_mw",
            "import_limit": "check external_grid.import_max_mw",
            "export_limit": "check external_grid.export_max_mw",
        }
    )
    columns = GRID_COLUMNS
    series_names = GRID_SERIES
    optional_series = (SCHEDULE, IMBALANCE_PRICE)
    series_per_unit = False

    def validate(self, d: AssetData, x: DispatchInputs) -> None:
        super().validate(d, x)
        if (SCHEDULE in d.series) and IMBALANCE_PRICE not in d.series:
            self.fail(IMBALANCE_PRICE, "a schedule needs the imbalance price")

    def check_table(self, units: pd.DataFrame) -> None:
        super().check_table(units)
        if len(units.index) < 1:
            self.fail("units", "at least one grid connection expected")
        limits = units[["import_max_mw", "export_max_mw"]].to_numpy(dtype=float)
        if (limits < 0).any():
            self.fail("import_max_mw/export_max_mw", "must be >= 0")

    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        return build_grid_connection(m, x)

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        """Write the prices [EUR/MWh], emission factors [tCO2/MWh] and the schedule
        [MW] of window ``x``; the connection limits, and whether there is a
        schedule, are fixed when the block is built.

        Raises
        ------
        DispatchInputError
            If ``x`` has another grid bus or schedule structure than the block.
        """
        d = x.assets[self.name]
        if list(blk.CONN) != list(d.units.index) or list(blk.BUS) != list(dict.fromkeys(d.bus)):
            self.fail("units", "the connection bus differs from the built model's; rebuild")
        if hasattr(blk, "schedule_mw") != (SCHEDULE in d.series):
            self.fail(
                SCHEDULE,
                "given for a model built without one, or missing for a model built with "
                "one; rebuild the model",
            )
        names = GRID_SERIES + ((SCHEDULE, IMBALANCE_PRICE) if SCHEDULE in d.series else ())
        for column in names:
            store_matrix(getattr(blk, column), d.series[column][:, 0])

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        n = len(x.time)
        names = list(blk.CONN)
        cols = tuple(names)
        return {
            "import_p_mw": Labelled(cols, sol.var_matrix(blk.p_import_mw, names, n)),
            "export_p_mw": Labelled(cols, sol.var_matrix(blk.p_export_mw, names, n)),
        }


#: the grid connection family
GRID = GridConnection()
