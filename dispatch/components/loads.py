"""Fixed demand with load-shedding and over-generation slacks at every bus."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.components.block_data import array_param, store_matrix
from dispatch.family import _TABLE_CACHE, AssetData, AssetFamily, Labelled

if TYPE_CHECKING:
    from dispatch.extract import Solution
    from dispatch.inputs import DispatchInputs


def bus_sum(values: np.ndarray, cols: np.ndarray, n_buses: int) -> np.ndarray:
    """Sum per bus of a steps x units array: steps x buses [units of ``values``],
    unit ``j`` going to bus column ``cols[j]``."""
    out = np.zeros((values.shape[0], n_buses))
    if values.shape[1]:
        np.add.at(out.T, cols, values.T)
    return out


def bus_columns(d: AssetData, buses: list[str]) -> np.ndarray:
    """Position in ``buses`` of every unit's bus (computed once per table and buses)."""

    def make(units: pd.DataFrame) -> np.ndarray:
        where = {b: i for i, b in enumerate(buses)}
        return np.array([where[str(b)] for b in d.bus], dtype=int)

    return _TABLE_CACHE.get(d.units, f"bus_columns:{hash(tuple(buses))}", make)


class Loads(AssetFamily):
    r"""Demand per bus and its slacks: block ``m.loads``.

    Units are loads at buses, with series ``p_mw`` (forecast demand [MW]) and
    optionally ``q_mvar`` (reactive demand [Mvar], for ``lindistflow``). The block
    has a row for every bus of the window (:attr:`DispatchInputs.buses`). For bus
    :math:`b` and step :math:`t`, with demand :math:`d_{b,t}` [MW] summed over its loads:

    .. math::
        0 \le s^{shed}_{b,t} \le d_{b,t}, \qquad s^{over}_{b,t} \ge 0

        \mathrm{injection}_{b,t} = -d_{b,t} + s^{shed}_{b,t} - s^{over}_{b,t}

        \mathrm{cost} = \Delta t \sum_{b,t} (c^{VOLL} s^{shed}_{b,t}
                        + c^{over} s^{over}_{b,t})

    Both slacks are reported (``shed_p_mw``, ``overgen_p_mw`` per bus); their high
    costs make them a last resort, and they keep their full weight in the
    ``min_emissions`` objective (``penalty_eur``).
    """

    name = "loads"
    series_names = ("p_mw",)
    optional_series = ("q_mvar",)
    nonnegative_series = ("p_mw",)

    def reactive_demand_mvar(self, d: AssetData) -> np.ndarray | None:
        return d.series.get("q_mvar")

    def demand_mw(self, x: DispatchInputs, buses: list[str]) -> np.ndarray:
        """Demand per bus [MW], steps x ``buses``."""
        d = x.assets[self.name]
        return bus_sum(d.series["p_mw"], bus_columns(d, buses), len(buses))

    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        b = pyo.Block()
        m.add_component(self.name, b)
        buses = x.buses
        b.BUS = pyo.Set(initialize=buses, ordered=True)
        array_param(b, "demand_mw", (b.BUS, m.T), self.demand_mw(x, buses).T)
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
        b.penalty_eur = pyo.Expression(expr=b.cost_eur)
        b.emissions_tco2 = pyo.Expression(expr=0.0)
        return b

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        """Write the demand [MW] (and with it the bound of ``p_shed_mw``); the
        buses and slack costs are fixed when the block is built.

        Raises
        ------
        DispatchInputError
            If ``x`` has other buses or another number of steps than the block.
        """
        buses = list(blk.BUS)
        if buses != x.buses:
            self.fail("units", "buses differ from the built model's; rebuild the model")
        store_matrix(blk.demand_mw, self.demand_mw(x, buses).T)

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        buses = list(blk.BUS)
        n = len(x.time)
        return {
            "shed_p_mw": Labelled(tuple(buses), sol.var_matrix(blk.p_shed_mw, buses, n)),
            "overgen_p_mw": Labelled(tuple(buses), sol.var_matrix(blk.p_overgen_mw, buses, n)),
        }


#: the loads family
LOADS = Loads()
