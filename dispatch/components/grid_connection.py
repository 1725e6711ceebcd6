"""Import from and export to the external grid at its connection bus."""

from __future__ import annotations

import pyomo.environ as pyo

from dispatch.components._indexing import series_data, store_matrix
from dispatch.inputs import DispatchInputError, DispatchInputs

#: the time series of ``x.grid`` held in mutable parameters of the same name
GRID_SERIES = ("import_price_eur_per_mwh", "export_price_eur_per_mwh", "ef_tco2_per_mwh")
#: the column of ``x.grid`` with the price of deviations from a schedule [EUR/MWh]
IMBALANCE_PRICE = "imbalance_price_eur_per_mwh"


def build_grid_connection(m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
    r"""Add block ``m.grid`` for the grid connection at bus :math:`b^{ext}`.

    .. math::
        0 \le p^{imp}_t \le \bar p^{imp}, \qquad 0 \le p^{exp}_t \le \bar p^{exp}

        \mathrm{injection}_{b^{ext},t} = p^{imp}_t - p^{exp}_t

        \mathrm{cost} = \Delta t \sum_t (\pi^{imp}_t p^{imp}_t - \pi^{exp}_t p^{exp}_t)

        \mathrm{emissions} = \Delta t \sum_t \varepsilon_t\, p^{imp}_t

    With a schedule :math:`S_t` [MW] of net import (``x.grid_schedule_mw``, e.g.
    from a day-ahead dispatch, for an intraday re-dispatch) deviations from it are
    priced at the imbalance price :math:`\pi^{imb}_t` [EUR/MWh] (column
    ``imbalance_price_eur_per_mwh`` of ``x.grid``):

    .. math::
        p^{imp}_t - p^{exp}_t - S_t = \delta^{up}_t - \delta^{dn}_t, \qquad
        \delta^{up}_t, \delta^{dn}_t \ge 0

        \mathrm{cost} \mathrel{+}= \Delta t \sum_t \pi^{imb}_t (\delta^{up}_t + \delta^{dn}_t)

    Prices :math:`\pi` [EUR/MWh], the emission factor :math:`\varepsilon`
    [tCO2/MWh] and the schedule are mutable parameters (see
    :func:`update_grid_connection`); the connection limits, and whether there is a
    schedule, are fixed when the block is built.
    """
    b = pyo.Block()
    m.grid = b
    g = x.grid
    b.BUS = pyo.Set(initialize=[x.ext_grid_bus], ordered=True)
    for column in GRID_SERIES:
        param = pyo.Param(m.T, mutable=True, within=pyo.Reals, initialize=series_data(g[column]))
        b.add_component(column, param)
    imax = None if x.import_max_mw == float("inf") else x.import_max_mw
    emax = None if x.export_max_mw == float("inf") else x.export_max_mw
    b.p_import_mw = pyo.Var(m.T, bounds=(0.0, imax))
    b.p_export_mw = pyo.Var(m.T, bounds=(0.0, emax))
    b.injection_mw = pyo.Expression(
        b.BUS, m.T, rule=lambda blk, bus, t: blk.p_import_mw[t] - blk.p_export_mw[t]
    )
    energy = x.dt_h * sum(
        b.import_price_eur_per_mwh[t] * b.p_import_mw[t]
        - b.export_price_eur_per_mwh[t] * b.p_export_mw[t]
        for t in m.T
    )
    if x.grid_schedule_mw is not None:
        _add_schedule(b, m, x)
        energy += x.dt_h * sum(
            b.imbalance_price_eur_per_mwh[t] * (b.p_dev_up_mw[t] + b.p_dev_down_mw[t]) for t in m.T
        )
    b.cost_eur = pyo.Expression(expr=energy)
    b.emissions_tco2 = pyo.Expression(
        expr=x.dt_h * sum(b.ef_tco2_per_mwh[t] * b.p_import_mw[t] for t in m.T)
    )
    return b


def _add_schedule(b: pyo.Block, m: pyo.ConcreteModel, x: DispatchInputs) -> None:
    """Schedule of net import, deviations from it and their price."""
    assert x.grid_schedule_mw is not None
    b.schedule_mw = pyo.Param(
        m.T, mutable=True, within=pyo.Reals, initialize=series_data(x.grid_schedule_mw)
    )
    b.imbalance_price_eur_per_mwh = pyo.Param(
        m.T,
        mutable=True,
        within=pyo.Reals,
        initialize=series_data(x.grid[IMBALANCE_PRICE]),
    )
    b.p_dev_up_mw = pyo.Var(m.T, bounds=(0.0, None))
    b.p_dev_down_mw = pyo.Var(m.T, bounds=(0.0, None))
    b.schedule_deviation = pyo.Constraint(
        m.T,
        rule=lambda blk, t: (
            blk.p_import_mw[t] - blk.p_export_mw[t] - blk.schedule_mw[t]
            == blk.p_dev_up_mw[t] - blk.p_dev_down_mw[t]
        ),
    )


def update_grid_connection(blk: pyo.Block, x: DispatchInputs) -> None:
    """Write the prices [EUR/MWh] and emission factors [tCO2/MWh] of window ``x``
    into block ``m.grid``.

    Raises
    ------
    DispatchInputError
        If ``x`` has another number of steps or grid bus than the built block.
    """
    n = len(blk.model().T)
    if len(x.grid.index) != n:
        raise DispatchInputError(
            f"grid: {len(x.grid.index)} steps, the built model has {n}; rebuild the model"
        )
    if list(blk.BUS) != [x.ext_grid_bus]:
        raise DispatchInputError(
            f"ext_grid_bus: {x.ext_grid_bus!r} differs from the built model's "
            f"{list(blk.BUS)}; rebuild the model"
        )
    if hasattr(blk, "schedule_mw") != (x.grid_schedule_mw is not None):
        raise DispatchInputError(
            "grid_schedule_mw: given for a model built without one, or missing for a "
            "model built with one; rebuild the model"
        )
    for column in GRID_SERIES:
        store_matrix(getattr(blk, column), x.grid[column].to_numpy(dtype=float))
    if x.grid_schedule_mw is not None:
        store_matrix(blk.schedule_mw, x.grid_schedule_mw.to_numpy(dtype=float))
        store_matrix(blk.imbalance_price_eur_per_mwh, x.grid[IMBALANCE_PRICE].to_numpy(dtype=float))
