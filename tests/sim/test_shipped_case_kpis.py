"""The shipped cases give the KPIs stored before the asset model became plug-ins.

``data/kpis_shipped_cases.json`` holds the KPIs of ``cases/default.yaml`` and
``cases/forecast_30days.yaml`` as the CLI wrote them at commit c8487e5 (before the
asset families moved onto the registry). A refactoring that is meant to leave the
model unchanged must reproduce every KPI within :data:`REL_TOL` (about 30 s each).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sim.case import load_case
from sim.runner import run_case

REPO = Path(__file__).resolve().parents[2]
STORED = Path(__file__).parent / "data" / "kpis_shipped_cases.json"
#: KPIs added since the stored run (new quantities, not changes of the model)
ADDED = {"renewable_available_share_percent", "powerflow_failed_net_load_mwh"}
#: relative tolerance of the comparison (absolute for values near zero)
REL_TOL = 1e-9
ABS_TOL = 1e-9


@pytest.mark.parametrize("name", ["default", "forecast_30days"])
def test_shipped_case_kpis_equal_stored(name: str, tmp_path: Path) -> None:
    expected = json.loads(STORED.read_text())[name]
    case = load_case(REPO / "cases" / f"{name}.yaml", ["output.plots=false"])
    _, kpis = run_case(case, tmp_path)
    assert set(kpis) == set(expected) | ADDED
    differ = {
        k: (kpis[k], v)
        for k, v in expected.items()
        if not (
            (isinstance(v, float) and math.isnan(v) and math.isnan(kpis[k]))
            or math.isclose(kpis[k], v, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        )
    }
    assert not differ, differ
