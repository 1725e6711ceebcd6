"""A site behind one meter (光储直柔 building): rooftop PV, a battery and shiftable
demand behind a connection-point limit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from run_sim import main
from sim.results import read_results

DEFAULT = str(Path(__file__).resolve().parents[2] / "cases" / "default.yaml")
SITE = (
    "sites=[{name: pedf, bus: MV1.101 Bus 40, connection_limit_mw: 0.3, pv_mw: 0.8,"
    " battery: {p_max_mw: 0.2, e_max_mwh: 0.6}}]"
)
LOAD = (
    "shiftable_loads=[{name: pedf appliances, bus: pedf bus, energy_mwh: 1.0,"
    " p_max_mw: 0.2, earliest_h: 6, latest_h: 22}]"
)


def test_site_keeps_its_connection_limit_and_balances(tmp_path: Path) -> None:
    args = [DEFAULT, "--set", "time.end=2016-07-06T00:00:00Z", "--set", SITE, "--set", LOAD]
    assert main([*args, "--out", str(tmp_path), "--no-plots", "-q"]) == 0
    r, k, _ = read_results(tmp_path / "default")
    flow = r.dispatch_branch_p_mw["pedf connection"].to_numpy()
    assert np.abs(flow).max() <= 0.3 + 1e-6
    assert np.abs(flow).max() > 0.29  # the limit binds (midday export)
    # the site's consumption is its shiftable load: 1 MWh a day
    assert k["site_pedf_consumption_mwh"] == pytest.approx(2.0, rel=1e-6)
    assert k["shiftable_load_energy_mwh"] == pytest.approx(2.0, rel=1e-9)
    # step by step: the PV exported is the export up to the PV, the load imported
    # the import up to the load
    pv = r.families["renewables"]["p_mw"]["pedf pv"].to_numpy()
    st = r.families["storage"]
    net_charge = (
        st["charge_p_mw"]["pedf battery"] - st["discharge_p_mw"]["pedf battery"]
    ).to_numpy()
    load = np.clip(pv + flow - net_charge, 0, None)
    np.testing.assert_allclose(
        load, r.families["shiftable_load"]["p_mw"]["pedf appliances"].to_numpy(), atol=1e-6
    )
    pv_out = np.minimum(np.clip(-flow, 0, None), pv).sum()
    load_in = np.minimum(np.clip(flow, 0, None), load).sum()
    assert k["site_pedf_self_consumption_percent"] == pytest.approx(
        100 * (pv.sum() - pv_out) / pv.sum()
    )
    assert k["site_pedf_self_sufficiency_percent"] == pytest.approx(
        100 * (2.0 - load_in) / 2.0, rel=1e-5
    )
    assert 0 < k["site_pedf_self_sufficiency_percent"] < 100
    assert 0 < k["site_pedf_self_consumption_percent"] <= 100
    # the AC power flow sees the site: its line carries the site's exchange
    assert r.line_pl_mw["pedf connection"].abs().sum() > 0


def test_unknown_site_bus_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = "sites=[{name: s, bus: nowhere, connection_limit_mw: 1}]"
    assert main([DEFAULT, "--set", bad, "--out", str(tmp_path), "-q"]) == 2
    assert "sites.0.bus: no bus named 'nowhere'" in capsys.readouterr().err
