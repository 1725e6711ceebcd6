"""A case with a conventional unit under unit commitment, end to end: the unit is
dispatched within its limits, reaches the AC power flow, and enters emissions and
cost."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.case import Case, CaseError, load_case
from sim.kpis import all_kpis, conventional_starts
from sim.pipeline import RunOutput, run

DATA = Path(__file__).parent / "data"

TOL_MW = 1e-6
UNIT = "gas_engine"


@pytest.fixture(scope="module")
def case() -> Case:
    return load_case(DATA / "conventional.yaml")


@pytest.fixture(scope="module")
def output(case: Case) -> RunOutput:
    return run(case)


def test_the_unit_runs_within_its_limits(case: Case, output: RunOutput) -> None:
    r = output.results
    spec = case.conventional[0]
    p = r.conventional_p_mw[UNIT].to_numpy()
    on = r.conventional_on[UNIT].to_numpy() > 0.5
    assert on.any() and not on.all()  # the tariff makes it cycle
    assert (p[on] >= spec.p_min_mw - TOL_MW).all() and (p[on] <= spec.p_max_mw + TOL_MW).all()
    assert (np.abs(p[~on]) < TOL_MW).all()
    # ramps hold between consecutive hours in which the unit stays on
    both_on = on[1:] & on[:-1]
    assert (np.abs(np.diff(p))[both_on] <= 1.0 + TOL_MW).all()
    # it runs only when importing costs more than its marginal cost
    price = r.grid_signals["import_price_eur_per_mwh"].to_numpy()
    assert p[price < spec.cost_eur_per_mwh - 20.0].max() < spec.p_min_mw + TOL_MW


def test_the_unit_reaches_the_ac_power_flow(output: RunOutput) -> None:
    """The AC import equals the planned import plus the AC losses: the unit's power
    was injected in the power flow (with perfect forecasts nothing else differs)."""
    r = output.results
    assert r.dispatch_overgen_p_mw.to_numpy().max() < TOL_MW
    ac = r.grid_import_p_mw["grid"] - r.grid_export_p_mw["grid"]
    planned = r.planned_import_p_mw["grid"] - r.planned_export_p_mw["grid"]
    np.testing.assert_allclose(ac - planned, r.losses_p_mw["total"], atol=1e-5)
    residual = (
        planned
        + r.renewable_p_mw.sum(axis=1)
        + r.conventional_p_mw.sum(axis=1)
        + r.storage_discharge_p_mw.sum(axis=1)
        - r.storage_charge_p_mw.sum(axis=1)
        - r.served_p_mw.sum(axis=1)
    )
    assert np.abs(residual).max() < TOL_MW


def test_emissions_and_cost_include_the_unit(case: Case, output: RunOutput) -> None:
    r = output.results
    spec = case.conventional[0]
    k = all_kpis(r, case.dispatch.voll_eur_per_mwh)
    gen_mwh = r.conventional_p_mw[UNIT].sum() * r.dt_h
    assert k["conventional_mwh"] == pytest.approx(gen_mwh) and gen_mwh > 1.0
    ef = r.grid_signals["ef_tco2_per_mwh"]
    import_tco2 = (r.grid_import_p_mw["grid"] * ef).sum() * r.dt_h
    assert k["emissions_tco2"] == pytest.approx(import_tco2 + spec.ef_tco2_per_mwh * gen_mwh)
    on = r.conventional_on[UNIT].to_numpy() > 0.5
    starts = int(on[0]) + int((on[1:] & ~on[:-1]).sum())  # off before the period
    assert conventional_starts(r)[UNIT] == starts >= 1
    assert k["conventional_cost_eur"] == pytest.approx(
        spec.cost_eur_per_mwh * gen_mwh + spec.start_cost_eur * starts
    )
    assert k["cost_eur"] == pytest.approx(
        k["energy_cost_eur"]
        + k["storage_wear_cost_eur"]
        + k["conventional_cost_eur"]
        + k["unserved_cost_eur"]
        + k["imbalance_cost_eur"]
    )


def test_a_cost_curve_from_the_case_file() -> None:
    """The gas engine on a two-range curve (60 EUR/MWh up to 1 MW, 150 above, no
    other marginal cost): it enters the dispatch (never above 1 MW where the import
    is cheaper than 150) and the realised cost is the curve's."""
    case = load_case(
        DATA / "conventional.yaml",
        [
            "conventional.0.cost_curve=[[1.0, 60.0], [2.0, 150.0]]",
            "conventional.0.cost_eur_per_mwh=0",
        ],
    )
    r = run(case).results
    p = r.conventional_p_mw[UNIT].to_numpy()
    price = r.grid_signals["import_price_eur_per_mwh"].to_numpy()
    assert p.max() > 0.5  # it runs
    assert (p[price < 150.0 - 20.0] <= 1.0 + TOL_MW).all()
    k = all_kpis(r, case.dispatch.voll_eur_per_mwh)
    curve = (60.0 * np.minimum(p, 1.0) + 150.0 * np.clip(p - 1.0, 0.0, 1.0)).sum() * r.dt_h
    assert k["conventional_cost_eur"] == pytest.approx(
        curve + case.conventional[0].start_cost_eur * conventional_starts(r)[UNIT]
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("conventional.0.cost_curve=[[1.0, 60.0], [1.5, 150.0]]", "ends at 1.5 MW, below"),
        ("conventional.0.cost_curve=[[1.0, 160.0], [2.0, 150.0]]", "not convex"),
        ("conventional.0.cost_eur_per_mw2h=1", "not both"),
    ],
)
def test_bad_cost_curves_name_the_key(override: str, message: str) -> None:
    base = "conventional.0.cost_curve=[[1.0, 60.0], [2.0, 150.0]]"
    sets = [override] if "cost_curve" in override else [base, override]
    with pytest.raises(CaseError, match=message) as err:
        load_case(DATA / "conventional.yaml", sets)
    assert "conventional.0" in str(err.value)
