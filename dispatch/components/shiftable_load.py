"""Shiftable loads: a daily energy served within allowed hours at a power limit.

A task of ``energy_mwh`` is released every day at the start of its allowed hours
and must be served before they end; the dispatch chooses when. Its open energy is
the state carried between windows, and its upper envelope (what the allowed hours
left can still serve at full power) keeps every window feasible.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

import pyomo.environ as pyo

from dispatch.components.block_data import array_param, units_by_bus, var_values
from dispatch.family import AssetData, AssetFamily, Labelled

if TYPE_CHECKING:
    from dispatch.extract import Solution
    from dispatch.inputs import DispatchInputs

#: columns of the unit table: bus, cost of energy left unserved at its deadline [EUR/MWh]
SHIFTABLE_COLUMNS = ("bus", "drop_cost_eur_per_mwh")
#: series of a window, each (steps, units): power limit (0 outside the allowed hours)
#: [MW], energy released at the start of the step [MWh], most energy that may stay
#: open at the end of the step [MWh] (0 at a deadline)
SHIFTABLE_SERIES = ("p_max_mw", "release_mwh", "e_open_max_mwh")


class ShiftableLoad(AssetFamily):
    r"""Shiftable loads: block ``m.shiftable_load``.

    For unit :math:`u` with open energy :math:`e_{u,t}` [MWh] at the end of step
    :math:`t`, power :math:`p_{u,t} \in [0, \bar p_{u,t}]` [MW], release
    :math:`r_{u,t}` and energy dropped :math:`s_{u,t} \ge 0`:

    .. math::
        e_{u,t} = e_{u,t-1} + r_{u,t} - \Delta t\, p_{u,t} - s_{u,t}, \qquad
        0 \le e_{u,t} \le \bar e_{u,t}

        \mathrm{injection}_{b,t} = -\sum_{u: b(u)=b} p_{u,t}, \qquad
        \mathrm{cost} = \sum_{u,t} \pi_u s_{u,t}

    :math:`\bar e_{u,t}` is what the allowed steps after :math:`t` up to the task's
    deadline can serve at full power (0 at the deadline), so every task is served in
    its hours; :math:`s` (paid at ``drop_cost_eur_per_mwh``, the block's
    ``penalty_eur``) is 0 unless network limits forbid it. Results: ``p_mw``,
    ``open_mwh`` and ``dropped_mwh`` per unit.
    """

    name = "shiftable_load"
    limit_hints = MappingProxyType(
        {
            "p_mw": "check the shiftable load's p_max_mw, earliest_h and latest_h",
            "e_mwh": "check the shiftable load's energy_mwh",
            "energy_balance": "check the shiftable load's energy_mwh, p_max_mw and allowed hours",
        }
    )
    columns = SHIFTABLE_COLUMNS
    series_names = SHIFTABLE_SERIES
    nonnegative_series = SHIFTABLE_SERIES
    #: padded steps keep the last envelope (see :meth:`dispatch.family.AssetFamily.pad`)
    held_series = ("e_open_max_mwh",)
    state_names = ("e_mwh",)
    state_results = {"e_mwh": "open_mwh"}

    def validate(self, d: AssetData, x: DispatchInputs) -> None:
        super().validate(d, x)
        if "e_mwh" not in d.state:
            self.fail("state.e_mwh", "missing the open energy at the window start")

    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        d = x.assets[self.name]
        b = pyo.Block()
        m.add_component(self.name, b)
        by_bus = units_by_bus(d.units["bus"])
        drop = d.units["drop_cost_eur_per_mwh"].astype(float).to_dict()
        b.UNIT = pyo.Set(initialize=d.names, ordered=True)
        b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
        for name in SHIFTABLE_SERIES:
            array_param(b, name, (b.UNIT, m.T), d.series[name].T)
        array_param(b, "e_initial_mwh", (b.UNIT,), d.state["e_mwh"])
        b.p_mw = pyo.Var(b.UNIT, m.T, bounds=lambda k, u, t: (0.0, k.p_max_mw[u, t]))
        b.e_mwh = pyo.Var(b.UNIT, m.T, bounds=lambda k, u, t: (0.0, k.e_open_max_mwh[u, t]))
        b.dropped_mwh = pyo.Var(b.UNIT, m.T, bounds=(0.0, None))
        dt = x.dt_h
        first = m.T.first()

        def balance(k: pyo.Block, u: str, t: int) -> pyo.Expression:
            before = k.e_initial_mwh[u] if t == first else k.e_mwh[u, m.T.prev(t)]
            served = dt * k.p_mw[u, t] + k.dropped_mwh[u, t]
            return k.e_mwh[u, t] == before + k.release_mwh[u, t] - served

        b.energy_balance = pyo.Constraint(b.UNIT, m.T, rule=balance)
        b.injection_mw = pyo.Expression(
            b.BUS, m.T, rule=lambda k, bus, t: -sum(k.p_mw[u, t] for u in by_bus[bus])
        )
        b.penalty_eur = pyo.Expression(
            expr=sum(drop[u] * b.dropped_mwh[u, t] for u in b.UNIT for t in m.T)
        )
        b.cost_eur = pyo.Expression(expr=b.penalty_eur)
        b.emissions_tco2 = pyo.Expression(expr=0.0)
        return b

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        """Write the series and the open energy at the window start."""
        self.write_series_and_state(blk, x.assets[self.name], {"e_mwh": "e_initial_mwh"})

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        units = list(blk.UNIT)
        n = len(x.time)
        cols = tuple(units)
        return {
            "p_mw": Labelled(cols, var_values(sol, blk.p_mw, units, n)),
            "open_mwh": Labelled(cols, var_values(sol, blk.e_mwh, units, n)),
            "dropped_mwh": Labelled(cols, var_values(sol, blk.dropped_mwh, units, n)),
        }


#: the shiftable-load family
SHIFTABLE_LOAD = ShiftableLoad()
