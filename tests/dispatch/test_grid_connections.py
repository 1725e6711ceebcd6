"""Several connections to the external grid (a grid with two substations): the
case's limits bound their total exchange, each connection injects at its own bus;
hand-computed on a two-hour copperplate window."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from dispatch.array_solver import ArrayDispatchSolver
from dispatch.extract import extract
from dispatch.family import AssetData
from dispatch.inputs import DispatchInputs, DispatchOptions
from dispatch.model import build_model
from dispatch.solve import solve

TOL_MW = 1e-6
VOLL = 1000.0


def _two_connections(x: DispatchInputs, import_max_mw: float) -> DispatchInputs:
    d = x.assets["grid"]
    units = pd.DataFrame(
        {"bus": ["ext", "b1"], "import_max_mw": import_max_mw, "export_max_mw": np.inf},
        index=pd.Index(["north", "south"], dtype=object),
    )
    return dataclasses.replace(x, assets={**x.assets, "grid": AssetData(d.family, units, d.series)})


@pytest.mark.parametrize("array", [False, True])
def test_total_import_limit_binds_over_both_connections(
    make_inputs: Callable[..., DispatchInputs], array: bool
) -> None:
    """10 MW of demand, imports at most 6 MW in total: 4 MW shed at the VOLL."""
    options = DispatchOptions(voll_eur_per_mwh=VOLL)
    x = _two_connections(make_inputs([10.0, 10.0], import_price=50.0, options=options), 6.0)
    m = build_model(x)
    if array:  # the compiled LP, solution held as arrays
        solver = ArrayDispatchSolver(m)
        solver.solve()
        r = extract(m, x, solver.solution)
    else:
        solve(m)
        r = extract(m, x)
    imports = r.frame("grid", "import_p_mw")
    assert list(imports.columns) == ["north", "south"]
    np.testing.assert_allclose(imports.sum(axis=1), [6.0, 6.0], atol=TOL_MW)
    np.testing.assert_allclose(r.shed_p_mw.sum(axis=1), [4.0, 4.0], atol=TOL_MW)
    assert r.objective_eur == pytest.approx(2 * (6.0 * 50.0 + 4.0 * VOLL), rel=1e-9)


def test_each_connection_injects_at_its_bus(make_inputs: Callable[..., DispatchInputs]) -> None:
    x = _two_connections(make_inputs([3.0], import_price=50.0), np.inf)
    m = build_model(x)
    assert set(m.grid.BUS) == {"ext", "b1"}
    m.grid.p_import_mw["north", 0].fix(1.0)
    m.grid.p_import_mw["south", 0].fix(2.0)
    m.grid.p_export_mw["north", 0].fix(0.5)
    m.grid.p_export_mw["south", 0].fix(0.0)
    assert m.grid.injection_mw["ext", 0]() == pytest.approx(0.5)
    assert m.grid.injection_mw["b1", 0]() == pytest.approx(2.0)
