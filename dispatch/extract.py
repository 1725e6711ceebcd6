"""Model -> DispatchResult: hourly DataFrames (time x asset) from a solved model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.inputs import DispatchInputs


class Solution(Protocol):
    """Where :func:`extract` reads a solved window from."""

    def var_matrix(self, var: Any, units: list[Any], n: int) -> np.ndarray: ...

    def row_values(self, kind: str, con: Any, nodes: list[Any], n: int) -> np.ndarray | None: ...

    def value(self, name: str) -> float: ...


#: charge and discharge both above this [MW] in one step count as simultaneous
SIMULTANEOUS_TOL_MW = 1e-6
#: without unit commitment a conventional unit above this output [MW] counts as on
CONVENTIONAL_ON_TOL_MW = 1e-6


@dataclass(frozen=True)
class DispatchResult:
    """Optimal set-points of one window, indexed by the window's UTC time.

    Attributes
    ----------
    renewable_p_mw, curtailment_p_mw
        Dispatched generation and curtailment against the forecast [MW] per unit.
    storage_charge_p_mw, storage_discharge_p_mw
        Storage powers [MW] per unit, both >= 0.
    storage_e_mwh
        Stored energy at the end of each step [MWh] per unit.
    grid_import_p_mw, grid_export_p_mw
        Planned exchange with the external grid [MW] (one column ``grid``).
    shed_p_mw, overgen_p_mw
        Load shedding and over-generation slacks [MW] per bus.
    system_price_eur_per_mwh
        Price at the slack bus (copperplate: of the single node) [EUR/MWh] (column
        ``system``): the cost of one more MWh of demand there in that step.
    lmp_eur_per_mwh
        Locational marginal price per network node [EUR/MWh]: dual of the node's
        power balance divided by the step length (copperplate: one node ``system``).
    branch_p_mw
        Active power flow per branch (dc) or tree edge (lindistflow) [MW], positive
        from its from/parent bus; empty for the copperplate.
    vm_pu
        Voltage magnitude per network node [pu] (lindistflow: square root of the
        squared-voltage variable); empty for the other network models.
    objective_eur, cost_eur, emissions_tco2
        Objective, cost and emissions of the optimised window [EUR], [EUR], [tCO2];
        NaN once the result is cut to its committed steps (:meth:`head`), since
        the window totals then include steps that are not committed.
    conventional_p_mw
        Output of each conventional unit [MW].
    conventional_on
        On/off state of each conventional unit (1.0/0.0): the commitment binaries
        with unit commitment, otherwise 1.0 where the output is above
        :data:`CONVENTIONAL_ON_TOL_MW`.
    lmef_tco2_per_mwh
        Locational marginal emission factor per network node [tCO2/MWh]: the change
        of the window's emissions per MWh of extra demand at the node in that step,
        ``(dE / dd[n, t]) / dt_h`` at the optimal basis
        (``m.emission_sensitivity``, see
        :meth:`dispatch.solve.PersistentDispatchSolver.basis_sensitivities`); NaN
        unless the solve computed them (``emission_sensitivities=True``).
    system_mef_tco2_per_mwh
        System marginal emission factor [tCO2/MWh] (column ``system``): the LMEF at
        the slack bus (copperplate: of the single node).
    """

    renewable_p_mw: pd.DataFrame
    curtailment_p_mw: pd.DataFrame
    storage_charge_p_mw: pd.DataFrame
    storage_discharge_p_mw: pd.DataFrame
    storage_e_mwh: pd.DataFrame
    grid_import_p_mw: pd.DataFrame
    grid_export_p_mw: pd.DataFrame
    shed_p_mw: pd.DataFrame
    overgen_p_mw: pd.DataFrame
    system_price_eur_per_mwh: pd.DataFrame
    lmp_eur_per_mwh: pd.DataFrame
    branch_p_mw: pd.DataFrame
    vm_pu: pd.DataFrame
    objective_eur: float
    cost_eur: float
    emissions_tco2: float
    conventional_p_mw: pd.DataFrame
    conventional_on: pd.DataFrame
    lmef_tco2_per_mwh: pd.DataFrame
    system_mef_tco2_per_mwh: pd.DataFrame

    def head(self, n: int) -> DispatchResult:
        """The first ``n`` steps (the committed part of a rolling window).

        Window totals are kept only if nothing is cut (``n`` covers every step).
        """
        whole = n >= len(self.renewable_p_mw.index)
        kw = {
            k: (v.iloc[:n] if isinstance(v, pd.DataFrame) else v if whole else float("nan"))
            for k, v in vars(self).items()
        }
        return DispatchResult(**kw)


class ModelSolution:
    """The solution held in a solved Pyomo model: variable values, ``m.dual`` and
    ``m.emission_sensitivity`` (:class:`dispatch.solve.PersistentDispatchSolver`).

    :class:`dispatch.array_solver.ArraySolution` offers the same methods for a
    solution kept as arrays.
    """

    def __init__(self, m: pyo.ConcreteModel) -> None:
        self._m = m

    def var_matrix(self, var: pyo.Var, units: list[Any], n: int) -> np.ndarray:
        """Values of ``var[unit, t]`` (``var[t]`` without ``units``), time x unit
        [var units]."""
        if not units:
            return np.array([var[t].value for t in range(n)], dtype=float)
        values = [var[u, t].value for u in units for t in range(n)]
        return np.array(values, dtype=float).reshape(len(units), n).T

    def row_values(
        self, kind: str, con: pyo.Constraint, nodes: list[Any], n: int
    ) -> np.ndarray | None:
        """``dual`` or ``emission`` sensitivity of ``con[node, t]``, time x node (NaN
        where missing); None without the Suffix."""
        name = "dual" if kind == "dual" else "emission_sensitivity"
        suffix = getattr(self._m, name, None)
        if suffix is None:
            return None
        values = [[suffix.get(con[nd, t], np.nan) for nd in nodes] for t in range(n)]
        return np.array(values, dtype=float).reshape(n, len(nodes))

    def value(self, name: str) -> float:
        """``objective``, ``cost_eur`` or ``emissions_tco2`` at the solution."""
        return float(pyo.value(getattr(self._m, name)))


def _matrix(
    sol: Solution, var: pyo.Var | None, units: list[str], n: int, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """Values of a (unit, t) variable as a time x unit frame."""
    if var is None or not units:
        return pd.DataFrame(index=index, columns=pd.Index([], dtype=object), dtype=float)
    return pd.DataFrame(sol.var_matrix(var, units, n), index=index, columns=units)


def _per_node_mwh(
    m: pyo.ConcreteModel, sol: Solution, kind: str, x: DispatchInputs
) -> pd.DataFrame:
    """Row value ``kind`` of ``m.bus_balance[n, t]`` divided by ``dt_h`` as a time x
    node frame (NaN where missing): a derivative per MW in one step -> per MWh."""
    nodes = list(m.NODE)
    n = len(x.time)
    values = sol.row_values(kind, m.bus_balance, nodes, n)
    if values is None:
        values = np.full((n, len(nodes)), np.nan)
    return pd.DataFrame(values / x.dt_h, index=x.time, columns=nodes, dtype=float)


def _conventional(
    sol: Solution, m: pyo.ConcreteModel, n: int, index: pd.DatetimeIndex
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Output [MW] and on/off state (1.0/0.0) of the conventional units."""
    blk = getattr(m, "conventional", None)
    if blk is None:
        return _matrix(sol, None, [], n, index), _matrix(sol, None, [], n, index)
    units = list(blk.UNIT)
    p_mw = _matrix(sol, blk.p_mw, units, n, index)
    if hasattr(blk, "on"):
        on = _matrix(sol, blk.on, units, n, index).round()
    else:
        on = (p_mw > CONVENTIONAL_ON_TOL_MW).astype(float)
    return p_mw, on


