"""Batteries: energy balance with efficiencies and standing loss, energy bounds."""

from __future__ import annotations

import math

import pyomo.environ as pyo

from dispatch.components._indexing import store_param, units_by_bus
from dispatch.inputs import DispatchInputError, DispatchInputs


def build_storage(m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
    r"""Add block ``m.storage`` for all storage units.

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
    st = x.storage
    by_bus = units_by_bus(st["bus"])
    b.UNIT = pyo.Set(initialize=list(st.index), ordered=True)
    b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
    col = {c: st[c].astype(float).to_dict() for c in st.columns if c != "bus"}
    b.e_initial_mwh = pyo.Param(
        b.UNIT,
        mutable=True,
        within=pyo.Reals,
        initialize=x.storage_e_initial_mwh.astype(float).to_dict(),
    )
    b.e_floor_mwh = pyo.Param(
        b.UNIT, m.T, mutable=True, within=pyo.Reals, initialize=energy_floor_mwh(x)
    )
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


def energy_floor_mwh(x: DispatchInputs) -> dict[tuple[str, int], float]:
    """Lower bound of the stored energy ``{(unit, t): f}`` [MWh]: ``e_min_mwh``, and
    at the window's last step (``x.n_active - 1``) also ``e_terminal_min_mwh``.

    Raises
    ------
    DispatchInputError
        If either is not finite.
    """
    st = x.storage
    last = x.steps_active - 1
    floor = {}
    for s, e_min, e_end in zip(st.index, st["e_min_mwh"], st["e_terminal_min_mwh"], strict=True):
        if not (math.isfinite(e_min) and math.isfinite(e_end)):
            raise DispatchInputError(
                f"storage {s!r}: e_min_mwh ({e_min}) and e_terminal_min_mwh ({e_end}) "
                "must be finite"
            )
        for t in range(len(x.time)):
            floor[(str(s), t)] = float(max(e_min, e_end) if t == last else e_min)
    return floor


def update_storage(blk: pyo.Block, x: DispatchInputs) -> None:
    """Write the initial energy and the energy floor [MWh] of window ``x`` into
    ``m.storage``.

    Powers, energy bounds, efficiencies, standing loss and wear cost are fixed when
    the block is built.

    Raises
    ------
    DispatchInputError
        If ``x`` has other storage units than the built block.
    """
    units = list(blk.UNIT)
    if len(x.storage.index) != len(units) or set(x.storage.index) != set(units):
        raise DispatchInputError(
            f"storage: units {sorted(map(str, x.storage.index))[:5]} differ from the built "
            f"model's {sorted(map(str, units))[:5]}; rebuild the model"
        )
    e0 = x.storage_e_initial_mwh.reindex(units).astype(float)
    store_param(blk.e_initial_mwh, e0.to_dict())
    store_param(blk.e_floor_mwh, energy_floor_mwh(x))
