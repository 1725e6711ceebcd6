"""A case with an hour whose AC power flow cannot converge (a 500 MW load at the
end of a 10 km 20 kV cable): the run completes, the hour is flagged with its
reason, and the KPIs count it apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from sim.case import load_case
from sim.results import read_results
from sim.runner import run_case
from sim.summary import kpi_table

BAD_HOUR = 5
CASE = """
name: collapse
time: {start: "2024-01-01T00:00:00Z", end: "2024-01-02T00:00:00Z", resolution_min: 60}
grid: {pandapower_json: two_bus.json}
profiles:
  source: files
  load_p: {file: load_p.csv}
external_grid:
  import_price_eur_per_mwh: {constant: 50}
  export_price_eur_per_mwh: {constant: 0}
  ef_tco2_per_mwh: {constant: 0.4}
output: {plots: false}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    folder = tmp_path_factory.mktemp("collapse")
    net = pp.create_empty_network()
    near, far = pp.create_bus(net, 20.0, name="near"), pp.create_bus(net, 20.0, name="far")
    pp.create_ext_grid(net, near, name="grid")
    pp.create_line(net, near, far, 10.0, "NA2XS2Y 1x95 RM/25 12/20 kV", name="cable")
    pp.create_load(net, far, 1.0, 0.2, name="L")
    pp.to_json(net, str(folder / "two_bus.json"))
    p_mw = np.full(24, 1.0)
    p_mw[BAD_HOUR] = 500.0
    stamps = pd.date_range("2024-01-01", periods=24, freq="h", name="time")
    pd.DataFrame({"L": p_mw}, index=stamps).to_csv(folder / "load_p.csv")
    (folder / "case.yaml").write_text(CASE)
    return run_case(load_case(folder / "case.yaml"), folder / "out")


def test_the_hour_is_flagged_with_its_reason_and_the_run_completes(
    run: tuple[Path, dict[str, float]],
) -> None:
    folder, kpis = run
    results = read_results(folder)[0]
    failures = results.powerflow_failures
    assert list(failures.index) == [pd.Timestamp("2024-01-01 05:00", tz="UTC")]
    assert "voltage collapse" in failures["reason"].iloc[0]
    assert failures["net_load_p_mw"].iloc[0] == pytest.approx(500.0)
    converged = results.powerflow_converged["converged"].to_numpy()
    assert converged.sum() == 23 and not converged[BAD_HOUR]
    assert "AC power flow failed in these steps" in (folder / "report.html").read_text()


def test_the_kpis_count_the_hour_apart(run: tuple[Path, dict[str, float]]) -> None:
    _, kpis = run
    assert kpis["powerflow_failed_steps"] == 1.0
    assert kpis["powerflow_failed_net_load_mwh"] == pytest.approx(500.0)
    # losses from the 23 converged hours only: finite and small
    assert 0.0 < kpis["losses_mwh"] < 0.5
    # the failed hour's import is its lossless balance: energy, cost and emissions count it
    assert kpis["import_mwh"] == pytest.approx(23.0 + kpis["losses_mwh"] + 500.0, rel=1e-9)
    assert kpis["emissions_tco2"] == pytest.approx(0.4 * kpis["import_mwh"], rel=1e-9)
    table = kpi_table(kpis)
    assert "AC power flow failed" in table and "their net load" in table
