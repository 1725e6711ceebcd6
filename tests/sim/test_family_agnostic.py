"""The pipeline, the window assembly and the rolling horizon name no asset family:
they iterate over the registry (ARCHITECTURE: asset families are plug-ins)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sim.families import registered_families

REPO = Path(__file__).resolve().parents[2]
MODULES = ("sim/pipeline.py", "sim/windows.py", "dispatch/rolling.py")


def _names(path: Path) -> set[str]:
    """Identifiers, attribute names and string constants of a module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.add(node.value)
        elif isinstance(node, ast.alias):
            out.add(node.name)
    return out


def _family_words() -> set[str]:
    words = {"storage", "conventional", "renewable", "renewables", "loads", "flexible"}
    return words | {f.name for f in registered_families()}


@pytest.mark.parametrize("module", MODULES)
def test_module_names_no_family(module: str) -> None:
    names = _names(REPO / module)
    found = {n for n in names for w in _family_words() if w == n or f"{w}_" in n or f"_{w}" in n}
    assert found == set()


def test_checker_finds_a_family_name(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("x = d.storage_e_mwh\ny = frames['grid']\nfrom sim.shipped import storage\n")
    names = _names(f)
    found = {n for n in names for w in _family_words() if w == n or f"{w}_" in n or f"_{w}" in n}
    assert found == {"storage_e_mwh", "grid", "storage"}
