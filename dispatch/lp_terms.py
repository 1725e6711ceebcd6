"""The terms of a model expression that is linear in its variables and affine in
its mutable parameters, collected in one walk.

A dispatch model's constraint bodies, bounds and objective are sums of terms
``coefficient * variable``, ``coefficient * parameter * variable``,
``coefficient * parameter`` and constants. :func:`collect_terms` walks a Pyomo
expression once and returns these terms as ``{(column, parameter): coefficient}``
(``-1`` where a term has no variable or no parameter), which is all
:func:`dispatch.lp_compile.compile_lp` needs. It replaces a walk of Pyomo's
standard representation followed by a second walk of every coefficient: the
node types are dispatched through a per-type table, so a node costs a dict
lookup and a few tuple operations.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import (
    DivisionExpression,
    MonomialTermExpression,
    NegationExpression,
    ProductExpression,
    SumExpression,
)

#: ``{(column or -1, parameter position or -1): coefficient}``
Terms = dict[tuple[int, int], float]

_NUMBER, _SUM, _NEG, _PROD, _DIV, _NAMED, _VAR, _PARAM, _VALUE = range(9)
#: node kind per Python type, filled as types are met
_KIND: dict[type, int] = {float: _NUMBER, int: _NUMBER, bool: _NUMBER}


class NotAffineError(ValueError):
    """A model quantity is not an affine function of the mutable parameters (or the
    model is not linear in its variables)."""


def _kind(e: Any) -> int:
    """The node kind of ``e``'s type (cached per type)."""
    t = type(e)
    kind = _KIND.get(t)
    if kind is not None:
        return kind
    if not hasattr(e, "is_expression_type"):
        kind = _NUMBER if isinstance(e, (int, float)) else -1
    elif e.is_variable_type():
        kind = _VAR
    elif e.is_parameter_type():
        kind = _PARAM
    elif e.is_named_expression_type():
        kind = _NAMED
    elif not e.is_expression_type():
        kind = _VALUE  # a numeric constant object
    elif isinstance(e, SumExpression):
        kind = _SUM
    elif isinstance(e, NegationExpression):
        kind = _NEG
    elif isinstance(e, ProductExpression):
        kind = _PROD
    elif isinstance(e, DivisionExpression):
        kind = _DIV
    else:
        kind = -1
    _KIND[t] = kind
    return kind


def _merge(a: int, b: int, what: str, expr: Any) -> int:
    """The one of ``a``, ``b`` that is set (-1: none); both set is not affine."""
    if a < 0:
        return b
    if b < 0:
        return a
    raise NotAffineError(f"product of {what} in {expr}")


