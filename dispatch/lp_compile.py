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

from dispatch.lp_terms import NotAffineError, collect_terms
from dispatch.lp_vectors import AffineVector, LinearForm, Triplets, affine_in_params
from dispatch.quadratic_objective import QUADRATIC_COST, QuadraticTerm, quadratic_terms

__all__ = ["NotAffineError", "CompiledLP", "affine_in_params", "compile_lp"]


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
    column_of, row_of
        Per Var and Constraint component (by ``id``): ``{index: column or row}``.
    quadratic
        Per column, the coefficient of its square in the quadratic costs
        (:mod:`dispatch.quadratic_objective`, unweighted) [EUR per unit squared];
        None for an LP. The objective adds ``quadratic_weight * quadratic @ x**2``.
    quadratic_weight
        Weight of the quadratic costs in the objective.
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
    column_of: dict[int, dict[Any, int]]
    row_of: dict[int, dict[Any, int]]
    quadratic: AffineVector | None = None
    quadratic_weight: float = 0.0

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


def _data_with_steps(
    m: pyo.ConcreteModel, ctype: Any, steps: Any
) -> tuple[list[Any], list[int], dict[int, dict[Any, int]]]:
    """The active component data of type ``ctype`` in model order (that of
    ``component_data_objects``), the position in the set ``steps`` of each one's
    step (-1 if its component is not indexed by ``steps`` or ``steps`` is None), and
    per component (by ``id``) the position of each index's data."""
    at = {t: k for k, t in enumerate(steps)} if steps is not None else {}
    objects: list[Any] = []
    out: list[int] = []
    where: dict[int, dict[Any, int]] = {}
    for comp in m.component_objects(ctype, active=True, descend_into=True):
        pos = None
        if steps is not None and comp.is_indexed():
            index_set = comp.index_set()
            if index_set is steps:
                pos = -1  # the index itself is the step
            elif hasattr(index_set, "subsets"):
                found = [i for i, sub in enumerate(index_set.subsets()) if sub is steps]
                pos = found[0] if found else None
        items = list(comp.items())
        if ctype is pyo.Constraint:
            items = [(i, c) for i, c in items if c.active]
        first = len(objects)
        where[id(comp)] = {i: first + k for k, (i, _) in enumerate(items)}
        objects.extend(obj for _, obj in items)
        if pos is None:
            out.extend([-1] * len(items))
        elif pos == -1:
            out.extend(at[i] for i, _ in items)
        else:
            out.extend(at[i[pos]] for i, _ in items)
    return objects, out, where


def _columns(
    variables: list[Any], position: dict[int, int]
) -> tuple[Triplets, Triplets, np.ndarray]:
    """Lower and upper bounds and integrality (1: integer) of the columns."""
    n = len(variables)
    lower, upper = Triplets([0.0] * n), Triplets([0.0] * n)
    integrality = np.zeros(n, dtype=np.int8)
    for j, v in enumerate(variables):
        if v.fixed:
            lower.base[j] = upper.base[j] = float(v.value)
        else:
            lb, ub = v.lower, v.upper
            lower.put(j, (-np.inf, {}) if lb is None else affine_in_params(lb, position))
            upper.put(j, (np.inf, {}) if ub is None else affine_in_params(ub, position))
        if v.is_integer():
            integrality[j] = 1
            if v.is_binary():
                lower.base[j] = max(lower.base[j], 0.0)
                upper.base[j] = min(upper.base[j], 1.0)
    return lower, upper, integrality


@dataclass
class _Rows:
    """The rows of the LP as they are compiled."""

    lower: Triplets
    upper: Triplets
    a_rows: list[int]
    a_cols: list[int]
    a_vals: list[float]
    #: matrix entries (positions in ``a_*``) with a parameter-dependent coefficient
    coef_entry: list[int]
    coef: Triplets


def _rows(constraints: list[Any], columns: dict[int, int], position: dict[int, int]) -> _Rows:
    """Compile every constraint ``lower <= body <= upper`` into matrix entries
    and row bounds ``lower - constant(body) <= linear(body) <= upper - constant(body)``."""
    n = len(constraints)
    out = _Rows(Triplets([0.0] * n), Triplets([0.0] * n), [], [], [], [], Triplets([]))
    a_rows, a_cols, a_vals = out.a_rows, out.a_cols, out.a_vals
    coef, coef_entry = out.coef, out.coef_entry
    for i, c in enumerate(constraints):
        c_lower, body, c_upper = c.to_bounded_expression()
        entry_of: dict[int, int] = {}
        coef_of: dict[int, int] = {}
        k0 = 0.0
        kp: dict[int, float] = {}
        for (j, k), v in collect_terms(body, columns, position).items():
            if v == 0.0:
                continue  # a term that cancelled or was scaled to nothing: no entry
            if j < 0:
                if k < 0:
                    k0 += v
                else:
                    kp[k] = v
                continue
            e = entry_of.get(j)
            if e is None:
                e = entry_of[j] = len(a_rows)
                a_rows.append(i)
                a_cols.append(j)
                a_vals.append(0.0)
            if k < 0:
                a_vals[e] += v
            else:
                q = coef_of.get(e)
                if q is None:
                    q = coef_of[e] = len(coef_entry)
                    coef_entry.append(e)
                    coef.base.append(0.0)
                coef.rows.append(q)
                coef.cols.append(k)
                coef.vals.append(v)
        for e, q in coef_of.items():
            coef.base[q] = a_vals[e]  # the constant part of the coefficient
        for side, bound, inf in ((out.lower, c_lower, -np.inf), (out.upper, c_upper, np.inf)):
            if bound is None:
                side.base[i] = inf
            else:
                side.put(i, affine_in_params(bound, position))
                side.put(i, (k0, kp), -1.0)
    return out


