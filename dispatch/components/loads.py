"""Fixed demand with load-shedding and over-generation slacks at every bus."""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from dispatch.components._indexing import aligned_to_block, param_data, store_matrix
from dispatch.inputs import DispatchInputs


def bus_demand_mw(x: DispatchInputs) -> pd.DataFrame:
    """Demand summed per bus [MW] (time x bus), zero columns for buses without load."""
    demand = x.load_p_mw.T.groupby(x.load_bus.reindex(x.load_p_mw.columns).to_numpy()).sum().T
    return demand.reindex(columns=x.buses, fill_value=0.0)


def build_loads(m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
    r"""Add block ``m.loads``: demand per bus and its slacks.

    For bus :math:`b` and step :math:`t`, with forecast demand :math:`d_{b,t}` [MW]:

    .. math::
        0 \le s^{shed}_{b,t} \le d_{b,t}, \qquad s^{over}_{b,t} \ge 0

        \mathrm{injection}_{b,t} = -d_{b,t} + s^{shed}_{b,t} - s^{over}_{b,t}

        \mathrm{cost} = \Delta t \sum_{b,t} (c^{VOLL} s^{shed}_{b,t}
                        + c^{over} s^{over}_{b,t})

    Both slacks are reported with the results; their high costs make them a last resort.
    """
    b = pyo.Block()
    m.loads = b
    demand = bus_demand_mw(x)
    b.BUS = pyo.Set(initialize=list(demand.columns), ordered=True)
    b.demand_mw = pyo.Param(
        b.BUS, m.T, mutable=True, within=pyo.Reals, initialize=param_data(demand)
    )
    b.p_shed_mw = pyo.Var(b.BUS, m.T, bounds=lambda blk, bus, t: (0.0, blk.demand_mw[bus, t]))
    b.p_overgen_mw = pyo.Var(b.BUS, m.T, bounds=(0.0, None))
    b.injection_mw = pyo.Expression(
        b.BUS,
        m.T,
        rule=lambda blk, bus, t: (
            -blk.demand_mw[bus, t] + blk.p_shed_mw[bus, t] - blk.p_overgen_mw[bus, t]
        ),
    )
    o = x.options
    b.cost_eur = pyo.Expression(
        expr=x.dt_h
        * sum(
            o.voll_eur_per_mwh * b.p_shed_mw[bus, t]
            + o.overgeneration_cost_eur_per_mwh * b.p_overgen_mw[bus, t]
            for bus in b.BUS
            for t in m.T
        )
    )
    b.emissions_tco2 = pyo.Expression(expr=0.0)
    return b


def update_loads(blk: pyo.Block, x: DispatchInputs) -> None:
    """Write the demand of window ``x`` into block ``m.loads`` built for another window.

    Updates ``demand_mw`` [MW], and with it the upper bound of ``p_shed_mw``. The
    slack costs are fixed when the block is built.

    Raises
    ------
    DispatchInputError
        If ``x`` has other buses or another number of steps than the built block.
    """
    n = len(blk.model().T)
    demand = aligned_to_block(bus_demand_mw(x), blk.BUS, n, "load_p_mw (per bus)")
    store_matrix(blk.demand_mw, demand.to_numpy(dtype=float).T)
