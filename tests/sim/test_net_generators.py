"""The grid's own generators (pandapower ``gen``) as dispatchable units, with their
limits and ``poly_cost`` read from the net: one hour of ``dc`` dispatch of ``case9``
and ``case118`` through the simulator gives pandapower's ``rundcopp`` objective, with
linear costs within 1e-6, with their own quadratic costs solved exactly (a QP)
within 1e-6 and as linear segments within the bound of the segments, and with
piecewise-linear costs (``pwl_cost``, the external grid's too) within 1e-6.

Making both sides the same problem (as in ``tests/dispatch/test_dc_opf_crosscheck.py``):
constant cost terms are set to zero (and, for the linear case, the quadratic ones),
transformer
magnetising data to zero (our ``dc`` model uses the series reactance), and the
external grid's own linear cost becomes the case's import and export price, its
``min_p_mw`` / ``max_p_mw`` the connection's limits (a positive ``min_p_mw``, a
minimum import our connection cannot express, is set to 0 on both sides).
"""

from __future__ import annotations

from pathlib import Path

import pandapower as pp
import pandapower.networks as pn
import pytest

from dispatch.components.cost_segments import max_error_eur_per_h
from sim.case import CaseError, load_case
from sim.kpis import all_kpis
from sim.pipeline import run

REL_TOL = 1e-6
#: linear segments per quadratic cost in the quadratic comparison
SEGMENTS = 100


def _linear_net(
    name: str, tmp_path: Path, quadratic: bool = False
) -> tuple[Path, dict[str, float]]:
    net = getattr(pn, name)()
    if not quadratic:
        net.poly_cost["cp2_eur_per_mw2"] = 0.0
    # the grid connection's cost is linear (its price): so is the external grid's
    net.poly_cost.loc[net.poly_cost["et"] == "ext_grid", "cp2_eur_per_mw2"] = 0.0
    net.poly_cost["cp0_eur"] = 0.0
    net.poly_cost["cq2_eur_per_mvar2"] = 0.0
    net.trafo["i0_percent"] = 0.0
    net.trafo["pfe_kw"] = 0.0
    # our connection has no minimum import: case9's external grid must take 10 MW
    net.ext_grid["min_p_mw"] = net.ext_grid["min_p_mw"].clip(upper=0.0)
    eg = net.poly_cost[net.poly_cost["et"] == "ext_grid"].iloc[0]
    ext = net.ext_grid.iloc[0]
    grid = {
        "price": float(eg["cp1_eur_per_mw"]),
        "import_max_mw": float(ext["max_p_mw"]),
        "export_max_mw": -float(ext["min_p_mw"]),
    }
    path = tmp_path / f"{name}.json"
    pp.to_json(net, str(path))
    return path, grid


def _case_file(tmp_path: Path, grid_json: Path, g: dict[str, float] | None) -> Path:
    """A one-hour dc case; with ``g`` None the external grid's price and limits come
    from the net."""
    grid = (
        ""
        if g is None
        else (
            f"  import_price_eur_per_mwh: {{constant: {g['price']}}}\n"
            f"  export_price_eur_per_mwh: {{constant: {g['price']}}}\n"
            f"  import_max_mw: {g['import_max_mw']}\n"
            f"  export_max_mw: {g['export_max_mw']}\n"
        )
    )
    path = tmp_path / "case.yaml"
    path.write_text(
        "name: opf\n"
        'time: {start: "2024-01-01T00:00:00Z", end: "2024-01-01T01:00:00Z"}\n'
        f"grid: {{pandapower_json: {grid_json.name}}}\n"
        "profiles: {source: constant}\n"
        "external_grid:\n"
        "  ef_tco2_per_mwh: {constant: 0.0}\n"
        f"{grid}"
        "dispatch: {network_model: dc, window_h: 1, horizon_h: 1, voll_eur_per_mwh: 100000}\n"
        "output: {plots: false}\n"
    )
    return path


@pytest.mark.parametrize("from_net", [False, True])
@pytest.mark.parametrize("name", ["case9", "case118"])
def test_dc_dispatch_of_net_generators_equals_rundcopp(
    name: str, from_net: bool, tmp_path: Path
) -> None:
    """The external grid's price and limits given in the case, or read from the net."""
    grid_json, g = _linear_net(name, tmp_path)
    out = run(load_case(_case_file(tmp_path, grid_json, None if from_net else g)))
    ours = out.stats.statuses[0].objective_eur
    net = pp.from_json(str(grid_json))
    pp.rundcopp(net)
    assert ours == pytest.approx(float(net.res_cost), rel=REL_TOL)
    p_gen = out.results.conventional_p_mw.iloc[0]
    assert list(p_gen.index) == [f"gen {i}" for i in net.gen.index]  # unnamed in the net
    costs = net.poly_cost["cp1_eur_per_mw"]
    if costs.is_unique:  # otherwise units of equal cost may share the load either way
        assert p_gen.to_numpy() == pytest.approx(net.res_gen["p_mw"].to_numpy(), abs=1e-3)
    assert bool(out.results.powerflow_converged.iloc[0, 0])


