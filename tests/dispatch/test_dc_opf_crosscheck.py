"""Cross-check of our ``dc`` dispatch against pandapower's own DC OPF (``rundcopp``).

One hour of ``case30`` and ``case118`` (and ``case118`` with its branch limits
tightened to 2.5 % loading so that lines and a transformer bind): every generator and
the external grid get a distinct linear cost and become conventional units of our
model; loads are fixed; our grid connection is closed (its limits are 0), so the
external grid is only the conventional unit at the slack bus. Both sides must find
the same objective, locational prices, generator outputs and branch flows.

Making both sides the same problem:

- **Tap ratios.** pandapower's DC model uses the series susceptance
  :math:`1/(x \\tau)` of a branch with off-nominal ratio :math:`\\tau`
  (``pandapower.pypower.makeBdc.calc_b_from_branch``); our ``dc`` model uses
  ``base_mva / x_pu`` and ignores ``tap_ratio``. Until ``dispatch/network.py``
  divides by the tap ratio, our side gets ``x_pu * tap_ratio``
  (:data:`OUR_DC_IGNORES_TAP`).
- **Transformer magnetising branch.** ``rundcopp`` always uses the T model of a
  transformer; where ``i0_percent`` or ``pfe_kw`` is non-zero its star-delta
  conversion changes the series reactance of the pi equivalent (case118's four
  345/161 kV transformers carry line charging as negative ``i0_percent``). Our
  topology uses the short-circuit reactance only, so the magnetising data are set
  to zero in the pandapower net (the DC model ignores shunts otherwise).
- **Branch limits.** pandapower's ``RATE_A`` is ``max_loading_percent / 100 *
  max_i_ka * df * parallel * sqrt(3) * vn_kv(from bus)`` for a line and
  ``max_loading_percent / 100 * sn_mva * df * parallel`` for a transformer; a
  test asserts our ``rate_mva`` equals it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandas as pd
import pytest

from dispatch.builtin import window_inputs
from dispatch.components.conventional import CONVENTIONAL_COLUMNS
from dispatch.components.storage import STORAGE_COLUMNS
from dispatch.extract import DispatchResult, extract
from dispatch.inputs import DispatchInputs, DispatchOptions, NetworkInputs
from dispatch.model import build_model
from dispatch.solve import solve
from grid.topology import NetworkData, network_data

#: relative tolerance on the objective [-]
REL_TOL_OBJECTIVE = 1e-6
#: tolerance on locational prices [EUR/MWh]
TOL_LMP = 1e-4
#: tolerance on generator outputs and branch flows (pandapower solves with an interior
#: point method to its default tolerances) [MW]
TOL_P_MW = 1e-4
#: tolerance on branch limits [MVA]
TOL_RATE_MVA = 1e-9
#: a branch flow within this of its limit counts as binding [MW]
TOL_BINDING_MW = 1e-4
#: linear costs of the units, spread over this range and shuffled [EUR/MWh]
COST_RANGE_EUR_PER_MWH = (10.0, 60.0)
COST_SEED = 0
#: a congested case has prices differing by more than this between buses [EUR/MWh]
MIN_LMP_SPREAD_EUR_PER_MWH = 1.0
#: a branch counts as tapped if its ratio differs from 1 by more than this [-]
MIN_TAP_DEVIATION = 1e-3
#: a tapped case carries more than this through some tapped transformer [MW]
MIN_TAPPED_FLOW_MW = 10.0
#: loading limit of every branch in the congested case118 variant [%]
CONGESTED_LOADING_PERCENT = 2.5
#: our ``dc`` model neglects tap ratios (dispatch/network.py); compensate in x_pu
OUR_DC_IGNORES_TAP = False
#: slack costs far above any price, so shedding never replaces generation [EUR/MWh]
SLACK_COST_EUR_PER_MWH = 1e5


@dataclass(frozen=True)
class Case:
    """A prepared pandapower net and the name and cost of each unit."""

    net: pp.pandapowerNet
    units: dict[str, tuple[str, int]]  # our unit name -> (pandapower table, index)
    cost_eur_per_mwh: dict[str, float]


@dataclass(frozen=True)
class CaseSpec:
    """How to make a case and what it is expected to exercise."""

    make_net: Callable[[], pp.pandapowerNet]
    loading_percent: float | None  # overrides every branch's max_loading_percent
    congested: bool  # some branch binds and prices differ between buses
    tapped: bool  # transformers with off-nominal ratios carry power


CASES = {
    "case30": CaseSpec(pn.case30, None, congested=True, tapped=False),
    "case118": CaseSpec(pn.case118, None, congested=False, tapped=True),
    "case118-congested": CaseSpec(pn.case118, CONGESTED_LOADING_PERCENT, True, True),
}


def prepare(make_net: Callable[[], pp.pandapowerNet], loading_percent: float | None) -> Case:
    """The net with unique names, one distinct linear cost per unit, non-negative
    minimum outputs, fixed loads and no transformer magnetising branch."""
    net = make_net()
    for table in ("bus", "line", "trafo", "load"):
        net[table]["name"] = [f"{table} {i}" for i in net[table].index]
    net.poly_cost = net.poly_cost.iloc[0:0]
    units = {f"{et} {i}": (et, int(i)) for et in ("ext_grid", "gen") for i in net[et].index}
    rng = np.random.default_rng(COST_SEED)
    costs = rng.permutation(np.linspace(*COST_RANGE_EUR_PER_MWH, len(units)))
    cost = {name: float(c) for name, c in zip(units, costs, strict=True)}
    for name, (et, i) in units.items():
        pp.create_poly_cost(net, i, et, cp1_eur_per_mw=cost[name])
    for et in ("ext_grid", "gen"):
        net[et]["min_p_mw"] = net[et]["min_p_mw"].clip(lower=0.0)
    net.load["controllable"] = False
    net.trafo["i0_percent"] = 0.0
    net.trafo["pfe_kw"] = 0.0
    if loading_percent is not None:
        net.line["max_loading_percent"] = loading_percent
        net.trafo["max_loading_percent"] = loading_percent
    return Case(net=net, units=units, cost_eur_per_mwh=cost)


def dispatch_inputs(case: Case, nd: NetworkData) -> DispatchInputs:
    """The same hour as a ``dc`` dispatch: units as conventional units, fixed loads."""
    net = case.net
    index = pd.date_range("2016-01-01", periods=1, freq="h", tz="UTC", name="time")
    loads = net.load[net.load["in_service"].astype(bool)]
    load_p_mw = pd.DataFrame(
        [loads["p_mw"].to_numpy() * loads["scaling"].to_numpy()],
        index=index,
        columns=loads["name"].to_numpy(),
    )
    rows = {}
    for name, (et, i) in case.units.items():
        row = net[et].loc[i]
        rows[name] = {
            "bus": net.bus.at[row["bus"], "name"],
            "p_min_mw": float(row["min_p_mw"]),
            "p_max_mw": float(row["max_p_mw"]),
            "cost_eur_per_mwh": case.cost_eur_per_mwh[name],
            "ef_tco2_per_mwh": 0.0,
            "ramp_up_mw_per_h": float("inf"),
            "ramp_down_mw_per_h": float("inf"),
            "min_up_h": 0.0,
            "min_down_h": 0.0,
            "start_cost_eur": 0.0,
        }
    conventional = pd.DataFrame.from_dict(rows, orient="index", columns=list(CONVENTIONAL_COLUMNS))
    branches = nd.branches.copy()
    if OUR_DC_IGNORES_TAP:
        branches["x_pu"] = branches["x_pu"] * branches["tap_ratio"]
    network = NetworkInputs(
        base_mva=nd.base_mva,
        bus_table=nd.bus_table,
        branches=branches,
        bus_map=nd.bus_map,
        slack_bus=str(nd.bus_map[nd.ext_grid_bus]),
        slack_vm_pu=nd.slack_vm_pu,
    )
    storage = pd.DataFrame(columns=list(STORAGE_COLUMNS)).astype(
        {c: float for c in STORAGE_COLUMNS if c != "bus"}
    )
    zero = [0.0]
    return window_inputs(
        dt_h=1.0,
        load_p_mw=load_p_mw,
        load_bus=nd.load_bus,
        renewable_p_mw=pd.DataFrame(index=index, columns=pd.Index([], dtype=object), dtype=float),
        renewable_bus=pd.Series(dtype=object),
        storage=storage,
        storage_e_initial_mwh=pd.Series(dtype=float),
        grid=pd.DataFrame(
            {
                "import_price_eur_per_mwh": zero,
                "export_price_eur_per_mwh": zero,
                "ef_tco2_per_mwh": zero,
            },
            index=index,
        ),
        ext_grid_bus=nd.ext_grid_bus,
        import_max_mw=0.0,
        export_max_mw=0.0,
        options=DispatchOptions(
            network_model="dc",
            voll_eur_per_mwh=SLACK_COST_EUR_PER_MWH,
            overgeneration_cost_eur_per_mwh=SLACK_COST_EUR_PER_MWH,
            curtailment_cost_eur_per_mwh=0.0,
        ),
        network=network,
        conventional=conventional,
    )


@dataclass(frozen=True)
class CrossCheck:
    """A case solved by pandapower (results in ``case.net``) and by our dispatch."""

    spec: CaseSpec
    case: Case
    nd: NetworkData
    ours: DispatchResult


@pytest.fixture(scope="module", params=list(CASES))
def crosscheck(request: pytest.FixtureRequest) -> CrossCheck:
    spec = CASES[request.param]
    case = prepare(spec.make_net, spec.loading_percent)
    nd = network_data(case.net)
    x = dispatch_inputs(case, nd)
    pp.rundcopp(case.net)
    m = build_model(x)
    solve(m)
    return CrossCheck(spec=spec, case=case, nd=nd, ours=extract(m, x))


def pandapower_rate_mva(net: pp.pandapowerNet) -> pd.Series:
    """``RATE_A`` of pandapower's OPF per branch name [MVA] (build_branch.py).

    pandapower leaves a branch table without ``max_loading_percent`` unlimited,
    while our topology assumes 100 %; the cases here always have the column."""
    parts = []
    for table, rating_mva in (
        (
            "line",
            lambda t: t["max_i_ka"] * np.sqrt(3.0) * net.bus.loc[t["from_bus"], "vn_kv"].to_numpy(),
        ),
        ("trafo", lambda t: t["sn_mva"]),
    ):
        t = net[table]
        if t.empty:
            continue
        assert "max_loading_percent" in t.columns, f"{table} has no max_loading_percent"
        limit = t["max_loading_percent"] / 100.0 * rating_mva(t) * t["df"] * t["parallel"]
        parts.append(pd.Series(limit.to_numpy(dtype=float), index=t["name"].to_numpy()))
    return pd.concat(parts)


def test_both_sides_pose_the_same_problem(crosscheck: CrossCheck) -> None:
    """Same branch limits, no shunt conductance (pandapower's DC OPF counts it as
    load), no other injections, and every unit with a linear cost only."""
    net, nd = crosscheck.case.net, crosscheck.nd
    expected = pandapower_rate_mva(net)
    np.testing.assert_allclose(
        nd.branches["rate_mva"].reindex(expected.index), expected, atol=TOL_RATE_MVA
    )
    assert (net.shunt["p_mw"] == 0.0).all()
    assert net.sgen.empty and net.storage.empty and net.dcline.empty
    assert len(net.poly_cost) == len(crosscheck.case.units)
    assert (net.poly_cost["cp2_eur_per_mw2"] == 0.0).all()
    assert net.poly_cost["cp1_eur_per_mw"].nunique() == len(crosscheck.case.units)


def test_objective_matches_pandapower(crosscheck: CrossCheck) -> None:
    r, net = crosscheck.ours, crosscheck.case.net
    assert r.shed_p_mw.to_numpy().max() < TOL_P_MW
    assert r.overgen_p_mw.to_numpy().max() < TOL_P_MW
    assert r.objective_eur == pytest.approx(float(net.res_cost), rel=REL_TOL_OBJECTIVE)


def test_lmps_match_pandapower(crosscheck: CrossCheck) -> None:
    r, net, nd = crosscheck.ours, crosscheck.case.net, crosscheck.nd
    node = nd.bus_map.reindex(net.bus["name"]).to_numpy()
    ours = r.lmp_eur_per_mwh.iloc[0].reindex(node).to_numpy()
    np.testing.assert_allclose(ours, net.res_bus["lam_p"].to_numpy(), atol=TOL_LMP)


def test_unit_outputs_and_branch_flows_match_pandapower(crosscheck: CrossCheck) -> None:
    r, case = crosscheck.ours, crosscheck.case
    net = case.net
    theirs = pd.Series(
        {name: float(net[f"res_{et}"].at[i, "p_mw"]) for name, (et, i) in case.units.items()}
    )
    ours = r.conventional_p_mw.iloc[0].reindex(theirs.index)
    np.testing.assert_allclose(ours, theirs, atol=TOL_P_MW)
    flows = pd.concat(
        [
            net.res_line["p_from_mw"].set_axis(net.line["name"]),
            net.res_trafo["p_hv_mw"].set_axis(net.trafo["name"]),
        ]
    )
    np.testing.assert_allclose(r.branch_p_mw.iloc[0].reindex(flows.index), flows, atol=TOL_P_MW)


def test_the_cases_exercise_congestion_and_tap_ratios(crosscheck: CrossCheck) -> None:
    """The cross-check proves little unless, where expected, branches bind and prices
    differ between buses, and transformers with off-nominal ratios carry power."""
    r, nd, spec = crosscheck.ours, crosscheck.nd, crosscheck.spec
    flows = r.branch_p_mw.iloc[0]
    rate = nd.branches["rate_mva"].reindex(flows.index)
    binding = flows.index[flows.abs() > rate - TOL_BINDING_MW]
    lmp = r.lmp_eur_per_mwh.iloc[0]
    assert (len(binding) > 0) == spec.congested
    assert (lmp.max() - lmp.min() > MIN_LMP_SPREAD_EUR_PER_MWH) == spec.congested
    tapped = nd.branches.index[(nd.branches["tap_ratio"] - 1.0).abs() > MIN_TAP_DEVIATION]
    tapped_flow_mw = float(flows.reindex(tapped).abs().max()) if len(tapped) else 0.0
    assert (tapped_flow_mw > MIN_TAPPED_FLOW_MW) == spec.tapped
