"""Network constraints that tie the blocks' bus injections together.

``copperplate``: one power balance per step. ``dc``: a power balance per network
bus and step with branch flows from voltage angles. ``lindistflow``: the linearised
branch-flow model of radial grids, with active and reactive flows and squared
voltage magnitudes. Every model defines ``m.bus_balance[n, t]`` (one node ``"system"``
for the copperplate) whose dual divided by ``dt_h`` is the locational price.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.components.block_data import array_param, store_matrix
from dispatch.family import _TABLE_CACHE
from dispatch.inputs import DispatchInputError, DispatchInputs, NetworkInputs
from dispatch.topology import node_rows, radial_tree

#: the copperplate's single node
SYSTEM = "system"


def _injection_terms(
    blocks: Sequence[pyo.Block], node_of: dict[str, str]
) -> dict[str, list[tuple[pyo.Block, str]]]:
    """``{node: [(block, asset bus), ...]}``: the block injections summed at each node."""
    terms: dict[str, list[tuple[pyo.Block, str]]] = {}
    for blk in blocks:
        for bus in blk.BUS:
            terms.setdefault(node_of[bus], []).append((blk, bus))
    return terms


def _branch_losses(x: DispatchInputs, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Loss estimate per branch name and step [MW] from ``x.branch_loss_mw`` (0 where
    none is given)."""
    n = len(x.time)
    given = x.branch_loss_mw
    out = {str(b): np.zeros(n) for b in names}
    if given is not None and x.network is not None:
        for j, b in enumerate(x.network.branches.index):
            if str(b) in out:
                out[str(b)] = given[:, j]
    return out


def reactive_demand(x: DispatchInputs, node_of: dict[str, str], nodes: list[str]) -> np.ndarray:
    """Reactive demand of every family per network node [Mvar], nodes x steps."""
    total = np.zeros((len(nodes), len(x.time)))
    key = f"node_rows:{hash(tuple(nodes))}:{id(node_of)}"
    for d in x.assets.values():
        q = d.family.reactive_demand_mvar(d)
        if q is not None and q.shape[1]:
            bus = d.bus
            rows = _TABLE_CACHE.get(d.units, key, lambda _, b=bus: node_rows(b, node_of, nodes))
            np.add.at(total, rows, q.T)
    return total


def _node_of(net: NetworkInputs) -> dict[str, str]:
    """Network node of every asset bus (computed once per network)."""
    return _TABLE_CACHE.get(
        net.bus_map, "node_of", lambda bm: {str(b): str(n) for b, n in bm.items()}
    )


def node_loss_matrix(x: DispatchInputs, network_model: str, nodes: Sequence[str]) -> np.ndarray:
    """Loss [MW] drawn at each node (rows, in the order of ``nodes``) and step of the
    copperplate or dc model: all branch losses at the single node (copperplate), or
    half of each branch's loss at each of its ends (dc)."""
    n = len(x.time)
    if x.branch_loss_mw is None:
        return np.zeros((len(nodes), n))
    total = {nd: np.zeros(n) for nd in nodes}
    net = x.network
    if x.branch_loss_mw is not None and net is not None:
        losses = _branch_losses(x, list(net.branches.index))
        for b, row in net.branches.iterrows():
            if network_model == "copperplate":
                total[SYSTEM] += losses[str(b)]
            else:
                total[str(row["from_bus"])] += 0.5 * losses[str(b)]
                total[str(row["to_bus"])] += 0.5 * losses[str(b)]
    return np.array([total[nd] for nd in nodes])


def edge_loss_matrix(x: DispatchInputs, tree: pd.DataFrame) -> np.ndarray:
    """Loss [MW] of the lindistflow tree edges (rows, in the order of ``tree``) and
    steps: the summed loss estimates of the branches merged into each edge."""
    assert x.network is not None
    losses = _branch_losses(x, list(x.network.branches.index))
    n = len(x.time)
    out = np.zeros((len(tree), n))
    for i, members in enumerate(tree["members"]):
        for b in members:
            out[i] += losses[str(b)]
    return out


