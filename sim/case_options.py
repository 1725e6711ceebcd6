"""Case-file models of the options of a run: the dispatch (``dispatch``), what it
knows of the future (``forecast``), the AC power flow (``powerflow``) and the outputs
(``output``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.case_sources import _Strict


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
