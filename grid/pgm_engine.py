"""Batch AC power flow with power-grid-model on pandapower's own network model.

The conversion does not re-derive the grid from pandapower's tables: it runs
``pandapower.runpp`` once and takes the per-unit model pandapower itself solves,
``net._ppc`` (switches fused, open-switch auxiliary buses, taps, phase shifts, T-model
magnetising branches, out-of-service and isolated elements all resolved). Each
in-service ppc branch becomes a ``generic_branch`` with the same pi-model admittances,
bus shunts (and the to-side excess of asymmetric branch shunts) a ``shunt``, each
ext_grid a ``source`` at pandapower's voltage set-point, and the constant-power demand
of each bus a ``sym_load`` updated per time step in one batch calculation. Flows,
losses and loadings are evaluated from the solved voltages with pandapower's own
admittance matrices and result formulas, so they mean what ``net.res_*`` mean.

Features this cannot reproduce exactly (PV generators, voltage-dependent loads,
asymmetric series impedances, FACTS/DC elements, ...) raise
:class:`UnsupportedNetworkError`; the caller then uses pandapower.

References
----------
power-grid-model user manual, "Components", ``generic_branch`` (r, x, g, b referred
to the to-side; N = k e^{j theta}) and ``branch.hpp``: Y_tt = y_s + y_sh/2,
Y_ff = Y_tt / k^2, Y_ft = -y_s / conj(N), Y_tf = -y_s / N -- the pi model of
MATPOWER's ``makeYbus`` that pandapower uses.
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import power_grid_model as pgm
from pandapower.pypower import idx_brch, idx_bus

from grid.injections import SetPoints
from grid.ppc_model import (
    PpcModel,
    UnsupportedNetworkError,
    build_ppc_model,
    injection_matrix,
)

__all__ = ["UnsupportedNetworkError", "run_pgm_timeseries", "solve_voltages", "evaluate"]

#: short-circuit power of the source standing in for an ext_grid [VA]: its internal
#: impedance u^2/sk lowers the slack voltage by about S/sk pu (1e-9 pu at 1 GW)
SOURCE_SK_VA = 1e18
#: Newton-Raphson stop criterion of power-grid-model: largest voltage update [pu]
ERROR_TOLERANCE_PU = 1e-10
MAX_ITERATIONS = 30
#: time steps per batch call: bounds the memory of the (steps x buses) result arrays
CHUNK_STEPS = 2016
#: power-grid-model works in W, var and V
W_PER_MW = 1e6
V_PER_KV = 1e3
SQRT3 = float(np.sqrt(3.0))


def _array(component: str, shape: int | tuple[int, int], dataset: str = "input") -> np.ndarray:
    return pgm.initialize_array(dataset, component, shape)


def _pgm_input(model: PpcModel) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """power-grid-model input data of ``model`` and its ``sym_load`` array (one per node)."""
    nodes = np.flatnonzero(model.active)
    kv = model.bus[:, idx_bus.BASE_KV]
    br = model.branch
    f, t = br[:, idx_brch.F_BUS].astype(np.int64), br[:, idx_brch.T_BUS].astype(np.int64)
    on = np.flatnonzero((br[:, idx_brch.BR_STATUS] > 0) & model.active[f] & model.active[t])
    next_id = len(model.bus)  # ids 0..n_bus-1 are the ppc bus numbers

    def ids(n: int) -> np.ndarray:
        nonlocal next_id
        next_id += n
        return np.arange(next_id - n, next_id)

    node = _array("node", len(nodes))
    node["id"], node["u_rated"] = nodes, kv[nodes] * V_PER_KV

    # per unit (base_mva, to-side kV) -> ohm and siemens referred to the to-side
    z_base_ohm = kv[t[on]] ** 2 / model.base_mva
    gb = _array("generic_branch", len(on))
    gb["id"], gb["from_node"], gb["to_node"] = ids(len(on)), f[on], t[on]
    gb["from_status"], gb["to_status"] = 1, 1
    gb["r1"], gb["x1"] = br[on, idx_brch.BR_R] * z_base_ohm, br[on, idx_brch.BR_X] * z_base_ohm
    gb["g1"], gb["b1"] = br[on, idx_brch.BR_G] / z_base_ohm, br[on, idx_brch.BR_B] / z_base_ohm
    tap = br[on, idx_brch.TAP]
    gb["k"], gb["theta"] = np.where(tap == 0, 1.0, tap), np.deg2rad(br[on, idx_brch.SHIFT])

    # shunts [S]: bus shunts (GS, BS at 1 pu) and the to-side excess of asymmetric
    # branch shunts (pandapower's Y_tt carries (G + G_asym + j(B + B_asym)) / 2)
    bus_y = (model.bus[:, idx_bus.GS] + 1j * model.bus[:, idx_bus.BS]) / kv**2
    with_y = nodes[bus_y[nodes] != 0]
    asym = on[(br[on, idx_brch.BR_G_ASYM] != 0) | (br[on, idx_brch.BR_B_ASYM] != 0)]
    asym_y = 0.5 * (br[asym, idx_brch.BR_G_ASYM] + 1j * br[asym, idx_brch.BR_B_ASYM])
    shunt_y = np.concatenate([bus_y[with_y], asym_y * model.base_mva / kv[t[asym]] ** 2])
    shunt = _array("shunt", len(shunt_y))
    shunt["id"], shunt["node"], shunt["status"] = ids(len(shunt_y)), np.r_[with_y, t[asym]], 1
    shunt["g1"], shunt["b1"] = shunt_y.real, shunt_y.imag

    source = _array("source", len(model.ref_bus))
    source["id"], source["node"], source["status"] = ids(len(model.ref_bus)), model.ref_bus, 1
    source["u_ref"], source["u_ref_angle"] = np.abs(model.ref_v_pu), np.angle(model.ref_v_pu)
    source["sk"] = SOURCE_SK_VA

    sym = _array("sym_load", len(nodes))
    sym["id"], sym["node"], sym["status"] = ids(len(nodes)), nodes, 1
    sym["type"] = pgm.LoadGenType.const_power
    sym["p_specified"], sym["q_specified"] = 0.0, 0.0
    data = {"node": node, "generic_branch": gb, "shunt": shunt, "source": source}
    return {**data, "sym_load": sym}, sym


def solve_voltages(
    model: PpcModel, pd_mw: np.ndarray, qd_mvar: np.ndarray, threads: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Solve all time steps in one power-grid-model batch (Newton-Raphson).

    Parameters
    ----------
    pd_mw, qd_mvar
        (T, n_ppc_bus) constant-power demand per ppc bus [MW], [Mvar] (load convention).
    threads
        power-grid-model threading: < 0 sequential, 0 all hardware threads, n > 0 n.

    Returns
    -------
    v_pu, converged
        (T, n_ppc_bus) complex voltages [pu] (NaN at isolated buses and failed steps)
        and (T,) whether each step converged.
    """
    data, sym = _pgm_input(model)
    nodes = sym["node"]
    n_steps = pd_mw.shape[0]
    update = _array("sym_load", (n_steps, len(nodes)), dataset="update")
    update["id"] = sym["id"]
    update["p_specified"] = pd_mw[:, nodes] * W_PER_MW
    update["q_specified"] = qd_mvar[:, nodes] * W_PER_MW
    # the frequency only matters for components given by L or C; none are used here
    model_pgm = pgm.PowerGridModel(data, system_frequency=50.0)
    out = model_pgm.calculate_power_flow(
        symmetric=True,
        error_tolerance=ERROR_TOLERANCE_PU,
        max_iterations=MAX_ITERATIONS,
        calculation_method="newton_raphson",
        update_data={"sym_load": update},
        threading=threads,
        output_component_types={pgm.ComponentType.node: ["id", "u_pu", "u_angle"]},
        continue_on_batch_error=True,
    )
    converged = np.ones(n_steps, dtype=bool)
    if model_pgm.batch_error is not None:
        converged[np.asarray(model_pgm.batch_error.failed_scenarios, dtype=np.int64)] = False
    res = out[pgm.ComponentType.node]
    v = np.full((n_steps, len(model.bus)), np.nan + 0j)
    v[:, res["id"][0]] = res["u_pu"] * np.exp(1j * res["u_angle"])
    v[~converged] = np.nan
    converged &= np.isfinite(v[:, nodes]).all(axis=1)
    return v, converged


