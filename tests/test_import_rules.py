"""The import rules of the architecture: dispatch never imports grid or pandapower,
grid never imports Pyomo or dispatch, forecasting imports none of our packages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "dispatch": {"grid", "sim", "forecasting", "pandapower", "simbench"},
    "grid": {"dispatch", "sim", "forecasting", "pyomo", "highspy"},
    "forecasting": {"grid", "dispatch", "sim", "pandapower", "simbench", "pyomo", "highspy"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_import_rules(package: str) -> None:
    files = sorted((REPO / package).rglob("*.py"))
    assert files, f"no modules found in {package}/"
    offences = {
        str(f.relative_to(REPO)): sorted(imported_roots(f) & FORBIDDEN[package]) for f in files
    }
    offences = {k: v for k, v in offences.items() if v}
    assert offences == {}


def test_checker_sees_imports(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("import pandapower as pp\nfrom pyomo.environ import Var\nfrom . import x\n")
    assert imported_roots(f) == {"pandapower", "pyomo"}