def collect_terms(
    expr: Any,
    columns: dict[int, int],
    position: dict[int, int],
    out: Terms | None = None,
    scale: float = 1.0,
    named: dict[int, Terms] | None = None,
) -> Terms:
    """Add ``scale * expr`` to ``out`` as ``{(column, parameter): coefficient}``.

    Parameters
    ----------
    expr
        A number or a Pyomo expression of variables and parameters: sums,
        negations, products and divisions by a parameter-free factor, named
        Expressions. Fixed variables count as constants at their value,
        immutable parameters and parameters missing from ``position`` too.
    columns
        ``{id(VarData): column}`` of the free variables.
    position
        ``{id(ParamData): position in the parameter vector}`` of the mutable ones.
    out
        Terms to add to (a new dict by default); returned.
    scale
        Factor of every term added.
    named
        Terms of named Expressions by ``id``, reused where an Expression is met
        again and filled as Expressions are met (None: walk every one met).

    Raises
    ------
    NotAffineError
        If a term is a product of variables or of parameters, a division by a
        variable or a parameter, another operation, or a variable not in ``columns``.
    """
    terms: Terms = {} if out is None else out
    stack: list[tuple[Any, float, int, int]] = [(expr, scale, -1, -1)]
    while stack:
        e, s, col, par = stack.pop()
        kind = _KIND.get(type(e))
        if kind is None:
            kind = _kind(e)
        if kind == _NUMBER:
            if e:
                key = (col, par)
                terms[key] = terms.get(key, 0.0) + s * e
        elif kind == _SUM:
            for a in e.args:
                # the common case inline: number * free variable outside a product
                if type(a) is MonomialTermExpression and col < 0:
                    c, v = a._args_
                    if (type(c) is float or type(c) is int) and type(v) is VarData and not v.fixed:
                        j = columns.get(id(v))
                        if j is not None:
                            key = (j, par)
                            terms[key] = terms.get(key, 0.0) + s * c
                            continue
                stack.append((a, s, col, par))
        elif kind == _VAR:
            if e.fixed:
                key = (col, par)
                terms[key] = terms.get(key, 0.0) + s * float(e.value)
                continue
            if col >= 0:
                raise NotAffineError(f"product of variables in {expr}")
            j = columns.get(id(e))
            if j is None:
                raise NotAffineError(f"variable {e.name} in a parameter expression")
            key = (j, par)
            terms[key] = terms.get(key, 0.0) + s
        elif kind == _PARAM:
            k = position.get(id(e), -1)
            if k < 0:
                key = (col, par)
                terms[key] = terms.get(key, 0.0) + s * float(pyo.value(e))
                continue
            if par >= 0:
                raise NotAffineError(f"product of parameters in {expr}")
            key = (col, k)
            terms[key] = terms.get(key, 0.0) + s
        elif kind == _PROD:
            a, b = e.args
            if type(a) is float or type(a) is int:  # a monomial: number * variable
                if col < 0 and _KIND.get(type(b)) == _VAR and not b.fixed:
                    j = columns.get(id(b))
                    if j is not None:
                        key = (j, par)
                        terms[key] = terms.get(key, 0.0) + s * a
                        continue
                stack.append((b, s * a, col, par))
                continue
            stack.extend(_product(e, s, col, par, columns, position, expr))
        elif kind == _NEG:
            stack.append((e.args[0], -s, col, par))
        elif kind == _NAMED:
            if named is None:
                stack.append((e.expr, s, col, par))
                continue
            sub = named.get(id(e))
            if sub is None:
                sub = named[id(e)] = collect_terms(e.expr, columns, position, named=named)
            for (j, k), v in sub.items():
                key = (_merge(col, j, "variables", expr), _merge(par, k, "parameters", expr))
                terms[key] = terms.get(key, 0.0) + s * v
        elif kind == _DIV:
            num, den = e.args
            d = collect_terms(den, columns, position)
            if any(key != (-1, -1) for key in d):
                raise NotAffineError(f"division by a parameter or variable in {e}")
            stack.append((num, s / d.get((-1, -1), 0.0), col, par))
        elif kind == _VALUE:
            v = float(pyo.value(e))
            if v:
                key = (col, par)
                terms[key] = terms.get(key, 0.0) + s * v
        else:
            raise NotAffineError(f"{type(e).__name__} is not affine: {e}")
    return terms


def _product(
    e: Any,
    s: float,
    col: int,
    par: int,
    columns: dict[int, int],
    position: dict[int, int],
    expr: Any,
) -> list[tuple[Any, float, int, int]]:
    """The stack entries of the product ``e`` times ``s`` (with the variable
    ``col`` and parameter ``par`` of the context)."""
    a, b = e.args
    ka = _KIND.get(type(a))
    if ka == _NUMBER:
        return [(b, s * a, col, par)]
    if ka == _PARAM:  # a parameter coefficient of a monomial
        k = position.get(id(a), -1)
        if k < 0:
            return [(b, s * float(pyo.value(a)), col, par)]
        return [(b, s, col, _merge(par, k, "parameters", expr))]
    kb = _KIND.get(type(b))
    if kb == _NUMBER:
        return [(a, s * b, col, par)]
    ta = collect_terms(a, columns, position)
    if len(ta) <= 1:
        return [
            (b, s * v, _merge(col, j, "variables", expr), _merge(par, k, "parameters", expr))
            for (j, k), v in ta.items()
        ]
    tb = collect_terms(b, columns, position)
    return [
        (
            s * va * vb,
            1.0,
            _merge(_merge(col, ja, "variables", expr), jb, "variables", expr),
            _merge(_merge(par, pa, "parameters", expr), pb, "parameters", expr),
        )
        for (ja, pa), va in ta.items()
        for (jb, pb), vb in tb.items()
    ]
