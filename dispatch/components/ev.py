"""EV charging stations: the energy of the vehicles plugged in, between arrival
and departure envelopes, charged and (V2G) discharged by the dispatch.

A unit is one station (or one session with per-session modelling): the vehicles it
holds are summed into time series of the window, built by :mod:`sim.ev_envelopes`;
this block only sees arrays, so one model serves a single session exactly and an
aggregated fleet as a relaxation.
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

#: columns of the unit table: bus, charging and discharging efficiency [-], V2G wear
#: cost per MWh discharged [EUR/MWh], cost of energy missing at departure [EUR/MWh]
EV_COLUMNS = (
    "bus",
    "eff_charge",
    "eff_discharge",
    "wear_cost_eur_per_mwh",
    "shortfall_cost_eur_per_mwh",
)

#: series of a window, each (steps, units): charging and discharging power limits of
#: the vehicles plugged in [MW]; the lower and upper envelope of the energy the
#: vehicles still plugged in at the end of the step have stored since their model
#: arrival, and of the energy so stored that the vehicles leaving then take away
#: [MWh]; fixed (uncontrolled) charging [MW]
EV_SERIES = (
    "p_charge_max_mw",
    "p_discharge_max_mw",
    "e_min_mwh",
    "e_max_mwh",
    "e_leave_min_mwh",
    "e_leave_max_mwh",
    "p_fixed_mw",
)
#: tie-break between equally cheap hours [EUR/MWh per step of the window]: charging
#: earlier costs this much less, so an aggregate charges the vehicles leaving first
#: while they are plugged in (far below any price difference that matters)
EARLY_EUR_PER_MWH_STEP = 1e-4
#: series that must not be negative (lower envelopes may be: V2G below arrival)
EV_NONNEGATIVE = (
    "p_charge_max_mw",
    "p_discharge_max_mw",
    "e_max_mwh",
    "e_leave_max_mwh",
    "p_fixed_mw",
)


class EVCharging(AssetFamily):
    r"""EV charging stations: block ``m.ev``.

    For unit :math:`u` and step :math:`t` (length :math:`\Delta t` [h]), with
    :math:`e_{u,t}` the net energy the vehicles plugged in at the *end* of step
    :math:`t` (after those leaving then have left) have stored since their model
    arrival [MWh] and :math:`z_{u,t}` the energy so stored that the vehicles leaving
    at the end of step :math:`t` take away:

    .. math::
        0 \le c_{u,t} \le \bar c_{u,t}, \qquad 0 \le d_{u,t} \le \bar d_{u,t}

        e_{u,t} = e_{u,t-1} + \Delta t\,(\eta^{c}_u c_{u,t} - d_{u,t}/\eta^{d}_u) - z_{u,t}
                  + s_{u,t}, \qquad e_{u,-1} = e^0_u

        \underline e_{u,t} \le e_{u,t} \le \bar e_{u,t}, \qquad
        \underline z_{u,t} \le z_{u,t} \le \bar z_{u,t}, \qquad s_{u,t} \ge 0

        \mathrm{injection}_{b,t} = \sum_{u: b(u)=b} (d_{u,t} - c_{u,t} - f_{u,t})

        \mathrm{cost} = \sum_{u,t} \left(\Delta t\, w_u d_{u,t} + \pi_u s_{u,t}
            + \Delta t\, \epsilon\, t\, c_{u,t}\right)

    The envelopes are the sums of the sessions' own (:mod:`sim.ev_envelopes`): the
    lower ones what the vehicles must have stored to reach their targets in time (or
    to keep their minimum state of charge; at least nothing without V2G) and take
    away at departure, the upper ones what they can have stored at most; :math:`s`
    is energy the vehicles lack (a slack that keeps the model feasible whatever the
    network allows), paid once at the unit's shortfall cost :math:`\pi_u` per MWh
    (the envelopes are feasible by construction, so it is 0 unless network limits
    forbid the charging).
    :math:`f` is charging the dispatch cannot change (``p_fixed_mw``: uncontrolled
    charging); :math:`w_u` the wear cost per MWh discharged; :math:`\epsilon`
    (:data:`EARLY_EUR_PER_MWH_STEP`) breaks ties between equally cheap hours towards
    the earlier ones. The shortfall term is
    also the block's ``penalty_eur``. Every series is a mutable parameter, so the
    block is built once and updated per window. The energy at the window start
    ``e_mwh`` is the state carried between windows. With one session per unit the
    model is exact; with a station's sessions summed it is a relaxation (see
    :func:`sim.ev_envelopes.disaggregate`). Results: ``charge_p_mw``,
    ``discharge_p_mw``, ``fixed_p_mw`` [MW], ``e_mwh`` and ``shortfall_mwh`` [MWh]
    per unit.
    """

    name = "ev"
    limit_hints = MappingProxyType(
        {
            "charge_p_mw": "check the fleet's p_charge_mw and the sessions' arrival and departure",
            "discharge_p_mw": "check the fleet's p_charge_mw, mode and v2g_share",
            "e_mwh": "check the fleet's e_battery_mwh, soc_arrive and soc_min",
            "energy_balance": "check the fleet's eff_charge, eff_discharge and sessions' energy",
        }
    )
    columns = EV_COLUMNS
    series_names = EV_SERIES
    nonnegative_series = EV_NONNEGATIVE
    #: padded steps keep these (see :meth:`dispatch.family.AssetFamily.pad`)
    held_series = ("e_min_mwh", "e_max_mwh")
    state_names = ("e_mwh",)
    state_results = {"e_mwh": "e_mwh"}

    def check_table(self, units: pd.DataFrame) -> None:
        super().check_table(units)
        eff = units[["eff_charge", "eff_discharge"]].to_numpy(dtype=float)
        if not ((eff > 0) & (eff <= 1)).all():
            self.fail("units", "eff_charge and eff_discharge must lie in (0, 1]")
        cost = units[["wear_cost_eur_per_mwh", "shortfall_cost_eur_per_mwh"]].to_numpy(dtype=float)
        if not np.isfinite(cost).all() or (cost < 0).any():
            self.fail("units", "wear and shortfall costs must be finite and >= 0")

    def validate(self, d: AssetData, x: DispatchInputs) -> None:
        super().validate(d, x)
        if "e_mwh" not in d.state:
            self.fail("state.e_mwh", "missing the energy at the window start")
        if (d.series["e_min_mwh"] > d.series["e_max_mwh"] + 1e-9).any():
            self.fail("e_min_mwh", "above e_max_mwh")

    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        d = x.assets[self.name]
        b = pyo.Block()
        m.add_component(self.name, b)
        by_bus = units_by_bus(d.units["bus"])
        col = {c: d.units[c].astype(float).to_dict() for c in EV_COLUMNS[1:]}
        b.UNIT = pyo.Set(initialize=d.names, ordered=True)
        b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
        for name in EV_SERIES:
            array_param(b, name, (b.UNIT, m.T), d.series[name].T)
        array_param(b, "e_initial_mwh", (b.UNIT,), d.state["e_mwh"])
        b.charge_p_mw = pyo.Var(b.UNIT, m.T, bounds=lambda k, u, t: (0.0, k.p_charge_max_mw[u, t]))
        b.discharge_p_mw = pyo.Var(
            b.UNIT, m.T, bounds=lambda k, u, t: (0.0, k.p_discharge_max_mw[u, t])
        )
        b.e_mwh = pyo.Var(
            b.UNIT, m.T, bounds=lambda k, u, t: (k.e_min_mwh[u, t], k.e_max_mwh[u, t])
        )
        b.leave_mwh = pyo.Var(
            b.UNIT, m.T, bounds=lambda k, u, t: (k.e_leave_min_mwh[u, t], k.e_leave_max_mwh[u, t])
        )
        b.shortfall_mwh = pyo.Var(b.UNIT, m.T, bounds=(0.0, None))
        dt = x.dt_h
        first = m.T.first()

        def balance(k: pyo.Block, u: str, t: int) -> pyo.Expression:
            before = k.e_initial_mwh[u] if t == first else k.e_mwh[u, m.T.prev(t)]
            flow = col["eff_charge"][u] * k.charge_p_mw[u, t] - (
                k.discharge_p_mw[u, t] / col["eff_discharge"][u]
            )
            return k.e_mwh[u, t] == before + dt * flow - k.leave_mwh[u, t] + k.shortfall_mwh[u, t]

        b.energy_balance = pyo.Constraint(b.UNIT, m.T, rule=balance)

        b.injection_mw = pyo.Expression(
            b.BUS,
            m.T,
            rule=lambda k, bus, t: sum(
                k.discharge_p_mw[u, t] - k.charge_p_mw[u, t] - k.p_fixed_mw[u, t]
                for u in by_bus[bus]
            ),
        )
        wear, short = col["wear_cost_eur_per_mwh"], col["shortfall_cost_eur_per_mwh"]
        b.penalty_eur = pyo.Expression(
            expr=sum(short[u] * b.shortfall_mwh[u, t] for u in b.UNIT for t in m.T)
        )
        early = EARLY_EUR_PER_MWH_STEP
        b.cost_eur = pyo.Expression(
            expr=sum(
                dt * (wear[u] * b.discharge_p_mw[u, t] + early * t * b.charge_p_mw[u, t])
                for u in b.UNIT
                for t in m.T
            )
            + b.penalty_eur
        )
        b.emissions_tco2 = pyo.Expression(expr=0.0)
        return b

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        """Write every series and the energy at the window start."""
        self.write_series_and_state(blk, x.assets[self.name], {"e_mwh": "e_initial_mwh"})

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        units = list(blk.UNIT)
        n = len(x.time)
        cols = tuple(units)
        fixed = x.assets[self.name].series["p_fixed_mw"][:n]
        return {
            "charge_p_mw": Labelled(cols, var_values(sol, blk.charge_p_mw, units, n)),
            "discharge_p_mw": Labelled(cols, var_values(sol, blk.discharge_p_mw, units, n)),
            "fixed_p_mw": Labelled(cols, np.array(fixed, dtype=float)),
            "e_mwh": Labelled(cols, var_values(sol, blk.e_mwh, units, n)),
            "shortfall_mwh": Labelled(cols, var_values(sol, blk.shortfall_mwh, units, n)),
        }


#: the EV-charging family
EV = EVCharging()
