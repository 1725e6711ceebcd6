"""The grid's own generators (pandapower ``gen``) as dispatchable units, with their
limits and ``poly_cost`` read from the net: one hour of ``dc`` dispatch of ``case9``
and ``case118`` through the simulator gives pandapower's ``rundcopp`` objective.

Making both sides the same problem (as in ``tests/dispatch/test_dc_opf_crosscheck.py``):
quadratic and constant cost terms are set to zero (linear costs only), transformer
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

from sim.case import CaseError, load_case
from sim.pipeline import run

REL_TOL = 1e-6


def _linear_net(name: str, tmp_path: Path) -> tuple[Path, dict[str, float]]:
    net = getattr(pn, name)()
    net.poly_cost["cp2_eur_per_mw2"] = 0.0
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


def _case_file(tmp_path: Path, grid_json: Path, g: dict[str, float]) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(
        "name: opf\n"
        'time: {start: "2024-01-01T00:00:00Z", end: "2024-01-01T01:00:00Z"}\n'
        f"grid: {{pandapower_json: {grid_json.name}}}\n"
        "profiles: {source: constant}\n"
        "external_grid:\n"
        f"  import_price_eur_per_mwh: {{constant: {g['price']}}}\n"
        f"  export_price_eur_per_mwh: {{constant: {g['price']}}}\n"
        "  ef_tco2_per_mwh: {constant: 0.0}\n"
        f"  import_max_mw: {g['import_max_mw']}\n"
        f"  export_max_mw: {g['export_max_mw']}\n"
        "dispatch: {network_model: dc, window_h: 1, horizon_h: 1, voll_eur_per_mwh: 100000}\n"
        "output: {plots: false}\n"
    )
    return path


@pytest.mark.parametrize("name", ["case9", "case118"])
def test_dc_dispatch_of_net_generators_equals_rundcopp(name: str, tmp_path: Path) -> None:
    grid_json, g = _linear_net(name, tmp_path)
    out = run(load_case(_case_file(tmp_path, grid_json, g)))
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


def test_quadratic_net_costs_are_refused_with_the_unit(tmp_path: Path) -> None:
    net = pn.case9()
    pp.to_json(net, str(tmp_path / "case9.json"))
    path = _case_file(
        tmp_path,
        tmp_path / "case9.json",
        {"price": 5.0, "import_max_mw": 100, "export_max_mw": 100},
    )
    with pytest.raises(CaseError, match="grid: gen .*: poly_cost cp2_eur_per_mw2 = 0.085"):
        run(load_case(path))
