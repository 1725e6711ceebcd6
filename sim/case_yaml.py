"""Case-file composition: read YAML, follow ``extends:``, merge, resolve relative
paths and apply ``--set key.path=value`` overrides, before validation (sim/case.py)."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import yaml


class CaseError(ValueError):
    """Invalid case input; the message names the file, the key path and the problem."""


_PATH_KEYS = {"csv", "pandapower_json", "file", "dump_model"}
#: path keys of files written, not read: not confined to the case's folders
_OUTPUT_KEYS = {"dump_model"}
#: keys that choose one form of a mapping; giving one replaces the others
_FORM_KEYS = (
    {"constant", "daily_profile", "csv", "column"},
    {"simbench_code", "pandapower_json", "pandapower_network"},
)


def _drop_other_forms(node: dict[str, Any], chosen: set[str]) -> dict[str, Any]:
    for group in _FORM_KEYS:
        if chosen & group:
            node = {k: v for k, v in node.items() if k not in group or k in chosen}
    return node


def _inside(path: Path, folders: list[Path]) -> bool:
    """Whether ``path`` lies in one of ``folders``, as written (``..`` resolved) or
    with symbolic links followed (either form of path and folder will do)."""
    forms = {Path(os.path.abspath(path)), Path(os.path.realpath(path))}
    tops = {Path(os.path.abspath(f)) for f in folders} | {
        Path(os.path.realpath(f)) for f in folders
    }
    return any(p == f or f in p.parents for p in forms for f in tops)


def _resolve_paths(
    node: Any,
    base: Path,
    allowed: list[Path] | None = None,
    source: Path | None = None,
    at: str = "",
) -> Any:
    """``node`` with the relative file paths (keys :data:`_PATH_KEYS`) resolved
    against ``base``; with ``allowed``, every path must lie inside one of those
    folders (:func:`_inside`)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            where = f"{at}.{k}" if at else str(k)
            if k in _PATH_KEYS and isinstance(v, str):
                p = Path(os.path.abspath(base / v))
                if allowed is not None and k not in _OUTPUT_KEYS and not _inside(p, allowed):
                    more = f" or its {DATA_FOLDERS} {[str(f) for f in allowed[1:]]}"
                    raise CaseError(
                        f"{source}: {where}: {v} lies outside the case's folder {base}"
                        f"{more if len(allowed) > 1 else ''}; move the file into that folder, "
                        f"or allow its folder with '{DATA_FOLDERS}: [<folder>]' at the top of "
                        "the case file"
                    )
                out[k] = str(p) if not Path(v).is_absolute() else v
            else:
                out[k] = _resolve_paths(v, base, allowed, source, where)
        return out
    if isinstance(node, list):
        return [
            _resolve_paths(v, base, allowed, source, f"{at}.{i}" if at else str(i))
            for i, v in enumerate(node)
        ]
    return node


#: top-level case key: further folders (relative to the case file) its data files may be in
DATA_FOLDERS = "data_folders"


def _data_folders(data: dict[str, Any], path: Path) -> list[Path]:
    """The folders the data files of case file ``path`` may lie in: its own folder
    and those its ``data_folders`` key names (removed from ``data``)."""
    given = data.pop(DATA_FOLDERS, [])
    if not isinstance(given, list) or not all(isinstance(f, str) for f in given):
        raise CaseError(f"{path}: {DATA_FOLDERS}: must be a list of folder paths")
    return [path.parent] + [Path(os.path.abspath(path.parent / f)) for f in given]


def _as_given(path: Path) -> Path:
    """``path`` made absolute without following symbolic links."""
    return Path(os.path.abspath(path))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = _drop_other_forms(dict(base), set(over))
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def read_yaml(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The mapping of case file ``path`` merged over the files it ``extends``, with
    relative paths resolved against the file that gives them."""
    given = _as_given(path)
    path = path.resolve()
    if path in chain:
        raise CaseError(f"{path}: extends: circular chain {' -> '.join(map(str, chain + (path,)))}")
    if not path.is_file():
        where = f"{chain[-1]}: extends" if chain else "case file"
        raise CaseError(f"{where}: file not found: {path}")
    data = load_yaml_text(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CaseError(f"{path}: the top level must be a mapping of keys")
    allowed = _data_folders(data, path)
    if given.parent != path.parent:  # reached through a symbolic link: both forms
        allowed.insert(1, given.parent)
    data = _resolve_paths(data, path.parent, allowed, path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise CaseError(f"{path}: extends: must be a path to a case file")
    return _merge(read_yaml(path.parent / parent, chain + (path,)), data)


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that gives one key twice (PyYAML
    keeps the later value silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (line {line}, first given on line {seen[key]})",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


# YAML 1.1 reads "1e308" as a string (its floats need a dot), which validation would
# then turn into a number unchecked: read exponent forms as floats, as YAML 1.2 does
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def parse_yaml(text: str) -> Any:
    """A YAML value or document read like a case file (safe, unique keys, exponent
    floats); raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no Python objects


def load_yaml_text(path: Path) -> Any:
    """The YAML document of ``path`` read safely (no Python objects), refusing
    duplicate keys, binary and non-UTF-8 files, with the file in every message."""
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise CaseError(f"{path}: not a text file (it holds NUL bytes): give a YAML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseError(
            f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded): save it as UTF-8"
        ) from None
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise CaseError(f"{path}: not valid YAML: {exc}") from None


