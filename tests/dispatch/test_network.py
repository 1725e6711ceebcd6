"""Network models: radial trees, DC flows and limits, LinDistFlow voltages; hand-computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dispatch.builtin import window_inputs, with_frames
from dispatch.components.storage import STORAGE_COLUMNS
from dispatch.extract import extract
from dispatch.inputs import DispatchInputError, DispatchInputs, DispatchOptions, NetworkInputs
from dispatch.model import build_model
from dispatch.solve import solve
from dispatch.topology import radial_tree

TOL_MW = 1e-6
TOL_PU = 1e-9
TOL_PRICE = 1e-6


def branches(rows: dict[str, tuple[str, str, float, float, float]]) -> pd.DataFrame:
    """Branch table from ``{name: (from, to, r_pu, x_pu, rate_mva)}``."""
    return pd.DataFrame(
        {
            name: {
                "from_bus": f,
                "to_bus": t,
                "r_pu": r,
                "x_pu": x,
                "b_pu": 0.0,
                "tap_ratio": 1.0,
                "rate_mva": rate,
            }
            for name, (f, t, r, x, rate) in rows.items()
        }
    ).T.astype({"r_pu": float, "x_pu": float, "b_pu": float, "tap_ratio": float, "rate_mva": float})


def network(
    br: pd.DataFrame, vmin: float = 0.9, vmax: float = 1.1, slack_vm_pu: float = 1.0
) -> NetworkInputs:
    buses = sorted(set(br["from_bus"]) | set(br["to_bus"]))
    return NetworkInputs(
        base_mva=1.0,
        bus_table=pd.DataFrame({"vm_min_pu": vmin, "vm_max_pu": vmax}, index=buses),
        branches=br,
        bus_map=pd.Series({b: b for b in buses}),
        slack_bus="ext",
        slack_vm_pu=slack_vm_pu,
    )


def inputs(
    net: NetworkInputs,
    model: str,
    load: dict[str, list[float]],
    wind: dict[str, list[float]] | None = None,
    load_q: dict[str, list[float]] | None = None,
    import_price: float = 50.0,
    export_price: float = 0.0,
) -> DispatchInputs:
    """Loads named after their bus; wind units ``w_<bus>``."""
    n = len(next(iter(load.values())))
    idx = pd.date_range("2016-06-01", periods=n, freq="1h", tz="UTC")
    wind = wind or {}
    return window_inputs(
        dt_h=1.0,
        load_p_mw=pd.DataFrame(load, index=idx),
        load_bus=pd.Series({b: b for b in load}, dtype=object),
        renewable_p_mw=pd.DataFrame({f"w_{b}": v for b, v in wind.items()}, index=idx, dtype=float),
        renewable_bus=pd.Series({f"w_{b}": b for b in wind}, dtype=object),
        storage=pd.DataFrame(columns=list(STORAGE_COLUMNS)),
        storage_e_initial_mwh=pd.Series(dtype=float),
        grid=pd.DataFrame(
            {
                "import_price_eur_per_mwh": import_price,
                "export_price_eur_per_mwh": export_price,
                "ef_tco2_per_mwh": 0.0,
            },
            index=idx,
        ),
        ext_grid_bus="ext",
        options=DispatchOptions(network_model=model),
        load_q_mvar=None if load_q is None else pd.DataFrame(load_q, index=idx),
        network=net,
    )


def run(x: DispatchInputs):  # noqa: ANN201
    m = build_model(x)
    solve(m)
    return m, extract(m, x)


# --- radial trees -------------------------------------------------------------------


def test_radial_tree_merges_parallel_branches_and_orients_from_the_root() -> None:
    br = branches(
        {
            "t1": ("ext", "a", 0.02, 0.1, 10.0),
            "t2": ("ext", "a", 0.02, 0.1, 10.0),
            "l1": ("b", "a", 0.01, 0.01, 5.0),  # drawn against the flow direction
        }
    )
    tree = radial_tree(br, "ext")
    assert list(tree.index) == ["t1", "l1"]
    assert tree.loc["t1", ["parent", "child"]].tolist() == ["ext", "a"]
    assert tree.loc["l1", ["parent", "child"]].tolist() == ["a", "b"]
    assert tree.loc["t1", "r_pu"] == pytest.approx(0.01)
    assert tree.loc["t1", "x_pu"] == pytest.approx(0.05)
    assert tree.loc["t1", "rate_mva"] == pytest.approx(20.0)
    assert tree.loc["t1", "members"] == ["t1", "t2"]


def test_radial_tree_rejects_loops_and_islands() -> None:
    loop = branches(
        {
            "l1": ("ext", "a", 0.01, 0.1, 1.0),
            "l2": ("a", "b", 0.01, 0.1, 1.0),
            "l3": ("b", "ext", 0.01, 0.1, 1.0),
        }
    )
    with pytest.raises(DispatchInputError, match="loop"):
        radial_tree(loop, "ext")
    island = branches({"l1": ("ext", "a", 0.01, 0.1, 1.0), "l2": ("c", "d", 0.01, 0.1, 1.0)})
    with pytest.raises(DispatchInputError, match="not connected"):
        radial_tree(island, "ext")


# --- DC -----------------------------------------------------------------------------

TRIANGLE = branches(
    {
        "ext-a": ("ext", "a", 0.0, 0.1, 100.0),
        "ext-b": ("ext", "b", 0.0, 0.1, 100.0),
        "a-b": ("a", "b", 0.0, 0.1, 100.0),
    }
)


def test_dc_flows_split_by_reactance() -> None:
    """3 MW drawn at b over a triangle of equal reactances: 2 MW direct, 1 MW via a."""
    m, r = run(inputs(network(TRIANGLE), "dc", {"b": [3.0]}))
    flows = r.branch_p_mw.iloc[0]
    assert flows["ext-b"] == pytest.approx(2.0, abs=TOL_MW)
    assert flows["ext-a"] == pytest.approx(1.0, abs=TOL_MW)
    assert flows["a-b"] == pytest.approx(1.0, abs=TOL_MW)
    assert r.grid_import_p_mw["grid"].iloc[0] == pytest.approx(3.0, abs=TOL_MW)


def test_dc_curtailment_exactly_when_a_line_limit_binds() -> None:
    """Wind at a exports over a single 4 MW line: 3 MW and 4 MW pass, 6 MW is cut to 4."""
    br = branches({"ext-a": ("ext", "a", 0.0, 0.1, 4.0)})
    x = inputs(
        network(br), "dc", {"a": [0.0, 0.0, 0.0]}, wind={"a": [3.0, 4.0, 6.0]}, export_price=20.0
    )
    m, r = run(x)
    np.testing.assert_allclose(r.curtailment_p_mw["w_a"], [0.0, 0.0, 2.0], atol=TOL_MW)
    np.testing.assert_allclose(r.branch_p_mw["ext-a"], [-3.0, -4.0, -4.0], atol=TOL_MW)
    # uncongested: a is priced at the export price; congested: at minus the curtailment
    # cost; at exactly 4 MW the limit just binds and any price in between is a valid dual
    curt = x.options.curtailment_cost_eur_per_mwh
    lmp_a = r.lmp_eur_per_mwh["a"]
    assert lmp_a.iloc[0] == pytest.approx(20.0, abs=TOL_PRICE)
    assert -curt - TOL_PRICE <= lmp_a.iloc[1] <= 20.0 + TOL_PRICE
    assert lmp_a.iloc[2] == pytest.approx(-curt, abs=TOL_PRICE)
    np.testing.assert_allclose(r.lmp_eur_per_mwh["ext"], [20.0, 20.0, 20.0], atol=TOL_PRICE)


def test_copperplate_ignores_the_line_limit() -> None:
    br = branches({"ext-a": ("ext", "a", 0.0, 0.1, 4.0)})
    x = inputs(network(br), "copperplate", {"a": [0.0]}, wind={"a": [6.0]}, export_price=20.0)
    _, r = run(x)
    assert r.curtailment_p_mw["w_a"].iloc[0] == pytest.approx(0.0, abs=TOL_MW)
    assert list(r.lmp_eur_per_mwh.columns) == ["system"]


def test_dc_and_lindistflow_need_network_data() -> None:
    x = inputs(network(TRIANGLE), "copperplate", {"b": [1.0]})
    with pytest.raises(DispatchInputError, match="network"):
        with_frames(x, network=None, options=DispatchOptions(network_model="dc"))


# --- LinDistFlow ----------------------------------------------------------------------

FEEDER = branches({"ext-a": ("ext", "a", 0.01, 0.02, 10.0), "a-b": ("a", "b", 0.02, 0.04, 10.0)})


def test_lindistflow_voltage_drop_by_hand() -> None:
    """w_a = 1 - 2 (r P + x Q) with P, Q the flows into a; then on to b."""
    x = inputs(
        network(FEEDER), "lindistflow", {"a": [1.0], "b": [0.5]}, load_q={"a": [0.2], "b": [0.1]}
    )
    m, r = run(x)
    w_a = 1.0 - 2 * (0.01 * 1.5 + 0.02 * 0.3)
    w_b = w_a - 2 * (0.02 * 0.5 + 0.04 * 0.1)
    assert r.vm_pu["a"].iloc[0] == pytest.approx(np.sqrt(w_a), abs=TOL_PU)
    assert r.vm_pu["b"].iloc[0] == pytest.approx(np.sqrt(w_b), abs=TOL_PU)
    assert r.branch_p_mw["ext-a"].iloc[0] == pytest.approx(1.5, abs=TOL_MW)
    assert m.q_ext_mvar[0].value == pytest.approx(0.3, abs=TOL_MW)


def test_lindistflow_curtails_to_hold_the_upper_voltage_limit() -> None:
    """PV at the feeder end raises its voltage; with v_max = 1.05 pu the injection at b
    is limited to P with 1 + 2 (0.01 + 0.02) P = 1.05^2, i.e. P = 1.025 MW."""
    x = inputs(
        network(FEEDER, vmax=1.05),
        "lindistflow",
        {"b": [0.0]},
        wind={"b": [3.0]},
        export_price=20.0,
    )
    _, r = run(x)
    p_max = (1.05**2 - 1.0) / (2 * (0.01 + 0.02))
    assert r.renewable_p_mw["w_b"].iloc[0] == pytest.approx(p_max, abs=1e-6)
    assert r.vm_pu["b"].iloc[0] == pytest.approx(1.05, abs=TOL_PU)
    assert r.lmp_eur_per_mwh["b"].iloc[0] < 0  # curtailment is marginal at b


def test_lindistflow_sheds_to_hold_the_lower_voltage_limit() -> None:
    x = inputs(network(FEEDER, vmin=0.95), "lindistflow", {"b": [2.0]})
    _, r = run(x)
    served = 2.0 - r.shed_p_mw["b"].iloc[0]
    assert served == pytest.approx((1.0 - 0.95**2) / (2 * (0.01 + 0.02)), abs=1e-6)
    assert r.vm_pu["b"].iloc[0] == pytest.approx(0.95, abs=TOL_PU)


def test_lindistflow_line_charging_raises_voltage_and_tap_ratio_scales_it() -> None:
    br = FEEDER.copy()
    br.loc["a-b", "b_pu"] = 0.1
    x = inputs(network(br), "lindistflow", {"b": [0.0]})
    _, r = run(x)
    # charging q = b/2 w at each end of a-b flows back to ext: w_a = 1 + 2 x q
    assert r.vm_pu["a"].iloc[0] > 1.0
    br2 = FEEDER.copy()
    br2.loc["ext-a", "tap_ratio"] = 1.05
    _, r2 = run(inputs(network(br2), "lindistflow", {"b": [0.0]}))
    assert r2.vm_pu["a"].iloc[0] == pytest.approx(1.0 / 1.05, abs=TOL_PU)
