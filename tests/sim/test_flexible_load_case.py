"""The shipped flexible-load case through the CLI: energy kept, KPIs consistent with
the time series, results folder, figure, and case-file errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import run_sim
from sim.case import load_case
from sim.kpi_labels import kpi_group
from sim.plots import all_figures
from sim.results import read_results
from sim.runner import run_case
from sim.summary import kpi_table

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "cases" / "flexible_load.yaml"
TWO_DAYS = ["time.end=2016-07-06T00:00:00Z", "dispatch.rolling=day_ahead"]


@pytest.fixture(scope="module")
def flex_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    case = load_case(CASE, [*TWO_DAYS, "output.plots=false"])
    return run_case(case, tmp_path_factory.mktemp("flex"))


def test_the_baseline_energy_is_served_and_shifted(flex_run: tuple) -> None:
    folder, kpis = flex_run
    r, _, _ = read_results(folder)
    frames = r.families["flexible_load"]
    p, base = frames["p_mw"]["heat_store"], frames["p_base_mw"]["heat_store"]
    e = frames["deferred_mwh"]["heat_store"]
    assert len(p) == 48
    assert kpis["flexible_load_baseline_mwh"] == pytest.approx(48.0, abs=1e-9)
    assert kpis["flexible_load_energy_mwh"] == pytest.approx(48.0, abs=1e-6)
    # deferred energy follows the served power across both day-ahead windows
    np.testing.assert_allclose(e.to_numpy(), np.cumsum((base - p).to_numpy()), atol=1e-6)
    assert e.max() <= 4.0 + 1e-6 and e.min() >= -1e-6
    assert kpis["flexible_load_shifted_mwh"] > 0.0  # the time-of-use tariff moves it
    assert p.max() <= 2.5 + 1e-6


def test_system_kpis_count_the_flexible_load(flex_run: tuple) -> None:
    folder, kpis = flex_run
    r, _, _ = read_results(folder)
    grid_loads_mwh = float(r.demand_p_mw.to_numpy().sum())
    assert kpis["demand_mwh"] == pytest.approx(grid_loads_mwh + 48.0, rel=1e-9)
    # the AC power flow sees the load: losses equal the net sum of injections
    np.testing.assert_allclose(r.losses_p_mw["total"], r.injection_balance_p_mw["total"], atol=1e-6)


def test_the_family_figure_is_made(flex_run: tuple) -> None:
    folder, _ = flex_run
    r, _, _ = read_results(folder)
    figures = all_figures(r)
    assert "flexible_load" in figures
    axes = figures["flexible_load"].axes
    assert axes[1].get_ylabel() == "deferred energy [MWh]"


def test_a_bad_entry_is_a_case_error_naming_the_key(capsys: pytest.CaptureFixture) -> None:
    code = run_sim.main([str(CASE), "--set", "flexible_loads.0.bus=nowhere", "-q"])
    assert code == 2
    err = capsys.readouterr().err
    assert "flexible_loads.0.bus" in err and "nowhere" in err
    code = run_sim.main([str(CASE), "--set", "flexible_loads.0.p_max_mw=-1", "--check"])
    assert code == 2
    assert "flexible_loads.0.p_max_mw" in capsys.readouterr().err


def test_the_deferral_cost_is_part_of_the_cost(flex_run: tuple) -> None:
    folder, kpis = flex_run
    r, _, _ = read_results(folder)
    deferred = r.families["flexible_load"]["deferred_mwh"]["heat_store"]
    expected = 0.5 * float(deferred.sum()) * r.dt_h  # 0.5 EUR per MWh and hour
    assert kpis["flexible_load_defer_cost_eur"] == pytest.approx(expected, rel=1e-9)
    parts = [
        "energy_cost_eur",
        "storage_wear_cost_eur",
        "conventional_cost_eur",
        "unserved_cost_eur",
        "imbalance_cost_eur",
        "flexible_load_defer_cost_eur",
    ]
    assert kpis["cost_eur"] == pytest.approx(sum(kpis[k] for k in parts), rel=1e-12)


def test_its_kpis_are_shown_with_units_in_the_table_and_the_report(flex_run: tuple) -> None:
    _, kpis = flex_run
    table = kpi_table(kpis)
    assert re.search(r"^Flexible load shifted\s+[0-9.]+\s+MWh$", table, flags=re.M)
    assert re.search(r"^Flexible load defer cost\s+[0-9.]+\s+EUR$", table, flags=re.M)
    assert kpi_group("flexible_load_shifted_mwh", set()) == "Plug-in asset families"
    assert kpi_group("demand_mwh", set()) == "Energy balance"