def _form(
    expr: Any, columns: dict[int, int], position: dict[int, int], named: dict[int, Any]
) -> LinearForm:
    """``coef(params) @ x + constant(params)`` of a linear expression (``named``:
    the terms of named Expressions met before, see :func:`collect_terms`)."""
    n_params = len(position)
    coef, const = Triplets([0.0] * len(columns)), Triplets([0.0])
    for (j, k), v in collect_terms(expr, columns, position, named=named).items():
        if v == 0.0:
            continue
        side, i = (coef, j) if j >= 0 else (const, 0)
        if k < 0:
            side.base[i] += v
        else:
            side.rows.append(i)
            side.cols.append(k)
            side.vals.append(v)
    return LinearForm(coef.build(n_params), const.build(n_params))


def _quadratic(
    terms: tuple[QuadraticTerm, ...], columns: dict[int, int], position: dict[int, int]
) -> AffineVector | None:
    """Per column, the summed ``factor * coef`` of its quadratic terms."""
    if not terms:
        return None
    diag = Triplets([0.0] * len(columns))
    for t in terms:
        j = columns.get(id(t.var))
        if j is None:
            raise NotAffineError(f"quadratic term of {t.var.name}: not a free variable")
        diag.put(j, affine_in_params(t.coef, position), t.factor)
    return diag.build(len(position))


def compile_lp(m: pyo.ConcreteModel, forms: tuple[str, ...] = ()) -> CompiledLP:
    """Compile model ``m`` (one active objective, minimised) into a :class:`CompiledLP`.

    Parameters
    ----------
    m
        A linear model whose parameters enter affinely, up to the diagonal
        quadratic costs it declares (:mod:`dispatch.quadratic_objective`); its set
        ``m.T`` (if any) gives the step of each column and row.
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
    steps = m.component("T")
    variables, col_step, col_of = _data_with_steps(m, pyo.Var, steps)
    columns = {id(v): j for j, v in enumerate(variables)}
    lower, upper, integrality = _columns(variables, position)
    constraints, row_step, row_of = _data_with_steps(m, pyo.Constraint, steps)
    rows = {id(c): i for i, c in enumerate(constraints)}
    r = _rows(constraints, columns, position)
    objectives = list(m.component_data_objects(pyo.Objective, active=True))
    if len(objectives) != 1 or objectives[0].sense != pyo.minimize:
        raise NotAffineError("the model needs exactly one active objective, minimised")
    # the objective sums the forms (cost, emissions): their terms are collected once
    named: dict[int, Any] = {}
    terms, weight = quadratic_terms(m)
    if terms:  # the quadratic costs are compiled from their terms, not walked
        named[id(m.component(QUADRATIC_COST))] = {}
    compiled_forms = {
        name: _form(m.component(name), columns, position, named)
        for name in forms
        if m.component(name) is not None
    }
    objective = _form(objectives[0].expr, columns, position, named)
    # entries with a parameter-dependent coefficient hold their base value in the matrix
    # until the solver writes the value at the current parameters
    matrix = sp.csc_matrix(
        (r.a_vals, (r.a_rows, r.a_cols)), shape=(len(rows), len(columns)), dtype=float
    )
    entries = np.asarray(r.coef_entry, dtype=np.int64)
    return CompiledLP(
        params=params,
        columns=columns,
        rows=rows,
        matrix=matrix,
        integrality=integrality,
        col_lower=lower.build(n_params),
        col_upper=upper.build(n_params),
        row_lower=r.lower.build(n_params),
        row_upper=r.upper.build(n_params),
        cost=objective.coef,
        offset=objective.constant,
        coef_rows=np.asarray(r.a_rows, dtype=np.int64)[entries],
        coef_cols=np.asarray(r.a_cols, dtype=np.int64)[entries],
        coef=r.coef.build(n_params),
        forms=compiled_forms,
        col_step=np.asarray(col_step, dtype=np.int64),
        column_of=col_of,
        row_of=row_of,
        row_step=np.asarray(row_step, dtype=np.int64),
        quadratic=_quadratic(terms, columns, position),
        quadratic_weight=weight,
    )
