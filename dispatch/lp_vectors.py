"""Vectors affine in a model's mutable parameters, the pieces of a compiled LP
(:mod:`dispatch.lp_compile`): ``v(params) = base + jac @ params``, their
collection entry by entry, and linear forms of the variables with such
coefficients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from pyomo.core.base.param import ParamData

from dispatch.lp_terms import collect_terms

#: a term of an affine expression: constant and ``{parameter position: coefficient}``
Affine = tuple[float, dict[int, float]]


def affine_in_params(expr: Any, position: dict[int, int]) -> Affine:
    """Write ``expr`` as ``constant + sum(coef * param)`` over mutable parameters.

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
    t = type(expr)
    if t is float or t is int:
        return float(expr), {}
    if t is ParamData:  # a bound that is one parameter
        k = position.get(id(expr))
        if k is not None:
            return 0.0, {k: 1.0}
    terms = collect_terms(expr, {}, position)
    return terms.pop((-1, -1), 0.0), {k: v for (_, k), v in terms.items() if v != 0.0}


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


class Triplets:
    """The entries of an :class:`AffineVector` as they are found: base values and
    Jacobian triplets ``(position, parameter, coefficient)``."""

    __slots__ = ("base", "rows", "cols", "vals")

    def __init__(self, base: list[float]) -> None:
        self.base = base
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []

    def put(self, i: int, term: Affine, sign: float = 1.0) -> None:
        """Add ``sign * term`` to entry ``i``."""
        const, coefs = term
        self.base[i] += sign * const
        for k, v in coefs.items():
            self.rows.append(i)
            self.cols.append(k)
            self.vals.append(sign * v)

    def build(self, n_params: int) -> AffineVector:
        base = np.asarray(self.base, dtype=float)
        jac = sp.csr_matrix(
            (self.vals, (self.rows, self.cols)), shape=(len(base), n_params), dtype=float
        )
        return AffineVector(base, jac)


@dataclass(frozen=True)
class LinearForm:
    """A linear expression of the variables, ``coef(params) @ x + constant(params)``."""

    coef: AffineVector
    constant: AffineVector

    def value(self, params: np.ndarray, x: np.ndarray) -> float:
        """Value at parameter values ``params`` and column values ``x``."""
        return float(self.coef.at(params) @ x + self.constant.at(params)[0])
