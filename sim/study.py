"""Study files: a base case and named scenarios and/or a sweep of key paths, expanded
into the validated cases of a batch study (run by :mod:`sim.batch`).

A study file (YAML)::

    name: storage_sweep            # default: the file's stem
    base_case: ../default.yaml     # relative to the study file
    set: {time.end: 2016-07-06T00:00Z}        # overrides of every case
    scenarios:                     # named sets of overrides ...
      - {name: smart, set: {ev_fleets.0.mode: smart}}
      - {name: v2g, set: {ev_fleets.0.mode: v2g}}
    sweep:                         # ... and/or a sweep over key paths
      mode: cartesian              # or zip (the lists side by side)
      parameters:
        storage.0.p_max_mw: [1, 2, 4]
        storage.0.e_max_mwh: [2, 4, 8]
    kpis: [cost_eur, emissions_tco2]           # the KPIs of the plots and report

With both, every scenario runs every sweep point. Overrides apply in the order base
case, ``set``, scenario, sweep point, as ``--set`` does on the command line.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.case import Case, CaseError, load_case
from sim.case_yaml import Override, load_yaml_text, resolve_value_paths

#: KPIs shown in a study's plots and report unless the study names its own
DEFAULT_KPIS = (
    "cost_eur",
    "emissions_tco2",
    "curtailed_mwh",
    "losses_mwh",
    "renewable_share_percent",
    "vm_violation_bus_steps",
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ScenarioSpec(_Strict):
    """A named set of overrides."""

    name: str
    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("letters, digits and . _ - only, starting with a letter or digit")
        return v


class SweepSpec(_Strict):
    """Values of key paths: every combination (``cartesian``) or side by side (``zip``)."""

    mode: Literal["cartesian", "zip"] = "cartesian"
    parameters: dict[str, list[Any]]
    #: short names of key paths for case ids and plots (default: the last key)
    labels: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _lists(self) -> SweepSpec:
        if not self.parameters:
            raise ValueError("parameters: give at least one key path with a list of values")
        for key, label in self.labels.items():
            if key not in self.parameters:
                raise ValueError(f"labels.{key}: not a key path of parameters")
            if not _ID.match(label):
                raise ValueError(f"labels.{key}: letters, digits and . _ - only")
        for key, values in self.parameters.items():
            if not values:
                raise ValueError(f"parameters.{key}: the list of values is empty")
        lengths = {len(v) for v in self.parameters.values()}
        if self.mode == "zip" and len(lengths) > 1:
            raise ValueError(f"mode zip needs lists of one length, got lengths {sorted(lengths)}")
        return self


class StudySpec(_Strict):
    """The study file."""

    name: str | None = None
    description: str = ""
    base_case: str
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set")
    scenarios: list[ScenarioSpec] = Field(default_factory=list)
    sweep: SweepSpec | None = None
    kpis: list[str] = Field(default_factory=lambda: list(DEFAULT_KPIS))
    case_plots: bool = Field(
        False, description="write each case's PNG plots (the study's own plots are always made)"
    )

    @model_validator(mode="after")
    def _cases(self) -> StudySpec:
        if not self.scenarios and self.sweep is None:
            raise ValueError("give scenarios, a sweep or both")
        names = [s.name for s in self.scenarios]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"scenarios: duplicate names {dup}")
        return self


@dataclass(frozen=True)
class StudyCase:
    """One case of a study: its id (the results folder's name), the scenario, the swept
    values by key path and the validated case."""

    case_id: str
    scenario: str | None
    params: dict[str, Any]
    case: Case

    @functools.cached_property
    def digest(self) -> str:
        """The validated case's hash (a rerun skips a finished case with this hash)."""
        return self.case.digest()


@dataclass(frozen=True)
class Study:
    """A study file, expanded: its name, file, spec and cases in order."""

    name: str
    path: Path
    spec: StudySpec
    cases: tuple[StudyCase, ...]

    @property
    def swept(self) -> list[str]:
        """The swept key paths, in the file's order."""
        return list(self.spec.sweep.parameters) if self.spec.sweep else []

    @property
    def short(self) -> dict[str, str]:
        """The short name of each swept key path (case ids, plots)."""
        return short_names(self.swept, self.spec.sweep.labels if self.spec.sweep else None)


def _points(sweep: SweepSpec | None) -> list[dict[str, Any]]:
    if sweep is None:
        return [{}]
    keys = list(sweep.parameters)
    lists = [sweep.parameters[k] for k in keys]
    combos = zip(*lists, strict=True) if sweep.mode == "zip" else itertools.product(*lists)
    return [dict(zip(keys, combo, strict=True)) for combo in combos]


def short_names(keys: Sequence[str], labels: dict[str, str] | None = None) -> dict[str, str]:
    """The label of each key path, else its last non-index part, or the whole path
    where two would clash."""
    labels = labels or {}
    short = {
        k: labels.get(k) or next(p for p in reversed(k.split(".")) if not p.isdigit()) for k in keys
    }
    clash = {s for s in short.values() if list(short.values()).count(s) > 1}
    return {k: (k.replace(".", "-") if s in clash else s) for k, s in short.items()}


def _value_text(value: Any, i: int) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, str) and _ID.match(value) and len(value) <= 40:
        return value
    return f"v{i}"


