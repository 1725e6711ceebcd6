"""Loss estimates in the network models: each draws the estimated branch losses from
its balances (copperplate: at the single node; dc: half at each end; lindistflow:
at the receiving end of the edge), and an updated model equals a fresh build."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from dispatch.builtin import with_frames
from dispatch.extract import extract
from dispatch.inputs import DispatchInputError, DispatchInputs, DispatchOptions, NetworkInputs
from dispatch.model import build_model, update_model
from dispatch.solve import solve

TOL_MW = 1e-6
DEMAND_MW = [1.0, 2.0, 1.5]
LOSS_MW = [0.1, 0.3, 0.2]


def two_bus_network() -> NetworkInputs:
    """Two parallel lines from the grid bus ``ext`` (node ``n0``) to ``b1`` (``n1``)."""
    return NetworkInputs(
        base_mva=10.0,
        bus_table=pd.DataFrame(
            {"vm_min_pu": [0.9, 0.9], "vm_max_pu": [1.1, 1.1]}, index=["n0", "n1"]
        ),
        branches=pd.DataFrame(
            {
                "from_bus": ["n0", "n0"],
                "to_bus": ["n1", "n1"],
                "r_pu": [0.05, 0.05],
                "x_pu": [0.1, 0.1],
                "b_pu": [0.0, 0.0],
                "tap_ratio": [1.0, 1.0],
                "rate_mva": [10.0, 10.0],
            },
            index=["line_a", "line_b"],
        ),
        bus_map=pd.Series({"ext": "n0", "b1": "n1"}),
        slack_bus="n0",
    )


def _case(make_inputs: Callable[..., DispatchInputs], model: str, losses: bool) -> DispatchInputs:
    x = make_inputs(DEMAND_MW)
    loss = None
    if losses:  # split unevenly between the parallel lines: only the sum matters
        total = np.array(LOSS_MW)
        loss = pd.DataFrame({"line_a": 0.25 * total, "line_b": 0.75 * total}, index=x.time)
    return with_frames(
        x,
        network=two_bus_network(),
        options=DispatchOptions(network_model=model),
        branch_loss_mw=loss,
    )


@pytest.mark.parametrize("model", ["copperplate", "dc", "lindistflow"])
def test_imports_cover_demand_plus_the_loss_estimate(
    make_inputs: Callable[..., DispatchInputs], model: str
) -> None:
    x = _case(make_inputs, model, losses=True)
    m = build_model(x)
    solve(m)
    r = extract(m, x)
    np.testing.assert_allclose(r.grid_import_p_mw["grid"], np.add(DEMAND_MW, LOSS_MW), atol=TOL_MW)
    if model == "dc":  # half the loss at the sending end, half at the receiving end
        sent = r.branch_p_mw.sum(axis=1)
        np.testing.assert_allclose(sent, np.add(DEMAND_MW, 0.5 * np.array(LOSS_MW)), atol=TOL_MW)
    if model == "lindistflow":  # the edge sends demand plus its losses
        np.testing.assert_allclose(
            r.branch_p_mw.sum(axis=1), np.add(DEMAND_MW, LOSS_MW), atol=TOL_MW
        )


@pytest.mark.parametrize("model", ["copperplate", "dc", "lindistflow"])
def test_updated_loss_estimates_equal_a_fresh_build(
    make_inputs: Callable[..., DispatchInputs], model: str
) -> None:
    without, with_losses = _case(make_inputs, model, False), _case(make_inputs, model, True)
    m = build_model(without)
    solve(m)
    update_model(m, with_losses)
    solve(m)
    updated = extract(m, with_losses)
    fresh_m = build_model(with_losses)
    solve(fresh_m)
    fresh = extract(fresh_m, with_losses)
    np.testing.assert_allclose(updated.grid_import_p_mw, fresh.grid_import_p_mw, atol=TOL_MW)
    update_model(m, without)  # and back: no estimate, no losses
    solve(m)
    back = extract(m, without)
    np.testing.assert_allclose(back.grid_import_p_mw["grid"], DEMAND_MW, atol=TOL_MW)


def test_loss_estimates_for_unknown_branches_are_rejected(
    make_inputs: Callable[..., DispatchInputs],
) -> None:
    x = _case(make_inputs, "dc", losses=True)
    assert x.network is not None and x.branch_loss_mw is not None
    losses = pd.DataFrame(x.branch_loss_mw, index=x.time, columns=x.network.branches.index)
    bad = losses.rename(columns={"line_a": "nowhere"})
    with pytest.raises(DispatchInputError, match="branch_loss_mw: unknown branches"):
        with_frames(x, branch_loss_mw=bad)
