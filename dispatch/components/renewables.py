"""Wind, PV and other renewables: dispatchable down to zero, curtailment priced."""

from __future__ import annotations

import pyomo.environ as pyo

from dispatch.components._indexing import (
    aligned_to_block,
    param_data,
    store_matrix,
    units_by_bus,
)
from dispatch.inputs import DispatchInputs


def build_renewables(m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
    r"""Add block ``m.renewables`` for all renewable units.

    Variables and equations, for unit :math:`g` at bus :math:`b(g)` and step :math:`t`:

    .. math::
        0 \le p_{g,t} \le \bar p_{g,t}                        \quad \text{(availability [MW])}

        \mathrm{injection}_{b,t} = \sum_{g: b(g)=b} p_{g,t}

        \mathrm{cost} = c^{curt} \, \Delta t \sum_{g,t} (\bar p_{g,t} - p_{g,t})

    ``p_available_mw`` is a mutable parameter so a window can be re-solved with new
    forecasts (:func:`update_renewables`); the curtailment is ``p_available_mw - p_mw``.
    """
    b = pyo.Block()
    m.renewables = b
    by_bus = units_by_bus(x.renewable_bus)
    b.UNIT = pyo.Set(initialize=list(x.renewable_p_mw.columns), ordered=True)
    b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
    b.p_available_mw = pyo.Param(
        b.UNIT, m.T, mutable=True, initialize=param_data(x.renewable_p_mw), within=pyo.Reals
    )
    b.p_mw = pyo.Var(b.UNIT, m.T, bounds=lambda blk, g, t: (0.0, blk.p_available_mw[g, t]))
    b.injection_mw = pyo.Expression(
        b.BUS, m.T, rule=lambda blk, bus, t: sum(blk.p_mw[g, t] for g in by_bus[bus])
    )
    c = x.options.curtailment_cost_eur_per_mwh * x.dt_h
    b.cost_eur = pyo.Expression(
        expr=c * sum(b.p_available_mw[g, t] - b.p_mw[g, t] for g in b.UNIT for t in m.T)
    )
    b.emissions_tco2 = pyo.Expression(expr=0.0)
    return b


def update_renewables(blk: pyo.Block, x: DispatchInputs) -> None:
    """Write the availability forecast of window ``x`` into block ``m.renewables``.

    Updates ``p_available_mw`` [MW]: the upper bound of ``p_mw`` and the curtailment
    term of the cost follow it (the persistent HiGHS interface re-evaluates bounds
    that are expressions of mutable parameters).

    Raises
    ------
    DispatchInputError
        If ``x`` has other units or another number of steps than the built block.
    """
    n = len(blk.model().T)
    avail = aligned_to_block(x.renewable_p_mw, blk.UNIT, n, "renewable_p_mw")
    store_matrix(blk.p_available_mw, avail.to_numpy(dtype=float).T)