def _point_id(point: dict[str, Any], short: dict[str, str], values: dict[str, list[Any]]) -> str:
    parts = []
    for key, value in point.items():
        index = next(i for i, v in enumerate(values[key]) if v == value)
        parts.append(f"{short[key]}-{_value_text(value, index)}")
    return "_".join(parts)


def _path_values(items: dict[str, Any], base: Path) -> list[Override]:
    return [(k, resolve_value_paths(k, v, base)) for k, v in items.items()]


def read_study_spec(path: Path) -> StudySpec:
    """Read and validate a study file; errors name the file and the key path."""
    if not path.is_file():
        raise CaseError(f"{path}: study file not found")
    data = load_yaml_text(path)
    if not isinstance(data, dict):
        raise CaseError(f"{path}: the top level must be a mapping of keys")
    try:
        return StudySpec.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"{path}: {loc}: {err['msg']}")
        raise CaseError("\n".join(lines)) from None


def load_study(path: str | Path) -> Study:
    """Read a study file and validate every one of its cases.

    Raises
    ------
    CaseError
        Naming the study file and the case (and the case's own file, key path and
        problem) for every invalid case, all of them in one message.
    """
    path = Path(path).resolve()
    spec = read_study_spec(path)
    base_case = (path.parent / spec.base_case).resolve()
    if not base_case.is_file():
        raise CaseError(f"{path}: base_case: file not found: {base_case}")
    common = _path_values(spec.overrides, path.parent)
    points = _points(spec.sweep)
    values = spec.sweep.parameters if spec.sweep else {}
    short = short_names(list(values), spec.sweep.labels if spec.sweep else None)
    scenarios: list[ScenarioSpec | None] = list(spec.scenarios) or [None]
    cases: list[StudyCase] = []
    errors: list[str] = []
    for scenario in scenarios:
        for point in points:
            parts = [scenario.name] if scenario else []
            if point:
                parts.append(_point_id(point, short, values))
            case_id = "_".join(parts)
            overrides = list(common)
            if scenario:
                overrides += _path_values(scenario.overrides, path.parent)
            overrides += _path_values(point, path.parent)
            overrides.append(("name", case_id))
            overrides.append(("output.plots", spec.case_plots))
            try:
                case = load_case(base_case, overrides)
            except CaseError as exc:
                errors.append(f"{path}: case {case_id}: {exc}")
                continue
            cases.append(StudyCase(case_id, scenario.name if scenario else None, point, case))
    if errors:
        raise CaseError("\n".join(errors))
    ids = [c.case_id for c in cases]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise CaseError(f"{path}: sweep: values give the same case id twice: {dup}")
    return Study(spec.name or path.stem, path, spec, tuple(cases))
