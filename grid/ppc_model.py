"""pandapower's own per-unit model of a net (``net._ppc``), as the batch power-flow
engine (:mod:`grid.pgm_engine`) takes it: buses, branches and admittance matrices
after pandapower resolved switches, taps and isolated elements; the check of what the
engine cannot reproduce exactly; and the map of element powers to bus demand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandapower as pp
import scipy.sparse as sparse
from pandapower.pypower import idx_brch, idx_bus
from pandapower.pypower.idx_gen import GEN_BUS, GEN_STATUS
from pandapower.pypower.makeYbus import makeYbus

#: ppc parts that have no counterpart in the conversion when non-empty
_UNSUPPORTED_PPC_TABLES = ("bus_dc", "branch_dc", "tcsc", "svc", "ssc", "vsc")


class UnsupportedNetworkError(ValueError):
    """The network uses a feature the power-grid-model conversion does not reproduce."""


@dataclass(frozen=True)
class PpcModel:
    """pandapower's per-unit network model (all ppc buses, isolated ones included).

    Attributes
    ----------
    base_mva
        System base power [MVA].
    bus, branch
        The ppc tables: ``BASE_KV`` [kV], fixed demand ``PD`` [MW], ``QD`` [Mvar],
        shunts ``GS`` [MW], ``BS`` [Mvar] at 1 pu; per-unit r, x, g, b, tap, shift [deg].
    active
        (n_ppc_bus,) whether a bus is energised (not isolated).
    ybus, yf, yt
        pandapower's bus and branch admittance matrices [pu].
    ref_bus, ref_v_pu
        ppc bus and complex voltage set-point [pu] of each ext_grid (net order).
    bus_lookup
        ppc bus of each row of ``net.bus``.
    line_rows, trafo_rows
        Rows of the branch table holding ``net.line`` and ``net.trafo``.
    trafo_loading
        pandapower's ``trafo_loading`` option (``current`` or ``power``).
    """

    base_mva: float
    bus: np.ndarray
    branch: np.ndarray
    active: np.ndarray
    ybus: sparse.csr_matrix
    yf: sparse.csr_matrix
    yt: sparse.csr_matrix
    ref_bus: np.ndarray
    ref_v_pu: np.ndarray
    bus_lookup: np.ndarray
    line_rows: slice
    trafo_rows: slice
    trafo_loading: str


def build_ppc_model(net: pp.pandapowerNet) -> PpcModel:
    """Run pandapower once on ``net`` (modified: results are written) and return its
    per-unit model; the demand of the net as it stands is the fixed demand.

    Raises
    ------
    UnsupportedNetworkError
        If the net holds elements the conversion does not reproduce exactly.
    pandapower.LoadflowNotConverged
        If pandapower itself does not solve the net.
    """
    pp.runpp(net, numba=False)
    ppc = net._ppc
    bus = np.real(ppc["bus"]).copy()
    branch = np.real(ppc["branch"]).copy()
    gen = np.real(ppc["gen"])
    reason = _unsupported(net, ppc, bus, branch, gen)
    if reason:
        raise UnsupportedNetworkError(reason)
    base_mva = float(ppc["baseMVA"])
    ybus, yf, yt = makeYbus(base_mva, bus, branch)
    ext_gen = net._pd2ppc_lookups["ext_grid"][net.ext_grid.index.to_numpy()]
    ref_bus = gen[ext_gen, GEN_BUS].astype(np.int64)
    lookups = net._pd2ppc_lookups["branch"]
    return PpcModel(
        base_mva=base_mva,
        bus=bus,
        branch=branch,
        active=bus[:, idx_bus.BUS_TYPE] != idx_bus.NONE,
        ybus=sparse.csr_matrix(ybus),
        yf=sparse.csr_matrix(yf),
        yt=sparse.csr_matrix(yt),
        ref_bus=ref_bus,
        ref_v_pu=bus[ref_bus, idx_bus.VM] * np.exp(1j * np.deg2rad(bus[ref_bus, idx_bus.VA])),
        bus_lookup=net._pd2ppc_lookups["bus"][net.bus.index.to_numpy()],
        line_rows=slice(*lookups.get("line", (0, 0))),
        trafo_rows=slice(*lookups.get("trafo", (0, 0))),
        trafo_loading=str(net._options["trafo_loading"]),
    )


def _unsupported(
    net: pp.pandapowerNet, ppc: dict, bus: np.ndarray, branch: np.ndarray, gen: np.ndarray
) -> str:
    """Why the ppc cannot be converted exactly ('' if it can)."""
    if (bus[:, idx_bus.BUS_TYPE] == idx_bus.PV).any():
        return "voltage-controlled (PV) generators"
    if np.abs(bus[:, [idx_bus.CID_P, idx_bus.CZD_P, idx_bus.CID_Q, idx_bus.CZD_Q]]).sum() > 0:
        return "voltage-dependent loads"
    if np.abs(branch[:, [idx_brch.BR_R_ASYM, idx_brch.BR_X_ASYM]]).sum() > 0:
        return "branches with asymmetric series impedance"
    closed = branch[:, idx_brch.BR_STATUS] > 0
    if ((branch[closed, idx_brch.BR_R] == 0) & (branch[closed, idx_brch.BR_X] == 0)).any():
        return "zero-impedance branches"
    if net._options.get("distributed_slack"):
        return "distributed slack"
    ref_gens = gen[gen[:, GEN_STATUS] > 0, GEN_BUS].astype(np.int64)
    if not net.ext_grid["in_service"].all() or len(ref_gens) != len(net.ext_grid):
        return "out-of-service ext_grids or slack generators"
    if len(np.unique(ref_gens)) != len(ref_gens):
        return "several ext_grids at one bus"
    for table in _UNSUPPORTED_PPC_TABLES:
        if len(ppc.get(table, ())):
            return f"ppc table {table!r} is not empty"
    return ""


def injection_matrix(net: pp.pandapowerNet, table: str, labels: np.ndarray) -> sparse.csr_matrix:
    """(n_elements, n_ppc_bus) map of element power to bus demand as pandapower builds
    it: ``p_mw * scaling`` for elements in service at an energised bus, else 0.

    Call after :func:`build_ppc_model` on the same net.
    """
    shape = (len(labels), int(net._ppc["bus"].shape[0]))
    if not len(labels):
        return sparse.csr_matrix(shape)
    df = net[table]
    rows = df.index.get_indexer(labels)
    weight = df["scaling"].to_numpy(float)[rows] * np.asarray(net._is_elements[table])[rows]
    cols = net._pd2ppc_lookups["bus"][df["bus"].to_numpy()[rows]]
    return sparse.csr_matrix((weight, (np.arange(len(labels)), cols)), shape=shape)
