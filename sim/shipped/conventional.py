"""Conventional units on the simulator side: the case's ``conventional`` section and
the grid's own generators (pandapower ``gen``).

Each unit of the case is added to the grid as a static generator; its state before
the period (output, on/off, hours in that state) comes from ``initial_p_mw``. Each
in-service ``gen`` of the grid is a must-run unit within ``[min_p_mw, max_p_mw]``
(its ``p_mw`` where the net gives no limits) at the linear cost ``cp1_eur_per_mw`` of
its ``poly_cost`` row (0 without one) plus its quadratic term ``cp2_eur_per_mw2``
(as linear segments in the dispatch) and no emissions; constant terms ``cp0_eur``
do not change the dispatch and are left out. The rolling horizon carries the state
from window to window. Output and commitment are kept as dispatched and enter the
AC power flow as the static generator's output, or as the ``gen``'s active power
at its voltage set-point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dispatch.components.conventional import CONVENTIONAL_COLUMNS, MUST_RUN, QUADRATIC_COST
from dispatch.components.conventional_family import CONVENTIONAL
from dispatch.components.conventional_state import CONVENTIONAL_STATE
from dispatch.components.cost_curve import COST_CURVE, CostCurveError, check_curve, format_curve
from dispatch.family import AssetData
from grid.assets import AssetError, add_conventional, bus_name
from sim.families import Injection, SimFamily, Window

if TYPE_CHECKING:
    from sim.case import Case
    from sim.setup import Setup

#: the unit parameters copied into the results' asset table
ASSET_COLUMNS = (
    "p_max_mw",
    "cost_eur_per_mwh",
    QUADRATIC_COST,
    "ef_tco2_per_mwh",
    "start_cost_eur",
    COST_CURVE,
)
#: columns of the table of a run's conventional units
TABLE_COLUMNS = (*CONVENTIONAL_COLUMNS, MUST_RUN, QUADRATIC_COST, COST_CURVE)
#: the text columns of that table
TEXT_COLUMNS = ("bus", COST_CURVE)


def conventional_table(case: Case, bus_of: pd.Series) -> pd.DataFrame:
    """One row per conventional unit of the case, columns :data:`TABLE_COLUMNS` (a
    ramp rate not given is ``inf``); ``bus_of`` gives each unit's bus name."""
    inf = float("inf")
    rows = {
        c.name: {
            "bus": bus_of[c.name],
            "p_min_mw": c.p_min_mw,
            "p_max_mw": c.p_max_mw,
            "cost_eur_per_mwh": c.cost_eur_per_mwh or 0.0,
            "ef_tco2_per_mwh": c.ef_tco2_per_mwh,
            "ramp_up_mw_per_h": c.ramp_up_mw_per_h if c.ramp_up_mw_per_h is not None else inf,
            "ramp_down_mw_per_h": (
                c.ramp_down_mw_per_h if c.ramp_down_mw_per_h is not None else inf
            ),
            "min_up_h": c.min_up_h,
            "min_down_h": c.min_down_h,
            "start_cost_eur": c.start_cost_eur,
            MUST_RUN: 1.0 if c.must_run else 0.0,
            QUADRATIC_COST: c.cost_eur_per_mw2h,
            COST_CURVE: format_curve(tuple(c.cost_curve or ())),
        }
        for c in case.conventional
    }
    columns = list(TABLE_COLUMNS)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    return table.astype({c: float for c in columns if c not in TEXT_COLUMNS})


def _net_value(table: pd.DataFrame, column: str, fallback: pd.Series) -> pd.Series:
    """``table[column]`` where given and finite, else ``fallback``."""
    if column not in table:
        return fallback.astype(float)
    values = pd.to_numeric(table[column], errors="coerce").astype(float)
    return values.where(np.isfinite(values), fallback.astype(float))


def pwl_slopes(points: Any) -> tuple[tuple[float, float], ...]:
    """pandapower ``pwl_cost`` points ``[[p0, p1, c], [p1, p2, c'], ...]`` as a cost
    curve (range ends and marginal costs; the first slope holds from 0 MW, as in
    pandapower's OPF).

    Raises
    ------
    ValueError
        If the ranges do not follow each other or the curve is not convex.
    """
    rows = [tuple(float(v) for v in r) for r in points]
    if not rows or any(len(r) != 3 for r in rows):
        raise ValueError(f"pwl_cost points {points}: expected [[p0, p1, cost], ...]")
    for (_, end, _), (start, _, _) in zip(rows, rows[1:], strict=False):
        if start != end:
            raise ValueError(f"pwl_cost points {points}: the ranges must follow each other")
    try:
        return check_curve(tuple((p1, c) for _, p1, c in rows))
    except CostCurveError as exc:
        raise ValueError(f"pwl_cost: {exc}") from None


