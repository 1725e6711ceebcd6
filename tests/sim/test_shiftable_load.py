"""Shiftable loads keep their daily energy, in their hours, at the cheapest time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from run_sim import main
from sim.results import read_results

ONE_BUS = Path(__file__).resolve().parents[2] / "cases" / "own_data" / "one_bus.yaml"


def _run(tmp_path: Path, load: str, window: int = 24, days: int = 2) -> tuple:
    cheap = [50] * 12 + [10] * 3 + [50] * 9
    path = tmp_path / "s.yaml"
    path.write_text(
        f"extends: {ONE_BUS}\nname: s\nstorage: []\n"
        f'time: {{start: "2024-01-01T00:00:00Z", end: "2024-01-{1 + days:02d}T00:00:00Z"}}\n'
        "grid:\n  elements: [{table: load, name: load, values: {in_service: false}}]\n"
        "external_grid:\n  import_price_eur_per_mwh: {daily_profile: ["
        + ", ".join(map(str, cheap))
        + "]}\n"
        f"dispatch: {{window_h: {window}, horizon_h: 24}}\n"
        f"shiftable_loads:\n  - {{name: washers, bus: bus, {load}}}\n"
    )
    out = tmp_path / "out"
    assert main([str(path), "--out", str(out), "--no-plots", "-q"]) == 0
    r, kpis, _ = read_results(out / "s")
    return r.families["shiftable_load"], kpis


@pytest.mark.parametrize("window", [24, 5])
def test_daily_energy_is_kept_and_served_in_the_cheap_hours(tmp_path: Path, window: int) -> None:
    """30 kWh a day at up to 10 kW between 08:00 and 20:00: three hours at 10 kW,
    in the three hours at 10 EUR/MWh (12:00-15:00); also with 5-hour windows that
    cut the task (its open energy is carried)."""
    frames, k = _run(
        tmp_path, "energy_mwh: 0.03, p_max_mw: 0.01, earliest_h: 8, latest_h: 20", window
    )
    p = frames["p_mw"]["washers"]
    daily = p.groupby(p.index.date).sum()
    np.testing.assert_allclose(daily.to_numpy(), [0.03, 0.03], atol=1e-9)
    hours = p[p > 1e-9].index.hour
    assert set(hours) == {12, 13, 14}
    assert k["cost_eur"] == pytest.approx(2 * 0.03 * 10, rel=1e-6)
    assert k["shiftable_load_dropped_mwh"] == pytest.approx(0.0, abs=1e-9)
    # against the baseline (full power from 08:00): all 30 kWh a day moved
    assert k["shiftable_load_shifted_mwh"] == pytest.approx(2 * 0.03, rel=1e-6)


def test_a_tight_task_runs_through_its_hours(tmp_path: Path) -> None:
    """20 kWh at 10 kW between 18:00 and 20:00 UTC: no choice, both hours at 10 kW."""
    frames, k = _run(
        tmp_path, "energy_mwh: 0.02, p_max_mw: 0.01, earliest_h: 18, latest_h: 20", days=1
    )
    p = frames["p_mw"]["washers"]
    np.testing.assert_allclose(p.to_numpy()[18:20], [0.01, 0.01], atol=1e-9)
    assert p.to_numpy()[:18].max() == pytest.approx(0.0, abs=1e-9)
    assert k["shiftable_load_energy_mwh"] == pytest.approx(0.02, rel=1e-9)


def test_a_task_larger_than_its_hours_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        f"extends: {ONE_BUS}\nname: bad\n"
        "shiftable_loads:\n"
        "  - {name: w, bus: bus, energy_mwh: 1, p_max_mw: 0.01, earliest_h: 8, latest_h: 10}\n"
    )
    assert main([str(path), "--check"]) == 2
    assert "shiftable_loads.0" in capsys.readouterr().err
