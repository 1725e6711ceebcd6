"""Case files a new user might give: binary or non-UTF-8 files, duplicate keys,
non-finite and absurd numbers. Each is a clean error naming the file and the key
(exit code 2, no traceback), in a case file, an override or a study file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.case import CaseError, load_case
from sim.case_yaml import parse_yaml
from sim.study import load_study

REPO = Path(__file__).resolve().parents[2]
ONE_BUS = REPO / "cases" / "own_data" / "one_bus.yaml"


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "run_sim.py"), *args, "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_binary_and_non_utf8_files_exit_2_naming_the_file(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: café\n".encode("latin-1"))
    for path, what in ((binary, "not a text file"), (latin, "not UTF-8 text")):
        res = _check(str(path))
        assert res.returncode == 2, res.stderr
        assert f"{path}: {what}" in res.stderr
        assert "Traceback" not in res.stderr


def test_a_duplicate_key_is_an_error_naming_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(ONE_BUS.read_text() + "\ndispatch:\n  window_h: 12\n")
    path.with_name("one_bus.json").write_text((ONE_BUS.parent / "one_bus.json").read_text())
    with pytest.raises(CaseError, match=r"duplicate key 'dispatch' \(line \d+, first given on"):
        load_case(path)
    nested = tmp_path / "nested.yaml"
    nested.write_text("name: a\ntime:\n  start: 2024-01-01\n  start: 2024-02-01\n")
    with pytest.raises(CaseError, match="duplicate key 'start' .line 4, first given on line 3"):
        load_case(nested)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".inf", "inf is not a finite number"),
        ("-.inf", "-inf is not a finite number"),
        (".nan", "nan is not a finite number"),
        ("1e308", "1e+308 is beyond 1e+09 in magnitude"),
        ("1.0e12", "1e+12 is beyond 1e+09 in magnitude"),
        ("-5e10", "-5e+10 is beyond 1e+09 in magnitude"),
    ],
)
def test_non_finite_and_absurd_numbers_name_the_key(value: str, message: str) -> None:
    with pytest.raises(CaseError) as err:
        load_case(ONE_BUS, [f"storage.0.p_max_mw={value}"])
    assert "storage.0.p_max_mw: " + message in str(err.value)
    assert str(ONE_BUS) in str(err.value)


def test_cli_exits_2_for_an_absurd_override() -> None:
    res = _check(str(ONE_BUS), "--set", "storage.0.e_max_mwh=1e308")
    assert res.returncode == 2
    assert "storage.0.e_max_mwh: 1e+308 is beyond 1e+09 in magnitude" in res.stderr
    assert "Traceback" not in res.stderr


def test_absurd_numbers_in_a_file_and_in_lists(tmp_path: Path) -> None:
    text = ONE_BUS.read_text().replace("[20, 100, 20,", "[20, 1e300, 20,", 1)
    path = tmp_path / "one_bus.yaml"
    path.write_text(text)
    path.with_name("one_bus.json").write_text((ONE_BUS.parent / "one_bus.json").read_text())
    with pytest.raises(CaseError, match=r"import_price_eur_per_mwh\.daily_profile\.1: 1e\+300"):
        load_case(path)


def test_yaml_reads_exponent_numbers_as_numbers_and_seeds_are_not_quantities() -> None:
    assert parse_yaml("1e3") == 1000.0 and parse_yaml("-2.5E-2") == -0.025
    assert parse_yaml("1e3x") == "1e3x" and parse_yaml("12") == 12
    # a large seed is an identifier, not a quantity
    case = load_case(
        REPO / "cases" / "ev_v2g" / "ev_v2g.yaml",
        ["ev_fleets.0.sessions.generate.seed=98765432101"],
    )
    assert case.families["ev"][0].sessions.generate.seed == 98765432101


def test_study_files_refuse_duplicate_keys_and_binary_content(tmp_path: Path) -> None:
    dup = tmp_path / "dup.yaml"
    dup.write_text(f"base_case: {ONE_BUS}\nscenarios: [{{name: a}}]\nscenarios: [{{name: b}}]\n")
    with pytest.raises(CaseError, match=f"{dup}: not valid YAML: duplicate key 'scenarios'"):
        load_study(dup)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x00\x01\x02" * 50)
    res = subprocess.run(
        [sys.executable, str(REPO / "run_sim.py"), "study", str(binary), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "not a text file" in res.stderr
    assert "Traceback" not in res.stderr


def _one_bus_in(folder: Path, grid_path: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = ONE_BUS.read_text().replace(
        "pandapower_json: one_bus.json", f"pandapower_json: {grid_path}"
    )
    path = folder / "case.yaml"
    path.write_text(extra + text)
    return path


def test_a_data_file_outside_the_case_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "one_bus.json").write_text((ONE_BUS.parent / "one_bus.json").read_text())
    for given in ("../one_bus.json", str(tmp_path / "one_bus.json"), "sub/../../one_bus.json"):
        case = _one_bus_in(tmp_path / "case", given)
        with pytest.raises(
            CaseError, match="grid.pandapower_json: .* lies outside the case's folder"
        ):
            load_case(case)
    res = _check(str(case))
    assert res.returncode == 2
    assert "data_folders: [<folder>]" in res.stderr and "Traceback" not in res.stderr


def test_data_folders_allow_more_and_a_parent_case_keeps_its_own_folder(tmp_path: Path) -> None:
    (tmp_path / "one_bus.json").write_text((ONE_BUS.parent / "one_bus.json").read_text())
    allowed = _one_bus_in(tmp_path / "case", "../one_bus.json", "data_folders: [..]\n")
    assert load_case(allowed).grid.pandapower_json == tmp_path / "one_bus.json"
    # a case extending one in the parent folder: the parent's data lie in its folder
    base = _one_bus_in(tmp_path, "one_bus.json")
    child = tmp_path / "variant" / "case.yaml"
    child.parent.mkdir()
    child.write_text(f"extends: ../{base.name}\nname: variant\n")
    assert load_case(child).grid.pandapower_json == tmp_path / "one_bus.json"
    bad = tmp_path / "case" / "bad.yaml"
    bad.write_text("data_folders: elsewhere\n")
    with pytest.raises(CaseError, match="data_folders: must be a list of folder paths"):
        load_case(bad)


def test_a_case_folder_reached_through_a_symbolic_link_keeps_its_files(tmp_path: Path) -> None:
    real = tmp_path / "real"
    case = _one_bus_in(real, "one_bus.json")
    (real / "one_bus.json").write_text((ONE_BUS.parent / "one_bus.json").read_text())
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    # an absolute path written through the link, for a case file opened through it
    linked = _one_bus_in(link / "sub", str(link / "one_bus.json"), "data_folders: [..]\n")
    assert load_case(linked).grid.pandapower_json == link / "one_bus.json"
    assert load_case(link / case.name).name == "one_bus"
