"""Wind, PV and other renewables: dispatchable down to zero, curtailment priced."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo

from dispatch.components.block_data import array_param, store_matrix, units_by_bus, var_values
from dispatch.family import AssetFamily, Labelled

if TYPE_CHECKING:
    from dispatch.extract import Solution
    from dispatch.inputs import DispatchInputs


class Renewables(AssetFamily):
    r"""Renewable units with a forecast availability: block ``m.renewables``.

    Series ``p_available_mw`` [MW] per unit. For unit :math:`g` at bus :math:`b(g)`
    and step :math:`t`:

    .. math::
        0 \le p_{g,t} \le \bar p_{g,t}                        \quad \text{(availability [MW])}

        \mathrm{injection}_{b,t} = \sum_{g: b(g)=b} p_{g,t}

        \mathrm{cost} = c^{curt} \, \Delta t \sum_{g,t} (\bar p_{g,t} - p_{g,t})

    ``p_available_mw`` is a mutable parameter so a window can be re-solved with new
    forecasts; results are ``p_mw`` and ``curtailment_p_mw`` (``p_available_mw -
    p_mw``) per unit.
    """

    name = "renewables"
    series_names = ("p_available_mw",)
    nonnegative_series = ("p_available_mw",)

    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        d = x.assets[self.name]
        b = pyo.Block()
        m.add_component(self.name, b)
        by_bus = units_by_bus(d.units["bus"])
        units = d.names
        b.UNIT = pyo.Set(initialize=units, ordered=True)
        b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
        array_param(b, "p_available_mw", (b.UNIT, m.T), d.series["p_available_mw"].T)
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

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        """Write the availability forecast [MW]: the bound of ``p_mw`` and the
        curtailment term of the cost follow it.

        Raises
        ------
        DispatchInputError
            If ``x`` has other units or another number of steps than the block.
        """
        d = x.assets[self.name]
        if list(blk.UNIT) != d.names:
            self.fail("units", "units differ from the built model's; rebuild the model")
        store_matrix(blk.p_available_mw, d.series["p_available_mw"].T)

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        d = x.assets[self.name]
        units = list(blk.UNIT)
        p = var_values(sol, blk.p_mw, units, len(x.time))
        curtailed = np.clip(d.series["p_available_mw"] - p, 0.0, None)
        return {
            "p_mw": Labelled(tuple(units), p),
            "curtailment_p_mw": Labelled(tuple(units), curtailed),
        }


#: the renewables family
RENEWABLES = Renewables()
