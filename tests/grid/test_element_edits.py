"""Adding and changing network elements from edits (grid/element_edits.py)."""

from __future__ import annotations

import pandapower as pp
import pytest

from grid.assets import AssetError
from grid.element_edits import ElementEdit, apply_element_edits


def _net() -> pp.pandapowerNet:
    net = pp.create_empty_network()
    a = pp.create_bus(net, vn_kv=20.0, name="a")
    b = pp.create_bus(net, vn_kv=20.0, name="b")
    pp.create_line(net, a, b, 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV", name="ab")
    pp.create_ext_grid(net, a, name="grid")
    pp.create_load(net, b, p_mw=1.0, q_mvar=0.2, name="house")
    pp.create_sgen(net, b, p_mw=0.5, name="pv", type="PV")
    return net


def test_override_changes_columns_and_moves_the_element() -> None:
    net = _net()
    apply_element_edits(
        net,
        [
            ElementEdit("load", "house", bus="a", values={"p_mw": 2.5, "in_service": False}),
            ElementEdit("ext_grid", "grid", values={"vm_pu": 1.02, "max_p_mw": 3.0}),
        ],
    )
    row = net.load.loc[net.load["name"] == "house"].iloc[0]
    assert (row["p_mw"], row["q_mvar"], bool(row["in_service"])) == (2.5, 0.2, False)
    assert net.bus.at[row["bus"], "name"] == "a"
    assert net.ext_grid.at[0, "vm_pu"] == 1.02
    assert net.ext_grid.at[0, "max_p_mw"] == 3.0
    assert len(net.load) == 1  # changed, not added


def test_add_creates_elements_at_a_bus_by_name_or_index() -> None:
    net = _net()
    apply_element_edits(
        net,
        [
            ElementEdit("sgen", "wind", bus="b", values={"p_mw": 2.0, "type": "Wind"}),
            ElementEdit("gen", "unit", bus=1, values={"p_mw": 0.0, "max_p_mw": 4.0}),
            ElementEdit("storage", "bess", bus="b", values={"max_e_mwh": 2.0, "max_p_mw": 1.0}),
        ],
    )
    wind = net.sgen.loc[net.sgen["name"] == "wind"].iloc[0]
    assert (wind["p_mw"], wind["type"], int(wind["bus"])) == (2.0, "Wind", 1)
    assert net.gen.loc[net.gen["name"] == "unit", "max_p_mw"].item() == 4.0
    assert net.storage.loc[net.storage["name"] == "bess", "max_e_mwh"].item() == 2.0
    pp.runpp(net)  # the edited net still solves


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (ElementEdit("line", "ab"), "0.table: must be one of load, sgen"),
        (ElementEdit("load", "new", values={"p_mw": 1.0}), "0.bus: required to add load 'new'"),
        (ElementEdit("load", "new", bus="b"), "0.values.p_mw: required to add load 'new'"),
        (ElementEdit("storage", "s", bus="b"), "0.values.max_e_mwh: required to add storage"),
        (ElementEdit("load", "house", bus="zz"), "0.bus: no bus named 'zz' in the grid"),
        (ElementEdit("load", "house", values={"p_kw": 1.0}), "0.values.p_kw: not a column"),
        (ElementEdit("load", "house", values={"p_mw": "big"}), "0.values.p_mw: must be a number"),
        (ElementEdit("load", "house", values={"p_mw": True}), "0.values.p_mw: must be a number"),
        (ElementEdit("load", "house", values={"p_mw": 1e308}), "0.values.p_mw: must be a finite"),
        (ElementEdit("load", "house", values={"p_mw": float("inf")}), "must be a finite"),
        (ElementEdit("load", "house", values={"in_service": 1}), "in_service: must be true or"),
        (ElementEdit("sgen", "pv", values={"type": 3}), "0.values.type: must be text"),
    ],
)
def test_bad_edits_name_the_position_and_key(edit: ElementEdit, message: str) -> None:
    with pytest.raises(AssetError) as err:
        apply_element_edits(_net(), [edit])
    assert message in str(err.value)


def test_later_edits_see_earlier_ones() -> None:
    net = _net()
    apply_element_edits(
        net,
        [
            ElementEdit("load", "ev", bus="a", values={"p_mw": 0.3}),
            ElementEdit("load", "ev", values={"q_mvar": 0.1}),
        ],
    )
    row = net.load.loc[net.load["name"] == "ev"].iloc[0]
    assert (row["p_mw"], row["q_mvar"]) == (0.3, 0.1)
    with pytest.raises(AssetError, match=r"^1\.values\.p_mw"):
        apply_element_edits(net, [ElementEdit("load", "ev"), ElementEdit("load", "x", bus="a")])
