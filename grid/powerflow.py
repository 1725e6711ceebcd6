"""Time-series AC power flow of realised set-points.

This is the only module that converts the simulator's directional quantities
(``p_charge_mw``, ``p_discharge_mw``, ...) into pandapower's sign conventions.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PowerFlowResults:
    """AC power flow results per time step (rows) and element (columns, by name).

    Attributes
    ----------
    ext_grid_p_mw
        Power drawn from the external grid [MW] (> 0 import, < 0 export), one column
        per external grid.
    losses_p_mw
        Active losses of all lines and transformers [MW] (column ``total``).
    injection_balance_p_mw
        Net sum of all bus injections [MW] (ext grids + gens + sgens - loads - storage
        charging); equals the losses when the flow is solved (column ``total``).
    vm_pu, line_loading_percent, trafo_loading_percent
        Bus voltages [pu] and branch loadings [%].
    converged
        Whether the power flow converged (column ``converged``); failed steps hold NaN.
    """

    ext_grid_p_mw: pd.DataFrame
    losses_p_mw: pd.DataFrame
    injection_balance_p_mw: pd.DataFrame
    vm_pu: pd.DataFrame
    line_loading_percent: pd.DataFrame
    trafo_loading_percent: pd.DataFrame
    converged: pd.DataFrame


def _positions(net: pp.pandapowerNet, table: str, names: pd.Index) -> np.ndarray:
    lookup = pd.Series(net[table].index, index=net[table]["name"].to_numpy())
    missing = names.difference(lookup.index)
    if len(missing):
        raise KeyError(f"{table}: unknown names {list(missing)[:5]}")
    return lookup.loc[names].to_numpy()


def run_ac_timeseries(
    net: pp.pandapowerNet,
    load_p_mw: pd.DataFrame,
    load_q_mvar: pd.DataFrame,
    sgen_p_mw: pd.DataFrame,
    storage_charge_p_mw: pd.DataFrame,
    storage_discharge_p_mw: pd.DataFrame,
) -> PowerFlowResults:
    """Run a pandapower Newton-Raphson power flow for every time step.

    Parameters
    ----------
    net
        The network with all assets; it is not modified (a copy is used).
    load_p_mw, load_q_mvar
        Served demand per load [MW], [Mvar].
    sgen_p_mw
        Realised generation per static generator [MW].
    storage_charge_p_mw, storage_discharge_p_mw
        Charging and discharging power per storage [MW], both >= 0.

    Returns
    -------
    PowerFlowResults
        Non-converged steps are flagged and hold NaN; the run continues.
    """
    net = copy.deepcopy(net)
    index = load_p_mw.index
    load_pos = _positions(net, "load", load_p_mw.columns)
    sgen_pos = _positions(net, "sgen", sgen_p_mw.columns)
    sto_pos = _positions(net, "storage", storage_charge_p_mw.columns)
    lp, lq = load_p_mw.to_numpy(), load_q_mvar[load_p_mw.columns].to_numpy()
    sp = sgen_p_mw.to_numpy()
    stp = (storage_charge_p_mw - storage_discharge_p_mw[storage_charge_p_mw.columns]).to_numpy()
    net.storage["q_mvar"] = 0.0

    n = len(index)
    ext_p = np.full((n, len(net.ext_grid)), np.nan)
    losses = np.full(n, np.nan)
    balance = np.full(n, np.nan)
    vm = np.full((n, len(net.bus)), np.nan)
    ll = np.full((n, len(net.line)), np.nan)
    tl = np.full((n, len(net.trafo)), np.nan)
    ok = np.zeros(n, dtype=bool)
    init = "auto"
    for k in range(n):
        net.load.loc[load_pos, "p_mw"] = lp[k]
        net.load.loc[load_pos, "q_mvar"] = lq[k]
        net.sgen.loc[sgen_pos, "p_mw"] = sp[k]
        if len(sto_pos):
            net.storage.loc[sto_pos, "p_mw"] = stp[k]
        try:
            pp.runpp(net, init=init, numba=False)
        except pp.LoadflowNotConverged:
            logger.warning("AC power flow did not converge at %s", index[k])
            init = "auto"
            continue
        init = "results"
        ok[k] = True
        ext_p[k] = net.res_ext_grid["p_mw"].to_numpy()
        losses[k] = net.res_line["pl_mw"].sum() + net.res_trafo["pl_mw"].sum()
        balance[k] = (
            net.res_ext_grid["p_mw"].sum()
            + net.res_sgen["p_mw"].sum()
            + net.res_gen["p_mw"].sum()
            - net.res_load["p_mw"].sum()
            - net.res_storage["p_mw"].sum()
            - net.res_shunt["p_mw"].sum()
        )
        vm[k] = net.res_bus["vm_pu"].to_numpy()
        ll[k] = net.res_line["loading_percent"].to_numpy()
        tl[k] = net.res_trafo["loading_percent"].to_numpy()
    if not ok.all():
        logger.warning("AC power flow failed in %d of %d steps", (~ok).sum(), n)

    def frame(values: np.ndarray, columns: object) -> pd.DataFrame:
        return pd.DataFrame(values, index=index, columns=pd.Index(columns))

    return PowerFlowResults(
        ext_grid_p_mw=frame(ext_p, net.ext_grid["name"].astype(str).to_numpy()),
        losses_p_mw=frame(losses[:, None], ["total"]),
        injection_balance_p_mw=frame(balance[:, None], ["total"]),
        vm_pu=frame(vm, net.bus["name"].to_numpy()),
        line_loading_percent=frame(ll, net.line["name"].to_numpy()),
        trafo_loading_percent=frame(tl, net.trafo["name"].to_numpy()),
        converged=frame(ok[:, None], ["converged"]),
    )