def add_copperplate(
    m: pyo.ConcreteModel, blocks: Sequence[pyo.Block], x: DispatchInputs | None = None
) -> None:
    r"""Add ``m.bus_balance["system", t]``: all injections sum to zero at every step,
    less the estimated network losses :math:`\ell_t` (``loss_mw``, a mutable
    parameter from ``x.branch_loss_mw``, zero unless given).

    .. math::
        \sum_{k \in \mathrm{blocks}} \sum_{b \in \mathrm{BUS}_k} \mathrm{injection}^k_{b,t}
        - \ell_t = 0 \qquad \forall t
    """
    m.NODE = pyo.Set(initialize=[SYSTEM], ordered=True)
    terms = _injection_terms(blocks, {b: SYSTEM for blk in blocks for b in blk.BUS})
    init = node_loss_matrix(x, "copperplate", [SYSTEM]) if x is not None else 0.0
    array_param(m, "loss_mw", (m.NODE, m.T), np.broadcast_to(init, (1, len(m.T))))
    m.bus_balance = pyo.Constraint(
        m.NODE,
        m.T,
        rule=lambda mm, n, t: (
            sum(blk.injection_mw[b, t] for blk, b in terms.get(n, [])) - mm.loss_mw[n, t] == 0.0
        ),
    )


def add_dc(
    m: pyo.ConcreteModel,
    blocks: Sequence[pyo.Block],
    net: NetworkInputs,
    x: DispatchInputs | None = None,
) -> None:
    r"""Add the DC power flow (angle form) with branch limits.

    For network bus :math:`n`, branch :math:`l = (i, j)` and step :math:`t`:

    .. math::
        p_{l,t} = S^{base} (\theta_{i,t} - \theta_{j,t}) / (x_l \tau_l), \qquad
        -\bar S_l \le p_{l,t} \le \bar S_l, \qquad \theta_{slack,t} = 0

        \sum_{k,b \to n} \mathrm{injection}^k_{b,t} - \sum_{l: i=n} p_{l,t}
        + \sum_{l: j=n} p_{l,t} - \ell_{n,t} = 0

    with :math:`\tau_l` the off-nominal tap ratio (1 for lines), as in pandapower's
    and MATPOWER's DC model. Phase shifts are neglected; losses only enter as the
    estimate :math:`\ell_{n,t}` (``loss_mw``, a mutable parameter, zero unless
    ``x.branch_loss_mw`` is given): half of each branch's loss at each end.
    """
    br = net.branches
    m.NODE = pyo.Set(initialize=list(net.bus_table.index), ordered=True)
    m.BRANCH = pyo.Set(initialize=list(br.index), ordered=True)
    node_of = {str(b): str(n) for b, n in net.bus_map.items()}
    terms = _injection_terms(blocks, node_of)
    rate = br["rate_mva"].astype(float).to_dict()
    m.theta_rad = pyo.Var(m.NODE, m.T, bounds=(-6.3, 6.3))
    for t in m.T:
        m.theta_rad[net.slack_bus, t].fix(0.0)
    m.p_flow_mw = pyo.Var(m.BRANCH, m.T, bounds=lambda mm, ln, t: (-rate[ln], rate[ln]))
    tap = br["tap_ratio"].astype(float)
    susceptance = (net.base_mva / (br["x_pu"].astype(float) * tap)).to_dict()
    f_bus, t_bus = br["from_bus"].to_dict(), br["to_bus"].to_dict()
    m.dc_flow = pyo.Constraint(
        m.BRANCH,
        m.T,
        rule=lambda mm, ln, t: (
            mm.p_flow_mw[ln, t]
            == susceptance[ln] * (mm.theta_rad[f_bus[ln], t] - mm.theta_rad[t_bus[ln], t])
        ),
    )
    out_of = {n: [ln for ln in br.index if f_bus[ln] == n] for n in m.NODE}
    into = {n: [ln for ln in br.index if t_bus[ln] == n] for n in m.NODE}
    init = node_loss_matrix(x, "dc", list(m.NODE)) if x is not None else 0.0
    array_param(m, "loss_mw", (m.NODE, m.T), np.broadcast_to(init, (len(m.NODE), len(m.T))))
    m.bus_balance = pyo.Constraint(
        m.NODE,
        m.T,
        rule=lambda mm, n, t: (
            sum(blk.injection_mw[b, t] for blk, b in terms.get(n, []))
            - sum(mm.p_flow_mw[ln, t] for ln in out_of[n])
            + sum(mm.p_flow_mw[ln, t] for ln in into[n])
            - mm.loss_mw[n, t]
            == 0.0
        ),
    )


