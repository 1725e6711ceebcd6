"""The conventional units as an asset family of the dispatch: the unit table's
checks, the block (:mod:`dispatch.components.conventional`), the results, the state
carried between windows and the hints of an infeasible window."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from dispatch.components.block_data import var_values
from dispatch.components.conventional import build_conventional, update_conventional
from dispatch.components.conventional_data import (
    CONVENTIONAL_COLUMNS,
    CONVENTIONAL_ON_TOL_MW,
    MUST_RUN,
    OPTIONAL_COLUMNS,
    QUADRATIC_COST,
)
from dispatch.components.conventional_state import CONVENTIONAL_STATE, state_after
from dispatch.components.cost_curve import COST_CURVE, CostCurveError, parse_curve
from dispatch.family import AssetData, AssetFamily, Labelled

if TYPE_CHECKING:
    from dispatch.extract import Solution
    from dispatch.inputs import DispatchInputs

__all__ = ["CONVENTIONAL", "Conventional"]


_COMMITMENT_HINT = (
    "check the unit's min_up_h, min_down_h and initial_p_mw (or dispatch.unit_commitment)"
)


class Conventional(AssetFamily):
    """Conventional units (see :func:`build_conventional`): table
    :data:`CONVENTIONAL_COLUMNS`, state :data:`CONVENTIONAL_STATE` (units without
    one start off, free to start); results ``p_mw`` [MW] and ``on`` (1.0/0.0: the
    commitment binaries with unit commitment, otherwise output above
    :data:`CONVENTIONAL_ON_TOL_MW`)."""

    name = "conventional"
    columns = CONVENTIONAL_COLUMNS
    limit_hints = MappingProxyType(
        {
            "p_mw": "check the unit's p_min_mw (with must_run) and p_max_mw",
            "ramp_up": "check the unit's ramp_up_mw_per_h and initial_p_mw (from "
            "initial_p_mw it must reach p_min_mw within its ramp)",
            "ramp_down": "check the unit's ramp_down_mw_per_h and initial_p_mw",
            "p_min_on": "check the unit's p_min_mw",
            "p_max_on": "check the unit's p_max_mw",
            **dict.fromkeys(
                (
                    "on",
                    "start",
                    "stop",
                    "transition",
                    "min_up",
                    "min_down",
                    "initial_on",
                    "initial_off",
                ),
                _COMMITMENT_HINT,
            ),
        }
    )
    state_names = CONVENTIONAL_STATE

    def validate(self, d: AssetData, x: DispatchInputs) -> None:
        super().validate(d, x)
        unknown = set(d.state) - set(CONVENTIONAL_STATE)
        if unknown:
            self.fail("state", f"unknown state {sorted(unknown)}")

    def check_table(self, cv: pd.DataFrame) -> None:
        super().check_table(cv)
        extra = list(cv.columns[len(CONVENTIONAL_COLUMNS) :])
        if list(cv.columns[: len(CONVENTIONAL_COLUMNS)]) != list(CONVENTIONAL_COLUMNS) or any(
            c not in OPTIONAL_COLUMNS or extra.count(c) > 1 for c in extra
        ):
            self.fail(
                "units", f"columns must be {CONVENTIONAL_COLUMNS}, then any of {OPTIONAL_COLUMNS}"
            )
        if cv.empty:
            return
        num = cv.drop(columns=["bus", COST_CURVE], errors="ignore").astype(float)
        self._check_curves(cv, num)
        finite = num.drop(columns=["ramp_up_mw_per_h", "ramp_down_mw_per_h"])
        if not np.isfinite(finite.to_numpy()).all():
            self.fail("units", "contains NaN or infinite values (ramps may be inf)")
        if (num < 0).any().any():
            self.fail("units", "contains negative values")
        if MUST_RUN in num and not num[MUST_RUN].isin([0.0, 1.0]).all():
            self.fail("units", f"{MUST_RUN} must be 0 or 1")
        bad = cv.index[num["p_min_mw"] > num["p_max_mw"]]
        if len(bad):
            self.fail("units", f"p_min_mw above p_max_mw for {list(bad)}")

    def _check_curves(self, cv: pd.DataFrame, num: pd.DataFrame) -> None:
        if COST_CURVE not in cv:
            return
        for g, text in cv[COST_CURVE].items():
            try:
                curve = parse_curve(text)
            except CostCurveError as exc:
                self.fail("units", f"{g}: {exc}")
            if not curve:
                continue
            if QUADRATIC_COST in num and num.at[g, QUADRATIC_COST] > 0:
                self.fail("units", f"{g}: a cost curve and a quadratic cost; give one of them")
            if curve[-1][0] < num.at[g, "p_max_mw"] - 1e-9:
                self.fail(
                    "units",
                    f"{g}: the cost curve ends at {curve[-1][0]} MW, below p_max_mw "
                    f"{num.at[g, 'p_max_mw']} MW",
                )

    def build(self, m: pyo.ConcreteModel, x: DispatchInputs) -> pyo.Block:
        return build_conventional(m, x)

    def update(self, blk: pyo.Block, x: DispatchInputs) -> None:
        update_conventional(blk, x)

    def extract(self, blk: pyo.Block, sol: Solution, x: DispatchInputs) -> dict[str, Labelled]:
        units = list(blk.UNIT)
        n = len(x.time)
        p = var_values(sol, blk.p_mw, units, n)
        if hasattr(blk, "on"):
            on = np.round(var_values(sol, blk.on, units, n))
        else:
            on = (p > CONVENTIONAL_ON_TOL_MW).astype(float)
        return {"p_mw": Labelled(tuple(units), p), "on": Labelled(tuple(units), on)}

    def state_after(
        self, d: AssetData, committed: Mapping[str, Labelled], dt_h: float
    ) -> dict[str, np.ndarray]:
        p = committed["p_mw"].values
        if not p.shape[1]:
            return {}
        return state_after(d.state, p, committed["on"].values, dt_h)


#: the conventional family
CONVENTIONAL = Conventional()