def evaluate(
    model: PpcModel, net: pp.pandapowerNet, v_pu: np.ndarray, pd_mw: np.ndarray
) -> dict[str, np.ndarray]:
    """pandapower's results from solved voltages, for all steps at once, with
    pandapower's formulas (``results_branch.py``: i = |S| / (sqrt(3) vm vn), line
    loading = i / (max_i_ka df parallel), trafo loading by current or power).

    Parameters
    ----------
    v_pu
        (T, n_ppc_bus) complex bus voltages [pu].
    pd_mw
        (T, n_ppc_bus) active demand per bus [MW] used in the solve.

    Returns
    -------
    dict
        (T, n) arrays ``ext_grid_p_mw`` [MW] (supplied by each ext_grid),
        ``injection_balance_p_mw`` [MW] (T,), ``vm_pu`` (net.bus order), ``line_pl_mw``,
        ``trafo_pl_mw`` [MW], ``line_loading_percent``, ``trafo_loading_percent`` [%].
    """
    vm = np.abs(v_pu)
    v0 = np.nan_to_num(v_pu)
    br = model.branch
    f, t = br[:, idx_brch.F_BUS].astype(np.int64), br[:, idx_brch.T_BUS].astype(np.int64)
    s_from_mva = v0[:, f] * np.conj((model.yf @ v0.T).T) * model.base_mva
    s_to_mva = v0[:, t] * np.conj((model.yt @ v0.T).T) * model.base_mva
    kv = model.bus[:, idx_bus.BASE_KV]
    with np.errstate(invalid="ignore", divide="ignore"):
        i_from_ka = np.abs(s_from_mva) / (vm[:, f] * kv[f]) / SQRT3
        i_to_ka = np.abs(s_to_mva) / (vm[:, t] * kv[t]) / SQRT3
    pl_mw = (s_from_mva + s_to_mva).real

    line, lr = net.line, model.line_rows
    i_max_ka = (line["max_i_ka"] * line["df"] * line["parallel"]).to_numpy(float)
    line_loading = np.maximum(i_from_ka[:, lr], i_to_ka[:, lr]) / i_max_ka * 100.0

    trafo, tr = net.trafo, model.trafo_rows
    sn_mva = trafo["sn_mva"].to_numpy(float)
    if model.trafo_loading == "current":
        hv = i_from_ka[:, tr] * trafo["vn_hv_kv"].to_numpy(float)
        lv = i_to_ka[:, tr] * trafo["vn_lv_kv"].to_numpy(float)
        ld = np.maximum(hv, lv) * SQRT3 / sn_mva * 100.0
    else:
        ld = np.maximum(np.abs(s_from_mva[:, tr]), np.abs(s_to_mva[:, tr])) / sn_mva * 100.0
    trafo_loading = ld / (trafo["parallel"] * trafo["df"]).to_numpy(float)

    s_bus_mva = v0 * np.conj((model.ybus @ v0.T).T) * model.base_mva
    ext_p_mw = s_bus_mva[:, model.ref_bus].real + pd_mw[:, model.ref_bus]
    active = model.active
    shunt_mw = (model.bus[active, idx_bus.GS] * vm[:, active] ** 2).sum(axis=1)
    balance = ext_p_mw.sum(axis=1) - pd_mw[:, active].sum(axis=1) - shunt_mw
    return {
        "ext_grid_p_mw": ext_p_mw,
        "injection_balance_p_mw": balance,
        "vm_pu": vm[:, model.bus_lookup],
        "line_pl_mw": pl_mw[:, lr],
        "trafo_pl_mw": pl_mw[:, tr],
        "line_loading_percent": line_loading,
        "trafo_loading_percent": trafo_loading,
    }


