"""The explanation of an infeasible window (the conflicting limits by name, the
fix), the model file written for it, and the time limit's outcomes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from dispatch.highs_run import run_to_optimum
from dispatch.infeasibility import Label, explain, labels, write_model
from dispatch.solve_status import TIME_LIMITED, DispatchTimeLimit

TIME = pd.date_range("2024-01-01", periods=2, freq="h", tz="UTC")


def _highs(
    lower: list[float],
    upper: list[float],
    integrality: list[int] | None = None,
    x2_min: float = 1.0,
) -> highspy.Highs:
    """Balance x0 + x1 = 10 at step 0 and an unrelated row x2 >= ``x2_min`` at step
    1; columns bounded by ``lower``/``upper`` (x0 <= 3, x1 <= 4: infeasible)."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 3, 2
    lp.col_cost_ = np.array([1.0, 2.0, 0.0])
    lp.col_lower_, lp.col_upper_ = np.array(lower), np.array(upper)
    lp.row_lower_, lp.row_upper_ = np.array([10.0, x2_min]), np.array([10.0, highspy.kHighsInf])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array([0, 1, 2, 3])
    lp.a_matrix_.index_ = np.array([0, 0, 1])
    lp.a_matrix_.value_ = np.array([1.0, 1.0, 1.0])
    if integrality is not None:
        lp.integrality_ = [highspy.HighsVarType(k) for k in integrality]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.run()
    return h


ROWS = [Label("bus_balance", "system", 0), Label("unit.must_be_on", "g", 1)]
COLS = [Label("gen.p_mw", "a", 0), Label("gen.p_mw", "b", 0), Label("unit.on", "g", 1)]


def test_the_conflicting_limits_are_named_with_their_values_steps_and_fix() -> None:
    h = _highs([0, 0, 0], [3, 4, 100])
    assert h.getModelStatus() == highspy.HighsModelStatus.kInfeasible
    text = explain(h, ROWS, COLS, TIME, {"gen.p_mw": "check the units' p_max_mw"})
    assert "these 3 limits cannot all hold" in text
    assert "bus_balance[system] = 10 (constraint) at 2024-01-01 00:00" in text
    assert "gen.p_mw[a] <= 3 (bound) at 2024-01-01 00:00" in text
    assert "gen.p_mw[b] <= 4 (bound)" in text
    assert "unit" not in text.split("the fix")[0]  # the feasible row is not blamed
    assert text.endswith("the fix: check the units' p_max_mw")
    # the loaded model is left as it was
    assert h.getModelStatus() == highspy.HighsModelStatus.kInfeasible


def test_without_a_hint_the_fix_is_general() -> None:
    text = explain(_highs([0, 0, 0], [3, 4, 100]), ROWS, COLS, TIME)
    assert "the fix: relax one of these limits in the case file" in text


def test_a_conflict_of_integer_decisions_is_named_as_such() -> None:
    # feasible balance (x0 <= 6, x1 <= 4); the binary x2 must lie in [0.3, 0.7]
    h = _highs([0, 0, 0.3], [6, 4, 0.7], integrality=[0, 0, 1], x2_min=0.0)
    assert h.getModelStatus() == highspy.HighsModelStatus.kInfeasible
    text = explain(h, ROWS, COLS, TIME, {"unit.on": "check the unit's min_up_h"})
    assert "without its integer decisions is feasible" in text
    assert "(unit.on)" in text
    assert "the fix: check the unit's min_up_h" in text


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_the_written_model_reads_back_with_names_and_the_same_outcome(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / "sub" / f"window{suffix}"
    write_model(_highs([0, 0, 0], [3, 4, 100]), ROWS, COLS, path)
    g = highspy.Highs()
    g.setOptionValue("output_flag", False)
    assert g.readModel(str(path)) != highspy.HighsStatus.kError
    g.run()
    assert g.getModelStatus() == highspy.HighsModelStatus.kInfeasible
    if suffix == ".lp":
        text = path.read_text()
        assert "bus_balance(system,0)" in text
        assert "gen.p_mw(a,0) <= 3" in text


def test_labels_split_the_time_step_from_the_index() -> None:
    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, 2)
    m.b = pyo.Block()
    m.b.U = pyo.Set(initialize=["u1", "u2"])
    m.b.x = pyo.Var(m.b.U, m.T)
    m.y = pyo.Var()
    position = {id(m.b.x["u2", 1]): 0, id(m.y): 1}
    found = labels(m, pyo.Var, position, 3)
    assert found[0] == Label("b.x", "u2", 1)
    assert found[1] == Label("y", "", -1)
    assert found[2].component == "col 2"  # not from the model


class _FakeHighs:
    """A HiGHS that ends with ``status`` (and the MILP information ``info``)."""

    def __init__(self, status: Any, nodes: int, primal_status: int) -> None:
        self.status = status
        self.info = SimpleNamespace(
            mip_node_count=nodes, primal_solution_status=primal_status, mip_gap=0.02
        )

    def setOptionValue(self, name: str, value: Any) -> None:  # noqa: N802 (HiGHS's API)
        pass

    def run(self) -> None:
        pass

    def getModelStatus(self) -> Any:  # noqa: N802
        return self.status

    def getInfo(self) -> Any:  # noqa: N802
        return self.info

    def modelStatusToString(self, status: Any) -> str:  # noqa: N802
        return str(status)


def test_a_milp_at_the_time_limit_keeps_its_feasible_dispatch() -> None:
    h = _FakeHighs(highspy.HighsModelStatus.kTimeLimit, nodes=12, primal_status=2)
    assert run_to_optimum(h, 5.0)[2] == TIME_LIMITED  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("nodes", "primal_status", "said"),
    [(12, 0, "without a feasible dispatch"), (-1, 2, "before the LP was solved")],
)
def test_the_time_limit_without_a_feasible_milp_dispatch_is_an_error(
    nodes: int, primal_status: int, said: str
) -> None:
    h = _FakeHighs(highspy.HighsModelStatus.kTimeLimit, nodes, primal_status)
    with pytest.raises(DispatchTimeLimit, match=f"time limit of 5 s {said}") as caught:
        run_to_optimum(h, 5.0)  # type: ignore[arg-type]
    assert caught.value.is_mip == (nodes >= 0)


def test_an_unbounded_model_is_named_as_such() -> None:
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 1, 0
    lp.col_cost_ = np.array([-1.0])  # paid to grow without limit
    lp.col_lower_, lp.col_upper_ = np.array([0.0]), np.array([highspy.kHighsInf])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array([0, 0])
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    text = explain(h, [], [Label("gen.p_mw", "a", 0)], TIME)
    assert "the model is unbounded" in text and "conflict" not in text


def test_a_step_inside_a_multi_dimensional_index_is_found() -> None:
    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, 2)
    m.EDGE = pyo.Set(initialize=[("a", "b"), ("b", "c")], dimen=2)
    m.SIGN = pyo.Set(initialize=[(1, 1), (1, -1)], dimen=2)
    m.flow = pyo.Var(m.EDGE, m.T, m.SIGN)
    found = labels(m, pyo.Var, {id(m.flow["b", "c", 2, 1, -1]): 0}, 1)
    assert found[0] == Label("flow", "b,c,1,-1", 2)
