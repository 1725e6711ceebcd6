"""The power-flow modules handle every pandapower set-point table alike: they name
none of them (what each table is, is in grid/injections.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grid.injections import TABLES

REPO = Path(__file__).resolve().parents[2]
MODULES = ("grid/powerflow.py", "grid/pgm_engine.py", "grid/powerflow_failures.py")


def _tokens(source: str) -> set[str]:
    """The identifiers, attribute names and string constants (docstrings aside) of a
    module, and those without a ``res_`` prefix (pandapower's result tables)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            text = node.value
        else:
            continue
        words |= {text, text.removeprefix("res_")}
    return words


@pytest.mark.parametrize("module", MODULES)
def test_module_names_no_setpoint_table(module: str) -> None:
    assert _tokens((REPO / module).read_text()) & set(TABLES) == set()


def test_the_scan_finds_a_table_name() -> None:
    found = _tokens('"""Of storage."""\nx = net.sgen\ny = net["res_load"]\ndef f(): pass\n')
    assert found & set(TABLES) == {"sgen", "load"}
