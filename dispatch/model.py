"""build_model: flat, ordered assembly of the dispatch model from its blocks."""

from __future__ import annotations

import pyomo.environ as pyo

from dispatch.gc_pause import gc_paused
from dispatch.inputs import DispatchInputError, DispatchInputs
from dispatch.network import add_network, update_network
from dispatch.quadratic_objective import add_to_objective

#: weight of cost in the ``min_emissions`` objective [tCO2/EUR], a tie-breaker only
COST_TIE_BREAK_TCO2_PER_EUR = 1e-6


def build_model(x: DispatchInputs, network_model: str | None = None) -> pyo.ConcreteModel:
    r"""Build the dispatch model of one window.

    Sets ``T`` (step positions 0..n-1) and ``BUS`` (asset buses); one block per
    asset family of ``x.assets``, in their order (:meth:`dispatch.family.AssetFamily.build`);
    the network constraints of
    ``network_model`` (default: ``x.options.network_model``); an optional emission
    cap; and the objective, for ``min_cost``

    .. math::
        \min \sum_k \mathrm{cost}^k + \pi^{CO_2} \sum_k \mathrm{emissions}^k

    and for ``min_emissions``

    .. math::
        \min \sum_k \mathrm{emissions}^k + 10^{-6} \sum_k \mathrm{cost}^k
        + (1 - 10^{-6})\, \mathrm{cost}^{loads}

    (the blocks' ``penalty_eur``, load shedding and over-generation, keep their full
    weight, in tCO2 per EUR, so emissions are never cut by shedding load). Exact
    quadratic costs (:mod:`dispatch.quadratic_objective`) are added with the weight
    of the cost; ``m.cost_eur`` holds the linear costs only.

    with the carbon price :math:`\pi^{CO_2}` [EUR/tCO2]. The emission cap is
    :math:`\sum_k \mathrm{emissions}^k \le E^{cap}` [tCO2].

    The garbage collector is paused during the build (:func:`dispatch.gc_pause.gc_paused`).
    """
    with gc_paused():
        return _build(x, network_model)


def _build(x: DispatchInputs, network_model: str | None) -> pyo.ConcreteModel:
    o = x.options
    m = pyo.ConcreteModel(name="dispatch")
    m.T = pyo.RangeSet(0, len(x.time) - 1)
    m.BUS = pyo.Set(initialize=x.buses, ordered=True)
    blocks = [d.family.build(m, x) for d in x.assets.values()]
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
            + (1.0 - COST_TIE_BREAK_TCO2_PER_EUR)
            * sum(blk.penalty_eur for blk in blocks if hasattr(blk, "penalty_eur"))
            + add_to_objective(m, blocks, COST_TIE_BREAK_TCO2_PER_EUR)
        )
    else:
        expr = (
            m.cost_eur
            + o.carbon_price_eur_per_tco2 * m.emissions_tco2
            + add_to_objective(m, blocks, 1.0)
        )
    m.objective = pyo.Objective(expr=expr, sense=pyo.minimize)
    return m


def update_model(m: pyo.ConcreteModel, x: DispatchInputs) -> None:
    """Write the data of window ``x`` into model ``m`` built for another window.

    Calls :meth:`dispatch.family.AssetFamily.update` of every family of ``x.assets``
    and :func:`dispatch.network.update_network`. Afterwards ``m`` is the model
    :func:`build_model` would build from ``x``, provided ``x`` has the structure of
    the inputs ``m`` was built from (:func:`dispatch.rolling.same_structure`): the
    same number of steps, ``dt_h``, options, families and units with the same
    static data, and network. Only time series (forecasts, prices, emission
    factors, reactive demand, loss estimates), the state at the window start and
    the families' mutable columns (the storage terminal energy) may differ.

    Raises
    ------
    DispatchInputError
        If a block finds other units or another number of steps than it was built
        for; blocks updated before the error keep their new data, so rebuild the model.
    """
    if len(x.time) != len(m.T):
        raise DispatchInputError(
            f"time: {len(x.time)} steps, the built model has {len(m.T)}; rebuild the model"
        )
    for name, d in x.assets.items():
        blk = m.component(name)
        if blk is None:
            raise DispatchInputError(f"assets.{name}: no such block in the built model; rebuild")
        d.family.update(blk, x)
    update_network(m, x)