#: largest magnitude of a number in a case file (anything beyond is a typo or an
#: attempt to write "unlimited", which is said by leaving the key out)
MAX_MAGNITUDE = 1e9
#: keys whose values are identifiers rather than quantities
_NOT_QUANTITIES = {"seed"}


def check_numbers(node: Any, source: str, where: str = "") -> None:
    """Refuse non-finite numbers (``.inf``, ``.nan``) and magnitudes beyond
    :data:`MAX_MAGNITUDE` anywhere in case data, naming the key path.

    Raises
    ------
    CaseError
        ``<source>: <key.path>: ...`` for the first such number.
    """
    if isinstance(node, dict):
        for k, v in node.items():
            if str(k) not in _NOT_QUANTITIES:
                check_numbers(v, source, f"{where}.{k}" if where else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_numbers(v, source, f"{where}.{i}" if where else str(i))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        if not math.isfinite(node):
            raise CaseError(
                f"{source}: {where}: {node} is not a finite number (to leave a limit out, "
                "omit the key)"
            )
        if abs(node) > MAX_MAGNITUDE:
            raise CaseError(
                f"{source}: {where}: {node:g} is beyond {MAX_MAGNITUDE:g} in magnitude; "
                "check the value and its unit (to leave a limit out, omit the key)"
            )


#: an override: ``"key.path=value"`` (the value parsed as YAML, as ``--set`` gives it)
#: or ``(key_path, value)`` with the value already parsed (as a study file gives it)
Override = str | tuple[str, Any]


def override_text(override: Override) -> str:
    """``override`` as ``key.path=value`` text, for messages."""
    if isinstance(override, str):
        return override
    return f"{override[0]}={json.dumps(override[1], default=str)}"


def _split(override: Override) -> tuple[str, Any, str]:
    """Key path, parsed value and the message prefix of one override."""
    if not isinstance(override, str):
        key_path, value = override
        return str(key_path), value, str(key_path)
    if "=" not in override:
        raise CaseError(f"--set {override}: expected key.path=value")
    key_path, raw = override.split("=", 1)
    try:
        value = parse_yaml(raw)
    except yaml.YAMLError as exc:
        raise CaseError(f"--set {key_path}: value is not valid YAML: {exc}") from None
    return key_path, value, f"--set {key_path}"


def apply_override(data: dict[str, Any], override: Override) -> dict[str, Any]:
    """Return a copy of ``data`` with one override applied.

    ``"key.path=value"`` parses the value as YAML (``3`` is a number, ``[1, 2]`` a
    list, ``x`` a string); ``(key_path, value)`` sets the value as given. A key path
    names mapping keys and list indices (``storage.0.p_max_mw``).
    """
    key_path, value, where = _split(override)
    keys = key_path.strip().split(".")
    if not all(keys):
        raise CaseError(f"{where}: empty key in '{key_path}'")
    out = json.loads(json.dumps(data, default=str))
    value = json.loads(json.dumps(value, default=str))
    node: Any = out
    for i, k in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            if not k.isdigit() or int(k) >= len(node):
                raise CaseError(f"{where}: '{k}' is not an index of a {len(node)}-item list")
            if last:
                node[int(k)] = value
            else:
                node = node[int(k)]
        elif isinstance(node, dict):
            if last:
                kept = dict(_drop_other_forms(node, {k}))
                node.clear()
                node.update(kept)
                node[k] = value
            else:
                node = node.setdefault(k, {})
        else:
            raise CaseError(f"{where}: '{'.'.join(keys[:i])}' is not a mapping")
    return out


def resolve_value_paths(key_path: str, value: Any, base: Path) -> Any:
    """``value`` (set at ``key_path``) with relative file paths resolved against ``base``,
    as :func:`read_yaml` resolves those of a case file."""
    last = key_path.rsplit(".", 1)[-1]
    return _resolve_paths({last: value}, base)[last]
