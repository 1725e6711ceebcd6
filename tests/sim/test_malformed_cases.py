"""Property: every malformed case file or override is a clean ``CaseError`` naming the
file — never another exception — and through the command line exit code 2 with no
traceback and no results folder.

Hypothesis generates the malformations from the shipped cases (the default case and
the EV case, a plug-in family): an unknown key in any mapping, a number replaced by
text, a non-finite or absurd number, a mapping or list replaced by a scalar, a
duplicated key, a file that is binary or not UTF-8, and ``--set`` overrides of
unknown keys or unparsable values.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.case import CaseError, load_case
from sim.case_yaml import read_yaml

REPO = Path(__file__).resolve().parents[2]
BASES = [REPO / "cases" / "default.yaml", REPO / "cases" / "ev_v2g" / "ev_v2g.yaml"]
#: keys whose value may be text as well as a number (names and bus references), or
#: that are identifiers and not quantities (a seed may be any integer)
_TEXT_OK = {"name", "bus", "description", "simbench_code", "kind", "time_zone", "column", "seed"}


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, (*path, i))]
    return [(path, node)]


def _paths_where(
    node: Any, keep: Callable[[Any, tuple[Any, ...]], bool], path: tuple[Any, ...] = ()
) -> list[tuple[Any, ...]]:
    """Key paths of the nodes of ``node`` (depth first) for which ``keep(node, path)``."""
    out = [path] if keep(node, path) else []
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for k, v in children:
        out += _paths_where(v, keep, (*path, k))
    return out


def _containers(node: Any) -> list[tuple[Any, ...]]:
    return _paths_where(node, lambda n, p: isinstance(n, dict | list) and bool(p))


def _mappings(node: Any) -> list[tuple[Any, ...]]:
    return _paths_where(node, lambda n, p: isinstance(n, dict))


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = json.loads(json.dumps(data, default=str))
    node = out
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        data = data[k]
    return data


BASE_DATA = {base: read_yaml(base) for base in BASES}
_IDENT = st.from_regex(r"\A[a-z][a-z_]{2,12}\Z", fullmatch=True)
_TEXT = st.from_regex(r"\A[a-z]{1,8}[ -]?[a-z]{0,8}\Z", fullmatch=True).filter(
    lambda t: t not in ("true", "false", "yes", "no", "on", "off", "null", "nan", "inf")
)
_BAD_NUMBER = st.one_of(
    st.sampled_from([math.inf, -math.inf, math.nan]),
    st.floats(min_value=1.001e9, max_value=1e308),
    st.floats(min_value=-1e308, max_value=-1.001e9),
)


@st.composite
def malformed(draw: st.DrawFn) -> tuple[Path, str]:
    """A base case and the text of a malformed variant of it."""
    base = draw(st.sampled_from(BASES))
    data = BASE_DATA[base]
    kind = draw(
        st.sampled_from(
            ["unknown_key", "text_for_number", "bad_number", "scalar_for_container", "duplicate"]
        )
    )
    if kind == "unknown_key":
        where = draw(st.sampled_from(_mappings(data)))
        key = draw(_IDENT.filter(lambda k: k not in _get(data, where)))
        node = _set(data, (*where, key), draw(st.integers(0, 5))) if where else {**data, key: 1}
        return base, yaml.safe_dump(node, sort_keys=False)
    numbers = [
        (p, v)
        for p, v in _leaves(data)
        if isinstance(v, int | float) and not isinstance(v, bool) and p[-1] not in _TEXT_OK
    ]
    if kind == "text_for_number":
        path, _ = draw(st.sampled_from(numbers))
        return base, yaml.safe_dump(_set(data, path, draw(_TEXT)), sort_keys=False)
    if kind == "bad_number":
        path, _ = draw(st.sampled_from(numbers))
        value = draw(_BAD_NUMBER)
        # the number is written as YAML text (the copy through JSON cannot carry inf/nan)
        rendered = (
            ".nan"
            if math.isnan(value)
            else ".inf"
            if value == math.inf
            else "-.inf"
            if value == -math.inf
            else repr(value)
        )
        text = yaml.safe_dump(_set(data, path, "__BAD__"), sort_keys=False)
        return base, text.replace("'__BAD__'", rendered).replace("__BAD__", rendered)
    if kind == "scalar_for_container":
        path = draw(st.sampled_from(_containers(data)))
        return base, yaml.safe_dump(_set(data, path, draw(st.integers(1, 9))), sort_keys=False)
    text = yaml.safe_dump(data, sort_keys=False)
    key = draw(st.sampled_from(list(data)))
    return base, text + f"{key}: {json.dumps(data[key], default=str)}\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("malformed")


@settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case=malformed())
def test_every_malformed_case_file_is_a_clean_error(case: tuple[Path, str], folder: Path) -> None:
    base, text = case
    # beside its base, so that its relative paths (if any) resolve as the base's do
    path = base.parent / f".malformed-{base.stem}.yaml"
    try:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CaseError) as err:
            load_case(path)
    finally:
        path.unlink(missing_ok=True)
    assert str(path) in str(err.value)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(
    base=st.sampled_from(BASES),
    key=st.lists(_IDENT, min_size=1, max_size=3).map(".".join),
    value=st.one_of(st.integers(), _TEXT, st.just("[1, 2"), st.just("{a: ")),
)
def test_every_override_of_an_unknown_key_is_a_clean_error(
    base: Path, key: str, value: object
) -> None:
    top = key.split(".")[0]
    if top in BASE_DATA[base] or top in ("families",):
        key = f"not_a_key_{key}"
    with pytest.raises(CaseError) as err:
        load_case(base, [f"{key}={value}"])
    assert str(base) in str(err.value)


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01binary\xff",
        "name: caf\u00e9\n".encode("latin-1"),
        b"name: a\nname: b\n",
        b"name: a\ntime: {start: 2016-07-04T00:00:00Z, end: .inf}\n",
        b"extends: default.yaml\nstorage: [{name: b, bus: x, p_max_mw: 1e300, e_max_mwh: 1}]\n",
        b"extends: default.yaml\nno_such_section: 1\n",
    ],
)
def test_cli_gives_exit_2_no_traceback_and_no_results_folder(
    content: bytes, tmp_path: Path
) -> None:
    path = REPO / "cases" / f".cli-malformed-{tmp_path.name}.yaml"
    out = tmp_path / "results"
    try:
        path.write_bytes(content)
        res = subprocess.run(
            [sys.executable, str(REPO / "run_sim.py"), str(path), "--out", str(out), "-q"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        path.unlink(missing_ok=True)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("error: ") and str(path) in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()
