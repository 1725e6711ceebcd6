"""Case files: validation, extends, overrides and error messages."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

import pytest

from sim.case import CaseError, apply_override, load_case

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "cases" / "default.yaml"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_default_case_is_valid() -> None:
    case = load_case(DEFAULT)
    assert case.name == "default"
    assert case.grid.simbench_code == "1-MV-rural--0-sw"
    assert case.time.start.tzinfo == timezone.utc
    assert case.time.dt_h == 1.0
    assert [s.name for s in case.storage] == ["battery"]


def test_extends_merges_mappings_and_replaces_lists(tmp_path: Path) -> None:
    child = write(
        tmp_path,
        "child.yaml",
        f"""
extends: {DEFAULT}
name: child
time: {{end: "2016-07-05T00:00:00Z"}}
storage: []
""",
    )
    case = load_case(child)
    assert case.name == "child"
    assert case.time.end.day == 5
    assert case.time.start.day == 4  # kept from the base
    assert case.storage == []


def test_overrides_parse_yaml_values_and_list_indices() -> None:
    case = load_case(
        DEFAULT, ["storage.0.p_max_mw=3.5", "dispatch.voll_eur_per_mwh=1e4", "name=other"]
    )
    assert case.storage[0].p_max_mw == 3.5
    assert case.dispatch.voll_eur_per_mwh == 1e4
    assert case.name == "other"


def test_override_errors_name_the_key() -> None:
    with pytest.raises(CaseError, match="storage.5"):
        apply_override({"storage": [{}]}, "storage.5.p_max_mw=1")
    with pytest.raises(CaseError, match="key.path=value"):
        apply_override({}, "novalue")


def test_unknown_key_is_named_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(CaseError) as err:
        load_case(DEFAULT, ["dispatch.solver_name=gurobi"])
    assert "dispatch.solver_name: unknown key" in str(err.value)
    assert str(DEFAULT) in str(err.value)


def test_bad_value_is_named_with_its_path() -> None:
    with pytest.raises(CaseError) as err:
        load_case(DEFAULT, ["storage.0.eff_charge=1.5"])
    assert "storage.0.eff_charge" in str(err.value)
    assert "1.5" in str(err.value)


def test_series_needs_exactly_one_form() -> None:
    with pytest.raises(CaseError, match="external_grid.export_price_eur_per_mwh.*column"):
        load_case(DEFAULT, ["external_grid.export_price_eur_per_mwh.csv=prices.csv"])
    with pytest.raises(CaseError, match="external_grid.ef_tco2_per_mwh.*exactly one"):
        load_case(DEFAULT, ["external_grid.ef_tco2_per_mwh={}"])


def test_a_new_series_form_replaces_the_old_one() -> None:
    case = load_case(
        DEFAULT, ["external_grid.export_price_eur_per_mwh.daily_profile=" + str([10.0] * 24)]
    )
    spec = case.external_grid.export_price_eur_per_mwh
    assert spec.constant is None and spec.daily_profile == [10.0] * 24


def test_time_must_be_ordered_and_divide_the_hour() -> None:
    with pytest.raises(CaseError, match="time"):
        load_case(DEFAULT, ["time.end=2016-07-01T00:00:00Z"])
    with pytest.raises(CaseError, match="time.resolution_min"):
        load_case(DEFAULT, ["time.resolution_min=25"])


def test_missing_file_and_circular_extends(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="file not found"):
        load_case(tmp_path / "nope.yaml")
    a = write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(CaseError, match="circular"):
        load_case(a)


def test_relative_csv_paths_resolve_against_their_file(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    child = write(
        sub,
        "c.yaml",
        f"""
extends: {DEFAULT}
external_grid:
  import_price_eur_per_mwh: {{csv: prices.csv, column: da}}
""",
    )
    case = load_case(child)
    assert case.external_grid.import_price_eur_per_mwh.csv == sub / "prices.csv"


def test_digest_changes_with_content() -> None:
    assert load_case(DEFAULT).digest() == load_case(DEFAULT).digest()
    assert load_case(DEFAULT).digest() != load_case(DEFAULT, ["storage.0.p_max_mw=1"]).digest()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("dispatch.unit_commitment=true", "cannot be combined with unit_commitment"),
        ("dispatch.storage_exact=true", "cannot be combined with storage_exact"),
        ("dispatch.solver_interface=pyomo", "needs solver_interface: arrays"),
    ],
)
def test_exact_quadratic_costs_refuse_a_milp_and_the_pyomo_interface(
    extra: str, message: str
) -> None:
    with pytest.raises(CaseError, match=message) as err:
        load_case(DEFAULT, ["dispatch.quadratic_cost=exact", extra])
    assert "dispatch" in str(err.value)
    assert load_case(DEFAULT, ["dispatch.quadratic_cost=exact"]).dispatch.quadratic_cost == "exact"


def test_a_conventional_unit_needs_a_cost_or_a_cost_curve(tmp_path: Path) -> None:
    unit = '{name: g, bus: "MV1.101 Bus 40", p_max_mw: 2.0}'
    path = write(tmp_path, "c.yaml", f"extends: {DEFAULT}\nconventional: [{unit}]\n")
    with pytest.raises(CaseError, match="'cost_eur_per_mwh' is required .or give 'cost_curve'"):
        load_case(path)
    curve = ["conventional.0.cost_curve=[[2.0, 50.0]]"]
    assert load_case(path, curve).conventional[0].cost_curve == [(2.0, 50.0)]
