"""The grid's own storage elements (pandapower ``storage``) are dispatched: the
one-bus case with its battery in the grid file instead of the case file gives the
same hand-computed cost; the element's columns set the unit's parameters; a case
entry of the same name overrides them."""

from __future__ import annotations

from pathlib import Path

import pandapower as pp
import pytest

from sim.case import CaseError, load_case
from sim.kpis import all_kpis
from sim.pipeline import run

OWN = Path(__file__).resolve().parents[2] / "cases" / "own_data"


def _grid_with_storage(tmp_path: Path, **columns: float) -> Path:
    """``one_bus.json`` plus a storage ``battery`` at its bus (1 MW, 2 MWh, empty,
    81 % round trip as SimBench's ``efficiency_percent``)."""
    net = pp.from_json(str(OWN / "one_bus.json"))
    values = {"p_mw": 0.0, "max_e_mwh": 2.0, "soc_percent": 0.0, "max_p_mw": 1.0, "min_p_mw": -1.0}
    values.update(columns)
    i = pp.create_storage(
        net, bus=0, name="battery", **{k: values[k] for k in ("p_mw", "max_e_mwh")}
    )
    for k, v in values.items():
        net.storage.at[i, k] = v
    net.storage["efficiency_percent"] = 81.0
    path = tmp_path / "grid.json"
    pp.to_json(net, str(path))
    return path


def _case(tmp_path: Path, grid: Path, storage: str = "[]") -> Path:
    text = (OWN / "one_bus.yaml").read_text()
    head, _, tail = text.partition("storage:\n")
    tail = tail[tail.index("external_grid:") :]
    path = tmp_path / "case.yaml"
    path.write_text(
        head.replace("one_bus.json", grid.name)
        + f"storage: {storage}\n"
        + tail
        + "output: {plots: false}\n"
    )
    return path


def test_a_grid_storage_is_dispatched_like_the_case_battery(tmp_path: Path) -> None:
    """Same battery (0.9 each way from the 81 % round trip, empty at start and end)
    as ``one_bus.yaml``'s: the same optimum, 708 EUR (see test_own_data.py)."""
    case = load_case(_case(tmp_path, _grid_with_storage(tmp_path)))
    out = run(case)
    kpis = all_kpis(out.results, case.dispatch.voll_eur_per_mwh)
    assert kpis["cost_eur"] == pytest.approx(708.0, rel=1e-6)
    assert kpis["storage_charge_mwh"] == pytest.approx(12.0, rel=1e-6)
    assert list(out.results.storage_charge_p_mw.columns) == ["battery"]
    units = out.results.assets.loc[["battery"]]
    assert units["e_max_mwh"].iloc[0] == 2.0


def test_soc_and_limits_from_the_element(tmp_path: Path) -> None:
    """Half full at the start (soc_percent 50) and 0.5 MW (max_p_mw): the energy
    starts at 1 MWh and no step charges above 0.5 MW."""
    grid = _grid_with_storage(tmp_path, soc_percent=50.0, max_p_mw=0.5, min_p_mw=-0.5)
    out = run(load_case(_case(tmp_path, grid)))
    r = out.results
    assert r.storage_charge_p_mw["battery"].max() == pytest.approx(0.5, abs=1e-6)
    e = r.families["storage"]["e_mwh"]["battery"]
    first = (
        r.storage_charge_p_mw["battery"].iloc[0] * 0.9
        - r.storage_discharge_p_mw["battery"].iloc[0] / 0.9
    )
    assert e.iloc[0] == pytest.approx(1.0 + first, abs=1e-6)


def test_a_case_entry_overrides_the_grid_storage(tmp_path: Path) -> None:
    """Named after the element, without a bus: the case's 2 MW / 4 MWh lossless
    battery replaces the element's parameters (one unit, not two)."""
    entry = (
        "[{name: battery, p_max_mw: 2.0, e_max_mwh: 4.0, e_initial_mwh: 0.0, "
        "eff_charge: 1.0, eff_discharge: 1.0}]"
    )
    out = run(load_case(_case(tmp_path, _grid_with_storage(tmp_path), entry)))
    r = out.results
    assert list(r.storage_charge_p_mw.columns) == ["battery"]
    assert r.assets.loc["battery", "e_max_mwh"] == 4.0
    # lossless: every cheap hour buys 1 MW for the next dear hour (the load's 1 MW)
    assert r.storage_discharge_p_mw["battery"].max() == pytest.approx(1.0, abs=1e-6)


def test_storage_errors_name_the_key(tmp_path: Path) -> None:
    grid = _grid_with_storage(tmp_path)
    with pytest.raises(CaseError, match=r"storage.0.bus: required \(the grid has no storage"):
        run(load_case(_case(tmp_path, grid, "[{name: other, p_max_mw: 1, e_max_mwh: 1}]")))
    bad = _grid_with_storage(tmp_path, max_e_mwh=float("nan"))
    with pytest.raises(CaseError, match="grid: storage battery: max_e_mwh must be a positive"):
        run(load_case(_case(tmp_path, bad)))
