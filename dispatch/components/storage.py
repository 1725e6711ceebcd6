"""Batteries: energy balance with efficiencies and standing loss, energy bounds."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.components.block_data import array_param, store_matrix, units_by_bus, var_values
from dispatch.family import _TABLE_CACHE, AssetData, AssetFamily, Labelled

if TYPE_CHECKING:
    from dispatch.extract import Solution
    from dispatch.inputs import DispatchInputs

#: columns of the storage table (powers [MW], energies [MWh], efficiencies [-],
#: standing loss [1/h], wear cost [EUR/MWh])
STORAGE_COLUMNS = (
    "bus",
    "p_max_mw",
    "e_min_mwh",
    "e_max_mwh",
    "e_terminal_min_mwh",
    "eff_charge",
    "eff_discharge",
    "standing_loss_per_h",
    "wear_cost_eur_per_mwh",
)
#: tolerance of the initial energy against its bounds [MWh]
E_INITIAL_TOL_MWH = 1e-6


def build_storage(m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
    r"""Add block ``m.storage`` for all storage units (table :data:`STORAGE_COLUMNS`,
    state ``e_mwh``: the energy at the window start).

    For unit :math:`s` and step :math:`t` (length :math:`\Delta t` [h]), with
    :math:`e_{s,t}` the energy at the *end* of step :math:`t` [MWh]:

    .. math::
        0 \le p^{ch}_{s,t},\ p^{dis}_{s,t} \le \bar p_s

        e_{s,t} = (1 - \sigma_s)^{\Delta t}\, e_{s,t-1}
                  + \Delta t \left(\eta^{ch}_s p^{ch}_{s,t} - p^{dis}_{s,t} / \eta^{dis}_s\right),
        \qquad e_{s,-1} = e^{0}_s

        \underline e_s \le e_{s,t} \le \bar e_s, \qquad e_{s,T-1} \ge e^{end}_s
        \quad \text{(a bound: } e_{s,t} \ge f_{s,t} = \max(\underline e_s, e^{end}_s)
        \text{ at the last step of the window, } \underline e_s \text{ before it)}

        \mathrm{injection}_{b,t} = \sum_{s: b(s)=b} (p^{dis}_{s,t} - p^{ch}_{s,t})

        \mathrm{cost} = \Delta t \sum_{s,t} c^{wear}_s (p^{ch}_{s,t} + p^{dis}_{s,t})

    :math:`\sigma_s` is the standing loss per hour. The initial energy
    ``e_initial_mwh`` and the energy floor ``e_floor_mwh`` :math:`f_{s,t}` (the
    terminal minimum at the window's last step ``x.n_active - 1``) are mutable
    parameters, carried between rolling windows (see :func:`update_storage`).

    Without ``x.options.storage_exact`` simultaneous charging and discharging is
    not excluded by this LP (it pays only when energy has a negative value, e.g.
    negative prices with a full battery); it is detected after the solve (see
    :func:`dispatch.extract.simultaneous_storage_steps`). With
    ``storage_exact`` the block adds binaries ``charging`` :math:`u_{s,t}` (1 while
    charging) and the model becomes a MILP:

    .. math::
        p^{ch}_{s,t} \le \bar p_s\, u_{s,t}, \qquad
        p^{dis}_{s,t} \le \bar p_s\, (1 - u_{s,t}), \qquad u_{s,t} \in \{0, 1\}
    """
    b = pyo.Block()
    m.storage = b
    d = x.assets["storage"]
    st = d.units
    by_bus = units_by_bus(st["bus"])
    b.UNIT = pyo.Set(initialize=list(st.index), ordered=True)
    b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
    col = {c: st[c].astype(float).to_dict() for c in st.columns if c != "bus"}
    array_param(b, "e_initial_mwh", (b.UNIT,), d.state["e_mwh"])
    array_param(b, "e_floor_mwh", (b.UNIT, m.T), energy_floor_mwh(d, len(x.time), x.steps_active))
    p_max = col["p_max_mw"]
    b.p_charge_mw = pyo.Var(b.UNIT, m.T, bounds=lambda blk, s, t: (0.0, p_max[s]))
    b.p_discharge_mw = pyo.Var(b.UNIT, m.T, bounds=lambda blk, s, t: (0.0, p_max[s]))
    b.e_mwh = pyo.Var(
        b.UNIT, m.T, bounds=lambda blk, s, t: (blk.e_floor_mwh[s, t], col["e_max_mwh"][s])
    )
    dt = x.dt_h
    keep = {s: (1.0 - col["standing_loss_per_h"][s]) ** dt for s in st.index}
    first = m.T.first()

    def balance(blk: pyo.Block, s: str, t: int) -> pyo.Expression:
        before = blk.e_initial_mwh[s] if t == first else blk.e_mwh[s, m.T.prev(t)]
        return blk.e_mwh[s, t] == keep[s] * before + dt * (
            col["eff_charge"][s] * blk.p_charge_mw[s, t]
            - blk.p_discharge_mw[s, t] / col["eff_discharge"][s]
        )

    b.energy_balance = pyo.Constraint(b.UNIT, m.T, rule=balance)
    if x.options.storage_exact:
        b.charging = pyo.Var(b.UNIT, m.T, within=pyo.Binary)
        b.charge_only = pyo.Constraint(
            b.UNIT,
            m.T,
            rule=lambda blk, s, t: blk.p_charge_mw[s, t] <= p_max[s] * blk.charging[s, t],
        )
        b.discharge_only = pyo.Constraint(
            b.UNIT,
            m.T,
            rule=lambda blk, s, t: blk.p_discharge_mw[s, t] <= p_max[s] * (1 - blk.charging[s, t]),
        )
    b.injection_mw = pyo.Expression(
        b.BUS,
        m.T,
        rule=lambda blk, bus, t: sum(
            blk.p_discharge_mw[s, t] - blk.p_charge_mw[s, t] for s in by_bus[bus]
        ),
    )
    wear = col["wear_cost_eur_per_mwh"]
    b.cost_eur = pyo.Expression(
        expr=dt
        * sum(wear[s] * (b.p_charge_mw[s, t] + b.p_discharge_mw[s, t]) for s in b.UNIT for t in m.T)
    )
    b.emissions_tco2 = pyo.Expression(expr=0.0)
    return b


def energy_floor_mwh(d: AssetData, n_steps: int, n_active: int) -> np.ndarray:
    """Lower bound of the stored energy [MWh], units x steps: ``e_min_mwh``, and at
    the window's last active step (``n_active - 1``) ``max(e_min_mwh,
    e_terminal_min_mwh)``."""
    st = d.units
    e_min = st["e_min_mwh"].to_numpy(dtype=float)
    e_end = st["e_terminal_min_mwh"].to_numpy(dtype=float)
    floor = np.repeat(e_min[:, None], n_steps, axis=1)
    floor[:, n_active - 1] = np.maximum(e_min, e_end)
    return floor


class Storage(AssetFamily):
    """Batteries (see :func:`build_storage`): table :data:`STORAGE_COLUMNS`, state
    ``e_mwh`` (energy at the window start [MWh]); results ``charge_p_mw``,
    ``discharge_p_mw`` [MW] and ``e_mwh`` (energy at the end of each step [MWh])."""

    name = "storage"
    columns = STORAGE_COLUMNS
    limit_hints = MappingProxyType(
        {
            "e_mwh": "check the storage unit's e_min_mwh, e_max_mwh, e_initial_mwh and "
            "e_terminal_min_mwh (the terminal minimum must be reachable from the energy "
            "at each window's start at p_max_mw within dispatch.horizon_h)",
            "p_charge_mw": "check the storage unit's p_max_mw",
            "p_discharge_mw": "check the storage unit's p_max_mw",
            "energy_balance": "check the storage unit's eff_charge, eff_discharge and "
            "standing_loss_per_h",
            "charging": "check dispatch.storage_exact",
            "charge_only": "check dispatch.storage_exact",
            "discharge_only": "check dispatch.storage_exact",
        }
    )
    state_names = ("e_mwh",)
    #: the terminal energy moves with the window (a bound, not structure)
    mutable_columns = ("e_terminal_min_mwh",)

    def check_table(self, units: pd.DataFrame) -> None:
        super().check_table(units)
        if list(units.columns) != list(STORAGE_COLUMNS):
            self.fail("units", f"columns must be {STORAGE_COLUMNS}")
        for col in ("e_min_mwh", "e_terminal_min_mwh"):
            bad = ~np.isfinite(units[col].to_numpy(dtype=float))
            if bad.any():
                self.fail(col, f"must be finite for {list(units.index[bad])}")

    def validate(self, d: AssetData, x: DispatchInputs) -> None:
        super().validate(d, x)
        if "e_mwh" not in d.state:
            self.fail("state.e_mwh", "missing the energy at the window start")
        st = d.units
        e0 = np.asarray(d.state["e_mwh"], dtype=float)
        if not np.isfinite(e0).all():
            self.fail("state.e_mwh", "contains NaN or infinite values")
        tol = E_INITIAL_TOL_MWH
        low, high = _TABLE_CACHE.get(st, "energy_bounds", _energy_bounds)
        bad = (e0 < low - tol) | (e0 > high + tol)
        if bad.any():
            self.fail("state.e_mwh", f"outside [e_min_mwh, e_max_mwh] for {list(st.index[bad])}")

    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        return build_storage(m, x)

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        """Write the initial energy and the energy floor [MWh]; powers, energy
        bounds, efficiencies, standing loss and wear cost are fixed when the block
        is built.

        Raises
        ------
        DispatchInputError
            If ``x`` has other storage units than the built block.
        """
        d = x.assets[self.name]
        if list(blk.UNIT) != d.names:
            self.fail("units", "units differ from the built model's; rebuild the model")
        if not d.names:
            return
        store_matrix(blk.e_initial_mwh, d.state["e_mwh"])
        store_matrix(blk.e_floor_mwh, energy_floor_mwh(d, len(x.time), x.steps_active))

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        units = list(blk.UNIT)
        n = len(x.time)
        cols = tuple(units)
        return {
            "charge_p_mw": Labelled(cols, var_values(sol, blk.p_charge_mw, units, n)),
            "discharge_p_mw": Labelled(cols, var_values(sol, blk.p_discharge_mw, units, n)),
            "e_mwh": Labelled(cols, var_values(sol, blk.e_mwh, units, n)),
        }

    def state_after(
        self, d: AssetData, committed: Mapping[str, Labelled], dt_h: float
    ) -> dict[str, np.ndarray]:
        """The stored energy at the end of the last committed step [MWh]."""
        e = committed["e_mwh"].values
        return {"e_mwh": e[-1].copy()} if e.shape[1] else {}


def _energy_bounds(units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return units["e_min_mwh"].to_numpy(dtype=float), units["e_max_mwh"].to_numpy(dtype=float)


#: the storage family
STORAGE = Storage()