def _pwl_curves(net: Any, gen: pd.DataFrame, poly: pd.DataFrame) -> dict[int, str]:
    """The text cost curves of the gens with an active-power ``pwl_cost`` row."""
    pwl = net.pwl_cost if "pwl_cost" in net else pd.DataFrame()
    if pwl.empty:
        return {}
    rows = pwl[(pwl["et"] == "gen") & (pwl["power_type"] == "p")]
    with_poly = set(poly.loc[poly["et"] == "gen", "element"].astype(int)) if len(poly) else set()
    curves: dict[int, str] = {}
    for _, row in rows.iterrows():
        i = int(row["element"])
        if i not in gen.index:
            continue
        name = gen.at[i, "name"]
        if i in with_poly:
            raise ValueError(f"{name}: has a poly_cost and a pwl_cost; keep one of them")
        try:
            curve = pwl_slopes(row["points"])
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        p_max = float(_net_value(gen.loc[[i]], "max_p_mw", gen.loc[[i], "p_mw"]).iloc[0])
        if curve[-1][0] < p_max:
            raise ValueError(
                f"{name}: its pwl_cost ends at {curve[-1][0]} MW, below max_p_mw {p_max} MW"
            )
        curves[i] = format_curve(curve)
    return curves


def gen_table(net: Any) -> pd.DataFrame:
    """One row per in-service pandapower ``gen`` of ``net``, columns of
    :func:`conventional_table` (must-run, limits and linear cost from the net).

    Raises
    ------
    ValueError
        ``"<gen name>: ..."`` for a negative quadratic cost term or limits out of order.
    """
    gen = net.gen[net.gen["in_service"].astype(bool)]
    columns = list(TABLE_COLUMNS)
    if gen.empty:
        return pd.DataFrame(columns=columns).astype(
            {c: float for c in columns if c not in TEXT_COLUMNS}
        )
    p_set = gen["p_mw"].astype(float)
    cost = pd.Series(0.0, index=gen.index)
    quadratic = pd.Series(0.0, index=gen.index)
    pc = net.poly_cost if "poly_cost" in net else pd.DataFrame()
    for _, row in pc[pc["et"] == "gen"].iterrows() if len(pc) else []:
        if int(row["element"]) in cost.index:
            q = float(row.get("cp2_eur_per_mw2", 0.0))
            if q < 0:
                name = gen.at[int(row["element"]), "name"]
                raise ValueError(
                    f"{name}: poly_cost cp2_eur_per_mw2 = {q}: a negative quadratic cost is "
                    "not convex"
                )
            cost[int(row["element"])] = float(row["cp1_eur_per_mw"])
            quadratic[int(row["element"])] = q
    curves = _pwl_curves(net, gen, pc)
    table = pd.DataFrame(
        {
            "bus": net.bus.loc[gen["bus"], "name"].astype(str).to_numpy(),
            "p_min_mw": _net_value(gen, "min_p_mw", p_set).to_numpy(),
            "p_max_mw": _net_value(gen, "max_p_mw", p_set).to_numpy(),
            "cost_eur_per_mwh": cost.to_numpy(),
            "ef_tco2_per_mwh": 0.0,
            "ramp_up_mw_per_h": np.inf,
            "ramp_down_mw_per_h": np.inf,
            "min_up_h": 0.0,
            "min_down_h": 0.0,
            "start_cost_eur": 0.0,
            MUST_RUN: 1.0,
            QUADRATIC_COST: quadratic.to_numpy(),
            COST_CURVE: [curves.get(i, "") for i in gen.index],
        },
        index=pd.Index(gen["name"].astype(str).to_numpy(), dtype=object),
    )
    bad = table.index[(table["p_min_mw"] > table["p_max_mw"]) | (table["p_min_mw"] < 0)]
    if len(bad):
        raise ValueError(f"{bad[0]}: min_p_mw must lie within [0, max_p_mw]")
    return table


def _gen_buses(net: Any) -> pd.Series:
    """Bus name of each in-service ``gen`` of ``net``, by generator name."""
    gen = net.gen[net.gen["in_service"].astype(bool)]
    return pd.Series(
        net.bus.loc[gen["bus"], "name"].astype(str).to_numpy(),
        index=gen["name"].astype(str).to_numpy(),
        dtype=object,
    )


