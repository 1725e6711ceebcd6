"""Thermal buildings heated by a heat pump: a one-node RC model with a comfort band.

The worked model of ``docs/buildings.md``: the indoor temperature follows the
exact solution of the RC equation over each step for step-constant inputs, so a
free-floating building decays exactly like :math:`e^{-t/RC}` towards the outdoor
temperature.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.components.block_data import array_param, units_by_bus, var_values
from dispatch.family import AssetData, AssetFamily, Labelled

if TYPE_CHECKING:
    from dispatch.extract import Solution
    from dispatch.inputs import DispatchInputs

#: columns of the unit table: bus, thermal resistance to outside [K/MW], thermal
#: capacitance [MWh/K], heat-pump electric power limit [MW], comfort band [degC],
#: penalty per degree-hour outside the band [EUR/(K h)], and for a two-node model
#: the resistance between the air and the building mass [K/MW] and the mass's
#: capacitance [MWh/K] (both 0: one node)
BUILDING_COLUMNS = (
    "bus",
    "r_k_per_mw",
    "c_mwh_per_k",
    "p_max_mw",
    "t_min_c",
    "t_max_c",
    "discomfort_cost_eur_per_kh",
    "r_mass_k_per_mw",
    "c_mass_mwh_per_k",
)
#: series of a window, each (steps, units): outdoor temperature [degC], heat gains
#: (internal and solar) [MW], the heat pump's coefficient of performance [-]
BUILDING_SERIES = ("t_out_c", "gains_mw", "cop")


def step_matrices(units: pd.DataFrame, dt_h: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact step of every building's thermal model for step-constant inputs:
    ``Phi`` (units x 2 x 2) and ``Gamma`` (units x 2 x 2) with
    ``[theta_air, theta_mass]_t = Phi [theta_air, theta_mass]_{t-1} + Gamma [theta_out, Q]_t``.

    Two nodes: ``C_a theta_a' = (theta_out - theta_a) / R + (theta_m - theta_a) / R_m + Q``
    and ``C_m theta_m' = (theta_a - theta_m) / R_m``; ``Phi = expm(A dt)``,
    ``Gamma = A^-1 (Phi - I) B``. One node (``c_mass_mwh_per_k`` 0): the mass row is
    the identity (an unused node that keeps its value).
    """
    from scipy.linalg import expm

    n = len(units.index)
    phi, gamma = np.zeros((n, 2, 2)), np.zeros((n, 2, 2))
    r = units["r_k_per_mw"].to_numpy(dtype=float)
    c = units["c_mwh_per_k"].to_numpy(dtype=float)
    rm = units["r_mass_k_per_mw"].to_numpy(dtype=float)
    cm = units["c_mass_mwh_per_k"].to_numpy(dtype=float)
    for i in range(n):
        if cm[i] > 0:
            a = np.array(
                [
                    [-1 / (r[i] * c[i]) - 1 / (rm[i] * c[i]), 1 / (rm[i] * c[i])],
                    [1 / (rm[i] * cm[i]), -1 / (rm[i] * cm[i])],
                ]
            )
            b = np.array([[1 / (r[i] * c[i]), 1 / c[i]], [0.0, 0.0]])
            phi[i] = expm(a * dt_h)
            gamma[i] = np.linalg.solve(a, (phi[i] - np.eye(2)) @ b)
        else:
            decay = np.exp(-dt_h / (r[i] * c[i]))
            phi[i] = [[decay, 0.0], [0.0, 1.0]]
            gamma[i] = [[1 - decay, (1 - decay) * r[i]], [0.0, 0.0]]
    return phi, gamma