def add_lindistflow(m: pyo.ConcreteModel, blocks: Sequence[pyo.Block], x: DispatchInputs) -> None:
    r"""Add the LinDistFlow model of a radial network.

    Parallel branches are merged and the tree is oriented from the slack bus
    (:func:`dispatch.topology.radial_tree`). For tree edge :math:`e` from parent
    :math:`i` to child :math:`j`, with active/reactive flows :math:`p_e, q_e` sent
    from :math:`i` [MW, Mvar] and squared voltage magnitudes :math:`w` [pu²]:

    .. math::
        w_{j,t} = w_{i,t} / \tau_e^2 - 2 (r_e p_{e,t} + x_e q_{e,t}) / S^{base}

        \sum_{k,b \to n} \mathrm{injection}^k_{b,t} + \sum_{e: j=n} (p_{e,t} - \ell_{e,t})
        - \sum_{e: i=n} p_{e,t} = 0

        -Q^{load}_{n,t} + \sum_{e: j=n} q_{e,t} - \sum_{e: i=n} q_{e,t}
        + S^{base} \tfrac{1}{2}\textstyle\sum_{e \ni n} b_e\, w_{n,t} + q^{ext}_{n,t} = 0

        \underline v_n^2 \le w_{n,t} \le \bar v_n^2, \qquad w_{slack,t} = v_{slack}^2

        |p_{e,t}| \le \bar S_e,\ |q_{e,t}| \le \bar S_e,\
        |p_{e,t}| + |q_{e,t}| \le \sqrt 2\, \bar S_e

    :math:`q^{ext}` is free at the slack bus and zero elsewhere; :math:`\ell_{e,t}`
    (``loss_mw``, a mutable parameter) is an estimate of the edge's active losses:
    the summed ``x.branch_loss_mw`` of its branches, e.g. from a previous AC power
    flow, zero unless given. The last line is an
    octagon inside the circle :math:`p^2 + q^2 \le \bar S^2` extended to its
    corners (it over-estimates the circle by at most 8 %).
    """
    net = x.network
    assert net is not None
    tree = radial_tree(net.branches, net.slack_bus)
    m.NODE = pyo.Set(initialize=list(net.bus_table.index), ordered=True)
    m.EDGE = pyo.Set(initialize=list(tree.index), ordered=True)
    node_of = _node_of(net)
    terms = _injection_terms(blocks, node_of)
    rate = tree["rate_mva"].astype(float).to_dict()
    parent, child = tree["parent"].to_dict(), tree["child"].to_dict()
    r, xx = tree["r_pu"].to_dict(), tree["x_pu"].to_dict()
    tau2 = (tree["tap_ratio"].astype(float) ** 2).to_dict()
    base = net.base_mva
    bt = net.bus_table
    vmin2 = (bt["vm_min_pu"] ** 2).to_dict()
    vmax2 = (bt["vm_max_pu"] ** 2).to_dict()
    vmin2[net.slack_bus] = vmax2[net.slack_bus] = net.slack_vm_pu**2
    m.w_pu = pyo.Var(m.NODE, m.T, bounds=lambda mm, n, t: (vmin2[n], vmax2[n]))
    m.p_flow_mw = pyo.Var(m.EDGE, m.T, bounds=lambda mm, e, t: (-rate[e], rate[e]))
    m.q_flow_mvar = pyo.Var(m.EDGE, m.T, bounds=lambda mm, e, t: (-rate[e], rate[e]))
    m.q_ext_mvar = pyo.Var(m.T, bounds=(None, None))
    array_param(m, "loss_mw", (m.EDGE, m.T), edge_loss_matrix(x, tree))
    array_param(m, "q_load_mvar", (m.NODE, m.T), reactive_demand(x, node_of, list(m.NODE)))
    charging = {n: 0.0 for n in m.NODE}
    for e in tree.index:
        half = 0.5 * float(tree.at[e, "b_pu"]) * base
        charging[parent[e]] += half
        charging[child[e]] += half
    children = {n: [e for e in tree.index if parent[e] == n] for n in m.NODE}
    feeder = {n: [e for e in tree.index if child[e] == n] for n in m.NODE}
    m.voltage_drop = pyo.Constraint(
        m.EDGE,
        m.T,
        rule=lambda mm, e, t: (
            mm.w_pu[child[e], t]
            == mm.w_pu[parent[e], t] / tau2[e]
            - 2.0 * (r[e] * mm.p_flow_mw[e, t] + xx[e] * mm.q_flow_mvar[e, t]) / base
        ),
    )
    m.bus_balance = pyo.Constraint(
        m.NODE,
        m.T,
        rule=lambda mm, n, t: (
            sum(blk.injection_mw[b, t] for blk, b in terms.get(n, []))
            + sum(mm.p_flow_mw[e, t] - mm.loss_mw[e, t] for e in feeder[n])
            - sum(mm.p_flow_mw[e, t] for e in children[n])
            == 0.0
        ),
    )
    slack = net.slack_bus
    m.q_balance = pyo.Constraint(
        m.NODE,
        m.T,
        rule=lambda mm, n, t: (
            -mm.q_load_mvar[n, t]
            + sum(mm.q_flow_mvar[e, t] for e in feeder[n])
            - sum(mm.q_flow_mvar[e, t] for e in children[n])
            + charging[n] * mm.w_pu[n, t]
            + (mm.q_ext_mvar[t] if n == slack else 0.0)
            == 0.0
        ),
    )
    diag = {e: 2.0**0.5 * rate[e] for e in tree.index}
    m.SIGN = pyo.Set(initialize=[(1, 1), (1, -1), (-1, 1), (-1, -1)], dimen=2)
    m.apparent_limit = pyo.Constraint(
        m.EDGE,
        m.T,
        m.SIGN,
        rule=lambda mm, e, t, sp, sq: (
            sp * mm.p_flow_mw[e, t] + sq * mm.q_flow_mvar[e, t] <= diag[e]
        ),
    )


