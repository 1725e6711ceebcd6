"""build_model: flat, ordered assembly of the dispatch model from its blocks."""

from __future__ import annotations

import pyomo.environ as pyo

from dispatch.components.conventional import build_conventional, update_conventional
from dispatch.components.grid_connection import build_grid_connection, update_grid_connection
from dispatch.components.loads import build_loads, update_loads
from dispatch.components.renewables import build_renewables, update_renewables
from dispatch.components.storage import build_storage, update_storage
from dispatch.inputs import DispatchInputs
from dispatch.network import add_network, update_network

#: the fixed registry of block builders, in build order
BLOCK_BUILDERS = (
    build_loads,
    build_renewables,
    build_storage,
    build_conventional,
    build_grid_connection,
)

#: weight of cost in the ``min_emissions`` objective [tCO2/EUR], a tie-breaker only
COST_TIE_BREAK_TCO2_PER_EUR = 1e-6


def build_model(x: DispatchInputs, network_model: str | None = None) -> pyo.ConcreteModel:
    r"""Build the dispatch model of one window.

    Sets ``T`` (step positions 0..n-1) and ``BUS`` (asset buses); one block per
    asset family (:data:`BLOCK_BUILDERS`); the network constraints of
    ``network_model`` (default: ``x.options.network_model``); an optional emission
    cap; and the objective, for ``min_cost``

    .. math::
        \min \sum_k \mathrm{cost}^k + \pi^{CO_2} \sum_k \mathrm{emissions}^k

    and for ``min_emissions``

    .. math::
        \min \sum_k \mathrm{emissions}^k + 10^{-6} \sum_k \mathrm{cost}^k
        + (1 - 10^{-6})\, \mathrm{cost}^{loads}

    (the load-shedding and over-generation penalties keep their full weight, in
    tCO2 per EUR, so emissions are never cut by shedding load)

    with the carbon price :math:`\pi^{CO_2}` [EUR/tCO2]. The emission cap is
    :math:`\sum_k \mathrm{emissions}^k \le E^{cap}` [tCO2].
    """
    o = x.options
    m = pyo.ConcreteModel(name="dispatch")
    m.T = pyo.RangeSet(0, len(x.time) - 1)
    m.BUS = pyo.Set(initialize=x.buses, ordered=True)
    blocks = [builder(m, x) for builder in BLOCK_BUILDERS]
    add_network(m, blocks, x, network_model or o.network_model)
    m.cost_eur = pyo.Expression(expr=sum(blk.cost_eur for blk in blocks))
    m.emissions_tco2 = pyo.Expression(expr=sum(blk.emissions_tco2 for blk in blocks))
    if o.emission_cap_tco2 is not None:
        m.emission_cap = pyo.Constraint(expr=m.emissions_tco2 <= o.emission_cap_tco2)
    if o.objective == "min_emissions":
        # slack penalties keep their full weight: emissions never fall by shedding load
        expr = (
            m.emissions_tco2
            + COST_TIE_BREAK_TCO2_PER_EUR * m.cost_eur
            + (1.0 - COST_TIE_BREAK_TCO2_PER_EUR) * m.loads.cost_eur
        )
    else:
        expr = m.cost_eur + o.carbon_price_eur_per_tco2 * m.emissions_tco2
    m.objective = pyo.Objective(expr=expr, sense=pyo.minimize)
    return m


#: the update function of each block of :data:`BLOCK_BUILDERS`, by block name, in order
BLOCK_UPDATERS = (
    ("loads", update_loads),
    ("renewables", update_renewables),
    ("storage", update_storage),
    ("conventional", update_conventional),
    ("grid", update_grid_connection),
)


def update_model(m: pyo.ConcreteModel, x: DispatchInputs) -> None:
    """Write the data of window ``x`` into model ``m`` built for another window.

    Calls the update function of every block (:data:`BLOCK_UPDATERS`) and
    :func:`dispatch.network.update_network`. Afterwards ``m`` is the model
    :func:`build_model` would build from ``x``, provided ``x`` has the structure of
    the inputs ``m`` was built from: the same number of steps, ``dt_h``, options,
    assets with the same static data (storage table, conventional table, buses),
    connection limits and network. Only time series (forecasts, prices, emission
    factors, reactive demand) and the state at the window start (initial storage
    energy, conventional state) and the terminal energy may differ.

    Raises
    ------
    DispatchInputError
        If a block finds other units or another number of steps than it was built
        for; blocks updated before the error keep their new data, so rebuild the model.
    """
    for name, update in BLOCK_UPDATERS:
        update(getattr(m, name), x)
    update_network(m, x)
