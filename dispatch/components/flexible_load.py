"""Flexible load: a fixed demand profile whose energy can be deferred and caught up.

The worked example of ``docs/extending.md``: a complete asset family in one
module on the dispatch side (:mod:`sim.flexible_load` is its simulator side).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.components.block_data import array_param, store_matrix, units_by_bus, var_values
from dispatch.family import AssetData, AssetFamily, Labelled

if TYPE_CHECKING:
    from dispatch.extract import Solution
    from dispatch.inputs import DispatchInputs

#: columns of the unit table: bus, power limit [MW], deferrable energy [MWh], cost of
#: deferred energy per hour it stays deferred [EUR/MWh/h]
FLEXIBLE_LOAD_COLUMNS = ("bus", "p_max_mw", "e_max_mwh", "defer_cost_eur_per_mwh_h")


class FlexibleLoad(AssetFamily):
    r"""Loads with a fixed baseline profile that may defer energy: block ``m.flexible_load``.

    For unit :math:`u` at bus :math:`b(u)` and step :math:`t` (length
    :math:`\Delta t` [h]), with baseline demand :math:`d_{u,t}` [MW] (series
    ``p_base_mw``), served power :math:`p_{u,t}` [MW] and deferred energy
    :math:`e_{u,t}` [MWh] at the end of step :math:`t`:

    .. math::
        0 \le p_{u,t} \le \bar p_u

        e_{u,t} = e_{u,t-1} + \Delta t\,(d_{u,t} - p_{u,t}), \qquad e_{u,-1} = e^0_u

        0 \le e_{u,t} \le \bar e_{u,t}, \qquad
        \bar e_{u,t} = \bar e_u \text{ before the window's last step, } 0 \text{ at it}

        \mathrm{injection}_{b,t} = -\sum_{u: b(u)=b} p_{u,t}, \qquad
        \mathrm{cost} = \Delta t \sum_{u,t} c^{defer}_u\, e_{u,t}

    So every window serves all energy deferred before it and all of its own: the
    baseline energy is kept over each window (and so over the period), shifted in
    time at most :math:`\bar e_u` MWh. The deferred energy at the window start
    ``e_mwh`` is the state carried between windows; its cap ``e_cap_mwh`` and
    the baseline are mutable parameters. Results: ``p_mw`` (served) and
    ``deferred_mwh`` per unit.
    """

    name = "flexible_load"
    limit_hints = MappingProxyType(
        {
            "p_mw": "check the flexible load's p_max_mw against its baseline profile",
            "e_mwh": "check the flexible load's e_max_mwh",
            "deferral": "check the flexible load's baseline profile, p_max_mw and e_max_mwh",
        }
    )
    columns = FLEXIBLE_LOAD_COLUMNS
    series_names = ("p_base_mw",)
    nonnegative_series = ("p_base_mw",)
    state_names = ("e_mwh",)
    state_results = {"e_mwh": "deferred_mwh"}

    def validate(self, d: AssetData, x: DispatchInputs) -> None:
        super().validate(d, x)
        if "e_mwh" not in d.state:
            self.fail("state.e_mwh", "missing the deferred energy at the window start")
        over = d.series["p_base_mw"] > d.units["p_max_mw"].to_numpy(dtype=float)[None, :]
        if over.any():
            self.fail("p_base_mw", "baseline above p_max_mw: the profile could not be served")

    def check_table(self, units: pd.DataFrame) -> None:
        super().check_table(units)
        num = units[list(FLEXIBLE_LOAD_COLUMNS[1:])].to_numpy(dtype=float)
        if not np.isfinite(num).all() or (num < 0).any():
            self.fail("units", "p_max_mw, e_max_mwh and defer_cost_eur_per_mwh_h must be >= 0")

    def _cap(self, d: AssetData, x: DispatchInputs) -> np.ndarray:
        """Upper bound of the deferred energy [MWh], units x steps."""
        cap = np.repeat(d.units["e_max_mwh"].to_numpy(dtype=float)[:, None], len(x.time), axis=1)
        cap[:, x.steps_active - 1] = 0.0
        return cap

    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        d = x.assets[self.name]
        b = pyo.Block()
        m.add_component(self.name, b)
        units = d.names
        by_bus = units_by_bus(d.units["bus"])
        col = {c: d.units[c].astype(float).to_dict() for c in FLEXIBLE_LOAD_COLUMNS[1:]}
        b.UNIT = pyo.Set(initialize=units, ordered=True)
        b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
        array_param(b, "p_base_mw", (b.UNIT, m.T), d.series["p_base_mw"].T)
        array_param(b, "e_initial_mwh", (b.UNIT,), d.state["e_mwh"])
        array_param(b, "e_cap_mwh", (b.UNIT, m.T), self._cap(d, x))
        b.p_mw = pyo.Var(b.UNIT, m.T, bounds=lambda blk, u, t: (0.0, col["p_max_mw"][u]))
        b.e_mwh = pyo.Var(b.UNIT, m.T, bounds=lambda blk, u, t: (0.0, blk.e_cap_mwh[u, t]))
        dt = x.dt_h
        first = m.T.first()

        def balance(blk: pyo.Block, u: str, t: int) -> pyo.Expression:
            before = blk.e_initial_mwh[u] if t == first else blk.e_mwh[u, m.T.prev(t)]
            return blk.e_mwh[u, t] == before + dt * (blk.p_base_mw[u, t] - blk.p_mw[u, t])

        b.deferral = pyo.Constraint(b.UNIT, m.T, rule=balance)
        b.injection_mw = pyo.Expression(
            b.BUS, m.T, rule=lambda blk, bus, t: -sum(blk.p_mw[u, t] for u in by_bus[bus])
        )
        cost = col["defer_cost_eur_per_mwh_h"]
        b.cost_eur = pyo.Expression(
            expr=dt * sum(cost[u] * b.e_mwh[u, t] for u in b.UNIT for t in m.T)
        )
        b.emissions_tco2 = pyo.Expression(expr=0.0)
        return b

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        """Write the baseline [MW], the deferred energy at the start and its cap [MWh]."""
        d = x.assets[self.name]
        if not self.has_units_of(blk, d):
            return
        store_matrix(blk.p_base_mw, d.series["p_base_mw"].T)
        store_matrix(blk.e_initial_mwh, d.state["e_mwh"])
        store_matrix(blk.e_cap_mwh, self._cap(d, x))

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        units = list(blk.UNIT)
        n = len(x.time)
        return {
            "p_mw": Labelled(tuple(units), var_values(sol, blk.p_mw, units, n)),
            "deferred_mwh": Labelled(tuple(units), var_values(sol, blk.e_mwh, units, n)),
        }


#: the flexible-load family
FLEXIBLE_LOAD = FlexibleLoad()
