"""Piecewise-linear cost curves of conventional units (pandapower ``pwl_cost``).

A curve gives a unit's marginal cost by output range: ``[(p_1, c_1), (p_2, c_2),
..., (p_K, c_K)]`` with ``0 < p_1 < p_2 < ... < p_K`` [MW] and slopes
``c_1 <= c_2 <= ... <= c_K`` [EUR/MWh]: the output from ``p_{k-1}`` (``p_0 = 0``)
to ``p_k`` costs ``c_k`` per MWh. The hourly cost of an output ``p`` [EUR/h] is

.. math::
    f(p) = \\sum_k c_k \\, \\min(\\max(p - p_{k-1}, 0), p_k - p_{k-1})

(pandapower's convention: the first slope holds from zero output). Non-decreasing
slopes make the curve convex, so the dispatch stays an LP (segments filled in
order, :mod:`dispatch.components.cost_segments`); a non-convex curve would need
binary variables and is refused.

In a unit table the curve is the text column :data:`COST_CURVE`,
``"p_1:c_1 p_2:c_2 ..."`` (empty: no curve), so that the table stays plain data
(written to Parquet and CSV as it is).
"""

from __future__ import annotations

import math

import numpy as np

#: optional column of the conventional-unit table: the cost curve as text (see above)
COST_CURVE = "cost_curve"

#: a curve: (end of the output range [MW], marginal cost in it [EUR/MWh]) per range
Curve = tuple[tuple[float, float], ...]


class CostCurveError(ValueError):
    """A cost curve that is not a convex piecewise-linear curve from zero output."""


def check_curve(points: Curve) -> Curve:
    """``points`` as floats, checked.

    Raises
    ------
    CostCurveError
        If there is no point, a value is not finite, the range ends do not increase
        from above 0, or the marginal costs decrease (not convex).
    """
    out = tuple((float(p), float(c)) for p, c in points)
    if not out:
        raise CostCurveError("a cost curve needs at least one (p_mw, cost_eur_per_mwh) point")
    if not all(math.isfinite(p) and math.isfinite(c) for p, c in out):
        raise CostCurveError(f"cost curve {list(out)}: values must be finite")
    ends = [p for p, _ in out]
    if ends[0] <= 0 or any(b <= a for a, b in zip(ends, ends[1:], strict=False)):
        raise CostCurveError(
            f"cost curve {list(out)}: the range ends (MW) must increase from above 0"
        )
    slopes = [c for _, c in out]
    if any(b < a for a, b in zip(slopes, slopes[1:], strict=False)):
        raise CostCurveError(
            f"cost curve {list(out)}: the marginal costs decrease, the curve is not convex "
            "(that needs binary variables, which the dispatch does not model)"
        )
    return out


def format_curve(points: Curve) -> str:
    """The text form of a curve (``""`` for none)."""
    return " ".join(f"{p!r}:{c!r}" for p, c in points)


def parse_curve(text: object) -> Curve:
    """The curve of a table cell (``""``, None or NaN: no curve), checked.

    Raises
    ------
    CostCurveError
        If the text is not ``"p:c p:c ..."`` or the curve fails :func:`check_curve`.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return ()
    try:
        points = tuple(
            (float(p), float(c)) for p, c in (item.split(":") for item in str(text).split())
        )
    except ValueError:
        raise CostCurveError(f"cost curve {text!r}: expected 'p_mw:cost p_mw:cost ...'") from None
    return check_curve(points)


def widths_and_slopes(points: Curve) -> tuple[list[float], list[float]]:
    """Width [MW] and marginal cost [EUR/MWh] of each range of a curve."""
    starts = [0.0, *(p for p, _ in points[:-1])]
    return [p - s for (p, _), s in zip(points, starts, strict=True)], [c for _, c in points]


def curve_cost_eur_per_h(points: Curve, p_mw: np.ndarray) -> np.ndarray:
    """Hourly cost [EUR/h] of outputs ``p_mw`` [MW] on a curve (0 without a curve)."""
    p = np.asarray(p_mw, dtype=float)
    cost = np.zeros_like(p)
    start = 0.0
    for end, slope in points:
        cost += slope * np.clip(p - start, 0.0, end - start)
        start = end
    return cost
