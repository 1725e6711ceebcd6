"""SimBench networks shared by the grid tests (loading one takes a few seconds).

The fixtures are session-scoped: tests must not modify them (deep-copy first).
"""

from __future__ import annotations

import pandapower as pp
import pytest

from grid.network import build_network

#: a small LV feeder: 15 buses, 13 loads, 4 PV units, one 0.16 MVA transformer
LV_CODE = "1-LV-rural1--0-sw"
#: the simulator's default grid
MV_CODE = "1-MV-rural--0-sw"


@pytest.fixture(scope="session")
def lv_net() -> pp.pandapowerNet:
    return build_network(LV_CODE)


@pytest.fixture(scope="session")
def mv_net() -> pp.pandapowerNet:
    return build_network(MV_CODE)
