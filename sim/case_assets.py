"""Case-file models of the assets every case may give: batteries (``storage``),
conventional units (``conventional``) and the grid connection (``external_grid``)."""

from __future__ import annotations

from pydantic import Field, model_validator

from dispatch.components.cost_curve import CostCurveError, check_curve
from sim.case_sources import SeriesSpec, _Strict


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
