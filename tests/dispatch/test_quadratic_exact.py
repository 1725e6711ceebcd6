"""Exact quadratic generation costs (``DispatchOptions(quadratic_cost="exact")``, a QP
solved by HiGHS on the array path): hand-computed optimum and prices, re-solves with
changed data equal a fresh build, and the refusals (Pyomo persistent interface)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from dispatch.array_solver import ArrayDispatchSolver
from dispatch.builtin import with_frames
from dispatch.components.conventional import QUADRATIC_COST
from dispatch.extract import DispatchResult, extract
from dispatch.inputs import DispatchInputs, DispatchOptions
from dispatch.model import build_model, update_model
from dispatch.solve import PersistentDispatchSolver
from dispatch.solve_status import DispatchSolveError, SolveStatus

TOL = 1e-6
#: unit g: cost q p^2 EUR/h (q = 1 EUR/(MW^2 h)), 0..4 MW, no linear cost
Q, P_MAX = 1.0, 4.0


def _inputs(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
    prices: list[float],
    q: float = Q,
    demand_mw: float = 3.0,
) -> DispatchInputs:
    x = make_inputs([demand_mw] * len(prices), import_price=prices)
    x = with_conventional(
        x,
        {"g": {"p_max_mw": P_MAX, "cost_eur_per_mwh": 0.0}},
        options=DispatchOptions(quadratic_cost="exact"),
    )
    return with_frames(x, conventional=x.assets["conventional"].units.assign(**{QUADRATIC_COST: q}))


def _solve(x: DispatchInputs) -> tuple[SolveStatus, DispatchResult, ArrayDispatchSolver]:
    m = build_model(x)
    solver = ArrayDispatchSolver(m)
    status = solver.solve(emission_sensitivities=True)
    return status, extract(m, x, solver.solution), solver


def test_exact_optimum_and_price_by_hand(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    """Import at 4.5 and 2 EUR/MWh against 3 MW of demand: the unit runs where its
    marginal cost 2 q p meets the price, p = 2.25 and 1 MW; cost 2.25^2 + 0.75 * 4.5
    + 1^2 + 2 * 2 = 13.4375 EUR; the price at the bus is the import price; no
    marginal emission factors for a QP (NaN)."""
    status, r, solver = _solve(_inputs(make_inputs, with_conventional, [4.5, 2.0]))
    np.testing.assert_allclose(r.conventional_p_mw["g"], [2.25, 1.0], atol=TOL)
    assert status.objective_eur == pytest.approx(13.4375, abs=TOL)
    assert solver.expression_value("cost_eur") == pytest.approx(13.4375, abs=TOL)
    np.testing.assert_allclose(r.lmp_eur_per_mwh.iloc[:, 0], [4.5, 2.0], atol=TOL)
    assert r.lmef_tco2_per_mwh.isna().all().all()


def test_the_unit_at_its_limit_and_the_import_at_zero(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    """At 10 EUR/MWh the unit would run at 5 MW but stops at p_max 4 MW (cost 16);
    at 1 MW of demand and 10 EUR/MWh it covers the demand alone (cost 1)."""
    _, r, _ = _solve(_inputs(make_inputs, with_conventional, [10.0], demand_mw=5.0))
    np.testing.assert_allclose(r.conventional_p_mw["g"], [4.0], atol=TOL)
    assert r.grid_import_p_mw["grid"].iloc[0] == pytest.approx(1.0, abs=TOL)
    status, r, _ = _solve(_inputs(make_inputs, with_conventional, [10.0], demand_mw=1.0))
    np.testing.assert_allclose(r.conventional_p_mw["g"], [1.0], atol=TOL)
    assert status.objective_eur == pytest.approx(1.0, abs=TOL)


def test_a_re_solve_with_new_data_equals_a_fresh_build(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    """New prices and a new quadratic coefficient pushed into the loaded QP give the
    optimum of a model built for them (q = 0.5: p = price / (2 q))."""
    first = _inputs(make_inputs, with_conventional, [4.5, 2.0])
    m = build_model(first)
    solver = ArrayDispatchSolver(m)
    solver.solve()
    second = _inputs(make_inputs, with_conventional, [3.0, 1.0], q=0.5)
    update_model(m, second)
    status = solver.solve()
    r = extract(m, second, solver.solution)
    np.testing.assert_allclose(r.conventional_p_mw["g"], [3.0, 1.0], atol=TOL)
    fresh, r_fresh, _ = _solve(second)
    assert status.objective_eur == pytest.approx(fresh.objective_eur, abs=TOL)
    np.testing.assert_allclose(r.conventional_p_mw, r_fresh.conventional_p_mw, atol=TOL)


def test_the_pyomo_persistent_interface_refuses_a_qp(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    m = build_model(_inputs(make_inputs, with_conventional, [4.5]))
    with pytest.raises(DispatchSolveError, match="need the array interface"):
        PersistentDispatchSolver(m)


def test_segments_stay_the_default_and_an_lp(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    x = make_inputs([3.0], import_price=[4.5])
    x = with_conventional(x, {"g": {"p_max_mw": P_MAX, "cost_eur_per_mwh": 0.0}})
    x = with_frames(x, conventional=x.assets["conventional"].units.assign(**{QUADRATIC_COST: Q}))
    assert x.options.quadratic_cost == "segments"
    assert ArrayDispatchSolver(build_model(x)).lp.quadratic is None
