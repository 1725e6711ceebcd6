"""A case adds or changes elements of its grid (``grid.elements``), through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from run_sim import main

REPO = Path(__file__).resolve().parents[2]
ONE_BUS = str(REPO / "cases" / "own_data" / "one_bus.yaml")
DEFAULT = str(REPO / "cases" / "default.yaml")


def _kpis(out: Path, name: str) -> dict[str, float]:
    return json.loads((out / name / "kpis.json").read_text())  # type: ignore[no-any-return]


def test_one_bus_load_changed_and_a_load_added(tmp_path: Path) -> None:
    """The 1 MW load set to 2 MW and a 0.5 MW load added: 2.5 MW over 24 h."""
    edits = (
        "grid.elements=[{table: load, name: load, values: {p_mw: 2.0}},"
        " {table: load, name: workshop, bus: bus, values: {p_mw: 0.5, q_mvar: 0.1}}]"
    )
    args = [ONE_BUS, "--set", edits, "--out", str(tmp_path), "--no-plots", "-q"]
    assert main(args) == 0
    kpis = _kpis(tmp_path, "one_bus")
    assert kpis["demand_mwh"] == pytest.approx(24 * 2.5, rel=1e-9)
    # the battery's arbitrage is unchanged (it still cannot cover a 2.5 MW load)
    assert kpis["storage_charge_mwh"] == pytest.approx(12.0, rel=1e-6)


def test_simbench_grid_with_an_added_wind_farm(tmp_path: Path) -> None:
    """A wind farm added on the WP4 profile adds wind energy in proportion to its
    ``p_mw`` (SimBench profiles are per unit of ``p_mw``): 4 MW add twice what 2 MW add."""
    period = ["--set", "time.end=2016-07-05T00:00:00Z", "--no-plots", "-q"]
    wind = (
        "grid.elements=[{{table: sgen, name: new wind, bus: MV1.101 Bus 4,"
        " values: {{p_mw: {p}, type: Wind_MV, profile: WP4}}}}]"
    )
    runs = {}
    for label, extra in (("base", []), ("two", ["--set", wind.format(p=2.0)])):
        assert main([DEFAULT, *period, *extra, "--out", str(tmp_path / label)]) == 0
        runs[label] = pd_read(tmp_path / label)["wind_available_mwh"]
    assert main([DEFAULT, *period, "--set", wind.format(p=4.0), "--out", str(tmp_path / "4")]) == 0
    four = pd_read(tmp_path / "4")["wind_available_mwh"]
    added = runs["two"] - runs["base"]
    assert added > 1.0  # a 2 MW farm over a day
    assert four - runs["base"] == pytest.approx(2 * added, rel=1e-9)


def pd_read(out: Path) -> dict[str, float]:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return json.loads((folder / "kpis.json").read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("case", "edit", "message"),
    [
        (
            ONE_BUS,
            "[{table: load, name: load, values: {p_kw: 1}}]",
            "grid.elements.0.values.p_kw: not a column of the load table",
        ),
        (
            ONE_BUS,
            "[{table: sgen, name: pv}]",
            "grid.elements.0.bus: required to add sgen 'pv'",
        ),
        (
            ONE_BUS,
            "[{table: load, name: load, values: {in_service: 1}}]",
            "grid.elements.0.values.in_service: must be true or false",
        ),
        (
            ONE_BUS,
            "[{table: line, name: l}]",
            "grid.elements.0.table: Input should be 'load', 'sgen'",
        ),
        (
            DEFAULT,
            "[{table: sgen, name: MV1.101 SGen 1, values: {profile: WP99}}]",
            "grid.elements: sgen MV1.101 SGen 1: its profile 'WP99' is not one of the grid's",
        ),
        (
            DEFAULT,
            "[{table: load, name: new load, bus: MV1.101 Bus 4, values: {p_mw: 1.0}}]",
            "grid.elements: load new load: it has no SimBench profile; set its 'profile'",
        ),
    ],
)
def test_bad_edits_exit_2_naming_the_key(
    case: str, edit: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [case, "--set", f"grid.elements={edit}", "--set", "time.end=2016-07-05T00:00:00Z"]
    if case == ONE_BUS:
        args = [case, "--set", f"grid.elements={edit}"]
    assert main([*args, "--out", str(tmp_path), "--no-plots", "-q"]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert not any(tmp_path.iterdir())  # no results folder