def add_network(
    m: pyo.ConcreteModel, blocks: Sequence[pyo.Block], x: DispatchInputs, network_model: str
) -> None:
    """Add the network constraints of ``network_model``."""
    if network_model == "copperplate":
        add_copperplate(m, blocks, x)
    elif network_model == "dc":
        assert x.network is not None
        add_dc(m, blocks, x.network, x)
    elif network_model == "lindistflow":
        add_lindistflow(m, blocks, x)
    else:
        raise ValueError(
            f"unknown network model {network_model!r}; known: copperplate, dc, lindistflow"
        )


def update_network(m: pyo.ConcreteModel, x: DispatchInputs) -> None:
    """Write the window data of ``x`` into the network constraints of a built model.

    Every model takes the loss estimates ``loss_mw`` [MW] from ``x.branch_loss_mw``
    (zero where none is given); ``lindistflow`` also the reactive demand per node
    ``q_load_mvar`` [Mvar] (the families' reactive demand, see
    :meth:`dispatch.family.AssetFamily.reactive_demand_mvar`). The network
    itself (buses, branches, limits) is fixed when the model is built.
    """
    if len(x.time) != len(m.T):
        raise DispatchInputError(
            f"time: {len(x.time)} steps, the built model has {len(m.T)}; rebuild the model"
        )
    if not hasattr(m, "q_load_mvar"):
        model = "dc" if hasattr(m, "BRANCH") else "copperplate"
        store_matrix(m.loss_mw, node_loss_matrix(x, model, list(m.NODE)))
        return
    net = x.network
    assert net is not None
    store_matrix(m.q_load_mvar, reactive_demand(x, _node_of(net), list(m.NODE)))
    if x.branch_loss_mw is None:
        store_matrix(m.loss_mw, np.zeros((len(m.EDGE), len(m.T))))
    else:
        store_matrix(m.loss_mw, edge_loss_matrix(x, radial_tree(net.branches, net.slack_bus)))
