"""Model -> DispatchResult: arrays (steps x asset) from a solved model, per family."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.builtin_views import ResultViews
from dispatch.components.block_data import var_values
from dispatch.family import Labelled
from dispatch.inputs import DispatchInputs


class Solution(Protocol):
    """Where :func:`extract` reads a solved window from."""

    def var_matrix(self, var: Any, units: list[Any], n: int) -> np.ndarray: ...

    def row_values(self, kind: str, con: Any, nodes: list[Any], n: int) -> np.ndarray | None: ...

    def value(self, name: str) -> float: ...


#: charge and discharge both above this [MW] in one step count as simultaneous
SIMULTANEOUS_TOL_MW = 1e-6

#: system-wide quantities of every result (besides the families'), see DispatchResult
SYSTEM_QUANTITIES = (
    "system_price_eur_per_mwh",
    "lmp_eur_per_mwh",
    "branch_p_mw",
    "vm_pu",
    "lmef_tco2_per_mwh",
    "system_mef_tco2_per_mwh",
)


@dataclass(frozen=True)
class DispatchResult(ResultViews):
    """Optimal set-points of one window (or of a rolling run), as arrays.

    Attributes
    ----------
    time
        The steps of the result (UTC interval starts).
    assets
        Per family (by name) its results by quantity, each a
        :class:`dispatch.family.Labelled` array (steps x columns): e.g.
        ``assets["storage"]["e_mwh"]`` (see each family's docstring).
        :meth:`frame` gives one as a DataFrame.
    system
        The network's results by name (:data:`SYSTEM_QUANTITIES`):

        ``system_price_eur_per_mwh``
            Price at the slack bus (copperplate: of the single node) [EUR/MWh]
            (column ``system``): the cost of one more MWh of demand there.
        ``lmp_eur_per_mwh``
            Locational marginal price per network node [EUR/MWh]: dual of the
            node's power balance divided by the step length (copperplate: one node
            ``system``).
        ``branch_p_mw``
            Active power flow per branch (dc) or tree edge (lindistflow) [MW],
            positive from its from/parent bus; no columns for the copperplate.
        ``vm_pu``
            Voltage magnitude per network node [pu] (lindistflow: square root of
            the squared-voltage variable); no columns for the other models.
        ``lmef_tco2_per_mwh``
            Locational marginal emission factor per node [tCO2/MWh]: the change
            of the window's emissions per MWh of extra demand at the node,
            ``(dE / dd[n, t]) / dt_h`` at the optimal basis; NaN unless the solve
            computed them (``emission_sensitivities=True``).
        ``system_mef_tco2_per_mwh``
            System marginal emission factor [tCO2/MWh] (column ``system``): the
            LMEF at the slack bus.
    objective_eur, cost_eur, emissions_tco2
        Objective, cost and emissions of the optimised window [EUR], [EUR], [tCO2];
        NaN once the result is cut to its committed steps (:meth:`head`), since
        the window totals then include steps that are not committed.
    """

    time: pd.DatetimeIndex
    assets: Mapping[str, Mapping[str, Labelled]]
    system: Mapping[str, Labelled]
    objective_eur: float
    cost_eur: float
    emissions_tco2: float

    def frame(self, family: str, quantity: str) -> pd.DataFrame:
        """Result ``quantity`` of ``family`` as a DataFrame (time x columns); a
        family without that quantity gives one without columns."""
        found = self.assets.get(family, {}).get(quantity)
        if found is None:
            return Labelled((), np.zeros((len(self.time), 0))).frame(self.time)
        return found.frame(self.time)

    def system_frame(self, name: str) -> pd.DataFrame:
        """System result ``name`` (:data:`SYSTEM_QUANTITIES`) as a DataFrame."""
        return self.system[name].frame(self.time)

    def head(self, n: int, n_active: int | None = None) -> DispatchResult:
        """The first ``n`` steps (the committed part of a rolling window).

        Window totals are kept only if nothing is cut: ``n`` covers every step, or
        the ``n_active`` steps of a padded window (whose totals leave the padding out).
        """
        whole = n >= (len(self.time) if n_active is None else n_active)
        nan = float("nan")
        return DispatchResult(
            time=self.time[:n],
            assets={f: {q: v.head(n) for q, v in r.items()} for f, r in self.assets.items()},
            system={k: v.head(n) for k, v in self.system.items()},
            objective_eur=self.objective_eur if whole else nan,
            cost_eur=self.cost_eur if whole else nan,
            emissions_tco2=self.emissions_tco2 if whole else nan,
        )


class ModelSolution:
    """The solution held in a solved Pyomo model: variable values, ``m.dual`` and
    ``m.emission_sensitivity`` (:class:`dispatch.solve.PersistentDispatchSolver`).

    :class:`dispatch.array_solution.ArraySolution` offers the same methods for a
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


