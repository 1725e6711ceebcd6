"""Bus and branch tables of the default grid."""

from __future__ import annotations

import pandapower as pp

from grid.elements import branch_table, bus_table


def test_bus_table_has_levels_and_limits(mv_net: pp.pandapowerNet) -> None:
    t = bus_table(mv_net)
    assert len(t) == len(mv_net.bus) and t.index.is_unique
    assert set(t["vn_kv"]) == {20.0, 110.0}
    assert (t["vm_min_pu"] < 1.0).all() and (t["vm_max_pu"] > 1.0).all()


def test_branch_table_names_lines_and_transformers(mv_net: pp.pandapowerNet) -> None:
    t = branch_table(mv_net)
    assert len(t) == len(mv_net.line) + len(mv_net.trafo) and t.index.is_unique
    assert set(t["level"]) == {"20 kV", "110/20 kV"}
    assert (t.loc[t["element"] == "trafo", "vn_kv"] == 20.0).all()