class Building(AssetFamily):
    r"""Heat-pump buildings: block ``m.building``.

    For building :math:`u` with resistance :math:`R_u` [K/MW], capacitance
    :math:`C_u` [MWh/K], :math:`a_u = e^{-\Delta t / (R_u C_u)}`, electric power
    :math:`p_{u,t} \in [0, \bar p_u]` [MW], coefficient of performance
    :math:`\mathrm{COP}_{u,t}`, gains :math:`g_{u,t}` [MW] and outdoor temperature
    :math:`\theta^{out}_{u,t}`, the indoor temperature at the end of step :math:`t`:

    .. math::
        \theta_{u,t} = a_u \theta_{u,t-1} + (1 - a_u)\left(\theta^{out}_{u,t}
            + R_u (\mathrm{COP}_{u,t}\, p_{u,t} + g_{u,t})\right),
            \qquad \theta_{u,-1} = \theta^0_u

        \theta_{u,t} + l_{u,t} \ge \underline\theta_u, \qquad
        \theta_{u,t} - h_{u,t} \le \bar\theta_u, \qquad l_{u,t}, h_{u,t} \ge 0

        \mathrm{injection}_{b,t} = -\sum_{u: b(u)=b} p_{u,t}, \qquad
        \mathrm{cost} = \Delta t \sum_{u,t} \kappa_u (l_{u,t} + h_{u,t})

    (the exact step of :math:`C\,\dot\theta = (\theta^{out} - \theta)/R + Q` for
    step-constant inputs; a two-node building adds the mass node of
    :func:`step_matrices` and both temperatures follow its exact step). The
    degree-hours outside the band cost :math:`\kappa_u` [EUR/(K h)] (the block's
    ``penalty_eur``), so a band that cannot be held is a reported violation, not an
    infeasible model. The indoor temperature at the window start ``t_c`` (and the
    mass's ``t_mass_c``) is the state carried between windows; outdoor temperature,
    gains
    and COP are mutable parameters. Results: ``p_mw``, ``heat_mw`` (heat delivered,
    COP times power), ``t_c`` and ``discomfort_k`` (degrees outside the band).
    """

    name = "building"
    limit_hints = MappingProxyType(
        {
            "p_mw": "check the building's p_max_mw (heat-pump power)",
            "thermal": "check the building's r_k_per_mw, c_mwh_per_k, t_initial_c and gains",
            "thermal_mass": "check the building's r_mass_k_per_mw and c_mass_mwh_per_k",
            "band_low": "check the building's t_min_c",
            "band_high": "check the building's t_max_c",
        }
    )
    columns = BUILDING_COLUMNS
    series_names = BUILDING_SERIES
    nonnegative_series = ("gains_mw", "cop")
    #: padded steps keep these (see :meth:`dispatch.family.AssetFamily.pad`)
    held_series = ("t_out_c", "cop")
    state_names = ("t_c", "t_mass_c")
    state_results = {"t_c": "t_c", "t_mass_c": "t_mass_c"}

    def check_table(self, units: pd.DataFrame) -> None:
        super().check_table(units)
        num = units[list(BUILDING_COLUMNS[1:])].to_numpy(dtype=float)
        if not np.isfinite(num).all():
            self.fail("units", "parameters must be finite")
        if (units[["r_k_per_mw", "c_mwh_per_k"]].to_numpy(dtype=float) <= 0).any():
            self.fail("units", "r_k_per_mw and c_mwh_per_k must be > 0")
        mass = units[["r_mass_k_per_mw", "c_mass_mwh_per_k"]].to_numpy(dtype=float)
        if ((mass[:, 1] > 0) & (mass[:, 0] <= 0)).any() or (mass < 0).any():
            self.fail("units", "a two-node building needs r_mass_k_per_mw > 0")
        if (units["t_min_c"] > units["t_max_c"]).any():
            self.fail("units", "t_min_c above t_max_c")

    def validate(self, d: AssetData, x: DispatchInputs) -> None:
        super().validate(d, x)
        for state in self.state_names:
            if state not in d.state:
                self.fail(f"state.{state}", "missing a temperature at the window start")

    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        d = x.assets[self.name]
        b = pyo.Block()
        m.add_component(self.name, b)
        by_bus = units_by_bus(d.units["bus"])
        col = {c: d.units[c].astype(float).to_dict() for c in BUILDING_COLUMNS[1:]}
        phi, gamma = step_matrices(d.units, x.dt_h)
        at = {u: i for i, u in enumerate(d.names)}
        b.UNIT = pyo.Set(initialize=d.names, ordered=True)
        b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
        for name in BUILDING_SERIES:
            array_param(b, name, (b.UNIT, m.T), d.series[name].T)
        array_param(b, "t_initial_c", (b.UNIT,), d.state["t_c"])
        array_param(b, "t_mass_initial_c", (b.UNIT,), d.state["t_mass_c"])
        b.p_mw = pyo.Var(b.UNIT, m.T, bounds=lambda k, u, t: (0.0, col["p_max_mw"][u]))
        b.t_c = pyo.Var(b.UNIT, m.T)
        b.t_mass_c = pyo.Var(b.UNIT, m.T)
        b.below_k = pyo.Var(b.UNIT, m.T, bounds=(0.0, None))
        b.above_k = pyo.Var(b.UNIT, m.T, bounds=(0.0, None))
        first = m.T.first()

        def step(k: pyo.Block, u: str, t: int, node: int) -> pyo.Expression:
            if t == first:
                air, mass = k.t_initial_c[u], k.t_mass_initial_c[u]
            else:
                air, mass = k.t_c[u, m.T.prev(t)], k.t_mass_c[u, m.T.prev(t)]
            f, g = phi[at[u]][node], gamma[at[u]][node]
            heat = k.cop[u, t] * k.p_mw[u, t] + k.gains_mw[u, t]
            now = k.t_c[u, t] if node == 0 else k.t_mass_c[u, t]
            return now == f[0] * air + f[1] * mass + g[0] * k.t_out_c[u, t] + g[1] * heat

        b.thermal = pyo.Constraint(b.UNIT, m.T, rule=lambda k, u, t: step(k, u, t, 0))
        b.thermal_mass = pyo.Constraint(b.UNIT, m.T, rule=lambda k, u, t: step(k, u, t, 1))
        b.band_low = pyo.Constraint(
            b.UNIT, m.T, rule=lambda k, u, t: k.t_c[u, t] + k.below_k[u, t] >= col["t_min_c"][u]
        )
        b.band_high = pyo.Constraint(
            b.UNIT, m.T, rule=lambda k, u, t: k.t_c[u, t] - k.above_k[u, t] <= col["t_max_c"][u]
        )
        b.injection_mw = pyo.Expression(
            b.BUS, m.T, rule=lambda k, bus, t: -sum(k.p_mw[u, t] for u in by_bus[bus])
        )
        kappa = col["discomfort_cost_eur_per_kh"]
        dt = x.dt_h
        b.penalty_eur = pyo.Expression(
            expr=dt
            * sum(kappa[u] * (b.below_k[u, t] + b.above_k[u, t]) for u in b.UNIT for t in m.T)
        )
        b.cost_eur = pyo.Expression(expr=b.penalty_eur)
        b.emissions_tco2 = pyo.Expression(expr=0.0)
        return b

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        """Write the series and the indoor temperature at the window start."""
        states = {"t_c": "t_initial_c", "t_mass_c": "t_mass_initial_c"}
        self.write_series_and_state(blk, x.assets[self.name], states)

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        units = list(blk.UNIT)
        n = len(x.time)
        cols = tuple(units)
        p = var_values(sol, blk.p_mw, units, n)
        cop = np.asarray(x.assets[self.name].series["cop"][:n], dtype=float)
        below = var_values(sol, blk.below_k, units, n)
        above = var_values(sol, blk.above_k, units, n)
        return {
            "p_mw": Labelled(cols, p),
            "heat_mw": Labelled(cols, p * cop),
            "t_c": Labelled(cols, var_values(sol, blk.t_c, units, n)),
            "t_mass_c": Labelled(cols, var_values(sol, blk.t_mass_c, units, n)),
            "discomfort_k": Labelled(cols, below + above),
        }


#: the building family
BUILDING = Building()