def _per_node_mwh(m: pyo.ConcreteModel, sol: Solution, kind: str, x: DispatchInputs) -> Labelled:
    """Row value ``kind`` of ``m.bus_balance[n, t]`` divided by ``dt_h`` (steps x
    nodes, NaN where missing): a derivative per MW in one step -> per MWh."""
    nodes = list(m.NODE)
    n = len(x.time)
    values = sol.row_values(kind, m.bus_balance, nodes, n)
    if values is None:
        values = np.full((n, len(nodes)), np.nan)
    return Labelled(tuple(nodes), values / x.dt_h)


def extract(
    m: pyo.ConcreteModel, x: DispatchInputs, solution: Solution | None = None
) -> DispatchResult:
    """Read the solution of model ``m`` into a :class:`DispatchResult` of arrays.

    Every family reads its block (:meth:`dispatch.family.AssetFamily.extract`);
    the network results are read here.

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
    n = len(x.time)
    assets = {k: d.family.extract(m.component(k), sol, x) for k, d in x.assets.items()}
    lmp = _per_node_mwh(m, sol, "dual", x)
    lmef = _per_node_mwh(m, sol, "emission", x)
    net = x.network
    slack = "system" if x.options.network_model == "copperplate" or net is None else net.slack_bus
    at = lmp.columns.index(slack)
    branches = list(m.BRANCH) if hasattr(m, "BRANCH") else list(getattr(m, "EDGE", []))
    flows = var_values(sol, m.p_flow_mw, branches, n) if branches else np.zeros((n, 0))
    if hasattr(m, "w_pu"):
        nodes = list(m.NODE)
        vm = Labelled(tuple(nodes), np.sqrt(np.clip(var_values(sol, m.w_pu, nodes, n), 0, None)))
    else:
        vm = Labelled((), np.zeros((n, 0)))
    system = {
        "system_price_eur_per_mwh": Labelled(("system",), lmp.values[:, at : at + 1]),
        "lmp_eur_per_mwh": lmp,
        "branch_p_mw": Labelled(tuple(branches), flows),
        "vm_pu": vm,
        "lmef_tco2_per_mwh": lmef,
        "system_mef_tco2_per_mwh": Labelled(("system",), lmef.values[:, at : at + 1]),
    }
    return DispatchResult(
        time=x.time,
        assets=assets,
        system=system,
        objective_eur=sol.value("objective"),
        cost_eur=sol.value("cost_eur"),
        emissions_tco2=sol.value("emissions_tco2"),
    )


def simultaneous_storage_steps(
    charge_p_mw: pd.DataFrame, discharge_p_mw: pd.DataFrame, tol_mw: float = SIMULTANEOUS_TOL_MW
) -> pd.DataFrame:
    """Boolean frame: True where a unit charges and discharges in the same step."""
    return (charge_p_mw > tol_mw) & (discharge_p_mw[charge_p_mw.columns] > tol_mw)


def _concat(parts: list[Labelled]) -> Labelled:
    return Labelled(parts[0].columns, np.concatenate([p.values for p in parts], axis=0))


def concat_results(parts: list[DispatchResult]) -> DispatchResult:
    """Join the committed parts of consecutive windows into one result (arrays are
    concatenated once, here)."""
    first = parts[0]
    time = first.time.append([p.time for p in parts[1:]]) if len(parts) > 1 else first.time
    assets = {
        f: {q: _concat([p.assets[f][q] for p in parts]) for q in r} for f, r in first.assets.items()
    }
    system = {k: _concat([p.system[k] for p in parts]) for k in first.system}
    totals = {
        k: float(sum(getattr(p, k) for p in parts))
        for k in ("objective_eur", "cost_eur", "emissions_tco2")
    }
    return DispatchResult(time=pd.DatetimeIndex(time), assets=assets, system=system, **totals)
