"""The conventional units' data of one window as plain per-unit values (no pandas
in constraint rules): the table's columns, the state before the window, the must-on
and must-off flags it implies and what fixes the block's structure."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dispatch.components.conventional_state import default_state
from dispatch.components.cost_curve import COST_CURVE, Curve, parse_curve
from dispatch.family import _TABLE_CACHE, AssetData

if TYPE_CHECKING:
    from dispatch.inputs import DispatchInputs

#: columns of the conventional-unit table (powers [MW], ramps [MW/h], times [h],
#: marginal cost [EUR/MWh], emission factor [tCO2/MWh], start cost [EUR])
CONVENTIONAL_COLUMNS = (
    "bus",
    "p_min_mw",
    "p_max_mw",
    "cost_eur_per_mwh",
    "ef_tco2_per_mwh",
    "ramp_up_mw_per_h",
    "ramp_down_mw_per_h",
    "min_up_h",
    "min_down_h",
    "start_cost_eur",
)
#: optional column of the table: 1.0 for a unit that is always on, held within
#: [p_min_mw, p_max_mw] also without unit commitment (0.0, the default: free to be off)
MUST_RUN = "must_run"
#: optional column of the table: quadratic cost coefficient [EUR/(MW^2 h)], the
#: cost per step being dt * (cost_eur_per_mwh * p + cost_eur_per_mw2h * p^2) (0: none)
QUADRATIC_COST = "cost_eur_per_mw2h"
#: the optional columns, in the order they follow :data:`CONVENTIONAL_COLUMNS` (the
#: last, :data:`dispatch.components.cost_curve.COST_CURVE`, is text: a cost curve)
OPTIONAL_COLUMNS = (MUST_RUN, QUADRATIC_COST, COST_CURVE)
#: without unit commitment a unit above this output [MW] counts as on
CONVENTIONAL_ON_TOL_MW = 1e-6

#: slack when turning hours into whole steps, so 3 h at 1 h per step is 3 steps, not 4
STEP_ROUNDING_TOL = 1e-9


@dataclass(frozen=True)
class UnitData:
    """Plain per-unit data of one window, derived from the inputs (no pandas in rules)."""

    units: list[str]
    column: dict[str, dict[str, float]]
    p_initial_mw: dict[str, float]
    on_initial: dict[str, float]
    must_on: dict[tuple[str, int], float]
    must_off: dict[tuple[str, int], float]
    up_steps: dict[str, int]
    down_steps: dict[str, int]
    ramp_up_units: list[str]
    ramp_down_units: list[str]
    quadratic_units: list[str]
    curves: dict[str, Curve]


def _steps(hours: float, dt_h: float) -> int:
    """Whole steps needed to cover ``hours`` [h] (0 if ``hours`` <= 0, also ``-inf``)."""
    if hours <= 0.0:
        return 0
    return math.ceil(hours / dt_h - STEP_ROUNDING_TOL)


def table_columns(d: AssetData) -> dict[str, dict[str, float]]:
    """The unit table as ``{column: {unit: value}}`` (computed once per table)."""

    def make(cv: pd.DataFrame) -> dict[str, dict[str, float]]:
        out = {
            c: {str(u): float(v) for u, v in cv[c].astype(float).items()}
            for c in cv.columns
            if c not in ("bus", COST_CURVE)
        }
        for c in (MUST_RUN, QUADRATIC_COST):
            out.setdefault(c, {str(u): 0.0 for u in cv.index})
        return out

    return _TABLE_CACHE.get(d.units, "conventional_columns", make)


def table_curves(units: pd.DataFrame) -> dict[str, Curve]:
    """The cost curves of the units that have one, by unit (computed once per table)."""

    def make(cv: pd.DataFrame) -> dict[str, Curve]:
        if COST_CURVE not in cv:
            return {}
        curves = {str(u): parse_curve(v) for u, v in cv[COST_CURVE].items()}
        return {g: c for g, c in curves.items() if c}

    return _TABLE_CACHE.get(units, "conventional_curves", make)


def unit_data(x: DispatchInputs) -> UnitData:
    d = x.assets["conventional"]
    units = d.names
    column = table_columns(d)
    state = {**default_state(len(units)), **d.state}
    p0 = np.asarray(state["p_mw"], dtype=float)
    on0 = np.asarray(state["on"], dtype=float)
    hours = np.asarray(state["hours_in_state"], dtype=float)
    n = len(x.time)
    must_on: dict[tuple[str, int], float] = {}
    must_off: dict[tuple[str, int], float] = {}
    for j, g in enumerate(units):
        left_on = _steps(column["min_up_h"][g] - hours[j], x.dt_h) if on0[j] > 0.5 else 0
        left_off = _steps(column["min_down_h"][g] - hours[j], x.dt_h) if on0[j] <= 0.5 else 0
        if column[MUST_RUN][g] > 0.5:
            left_on = n
        for t in range(n):
            must_on[g, t] = 1.0 if t < left_on else 0.0
            must_off[g, t] = 1.0 if t < left_off else 0.0
    return UnitData(
        units=units,
        column=column,
        p_initial_mw=dict(zip(units, map(float, p0), strict=True)),
        on_initial={g: 1.0 if v > 0.5 else 0.0 for g, v in zip(units, on0, strict=True)},
        must_on=must_on,
        must_off=must_off,
        up_steps={g: max(1, _steps(column["min_up_h"][g], x.dt_h)) for g in units},
        down_steps={g: max(1, _steps(column["min_down_h"][g], x.dt_h)) for g in units},
        ramp_up_units=[g for g in units if math.isfinite(column["ramp_up_mw_per_h"][g])],
        ramp_down_units=[g for g in units if math.isfinite(column["ramp_down_mw_per_h"][g])],
        quadratic_units=[g for g in units if column[QUADRATIC_COST][g] > 0.0],
        curves=table_curves(d.units),
    )


def structure(d: UnitData, x: DispatchInputs) -> tuple[object, ...]:
    """What fixes the block's sets and constraints; an update must not change it."""
    return (
        tuple(d.units),
        len(x.time),
        x.dt_h,
        x.options.unit_commitment,
        tuple(d.ramp_up_units),
        tuple(d.ramp_down_units),
        tuple(sorted(d.up_steps.items())),
        tuple(sorted(d.down_steps.items())),
        tuple(d.quadratic_units),
        (x.options.quadratic_cost, x.options.cost_segments) if d.quadratic_units else 0,
        tuple((g, len(c)) for g, c in d.curves.items()),
    )
