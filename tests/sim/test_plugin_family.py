"""A family registered from this test module alone runs through the whole simulator.

``LocalGenerator`` is defined here, not in the package: a dispatchable generator
with a marginal cost, an emission factor and a ramp limit (so it has a state, its
output, carried between rolling windows), added to the grid as a static generator.
The test registers it, writes it into a case file under its own key and runs the
case through the CLI's path: dispatch, rolling horizon, realisation, AC power flow,
KPIs and the results folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandapower as pp
import pandas as pd
import pyomo.environ as pyo
import pytest
from pydantic import BaseModel, ConfigDict

from dispatch.components.block_data import store_matrix, units_by_bus, var_values
from dispatch.family import AssetData, AssetFamily, Labelled
from grid.assets import resolve_bus
from sim.case import CaseError, load_case
from sim.families import (
    Injection,
    SimFamily,
    Window,
    register,
    registered,
    registered_families,
)
from sim.results import read_results
from sim.runner import run_case

DATA = Path(__file__).parent / "data"
#: the generator's marginal cost [EUR/MWh]: below the case's cheapest import price
COST_EUR_PER_MWH = 20.0
RAMP_MW_PER_H = 0.5
#: committed hours of each rolling window (of a 24 h horizon)
WINDOW_H = 12
P_MAX_MW = 1.5
TOL = 1e-6


class LocalGeneratorBlock(AssetFamily):
    """p in [0, p_max], |p_t - p_{t-1}| <= ramp, p_{-1} = state ``p_mw``;
    cost = dt * c * p, emissions = dt * ef * p."""

    name = "local_gen"
    columns = ("bus", "p_max_mw", "ramp_mw_per_h", "cost_eur_per_mwh", "ef_tco2_per_mwh")
    state_names = ("p_mw",)

    def build(self, m: pyo.ConcreteModel, x: Any) -> pyo.Block:
        d = x.assets[self.name]
        b = pyo.Block()
        m.add_component(self.name, b)
        by_bus = units_by_bus(d.units["bus"])
        col = {c: d.units[c].astype(float).to_dict() for c in self.columns[1:]}
        b.UNIT = pyo.Set(initialize=d.names, ordered=True)
        b.BUS = pyo.Set(initialize=sorted(by_bus), ordered=True)
        b.p_initial_mw = pyo.Param(
            b.UNIT,
            mutable=True,
            within=pyo.Reals,
            initialize=dict(zip(d.names, map(float, d.state["p_mw"]), strict=True)),
        )
        b.p_mw = pyo.Var(b.UNIT, m.T, bounds=lambda blk, g, t: (0.0, col["p_max_mw"][g]))

        def prev(blk: pyo.Block, g: str, t: int) -> Any:
            return blk.p_initial_mw[g] if t == 0 else blk.p_mw[g, t - 1]

        ramp = {g: col["ramp_mw_per_h"][g] * x.dt_h for g in d.names}
        b.ramp_up = pyo.Constraint(
            b.UNIT, m.T, rule=lambda blk, g, t: blk.p_mw[g, t] - prev(blk, g, t) <= ramp[g]
        )
        b.ramp_down = pyo.Constraint(
            b.UNIT, m.T, rule=lambda blk, g, t: prev(blk, g, t) - blk.p_mw[g, t] <= ramp[g]
        )
        b.injection_mw = pyo.Expression(
            b.BUS, m.T, rule=lambda blk, bus, t: sum(blk.p_mw[g, t] for g in by_bus[bus])
        )
        cost, ef = col["cost_eur_per_mwh"], col["ef_tco2_per_mwh"]
        b.cost_eur = pyo.Expression(
            expr=x.dt_h * sum(cost[g] * b.p_mw[g, t] for g in b.UNIT for t in m.T)
        )
        b.emissions_tco2 = pyo.Expression(
            expr=x.dt_h * sum(ef[g] * b.p_mw[g, t] for g in b.UNIT for t in m.T)
        )
        return b

    def update(self, blk: pyo.Block, x: Any) -> None:
        store_matrix(blk.p_initial_mw, x.assets[self.name].state["p_mw"])

    def extract(self, blk: pyo.Block, sol: Any, x: Any) -> dict[str, Labelled]:
        units = list(blk.UNIT)
        return {"p_mw": Labelled(tuple(units), var_values(sol, blk.p_mw, units, len(x.time)))}

    def state_after(
        self, d: AssetData, committed: Mapping[str, Labelled], dt_h: float
    ) -> dict[str, np.ndarray]:
        return {"p_mw": committed["p_mw"].values[-1].copy()}


BLOCK = LocalGeneratorBlock()


class LocalGeneratorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    bus: str
    p_max_mw: float
    ef_tco2_per_mwh: float = 0.5


class LocalGenerator(SimFamily):
    name = BLOCK.name
    dispatch = BLOCK
    case_key = "local_generators"
    spec = LocalGeneratorSpec

    def add_to_net(self, net: Any, specs: list[Any]) -> None:
        for s in specs:
            pp.create_sgen(net, bus=resolve_bus(net, s.bus), p_mw=0.0, name=s.name)

    def prepare(self, specs: list[Any], net: Any, index: pd.DatetimeIndex, dt_h: float) -> Any:
        return pd.DataFrame(
            {
                "bus": [s.bus for s in specs],
                "p_max_mw": [s.p_max_mw for s in specs],
                "ramp_mw_per_h": RAMP_MW_PER_H,
                "cost_eur_per_mwh": COST_EUR_PER_MWH,
                "ef_tco2_per_mwh": [s.ef_tco2_per_mwh for s in specs],
            },
            index=pd.Index([s.name for s in specs], dtype=object),
        )

    def window(self, prepared: Any, w: Window) -> AssetData:
        return AssetData(BLOCK, prepared, {}, {"p_mw": np.zeros(len(prepared.index))})

    def injections(self, prepared: Any, realised: Mapping[str, pd.DataFrame]) -> list[Injection]:
        return [Injection("sgen", realised["p_mw"])]

    def kpis(self, frames: Mapping[str, pd.DataFrame], dt_h: float) -> dict[str, float]:
        return {"local_gen_energy_mwh": float(frames["p_mw"].to_numpy().sum() * dt_h)}


def _case_file(tmp_path: Path, p_max_mw: float) -> Path:
    text = (
        f"extends: {DATA / 'two_days.yaml'}\n"
        "name: plugin\n"
        f"dispatch:\n  window_h: {WINDOW_H}\n  horizon_h: 24\n"
        "local_generators:\n"
        f"  - name: local_gen_1\n    bus: 'MV1.101 Bus 26'\n    p_max_mw: {p_max_mw}\n"
    )
    path = tmp_path / f"plugin_{p_max_mw}.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[float, tuple[Path, dict[str, float]]]:
    """The case with the generator, and with a generator of zero capacity."""
    tmp = tmp_path_factory.mktemp("plugin")
    with registered(LocalGenerator()):
        out = {}
        for p_max in (P_MAX_MW, 0.0):
            case = load_case(_case_file(tmp, p_max), ["output.plots=false"])
            out[p_max] = run_case(case, tmp / str(p_max))
    return out


def test_plugin_family_is_dispatched_in_rolling_windows(runs: dict) -> None:
    folder, kpis = runs[P_MAX_MW]
    r, _, meta = read_results(folder)
    p = r.families["local_gen"]["p_mw"]["local_gen_1"].to_numpy()
    assert len(p) == 48
    # cheaper than imports, dearer than curtailing: it runs when the grid is short
    assert p.max() == pytest.approx(P_MAX_MW, abs=TOL)
    # the ramp limit holds everywhere, also across the boundaries of the rolling
    # windows: each window started from the output the previous one committed last
    assert np.abs(np.diff(np.concatenate([[0.0], p]))).max() <= RAMP_MW_PER_H + TOL
    boundaries = np.arange(WINDOW_H, len(p), WINDOW_H)
    # ... which is a real check: at some boundary the unit ran above twice its ramp,
    # so a window started from zero (a state not carried) would have broken the ramp
    assert (p[boundaries - 1] > 2 * RAMP_MW_PER_H + TOL).any()
    assert kpis["local_gen_energy_mwh"] == pytest.approx(p.sum(), rel=1e-12)


def test_plugin_family_enters_the_dispatch_balance_and_the_ac_power_flow(runs: dict) -> None:
    r_gen, kpis_gen, _ = read_results(runs[P_MAX_MW][0])
    kpis_off = runs[0.0][1]
    p = r_gen.families["local_gen"]["p_mw"].sum(axis=1)
    # dispatch balance with the plug-in's injection (perfect forecasts)
    residual = (
        r_gen.planned_import_p_mw["grid"]
        - r_gen.planned_export_p_mw["grid"]
        + r_gen.renewable_p_mw.sum(axis=1)
        + p
        + r_gen.storage_discharge_p_mw.sum(axis=1)
        - r_gen.storage_charge_p_mw.sum(axis=1)
        - r_gen.served_p_mw.sum(axis=1)
        - r_gen.dispatch_overgen_p_mw.sum(axis=1)
    )
    assert np.abs(residual.to_numpy()).max() < 1e-5
    # the AC power flow saw the generator: the net exchange with the grid falls by its
    # energy, up to the change of losses (a small fraction here)
    exchange = lambda k: k["import_mwh"] - k["export_mwh"]  # noqa: E731
    change = exchange(kpis_off) - exchange(kpis_gen)
    assert change == pytest.approx(kpis_gen["local_gen_energy_mwh"], rel=0.05)
    assert r_gen.powerflow_converged["converged"].all()
    # the losses still equal the net sum of injections, generator included
    np.testing.assert_allclose(
        r_gen.losses_p_mw["total"], r_gen.injection_balance_p_mw["total"], atol=1e-6
    )


def test_plugin_case_key_is_validated_by_the_family_spec(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        f"extends: {DATA / 'two_days.yaml'}\nlocal_generators:\n  - name: g\n    bus: b\n"
        "    p_max_mw: 1\n    colour: red\n"
    )
    with registered(LocalGenerator()):
        with pytest.raises(CaseError, match=r"local_generators\.0\.colour: unknown key"):
            load_case(path)
    # without the family the key is unknown to the case file
    with pytest.raises(CaseError, match="local_generators: unknown key"):
        load_case(path)


def test_registering_refuses_a_taken_name_or_a_mismatched_dispatch_side() -> None:
    with registered(LocalGenerator()):
        with pytest.raises(ValueError, match="already registered"):
            register(LocalGenerator())

    class Misnamed(LocalGenerator):
        name = "other_name"

    with pytest.raises(ValueError, match="dispatch side is named 'local_gen'"):
        register(Misnamed())
    assert "local_gen" not in {f.name for f in registered_families()}


def test_the_families_key_cannot_be_written_in_a_case(tmp_path: Path) -> None:
    path = tmp_path / "families.yaml"
    path.write_text(f"extends: {DATA / 'two_days.yaml'}\nfamilies: {{}}\n")
    with pytest.raises(CaseError, match="families: unknown key"):
        load_case(path)