@pytest.mark.parametrize("name", ["case9", "case118"])
def test_exact_quadratic_net_costs_equal_rundcopp(name: str, tmp_path: Path) -> None:
    """``dispatch.quadratic_cost: exact`` solves the QP: rundcopp's objective within 1e-6."""
    grid_json, g = _linear_net(name, tmp_path, quadratic=True)
    net = pp.from_json(str(grid_json))
    pp.rundcopp(net)
    case = load_case(_case_file(tmp_path, grid_json, g), ["dispatch.quadratic_cost=exact"])
    out = run(case)
    assert out.stats.statuses[0].objective_eur == pytest.approx(float(net.res_cost), rel=REL_TOL)
    p_gen = out.results.conventional_p_mw.iloc[0]
    # a strictly convex cost has one optimum: the outputs agree too (to the tolerance
    # of pandapower's interior-point solver, a few 1e-6 of a unit's output)
    assert p_gen.to_numpy() == pytest.approx(net.res_gen["p_mw"].to_numpy(), rel=1e-5, abs=1e-3)


@pytest.mark.parametrize("name", ["case9", "case118"])
def test_quadratic_net_costs_within_the_segment_bound_of_rundcopp(
    name: str, tmp_path: Path
) -> None:
    """The segments overestimate each unit's cost by at most q (p_max / K)^2 / 4."""
    grid_json, g = _linear_net(name, tmp_path, quadratic=True)
    net = pp.from_json(str(grid_json))
    pp.rundcopp(net)
    exact = float(net.res_cost)
    pc = net.poly_cost[net.poly_cost["et"] == "gen"].set_index("element")
    q = pc["cp2_eur_per_mw2"].reindex(net.gen.index).fillna(0.0)
    bound = sum(
        max_error_eur_per_h(float(q[i]), float(net.gen.at[i, "max_p_mw"]), SEGMENTS)
        for i in net.gen.index
    )
    case = load_case(
        _case_file(tmp_path, grid_json, g),
        [f"dispatch.quadratic_cost_segments={SEGMENTS}"],
    )
    out = run(case)
    ours = out.stats.statuses[0].objective_eur
    assert exact * (1 - REL_TOL) <= ours <= exact + bound + REL_TOL * abs(exact)
    assert bound < 1e-3 * abs(exact)  # the bound is tight enough to mean something


def test_a_price_left_out_needs_the_net_cost(tmp_path: Path) -> None:
    net = pn.case9()
    net.poly_cost = net.poly_cost[net.poly_cost["et"] != "ext_grid"]
    pp.to_json(net, str(tmp_path / "case9.json"))
    with pytest.raises(CaseError, match="external_grid.import_price_eur_per_mwh: required"):
        run(load_case(_case_file(tmp_path, tmp_path / "case9.json", None)))
    net = pn.case9()  # its external grid's cost has a quadratic term
    pp.to_json(net, str(tmp_path / "case9.json"))
    with pytest.raises(CaseError, match="has a quadratic poly_cost; give the prices"):
        run(load_case(_case_file(tmp_path, tmp_path / "case9.json", None)))


def test_negative_quadratic_net_costs_are_refused_with_the_unit(tmp_path: Path) -> None:
    net = pn.case9()
    first_gen = net.poly_cost.index[net.poly_cost["et"] == "gen"][0]
    net.poly_cost.loc[first_gen, "cp2_eur_per_mw2"] = -0.1
    pp.to_json(net, str(tmp_path / "case9.json"))
    g = {"price": 5.0, "import_max_mw": 100, "export_max_mw": 100}
    path = _case_file(tmp_path, tmp_path / "case9.json", g)
    with pytest.raises(CaseError, match="grid: gen .*: poly_cost cp2_eur_per_mw2 = -0.1: a"):
        run(load_case(path))


