"""The compile of a model into array form: the terms of hand-written expressions,
and every LP vector of built dispatch models checked against Pyomo's own
evaluation of the same model at random parameter and variable values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyomo.environ as pyo
import pytest

from dispatch.gc_pause import gc_paused
from dispatch.inputs import DispatchInputs, DispatchOptions
from dispatch.lp_compile import CompiledLP, compile_lp
from dispatch.lp_terms import NotAffineError, collect_terms
from dispatch.model import build_model
from tests.dispatch.test_update import SeededCase


def _model() -> tuple[pyo.ConcreteModel, dict[int, int], dict[int, int]]:
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var()
    m.z = pyo.Var(initialize=2.0)
    m.z.fix()
    m.p = pyo.Param([0, 1], mutable=True, initialize={0: 2.0, 1: 3.0})
    columns = {id(m.x): 0, id(m.y): 1}
    position = {id(m.p[0]): 0, id(m.p[1]): 1}
    return m, columns, position


def test_terms_of_hand_written_expressions() -> None:
    m, cols, pos = _model()
    assert collect_terms(3 * m.x + m.p[0] * m.y - 2 * m.p[1] + 4, cols, pos) == {
        (0, -1): 3.0,
        (1, 0): 1.0,
        (-1, 1): -2.0,
        (-1, -1): 4.0,
    }
    # a product of two sums is multiplied out; a fixed variable is a constant
    terms = collect_terms((m.p[0] + 1) * (m.x + m.z), cols, pos)
    assert terms == pytest.approx({(0, 0): 1.0, (0, -1): 1.0, (-1, 0): 2.0, (-1, -1): 2.0})
    # negation, division by a number, nested Expressions, scaling
    m.e = pyo.Expression(expr=-(m.x - m.p[1]) / 4.0)
    assert collect_terms(m.e * 2.0, cols, pos, scale=2.0) == pytest.approx(
        {(0, -1): -1.0, (-1, 1): 1.0}
    )
    # terms accumulate into a given dict
    out = collect_terms(m.x, cols, pos)
    collect_terms(m.x + m.y, cols, pos, out=out)
    assert out == {(0, -1): 2.0, (1, -1): 1.0}


@pytest.mark.parametrize(
    "make_expr, message",
    [
        (lambda m: m.x * m.y, "product of variables"),
        (lambda m: m.p[0] * m.p[1] * m.x, "product of parameters"),
        (lambda m: m.x / m.p[0], "division"),
        (lambda m: pyo.exp(m.x), "not affine"),
    ],
    ids=["variables", "parameters", "division", "function"],
)
def test_terms_that_are_not_affine_are_refused(
    make_expr: Callable[[Any], Any], message: str
) -> None:
    m, cols, pos = _model()
    with pytest.raises(NotAffineError, match=message):
        collect_terms(make_expr(m), cols, pos)


def _matrix_at(lp: CompiledLP, params: np.ndarray) -> np.ndarray:
    a = lp.matrix.toarray()
    a[lp.coef_rows, lp.coef_cols] = lp.coef.at(params)
    return a


def _assert_lp_equals_pyomo(m: pyo.ConcreteModel, lp: CompiledLP, seed: int) -> None:
    """Set random parameter values and column values; compare every compiled
    quantity with Pyomo's value of the model's own expressions."""
    rng = np.random.default_rng(seed)
    params = rng.uniform(0.5, 2.0, len(lp.params))
    for p, v in zip(lp.params, params, strict=True):
        p.set_value(float(v))
    variables = list(m.component_data_objects(pyo.Var, active=True))
    x = rng.uniform(-1.0, 1.0, len(variables))
    for v, value in zip(variables, x, strict=True):
        if not v.fixed:
            v.set_value(float(value), skip_validation=True)
    x = np.array([pyo.value(v) for v in variables])
    assert [lp.columns[id(v)] for v in variables] == list(range(len(variables)))
    lower, upper = lp.col_lower.at(params), lp.col_upper.at(params)
    for j, v in enumerate(variables):
        if not v.fixed:
            want_lo = -np.inf if v.lower is None else pyo.value(v.lower)
            want_up = np.inf if v.upper is None else pyo.value(v.upper)
            assert (lower[j], upper[j]) == pytest.approx((want_lo, want_up), abs=1e-12)
    ax = _matrix_at(lp, params) @ x
    row_lo, row_up = lp.row_lower.at(params), lp.row_upper.at(params)
    constraints = list(m.component_data_objects(pyo.Constraint, active=True))
    assert len(constraints) == lp.n_rows
    for c in constraints:
        i = lp.rows[id(c)]
        body = pyo.value(c.body)
        # compiled: row_lower = lower - constant(body), A x = body - constant(body)
        if c.lower is not None:
            assert ax[i] - row_lo[i] == pytest.approx(body - pyo.value(c.lower), abs=1e-9)
        else:
            assert row_lo[i] == -np.inf
        if c.upper is not None:
            assert row_up[i] - ax[i] == pytest.approx(pyo.value(c.upper) - body, abs=1e-9)
        else:
            assert row_up[i] == np.inf
    objective = next(iter(m.component_data_objects(pyo.Objective, active=True)))
    got = lp.cost.at(params) @ x + lp.offset.at(params)[0]
    assert got == pytest.approx(pyo.value(objective.expr), rel=1e-12, abs=1e-9)
    for name, form in lp.forms.items():
        assert form.value(params, x) == pytest.approx(pyo.value(m.component(name)), abs=1e-9)


@pytest.mark.parametrize("network_model", ["copperplate", "dc", "lindistflow"])
def test_compiled_vectors_equal_pyomo_at_random_values(
    make_inputs: Callable[..., DispatchInputs], network_model: str
) -> None:
    case = SeededCase(make_inputs, 12, network_model)
    m = build_model(case(case.index), network_model)
    lp = compile_lp(m, ("cost_eur", "emissions_tco2"))
    assert lp.n_rows > 0 and lp.cost.jac.nnz > 0 and lp.row_lower.jac.nnz > 0
    _assert_lp_equals_pyomo(m, lp, seed=1)


def test_compiled_commitment_equals_pyomo_at_random_values(
    make_random_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
) -> None:
    """Unit commitment: coefficients that are parameters (``p_max_mw * on``)."""
    units = {"g": {"p_min_mw": 1.0, "p_max_mw": 3.0, "cost_eur_per_mwh": 40.0}}
    options = DispatchOptions(unit_commitment=True)
    x = with_conventional(make_random_inputs(3, n=6), units, options=options)
    m = build_model(x)
    lp = compile_lp(m, ("cost_eur",))
    assert len(lp.coef_rows) > 0 and lp.integrality.any()
    _assert_lp_equals_pyomo(m, lp, seed=2)


def test_the_collector_is_paused_only_inside() -> None:
    import gc

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner pause does not end the outer one
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
