"""Case files: pydantic models of the YAML case file and :func:`load_case`.

A case file is YAML. It may name another case file under ``extends:`` (a path
relative to itself); the extending file's keys are merged over the base one
(mappings merge key by key, lists and scalars replace; giving one form of a
series, e.g. ``csv``, replaces the base's other form, e.g. ``daily_profile``). Overrides given as
``key.path=value`` (the CLI's ``--set``) are applied last; list items are
addressed by their index (``storage.0.p_max_mw=3``). Relative paths in a file
(``csv``, ``pandapower_json``) are relative to that file.

Every model forbids unknown keys. Errors are raised as :class:`CaseError`, whose
message names the file, the key path and the problem.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from sim.case_assets import ConventionalSpec, ExternalGridSpec, StorageSpec
from sim.case_options import DispatchSpec, ForecastSpec, OutputSpec, PowerFlowSpec
from sim.case_sources import (
    GRID_FORMS,
    GridSpec,
    ProfileFileSpec,
    ProfilesSpec,
    SeriesSpec,
    TimeSpec,
    _Strict,
)
from sim.case_weather import RenewablesSpec
from sim.case_yaml import (
    CaseError,
    Override,
    apply_override,
    check_numbers,
    override_text,
    read_yaml,
)
from sim.sites import SiteSpec

__all__ = [
    "GRID_FORMS",
    "Case",
    "CaseError",
    "GridSpec",
    "ProfileFileSpec",
    "ProfilesSpec",
    "SeriesSpec",
    "TimeSpec",
    "apply_override",
    "load_case",
]


class Case(_Strict):
    """A whole simulation case."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    time: TimeSpec
    grid: GridSpec
    profiles: ProfilesSpec = ProfilesSpec()
    storage: list[StorageSpec] = []
    conventional: list[ConventionalSpec] = []
    external_grid: ExternalGridSpec
    dispatch: DispatchSpec = DispatchSpec()
    forecast: ForecastSpec = ForecastSpec()
    powerflow: PowerFlowSpec = PowerFlowSpec()
    output: OutputSpec = OutputSpec()
    renewables: RenewablesSpec = RenewablesSpec()
    sites: list[SiteSpec] = []
    #: units of the plug-in families by family name, each list validated by the
    #: family's spec (:mod:`sim.families`); filled by :func:`load_case` from the
    #: families' own case keys
    families: dict[str, list[Any]] = {}

    @model_validator(mode="after")
    def _unique_names(self) -> Case:
        names = [s.name for s in self.storage] + [c.name for c in self.conventional]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(
                f"storage and conventional names must be unique, repeated: {sorted(dup)}"
            )
        return self

    def digest(self) -> str:
        """SHA-256 of the validated case (its canonical JSON), for result provenance."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _format_errors(source: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        given = err.get("input")
        shown = "" if err["type"] in ("missing", "extra_forbidden") else f" (got {given!r})"
        if isinstance(given, dict):
            shown = ""
        lines.append(f"{source}: {loc}: {msg}{shown}")
    return "\n".join(lines)


def load_case(path: str | Path, overrides: Sequence[Override] = ()) -> Case:
    """Read, merge, override and validate a case file.

    Parameters
    ----------
    path
        The YAML case file.
    overrides
        Applied in order after ``extends`` merging: ``key.path=value`` strings (the
        value parsed as YAML) or ``(key_path, value)`` pairs.

    Raises
    ------
    CaseError
        With a message naming the file, the key path and the problem.
    """
    path = Path(path)
    data = read_yaml(path)
    for ov in overrides:
        try:
            data = apply_override(data, ov)
        except CaseError as exc:
            raise CaseError(f"{path}: {exc}") from None
    shown = ", ".join(override_text(ov) for ov in overrides)
    source = str(path) + (f" (with --set {shown})" if overrides else "")
    check_numbers(data, source)
    if isinstance(data, dict):
        data = _plugin_sections(data, source)
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(_format_errors(source, exc)) from None


def _plugin_sections(data: dict[str, Any], source: str) -> dict[str, Any]:
    """``data`` with the case keys of the registered plug-in families moved into
    ``families``, each entry validated by its family's spec."""
    from sim.families import registered_families

    data = dict(data)
    if "families" in data:
        raise CaseError(f"{source}: families: unknown key (use each family's own key)")
    found: dict[str, list[Any]] = {}
    for fam in registered_families():
        if not fam.case_key or fam.case_key not in data:
            continue
        entries = data.pop(fam.case_key)
        try:
            adapter: TypeAdapter[list[Any]] = TypeAdapter(list[fam.spec])  # type: ignore[name-defined]
            found[fam.name] = adapter.validate_python(entries)
        except ValidationError as exc:
            text = _format_errors(source, exc)
            raise CaseError(text.replace(f"{source}: ", f"{source}: {fam.case_key}.")) from None
    if found:
        data["families"] = found
    return data