def conventional_initial_state(case: Case) -> pd.DataFrame:
    """State of the conventional units before the period: ``initial_p_mw`` [MW], on
    if it is above zero, and long enough in that state to be free to change it."""
    rows = {
        c.name: {
            "p_mw": c.initial_p_mw,
            "on": 1.0 if c.initial_p_mw > 0 else 0.0,
            "hours_in_state": float("inf"),
        }
        for c in case.conventional
    }
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=list(CONVENTIONAL_STATE), dtype=float
    )


@dataclass(frozen=True)
class ConventionalData:
    """The conventional units of a run: their table, their state before the period
    (frame, by unit), that state as arrays (empty without units) and the names of
    the grid's own generators (pandapower ``gen``) among them."""

    units: pd.DataFrame
    initial: pd.DataFrame
    state: dict[str, np.ndarray]
    gens: pd.Index


class ConventionalFamily(SimFamily):
    """Conventional units: case section ``conventional`` (:class:`sim.case.ConventionalSpec`)."""

    name = CONVENTIONAL.name
    dispatch = CONVENTIONAL
    in_network_data = True

    def add_elements(self, case: Case, net: Any) -> None:
        """A static generator per unit of the case, except for the entries that give
        a ``gen`` of the grid its parameters (their bus, if given, must be the gen's)."""
        from sim.case import CaseError

        taken = set(net.sgen["name"])
        gens = _gen_buses(net)
        for i, c in enumerate(case.conventional):
            if c.name in gens.index:
                if c.bus is not None and bus_name(net, c.bus) != gens[c.name]:
                    raise CaseError(
                        f"conventional.{i}.bus: {c.bus!r} is not the bus of gen {c.name!r} "
                        f"({gens[c.name]!r}); leave it out"
                    )
                continue
            if c.bus is None:
                raise CaseError(
                    f"conventional.{i}.bus: required (the grid has no gen named {c.name!r})"
                )
            if c.name in taken:
                raise CaseError(f"conventional.{i}.name: {c.name!r} is already a generator's name")
            try:
                add_conventional(net, c.name, c.bus, c.p_max_mw)
            except AssetError as exc:
                raise CaseError(f"conventional.{i}.bus: {exc}") from None

    def prepare_run(self, case: Case, setup: Setup) -> ConventionalData:
        from sim.case import CaseError

        try:
            gens = gen_table(setup.net)
        except ValueError as exc:
            raise CaseError(f"grid: gen {exc}") from None
        bus_of = pd.concat([setup.nd.sgen_bus, gens["bus"]])
        own = conventional_table(case, bus_of[~bus_of.index.duplicated(keep="last")])
        given = own.index.intersection(gens.index)  # the case's parameters for these gens
        units = pd.concat([own, gens.drop(index=given)]) if len(gens) else own
        initial = conventional_initial_state(case)
        net_gens = gens.index.difference(given)
        on = pd.DataFrame(
            {"p_mw": gens.loc[net_gens, "p_min_mw"], "on": 1.0, "hours_in_state": np.inf},
            index=net_gens,
        )
        initial = pd.concat([initial, on]) if len(net_gens) else initial
        state = {
            k: initial[k].reindex(units.index).astype(float).to_numpy()
            for k in ("p_mw", "on", "hours_in_state")
        }
        return ConventionalData(units, initial, state if len(units.index) else {}, gens.index)

    def window(self, prepared: ConventionalData, w: Window) -> AssetData:
        return AssetData(CONVENTIONAL, prepared.units, state=prepared.state)

    def injections(
        self, prepared: ConventionalData, realised: Mapping[str, pd.DataFrame]
    ) -> list[Injection]:
        p = realised["p_mw"]
        is_gen = p.columns.isin(prepared.gens)
        return [Injection("sgen", p.loc[:, ~is_gen]), Injection("gen", p.loc[:, is_gen])]

    def assets(self, prepared: ConventionalData) -> pd.DataFrame:
        u = prepared.units
        initial_on = prepared.initial["on"].reindex(u.index).fillna(0.0)
        return u[["bus", *ASSET_COLUMNS]].assign(
            family="conventional", kind="conventional", initial_on=initial_on
        )


#: the conventional-unit family of the simulator
CONVENTIONAL_FAMILY = ConventionalFamily()
