"""Compile a built dispatch model into array form: the LP of HiGHS as affine
functions of the model's mutable parameters.

A dispatch model is linear in its variables, and its data enter it affinely
through mutable Params: bounds (``p_mw <= p_available_mw``), right-hand sides
(``bus_balance``), costs (``import_price_eur_per_mwh * p_import_mw``) and, rarely,
constraint coefficients (``p_max_mw * on``). Walking the model once per build, this
module writes every LP vector as

.. math::
    v(\\pi) = v^0 + J \\pi

with :math:`\\pi` the vector of all mutable parameter values and :math:`J` a sparse
matrix, so a window's LP follows from its parameter values by one sparse product
per vector, without a walk of Pyomo expressions per window (see
:class:`dispatch.array_solver.ArrayDispatchSolver`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.core.expr.numeric_expr import (
    DivisionExpression,
    NegationExpression,
    ProductExpression,
    SumExpression,
)
from pyomo.repn import generate_standard_repn

#: a term of an affine expression: constant and ``{parameter position: coefficient}``
Affine = tuple[float, dict[int, float]]


class NotAffineError(ValueError):
    """A model quantity is not an affine function of the mutable parameters (or the
    model is not linear in its variables)."""


def affine_in_params(expr: Any, position: dict[int, int]) -> Affine:
    """Write ``expr`` as ``constant + sum(coef * param)`` over mutable parameters.

    Walks the expression tree iteratively (sums of Expressions nest deeply).

    Parameters
    ----------
    expr
        A number, a mutable or immutable Param, or a Pyomo expression of them
        (sums, negations, products and divisions by a parameter-free factor);
        variables fixed when the model was built count as constants.
    position
        ``{id(ParamData): position in the parameter vector}`` of the mutable ones.

    Raises
    ------
    NotAffineError
        If ``expr`` holds a free variable, a product of parameters or another operation.
    """
    const = 0.0
    terms: dict[int, float] = {}
    stack: list[tuple[Any, float]] = [(expr, 1.0)]
    while stack:
        e, scale = stack.pop()
        if e is None:
            raise NotAffineError("no expression")
        if isinstance(e, (int, float)) or not hasattr(e, "is_expression_type"):
            const += scale * float(e)
        elif e.is_parameter_type():
            k = position.get(id(e))
            if k is None:
                const += scale * float(pyo.value(e))
            else:
                terms[k] = terms.get(k, 0.0) + scale
        elif e.is_variable_type():
            if not e.fixed:
                raise NotAffineError(f"variable {e.name} in a parameter expression")
            const += scale * float(e.value)  # fixed when the model was built: a constant
        elif e.is_named_expression_type():
            stack.append((e.expr, scale))
        elif not e.is_expression_type():
            const += scale * float(pyo.value(e))
        elif isinstance(e, SumExpression):
            stack.extend((arg, scale) for arg in e.args)
        elif isinstance(e, NegationExpression):
            stack.append((e.args[0], -scale))
        elif isinstance(e, ProductExpression):
            a, b = e.args
            if _is_constant(a):
                stack.append((b, scale * float(pyo.value(a))))
            elif _is_constant(b):
                stack.append((a, scale * float(pyo.value(b))))
            else:
                (ca, ta), (cb, tb) = affine_in_params(a, position), affine_in_params(b, position)
                if ta and tb:
                    raise NotAffineError(f"product of parameters in {e}")
                stack.append((b, scale * ca) if not ta else (a, scale * cb))
        elif isinstance(e, DivisionExpression):
            num, den = e.args
            c, t = affine_in_params(den, position)
            if t:
                raise NotAffineError(f"division by a parameter in {e}")
            stack.append((num, scale / c))
        else:
            raise NotAffineError(f"{type(e).__name__} is not affine: {e}")
    return const, terms


def _is_constant(e: Any) -> bool:
    """Whether ``e`` is a number or an expression without mutable parameters or variables."""
    return isinstance(e, (int, float)) or not hasattr(e, "is_constant") or bool(e.is_constant())


@dataclass(frozen=True)
class AffineVector:
    """``base + jac @ params``: a vector as an affine function of the parameters."""

    base: np.ndarray
    jac: sp.csr_matrix

    def at(self, params: np.ndarray) -> np.ndarray:
        """The vector at parameter values ``params``."""
        if self.jac.nnz == 0:
            return self.base.copy()
        return self.base + self.jac @ params


class _AffineBuilder:
    """Collects the entries of an :class:`AffineVector` one position at a time."""

    def __init__(self, size: int, fill: float = 0.0) -> None:
        self.base = np.full(size, fill)
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []

    def set(self, i: int, term: Affine) -> None:
        """Entry ``i`` is ``term`` (position ``i`` must not have been given terms yet)."""
        self.base[i] = 0.0
        self.add(i, term)

    def add(self, i: int, term: Affine) -> None:
        """Add ``term`` to entry ``i``."""
        const, coefs = term
        self.base[i] += const
        for k, v in coefs.items():
            self.rows.append(i)
            self.cols.append(k)
            self.vals.append(v)

    def build(self, n_params: int) -> AffineVector:
        jac = sp.csr_matrix(
            (self.vals, (self.rows, self.cols)), shape=(len(self.base), n_params), dtype=float
        )
        return AffineVector(self.base, jac)


@dataclass(frozen=True)
class LinearForm:
    """A linear expression of the variables, ``coef(params) @ x + constant(params)``."""

    coef: AffineVector
    constant: AffineVector

    def value(self, params: np.ndarray, x: np.ndarray) -> float:
        """Value at parameter values ``params`` and column values ``x``."""
        return float(self.coef.at(params) @ x + self.constant.at(params)[0])


@dataclass(frozen=True)
class CompiledLP:
    """The LP of a dispatch model: ``min cost @ x + offset`` s.t. ``row_lower <= A x
    <= row_upper``, ``col_lower <= x <= col_upper``, ``x_j`` integer where
    ``integrality_j == 1``; every vector affine in the parameter vector.

    Attributes
    ----------
    params
        The mutable ParamData objects in parameter-vector order.
    columns, rows
        ``{id(VarData): column}`` and ``{id(ConstraintData): row}``.
    matrix
        Constraint matrix at build time (column-wise); entries that depend on
        parameters are listed in ``coef_rows``/``coef_cols`` with values ``coef``.
    forms
        Further linear expressions of the model by name (``cost_eur``,
        ``emissions_tco2``) for reporting and marginal emissions.
    col_step, row_step
        Position in ``m.T`` of the step each column and row belongs to (from its
        component's index), -1 for those without a step.
    """

    params: tuple[Any, ...]
    columns: dict[int, int]
    rows: dict[int, int]
    matrix: sp.csc_matrix
    integrality: np.ndarray
    col_lower: AffineVector
    col_upper: AffineVector
    row_lower: AffineVector
    row_upper: AffineVector
    cost: AffineVector
    offset: AffineVector
    coef_rows: np.ndarray
    coef_cols: np.ndarray
    coef: AffineVector
    forms: dict[str, LinearForm]
    col_step: np.ndarray
    row_step: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.columns)

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    def param_values(self) -> np.ndarray:
        """Current values of the model's mutable parameters, in vector order.

        Reads the stored value of each ParamData directly (``_value``, as
        :func:`dispatch.components.block_data.store_param` writes it): the public
        ``value`` property costs more than the rest of a window's data path.
        """
        return np.fromiter((p._value for p in self.params), dtype=float, count=len(self.params))

    def column_index(self, variables: Iterable[Any]) -> np.ndarray:
        """Columns of ``variables`` (VarData objects), in the given order."""
        cols = self.columns
        return np.fromiter((cols[id(v)] for v in variables), dtype=np.int64)

    def row_index(self, constraints: Iterable[Any]) -> np.ndarray:
        """Rows of ``constraints`` (ConstraintData objects), in the given order."""
        rows = self.rows
        return np.fromiter((rows[id(c)] for c in constraints), dtype=np.int64)


def _steps(objects: list[Any], steps: Any) -> np.ndarray:
    """Position in the set ``steps`` of each component data's step, -1 if its
    component is not indexed by ``steps``."""
    where: dict[int, int | None] = {}
    out = np.full(len(objects), -1, dtype=np.int64)
    for k, obj in enumerate(objects):
        parent = obj.parent_component()
        key = id(parent)
        if key not in where:
            where[key] = None
            if parent.is_indexed():
                index_set = parent.index_set()
                if index_set is steps:
                    where[key] = -1  # the index itself is the step
                elif hasattr(index_set, "subsets"):
                    found = [i for i, sub in enumerate(index_set.subsets()) if sub is steps]
                    where[key] = found[0] if found else None
        pos = where[key]
        if pos is not None:
            index = obj.index()
            out[k] = steps.ord(index if pos == -1 else index[pos]) - 1
    return out


def _bound(expr: Any, position: dict[int, int], infinite: float) -> Affine:
    return (infinite, {}) if expr is None else affine_in_params(expr, position)


def _linear(expr: Any, columns: dict[int, int], position: dict[int, int]) -> tuple[list, Affine]:
    """``([(column, Affine coefficient)], Affine constant)`` of a linear expression."""
    repn = generate_standard_repn(expr, compute_values=False, quadratic=False)
    if repn.nonlinear_expr is not None or repn.quadratic_vars:
        raise NotAffineError(f"not linear in the variables: {expr}")
    terms = [
        (columns[id(v)], affine_in_params(c, position))
        for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True)
    ]
    return terms, affine_in_params(repn.constant, position)


def _form(expr: Any, columns: dict[int, int], position: dict[int, int]) -> LinearForm:
    n_params = len(position)
    terms, constant = _linear(expr, columns, position)
    coef = _AffineBuilder(len(columns))
    for j, term in terms:
        coef.add(j, term)
    const = _AffineBuilder(1)
    const.set(0, constant)
    return LinearForm(coef.build(n_params), const.build(n_params))


def compile_lp(m: pyo.ConcreteModel, forms: tuple[str, ...] = ()) -> CompiledLP:
    """Compile model ``m`` (one active objective, minimised) into a :class:`CompiledLP`.

    Parameters
    ----------
    m
        A linear model whose parameters enter affinely.
    forms
        Names of scalar Expressions of ``m`` to compile as :class:`LinearForm` (those
        the model does not have are left out).

    Raises
    ------
    NotAffineError
        If the model is not linear in its variables, a quantity is not affine in the
        mutable parameters, or the objective is not one minimised expression.
    """
    params = tuple(
        p for p in m.component_data_objects(pyo.Param, active=True) if p.parent_component().mutable
    )
    position = {id(p): k for k, p in enumerate(params)}
    n_params = len(params)
    variables = list(m.component_data_objects(pyo.Var, active=True))
    columns = {id(v): j for j, v in enumerate(variables)}
    lower, upper = _AffineBuilder(len(variables)), _AffineBuilder(len(variables))
    integrality = np.zeros(len(variables), dtype=np.int8)
    for j, v in enumerate(variables):
        if v.fixed:
            lower.set(j, (float(v.value), {}))
            upper.set(j, (float(v.value), {}))
        else:
            lower.set(j, _bound(v.lower, position, -np.inf))
            upper.set(j, _bound(v.upper, position, np.inf))
        if v.is_integer():
            integrality[j] = 1
            lower.base[j] = max(lower.base[j], 0.0) if v.is_binary() else lower.base[j]
            upper.base[j] = min(upper.base[j], 1.0) if v.is_binary() else upper.base[j]
    constraints = list(m.component_data_objects(pyo.Constraint, active=True))
    rows = {id(c): i for i, c in enumerate(constraints)}
    row_lower, row_upper = _AffineBuilder(len(rows)), _AffineBuilder(len(rows))
    a_rows: list[int] = []
    a_cols: list[int] = []
    a_vals: list[float] = []
    coef_terms: list[Affine] = []
    coef_rows: list[int] = []
    coef_cols: list[int] = []
    for i, c in enumerate(constraints):
        terms, (k0, kp) = _linear(c.body, columns, position)
        for j, (cv, cp) in terms:
            a_rows.append(i)
            a_cols.append(j)
            a_vals.append(cv)
            if cp:
                coef_terms.append((cv, cp))
                coef_rows.append(i)
                coef_cols.append(j)
        minus_const = (-k0, {k: -v for k, v in kp.items()})
        for side, bound, inf in ((row_lower, c.lower, -np.inf), (row_upper, c.upper, np.inf)):
            side.set(i, _bound(bound, position, inf))
            if bound is not None:
                side.add(i, minus_const)
    objectives = list(m.component_data_objects(pyo.Objective, active=True))
    if len(objectives) != 1 or objectives[0].sense != pyo.minimize:
        raise NotAffineError("the model needs exactly one active objective, minimised")
    objective = _form(objectives[0].expr, columns, position)
    param_coef = _AffineBuilder(len(coef_terms))
    for k, term in enumerate(coef_terms):
        param_coef.set(k, term)
    # entries with a parameter-dependent coefficient hold their base value in the matrix
    # until the solver writes the value at the current parameters
    matrix = sp.csc_matrix((a_vals, (a_rows, a_cols)), shape=(len(rows), len(columns)), dtype=float)
    return CompiledLP(
        params=params,
        columns=columns,
        rows=rows,
        matrix=matrix,
        integrality=integrality,
        col_lower=lower.build(n_params),
        col_upper=upper.build(n_params),
        row_lower=row_lower.build(n_params),
        row_upper=row_upper.build(n_params),
        cost=objective.coef,
        offset=objective.constant,
        coef_rows=np.asarray(coef_rows, dtype=np.int64),
        coef_cols=np.asarray(coef_cols, dtype=np.int64),
        coef=param_coef.build(n_params),
        forms={
            name: _form(m.component(name), columns, position)
            for name in forms
            if m.component(name) is not None
        },
        col_step=_steps(variables, m.T),
        row_step=_steps(constraints, m.T),
    )
