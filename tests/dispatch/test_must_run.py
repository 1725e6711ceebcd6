"""A must-run unit holds its minimum output without unit commitment (and is on in
every step with it); hand-computed on two hours with cheap imports."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from dispatch.builtin import with_frames
from dispatch.components.conventional import MUST_RUN
from dispatch.inputs import DispatchInputs, DispatchOptions

TOL_MW = 1e-6


def _inputs(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
    must_run: float,
    unit_commitment: bool = False,
) -> DispatchInputs:
    """Demand 5 MW, import at 50 EUR/MWh; unit ``g`` (3..10 MW) costs 100 EUR/MWh."""
    x = make_inputs([5.0, 5.0], import_price=50.0)
    options = DispatchOptions(unit_commitment=unit_commitment)
    x = with_conventional(x, {"g": {"p_min_mw": 3.0, "cost_eur_per_mwh": 100.0}}, options=options)
    table = x.assets["conventional"].units.assign(**{MUST_RUN: must_run})
    return with_frames(x, conventional=table)


@pytest.mark.parametrize("unit_commitment", [False, True])
def test_must_run_unit_holds_its_minimum(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
    run_dispatch: Callable[..., object],
    unit_commitment: bool,
) -> None:
    solved = run_dispatch(_inputs(make_inputs, with_conventional, 1.0, unit_commitment))
    r = solved.result  # type: ignore[attr-defined]
    np.testing.assert_allclose(r.conventional_p_mw["g"], [3.0, 3.0], atol=TOL_MW)
    np.testing.assert_allclose(r.conventional_on["g"], [1.0, 1.0])
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], [2.0, 2.0], atol=TOL_MW)
    assert r.objective_eur == pytest.approx(2 * (3.0 * 100.0 + 2.0 * 50.0), rel=1e-9)


def test_a_unit_free_to_stop_stays_off(
    make_inputs: Callable[..., DispatchInputs],
    with_conventional: Callable[..., DispatchInputs],
    run_dispatch: Callable[..., object],
) -> None:
    r = run_dispatch(_inputs(make_inputs, with_conventional, 0.0)).result  # type: ignore[attr-defined]
    np.testing.assert_allclose(r.conventional_p_mw["g"], [0.0, 0.0], atol=TOL_MW)
    assert r.objective_eur == pytest.approx(2 * 5.0 * 50.0, rel=1e-9)