def test_a_case_entry_gives_a_gen_its_parameters(tmp_path: Path) -> None:
    """``gen 1`` of case9 (linear costs) gets an emission factor and a cost above the
    external grid's: it then runs at 0 MW (no longer must-run), and the AC check
    still holds it as a ``gen`` at its voltage set-point."""
    grid_json, g = _linear_net("case9", tmp_path)
    path = _case_file(tmp_path, grid_json, g)
    path.write_text(
        path.read_text()
        + "conventional:\n"
        + "  - {name: gen 1, p_max_mw: 270, cost_eur_per_mwh: 100, ef_tco2_per_mwh: 0.8}\n"
    )
    out = run(load_case(path))
    r = out.results
    assert r.conventional_p_mw["gen 1"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    assert r.assets.at["gen 1", "ef_tco2_per_mwh"] == 0.8
    assert r.assets.at["gen 0", "ef_tco2_per_mwh"] == 0.0
    assert bool(r.powerflow_converged.iloc[0, 0])
    bad = path.read_text().replace("{name: gen 1,", "{name: gen 1, bus: '1',")
    path.write_text(bad)
    with pytest.raises(CaseError, match="conventional.0.bus: '1' is not the bus of gen 'gen 1'"):
        run(load_case(path))


def _pwl_net(name: str, tmp_path: Path, ranges: int = 3) -> Path:
    """The net with each gen's poly_cost replaced by a convex pwl_cost: ``ranges``
    secants of its own cost ``cp1 p + cp2 p^2`` over [0, max_p_mw]; the external
    grid's poly_cost by a pwl_cost of its one linear slope."""
    lin, _ = _linear_net(name, tmp_path, quadratic=True)
    net = pp.from_json(str(lin))
    pc = net.poly_cost
    for _, row in pc.iterrows():
        i, et = int(row["element"]), row["et"]
        if et == "gen":
            p_max = float(net.gen.at[i, "max_p_mw"])
            ends = [p_max * (k + 1) / ranges for k in range(ranges)]
            starts = [0.0, *ends[:-1]]
            c1, c2 = float(row["cp1_eur_per_mw"]), float(row["cp2_eur_per_mw2"])
            points = [[a, b, c1 + c2 * (a + b)] for a, b in zip(starts, ends, strict=True)]
        else:
            p_max = float(net.ext_grid.at[i, "max_p_mw"])
            points = [[float(net.ext_grid.at[i, "min_p_mw"]), p_max, float(row["cp1_eur_per_mw"])]]
        pp.create_pwl_cost(net, i, et, points, check=False)
    net.poly_cost = pc.iloc[0:0]
    path = tmp_path / f"{name}_pwl.json"
    pp.to_json(net, str(path))
    return path


@pytest.mark.parametrize("name", ["case9", "case118"])
def test_piecewise_linear_net_costs_equal_rundcopp(name: str, tmp_path: Path) -> None:
    """Every gen on a three-range pwl_cost, the external grid's price from its own
    pwl_cost: rundcopp's objective within 1e-6."""
    grid_json = _pwl_net(name, tmp_path)
    net = pp.from_json(str(grid_json))
    pp.rundcopp(net)
    out = run(load_case(_case_file(tmp_path, grid_json, None)))
    assert out.stats.statuses[0].objective_eur == pytest.approx(float(net.res_cost), rel=REL_TOL)
    # the realised conventional cost is the curves' cost of the dispatched output
    p_gen = out.results.conventional_p_mw.iloc[0].to_numpy()
    by_hand = 0.0
    for _, row in net.pwl_cost[net.pwl_cost["et"] == "gen"].iterrows():
        p = p_gen[list(net.gen.index).index(int(row["element"]))]
        by_hand += sum(c * min(max(p - a, 0.0), b - a) for a, b, c in row["points"])
    kpis = all_kpis(out.results, 1e5)
    assert kpis["conventional_cost_eur"] == pytest.approx(by_hand, rel=1e-9)


def test_pwl_cost_errors_name_the_gen(tmp_path: Path) -> None:
    grid = {"price": 20.0, "import_max_mw": 1000.0, "export_max_mw": 0.0}
    net = pn.case9()
    pp.create_pwl_cost(net, 0, "gen", [[0, 100, 30], [100, 300, 20]], check=False)
    pp.to_json(net, str(tmp_path / "n.json"))
    with pytest.raises(CaseError, match="gen 0: has a poly_cost and a pwl_cost"):
        run(load_case(_case_file(tmp_path, tmp_path / "n.json", grid)))
    net.poly_cost = net.poly_cost[net.poly_cost["et"] != "gen"]
    pp.to_json(net, str(tmp_path / "n.json"))
    with pytest.raises(CaseError, match="gen 0: pwl_cost: .*not convex"):
        run(load_case(_case_file(tmp_path, tmp_path / "n.json", grid)))
    net.pwl_cost = net.pwl_cost.iloc[0:0]
    pp.create_pwl_cost(net, 0, "gen", [[0, 100, 30], [100, 200, 40]])
    pp.to_json(net, str(tmp_path / "n.json"))
    with pytest.raises(CaseError, match="ends at 200.0 MW, below max_p_mw 300.0 MW"):
        run(load_case(_case_file(tmp_path, tmp_path / "n.json", grid)))
