"""Case-file composition: read YAML, follow ``extends:``, merge, resolve relative
paths and apply ``--set key.path=value`` overrides, before validation (sim/case.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


class CaseError(ValueError):
    """Invalid case input; the message names the file, the key path and the problem."""


_PATH_KEYS = {"csv", "pandapower_json", "file"}
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


def _resolve_paths(node: Any, base: Path) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in _PATH_KEYS and isinstance(v, str) and not Path(v).is_absolute():
                out[k] = str((base / v).resolve())
            else:
                out[k] = _resolve_paths(v, base)
        return out
    if isinstance(node, list):
        return [_resolve_paths(v, base) for v in node]
    return node


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
    path = path.resolve()
    if path in chain:
        raise CaseError(f"{path}: extends: circular chain {' -> '.join(map(str, chain + (path,)))}")
    if not path.is_file():
        where = f"{chain[-1]}: extends" if chain else "case file"
        raise CaseError(f"{where}: file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CaseError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CaseError(f"{path}: the top level must be a mapping of keys")
    data = _resolve_paths(data, path.parent)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise CaseError(f"{path}: extends: must be a path to a case file")
    return _merge(read_yaml(path.parent / parent, chain + (path,)), data)


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
        value = yaml.safe_load(raw)
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
