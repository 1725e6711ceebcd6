"""Piecewise-linear cost curves (pandapower ``pwl_cost``) of conventional units:
the text form, the checks, and hand-computed dispatches (one segment per range of
the curve, filled in order)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from dispatch.array_solver import ArrayDispatchSolver
from dispatch.builtin import with_frames
from dispatch.components.conventional import QUADRATIC_COST
from dispatch.components.cost_curve import (
    COST_CURVE,
    CostCurveError,
    curve_cost_eur_per_h,
    format_curve,
    parse_curve,
)
from dispatch.extract import extract
from dispatch.family import DispatchInputError
from dispatch.inputs import DispatchInputs, DispatchOptions
from dispatch.model import build_model, update_model

TOL = 1e-6
#: 10 EUR/MWh up to 2 MW, 30 EUR/MWh from 2 to 4 MW
CURVE = ((2.0, 10.0), (4.0, 30.0))


def _inputs(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
    prices: list[float],
    curve: str = format_curve(CURVE),
    p_max_mw: float = 4.0,
) -> DispatchInputs:
    x = make_inputs([3.0] * len(prices), import_price=prices)
    x = with_conventional(x, {"g": {"p_max_mw": p_max_mw, "cost_eur_per_mwh": 0.0}})
    table = x.assets["conventional"].units.assign(**{QUADRATIC_COST: 0.0, COST_CURVE: curve})
    return with_frames(x, conventional=table)


def test_text_form_round_trips_and_the_cost_follows_the_curve() -> None:
    assert parse_curve(format_curve(CURVE)) == CURVE
    assert parse_curve("") == () and parse_curve(float("nan")) == ()
    cost = curve_cost_eur_per_h(CURVE, np.array([0.0, 1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_allclose(cost, [0.0, 10.0, 20.0, 50.0, 80.0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2:30 4:10", "not convex"),
        ("2:10 2:30", "must increase"),
        ("0:10", "must increase"),
        ("2:10 4:inf", "finite"),
        ("2-10", "expected 'p_mw:cost"),
    ],
)
def test_bad_curves_are_refused(text: str, message: str) -> None:
    with pytest.raises(CostCurveError, match=message):
        parse_curve(text)


@pytest.mark.parametrize(
    ("prices", "p_unit", "cost"),
    [
        # 20 EUR/MWh: the first range (10) only, 1 MW imported: 2 * 10 + 1 * 20
        ([20.0], [2.0], 40.0),
        # 40 EUR/MWh: both ranges cheaper, the unit covers 3 MW: 2 * 10 + 1 * 30
        ([40.0], [3.0], 50.0),
        # 5 EUR/MWh: import all of it
        ([5.0], [0.0], 15.0),
    ],
)
def test_dispatch_on_the_curve_by_hand(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
    prices: list[float],
    p_unit: list[float],
    cost: float,
) -> None:
    x = _inputs(make_inputs, with_conventional, prices)
    m = build_model(x)
    solver = ArrayDispatchSolver(m)
    status = solver.solve()
    r = extract(m, x, solver.solution)
    np.testing.assert_allclose(r.conventional_p_mw["g"], p_unit, atol=TOL)
    assert status.objective_eur == pytest.approx(cost, abs=TOL)


def test_new_curve_slopes_pushed_into_the_loaded_model(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    """The same number of ranges with other ends and costs: an update, not a rebuild."""
    m = build_model(_inputs(make_inputs, with_conventional, [20.0]))
    solver = ArrayDispatchSolver(m)
    solver.solve()
    second = _inputs(make_inputs, with_conventional, [20.0], curve="1:5 4:15")
    update_model(m, second)
    status = solver.solve()
    r = extract(m, second, solver.solution)
    np.testing.assert_allclose(r.conventional_p_mw["g"], [3.0], atol=TOL)
    assert status.objective_eur == pytest.approx(1 * 5 + 2 * 15, abs=TOL)


def test_a_curve_short_of_p_max_or_with_a_quadratic_cost_is_refused(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    with pytest.raises(DispatchInputError, match="ends at 4.0 MW, below p_max_mw"):
        _inputs(make_inputs, with_conventional, [20.0], p_max_mw=5.0)
    x = make_inputs([3.0], import_price=[20.0])
    x = with_conventional(x, {"g": {"p_max_mw": 4.0, "cost_eur_per_mwh": 0.0}})
    table = x.assets["conventional"].units.assign(
        **{QUADRATIC_COST: 1.0, COST_CURVE: format_curve(CURVE)}
    )
    with pytest.raises(DispatchInputError, match="a cost curve and a quadratic cost"):
        with_frames(x, conventional=table)


def test_a_curve_next_to_quadratic_segments_in_one_block(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    """g: 1 * p^2 in 4 segments of 1 MW (slopes 1, 3, 5, 7); h: 2 EUR/MWh up to 1 MW,
    then 30 (padded to 4 segments with zero width). 4 MW of demand at 4 EUR/MWh:
    g 2 MW (cost 4), h 1 MW (cost 2), import 1 MW (cost 4): 10 EUR."""
    x = make_inputs([4.0], import_price=[4.0])
    x = with_conventional(
        x,
        {
            "g": {"p_max_mw": 4.0, "cost_eur_per_mwh": 0.0},
            "h": {"p_max_mw": 4.0, "cost_eur_per_mwh": 0.0},
        },
        options=DispatchOptions(cost_segments=4),
    )
    table = x.assets["conventional"].units.assign(
        **{QUADRATIC_COST: [1.0, 0.0], COST_CURVE: ["", "1:2 4:30"]}
    )
    x = with_frames(x, conventional=table)
    m = build_model(x)
    solver = ArrayDispatchSolver(m)
    status = solver.solve()
    r = extract(m, x, solver.solution)
    np.testing.assert_allclose(r.conventional_p_mw[["g", "h"]].iloc[0], [2.0, 1.0], atol=TOL)
    assert status.objective_eur == pytest.approx(10.0, abs=TOL)
    assert len(m.conventional.SEGMENT) == 4
