"""Network KPIs on the small end-to-end run: losses per branch and per voltage level
add up to the AC losses; violations count exactly the injected bus- and branch-steps."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim.network_kpis import losses_by_branch_mwh, losses_by_level_mwh, network_kpis
from sim.pipeline import RunOutput

TOL_MWH = 1e-6


def test_losses_per_branch_and_level_add_up_to_the_total(small_run: RunOutput) -> None:
    r = small_run.results
    total_mwh = r.losses_p_mw["total"].sum() * r.dt_h
    assert losses_by_branch_mwh(r).sum() == pytest.approx(total_mwh, abs=TOL_MWH)
    levels = losses_by_level_mwh(r)
    assert set(levels.index) == {"20 kV", "110/20 kV"}
    assert levels.sum() == pytest.approx(total_mwh, abs=TOL_MWH)
    k = network_kpis(r)
    assert k["losses_20kv_mwh"] == pytest.approx(levels["20 kV"])
    assert k["losses_110_20kv_mwh"] == pytest.approx(levels["110/20 kV"])


def test_the_run_has_no_violations(small_run: RunOutput) -> None:
    k = network_kpis(small_run.results)
    assert k["vm_violation_bus_steps"] == 0
    assert k["vm_under_worst_pu"] == k["vm_over_worst_pu"] == 0.0
    assert k["line_overload_steps"] == k["trafo_overload_steps"] == 0


def test_injected_violations_are_counted_with_their_worst_value(small_run: RunOutput) -> None:
    r = small_run.results
    vm = r.vm_pu.copy()
    bus_a, bus_b = vm.columns[5], vm.columns[7]
    lo = r.bus_table.loc[bus_a, "vm_min_pu"]
    hi = r.bus_table.loc[bus_b, "vm_max_pu"]
    vm.iloc[3, 5] = lo - 0.02
    vm.iloc[4, 5] = lo - 0.01
    vm.iloc[10, 7] = hi + 0.005
    ll = r.line_loading_percent.copy()
    ll.iloc[2, 0] = 120.0
    ll.iloc[2, 1] = 101.0
    k = network_kpis(replace(r, vm_pu=vm, line_loading_percent=ll))
    assert k["vm_violation_bus_steps"] == 3
    assert k["vm_under_worst_pu"] == pytest.approx(0.02)
    assert k["vm_over_worst_pu"] == pytest.approx(0.005)
    assert k["vm_min_pu"] == pytest.approx(min(lo - 0.02, np.nanmin(r.vm_pu.to_numpy())))
    assert k["line_overload_steps"] == 2
    assert k["line_loading_max_percent"] == 120.0