def extract(
    m: pyo.ConcreteModel, x: DispatchInputs, solution: Solution | None = None
) -> DispatchResult:
    """Read the solution of model ``m`` into a :class:`DispatchResult`.

    Parameters
    ----------
    m
        The solved model (its sets name the rows and columns of the result).
    x
        The window's inputs.
    solution
        Where the solution is held; default: in ``m`` itself (:class:`ModelSolution`).
    """
    sol: Solution = ModelSolution(m) if solution is None else solution
    idx = x.time
    n = len(idx)
    ren = list(m.renewables.UNIT)
    sto = list(m.storage.UNIT)
    buses = list(m.loads.BUS)
    p_ren = _matrix(sol, m.renewables.p_mw, ren, n, idx)
    avail = x.renewable_p_mw.reindex(columns=ren)
    series = lambda var, name: pd.DataFrame(  # noqa: E731
        {name: sol.var_matrix(var, [], n)}, index=idx, dtype=float
    )
    nodes = list(m.NODE)
    lmp = _per_node_mwh(m, sol, "dual", x)
    lmef = _per_node_mwh(m, sol, "emission", x)
    net = x.network
    slack = "system" if x.options.network_model == "copperplate" or net is None else net.slack_bus
    branches = list(m.BRANCH) if hasattr(m, "BRANCH") else list(getattr(m, "EDGE", []))
    flows = (
        _matrix(sol, m.p_flow_mw, branches, n, idx) if branches else _matrix(sol, None, [], n, idx)
    )
    vm = (
        np.sqrt(_matrix(sol, m.w_pu, nodes, n, idx).clip(lower=0.0))
        if hasattr(m, "w_pu")
        else _matrix(sol, None, [], n, idx)
    )
    conv_p_mw, conv_on = _conventional(sol, m, n, idx)
    return DispatchResult(
        renewable_p_mw=p_ren,
        curtailment_p_mw=(avail - p_ren).clip(lower=0.0),
        storage_charge_p_mw=_matrix(sol, m.storage.p_charge_mw, sto, n, idx),
        storage_discharge_p_mw=_matrix(sol, m.storage.p_discharge_mw, sto, n, idx),
        storage_e_mwh=_matrix(sol, m.storage.e_mwh, sto, n, idx),
        grid_import_p_mw=series(m.grid.p_import_mw, "grid"),
        grid_export_p_mw=series(m.grid.p_export_mw, "grid"),
        shed_p_mw=_matrix(sol, m.loads.p_shed_mw, buses, n, idx),
        overgen_p_mw=_matrix(sol, m.loads.p_overgen_mw, buses, n, idx),
        system_price_eur_per_mwh=lmp[[slack]].set_axis(["system"], axis=1),
        lmp_eur_per_mwh=lmp,
        branch_p_mw=flows,
        vm_pu=vm,
        objective_eur=sol.value("objective"),
        cost_eur=sol.value("cost_eur"),
        emissions_tco2=sol.value("emissions_tco2"),
        conventional_p_mw=conv_p_mw,
        conventional_on=conv_on,
        lmef_tco2_per_mwh=lmef,
        system_mef_tco2_per_mwh=lmef[[slack]].set_axis(["system"], axis=1),
    )


def simultaneous_storage_steps(
    charge_p_mw: pd.DataFrame, discharge_p_mw: pd.DataFrame, tol_mw: float = SIMULTANEOUS_TOL_MW
) -> pd.DataFrame:
    """Boolean frame: True where a unit charges and discharges in the same step."""
    return (charge_p_mw > tol_mw) & (discharge_p_mw[charge_p_mw.columns] > tol_mw)


def concat_results(parts: list[DispatchResult]) -> DispatchResult:
    """Join the committed parts of consecutive windows into one result."""
    frames = {
        k: pd.concat([getattr(p, k) for p in parts])
        for k, v in vars(parts[0]).items()
        if isinstance(v, pd.DataFrame)
    }
    totals = {
        k: float(sum(getattr(p, k) for p in parts))
        for k in ("objective_eur", "cost_eur", "emissions_tco2")
    }
    return DispatchResult(**frames, **totals)
