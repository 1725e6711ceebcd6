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
from typing import Any, Literal

from pydantic import (
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from dispatch.components.cost_curve import CostCurveError, check_curve
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


class StorageSpec(_Strict):
    """A battery at one bus (bus name or index in the pandapower bus table); an entry
    named after a ``storage`` of the grid gives that element its parameters instead."""

    name: str
    #: required, except for an entry that overrides a storage of the grid (its bus)
    bus: str | int | None = None
    p_max_mw: float = Field(gt=0)
    e_max_mwh: float = Field(gt=0)
    e_min_mwh: float = Field(default=0.0, ge=0)
    e_initial_mwh: float | None = Field(default=None, ge=0)
    e_terminal_min_mwh: float | None = Field(default=None, ge=0)
    eff_charge: float = Field(default=0.95, gt=0, le=1)
    eff_discharge: float = Field(default=0.95, gt=0, le=1)
    standing_loss_per_h: float = Field(default=0.0, ge=0, lt=1)
    wear_cost_eur_per_mwh: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _energies(self) -> StorageSpec:
        if self.e_min_mwh > self.e_max_mwh:
            raise ValueError("'e_min_mwh' must not exceed 'e_max_mwh'")
        for key in ("e_initial_mwh", "e_terminal_min_mwh"):
            v = getattr(self, key)
            if v is not None and not self.e_min_mwh <= v <= self.e_max_mwh:
                raise ValueError(f"'{key}' ({v}) must lie within [e_min_mwh, e_max_mwh]")
        return self

    @property
    def e_start_mwh(self) -> float:
        """Initial energy [MWh]; half-full when not given."""
        if self.e_initial_mwh is not None:
            return self.e_initial_mwh
        return 0.5 * (self.e_min_mwh + self.e_max_mwh)


class ConventionalSpec(_Strict):
    """A dispatchable conventional unit (gas engine, CHP, diesel) at one bus; an entry
    named after a ``gen`` of the grid gives that generator's parameters instead."""

    name: str
    #: required, except for an entry that overrides a gen of the grid (its bus)
    bus: str | int | None = None
    p_max_mw: float = Field(gt=0)
    p_min_mw: float = Field(default=0.0, ge=0)
    #: marginal cost [EUR/MWh]; required unless ``cost_curve`` is given (then added to it)
    cost_eur_per_mwh: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    ef_tco2_per_mwh: float = Field(default=0.0, ge=0)
    ramp_up_mw_per_h: float | None = Field(default=None, gt=0)
    ramp_down_mw_per_h: float | None = Field(default=None, gt=0)
    min_up_h: float = Field(default=0.0, ge=0)
    min_down_h: float = Field(default=0.0, ge=0)
    start_cost_eur: float = Field(default=0.0, ge=0)
    initial_p_mw: float = Field(default=0.0, ge=0)
    #: quadratic cost coefficient: cost per hour c p + q p^2 [EUR/(MW^2 h)]
    cost_eur_per_mw2h: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    #: always on: output within [p_min_mw, p_max_mw] also without unit commitment
    must_run: bool = False
    #: convex piecewise-linear cost: [[p_mw, cost_eur_per_mwh], ...], the marginal cost
    #: up to each output (from 0 MW; :mod:`dispatch.components.cost_curve`)
    cost_curve: list[tuple[float, float]] | None = None

    @model_validator(mode="after")
    def _costs(self) -> ConventionalSpec:
        if self.cost_curve is None:
            if self.cost_eur_per_mwh is None:
                raise ValueError("'cost_eur_per_mwh' is required (or give 'cost_curve')")
            return self
        try:
            curve = check_curve(tuple(self.cost_curve))
        except CostCurveError as exc:
            raise ValueError(f"'cost_curve': {exc}") from None
        if self.cost_eur_per_mw2h > 0:
            raise ValueError("give 'cost_curve' or 'cost_eur_per_mw2h', not both")
        if curve[-1][0] < self.p_max_mw:
            raise ValueError(
                f"'cost_curve' ends at {curve[-1][0]} MW, below 'p_max_mw' ({self.p_max_mw} MW)"
            )
        return self

    @model_validator(mode="after")
    def _powers(self) -> ConventionalSpec:
        if self.p_min_mw > self.p_max_mw:
            raise ValueError("'p_min_mw' must not exceed 'p_max_mw'")
        if self.initial_p_mw > self.p_max_mw:
            raise ValueError("'initial_p_mw' must not exceed 'p_max_mw'")
        return self


class ExternalGridSpec(_Strict):
    """Grid connection: prices, emission factor of imports and connection limits.

    A price or limit left out comes from the grid's external grids: the linear cost
    ``cp1_eur_per_mw`` of their ``poly_cost`` (import and export price alike) and
    their ``max_p_mw`` / ``-min_p_mw`` (summed over the connections); without them a
    price is an error and a limit is none."""

    import_price_eur_per_mwh: SeriesSpec | None = None
    export_price_eur_per_mwh: SeriesSpec | None = None
    ef_tco2_per_mwh: SeriesSpec
    import_max_mw: float | None = Field(default=None, ge=0)
    export_max_mw: float | None = Field(default=None, ge=0)
    imbalance_price_eur_per_mwh: SeriesSpec | None = None


class DispatchSpec(_Strict):
    """Optimisation options."""

    network_model: Literal["copperplate", "dc", "lindistflow"] = "copperplate"
    objective: Literal["min_cost", "min_emissions"] = "min_cost"
    emission_cap_tco2: float | None = Field(default=None, ge=0)
    storage_exact: bool = False
    unit_commitment: bool = False
    rolling: Literal["none", "day_ahead", "intraday"] = "none"
    horizon_h: int | None = Field(default=None, gt=0)
    window_h: int | None = Field(default=None, gt=0)
    loss_iterations: int = Field(default=0, ge=0, le=10)
    intraday_redispatch: bool = False
    intraday_horizon_h: int = Field(default=24, gt=0)
    voll_eur_per_mwh: float = Field(default=3000.0, ge=0)
    overgeneration_cost_eur_per_mwh: float = Field(default=3000.0, ge=0)
    curtailment_cost_eur_per_mwh: float = Field(default=0.1, ge=0)
    carbon_price_eur_per_tco2: float = Field(default=0.0, ge=0)
    time_limit_s: float = Field(default=300.0, gt=0)
    solver_interface: Literal["arrays", "pyomo"] = "arrays"
    #: write the model of a window that fails to solve to this file (.lp or .mps)
    dump_model: Path | None = None
    #: linear segments per quadratic generation cost (exact at the breakpoints)
    quadratic_cost_segments: int = Field(default=20, ge=1, le=1000)
    #: quadratic generation costs as ``segments`` (an LP, the default) or ``exact`` (a QP)
    quadratic_cost: Literal["segments", "exact"] = "segments"

    @field_validator("dump_model")
    @classmethod
    def _model_file(cls, v: Path | None) -> Path | None:
        if v is not None and v.suffix not in (".lp", ".mps"):
            raise ValueError(f"'{v}': give a file ending in .lp or .mps")
        return v

    @model_validator(mode="after")
    def _exact_quadratic(self) -> DispatchSpec:
        if self.quadratic_cost == "exact":
            if self.solver_interface != "arrays":
                raise ValueError("quadratic_cost: exact needs solver_interface: arrays")
            for key in ("unit_commitment", "storage_exact"):
                if getattr(self, key):
                    raise ValueError(
                        f"quadratic_cost: exact cannot be combined with {key} (HiGHS "
                        "solves no mixed-integer QP); use quadratic_cost: segments"
                    )
        return self

    @property
    def window_and_horizon_h(self) -> tuple[int | None, int | None]:
        """Committed and optimised hours per window: ``window_h``/``horizon_h`` where
        given, else the ``rolling`` preset's (day_ahead: 24/48, intraday: 1/24; none:
        the whole period)."""
        window, horizon = {"none": (None, None), "day_ahead": (24, 48), "intraday": (1, 24)}[
            self.rolling
        ]
        horizon = self.horizon_h if self.horizon_h is not None else horizon
        window = self.window_h if self.window_h is not None else window
        if window is not None and horizon is not None and window > horizon:
            window = horizon
        return window, horizon

    @model_validator(mode="after")
    def _window(self) -> DispatchSpec:
        if self.window_h is not None and self.horizon_h is not None:
            if self.window_h > self.horizon_h:
                raise ValueError("'window_h' must not exceed 'horizon_h'")
        return self


ForecastMethod = Literal[
    "perfect", "persistence", "seasonal_naive_daily", "seasonal_naive_weekly", "regression"
]


class ForecastSpec(_Strict):
    """Forecasts the dispatch sees: a default method and, optionally, one per profile
    group (load, wind, pv, other_renewable, prices)."""

    method: ForecastMethod = "perfect"
    load: ForecastMethod | None = None
    wind: ForecastMethod | None = None
    pv: ForecastMethod | None = None
    other_renewable: ForecastMethod | None = None
    prices: ForecastMethod | None = None
    history_days: int = Field(default=28, ge=0, le=366)
    lead_h: float = Field(default=0.0, ge=0)
    value_of_foresight: bool = False

    def method_for(self, group: str) -> str:
        """The method of profile group ``group`` (its own key, else ``method``)."""
        own = getattr(self, group)
        return str(own if own is not None else self.method)

    @property
    def is_perfect(self) -> bool:
        """Whether every profile group is forecast perfectly."""
        groups = ("load", "wind", "pv", "other_renewable", "prices")
        return all(self.method_for(g) == "perfect" for g in groups)


class PowerFlowSpec(_Strict):
    """The AC power flow that checks every realised step."""

    engine: Literal["pgm", "pandapower"] = "pgm"


class OutputSpec(_Strict):
    """What is written besides the time series and KPIs."""

    plots: bool = True


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
