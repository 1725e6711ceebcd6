"""Quadratic generation costs as linear segments: hand-computed on one hour, and
the bound on the gap to the exact quadratic optimum."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from dispatch.builtin import with_frames
from dispatch.components.conventional import QUADRATIC_COST
from dispatch.components.cost_segments import max_error_eur_per_h
from dispatch.inputs import DispatchInputs, DispatchOptions

TOL = 1e-6
#: unit g: cost 1 * p^2 EUR/h, 0..4 MW, in 4 segments of 1 MW (slopes 1, 3, 5, 7)
Q, P_MAX, K = 1.0, 4.0, 4


def _inputs(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
    import_price: float,
) -> DispatchInputs:
    x = make_inputs([3.0], import_price=import_price)
    x = with_conventional(
        x,
        {"g": {"p_max_mw": P_MAX, "cost_eur_per_mwh": 0.0}},
        options=DispatchOptions(cost_segments=K),
    )
    table = x.assets["conventional"].units.assign(**{QUADRATIC_COST: Q})
    return with_frames(x, conventional=table)


def test_segments_are_exact_at_a_breakpoint(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
    run_dispatch: Callable[..., object],
) -> None:
    """At 4 EUR/MWh the quadratic optimum 2 q p = 4 is p = 2 MW, a breakpoint: the
    unit covers 2 MW (cost 4), the import 1 MW (cost 4)."""
    r = run_dispatch(_inputs(make_inputs, with_conventional, 4.0)).result  # type: ignore[attr-defined]
    np.testing.assert_allclose(r.conventional_p_mw["g"], [2.0], atol=TOL)
    assert r.objective_eur == pytest.approx(8.0, abs=TOL)


def test_gap_to_the_quadratic_optimum_within_the_bound(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
    run_dispatch: Callable[..., object],
) -> None:
    """At 4.5 EUR/MWh: exact optimum p = 2.25 MW, cost 2.25^2 + 0.75 * 4.5 = 8.4375;
    the segments stop at 2 MW (the next costs 5): 4 + 4.5 = 8.5, within q (1 MW)^2 / 4."""
    r = run_dispatch(_inputs(make_inputs, with_conventional, 4.5)).result  # type: ignore[attr-defined]
    np.testing.assert_allclose(r.conventional_p_mw["g"], [2.0], atol=TOL)
    assert r.objective_eur == pytest.approx(8.5, abs=TOL)
    exact = 2.25**2 + 0.75 * 4.5
    assert 0.0 <= r.objective_eur - exact <= max_error_eur_per_h(Q, P_MAX, K) + TOL