def run_pgm_timeseries(
    net: pp.pandapowerNet, points: list[SetPoints], threads: int = -1
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Solve every time step with power-grid-model in one batch.

    Parameters
    ----------
    net
        A working copy of the network; modified (the time-varying elements are
        zeroed and pandapower's results written).
    points
        The time-varying set-points by table (at least one; those of a table whose
        elements hold a voltage are left to the network model, which refuses them).
    threads
        See :func:`solve_voltages`.

    Returns
    -------
    converged, values
        (T,) whether each step was solved, and the results of the solved steps
        (see :func:`evaluate`).
    """
    pq = [sp for sp in points if not sp.table.holds_voltage]
    for sp in pq:
        sp.zero(net)
    model = build_ppc_model(net)
    maps = [injection_matrix(net, sp.table.name, sp.positions).T for sp in pq]

    def demand(k: slice, column: int, q: bool) -> np.ndarray:
        """Per step of ``k`` and ppc bus, the model's demand plus that of the
        set-points [MW] or [Mvar] (load convention)."""
        out = model.bus[:, column]
        for sp, to_bus in zip(pq, maps, strict=True):
            values = sp.q_mvar if q else sp.p_mw
            if values is not None:
                out = out + sp.table.consumption_sign * np.asarray((to_bus @ values[k].T).T)
        shape = (len(range(n_steps)[k]), len(model.bus))
        return out if out.shape == shape else np.broadcast_to(out, shape).copy()

    n_steps = len(points[0].p_mw)
    ok = np.zeros(n_steps, dtype=bool)
    parts = []
    for start in range(0, max(n_steps, 1), CHUNK_STEPS):
        k = slice(start, start + CHUNK_STEPS)
        pd_mw = demand(k, idx_bus.PD, q=False)
        qd_mvar = demand(k, idx_bus.QD, q=True)
        if n_steps:
            v_pu, ok[k] = solve_voltages(model, pd_mw, qd_mvar, threads)
        else:
            v_pu = np.empty((0, len(model.bus)), dtype=complex)
        parts.append(evaluate(model, net, v_pu[ok[k]], pd_mw[ok[k]]))
    return ok, {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
