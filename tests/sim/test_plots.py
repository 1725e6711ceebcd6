"""Plots of the small end-to-end run: each returns a Figure with data, drawn as documented."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.emissions import average_ef_tco2_per_mwh
from sim.kpis import energy_kpis
from sim.pipeline import RunOutput
from sim.plots import (
    all_figures,
    curtailment,
    dispatch_stack,
    emission_intensity,
    state_of_charge,
)
from sim.plots_network import (
    LOADING_LIMIT_PERCENT,
    extend_to_end,
    loading_duration,
    losses,
    voltage_envelope,
    voltage_limits_pu,
)
from sim.results import SimulationResults

PLOTS: tuple[Callable[[SimulationResults], Figure], ...] = (
    dispatch_stack,
    state_of_charge,
    curtailment,
    emission_intensity,
    losses,
    voltage_envelope,
    loading_duration,
)
TOL = 1e-9


@pytest.fixture
def draw(
    small_run: RunOutput,
) -> Iterator[Callable[[Callable[[SimulationResults], Figure]], Figure]]:
    """Draw a plot of the small run; every figure drawn is closed afterwards."""
    drawn: list[Figure] = []

    def _draw(plot: Callable[[SimulationResults], Figure]) -> Figure:
        fig = plot(small_run.results)
        drawn.append(fig)
        return fig

    yield _draw
    for fig in drawn:
        plt.close(fig)


def _hlines(fig: Figure) -> set[float]:
    """y values of the horizontal lines of the first axes."""
    out = set()
    for line in fig.axes[0].get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        if len(y) == 2 and y[0] == y[1]:
            out.add(round(float(y[0]), 9))
    return out


@pytest.mark.parametrize("plot", PLOTS, ids=lambda p: p.__name__)
def test_each_plot_returns_a_figure_with_data(plot: Callable, draw: Callable) -> None:
    fig = draw(plot)
    assert isinstance(fig, Figure)
    assert any(ax.has_data() for ax in fig.axes)
    assert fig.axes[0].get_title()
    assert "[" in fig.axes[0].get_ylabel() + fig.axes[0].get_xlabel()  # a unit is given


def test_all_figures_by_file_name(small_run: RunOutput) -> None:
    figures = all_figures(small_run.results)
    try:
        assert list(figures) == [p.__name__ for p in PLOTS]
        assert all(isinstance(f, Figure) for f in figures.values())
    finally:
        for fig in figures.values():
            plt.close(fig)


def test_curtailment_total_matches_the_kpi(small_run: RunOutput, draw: Callable) -> None:
    fig = draw(curtailment)
    total = energy_kpis(small_run.results)["curtailed_mwh"]
    assert total > 0
    assert f"{total:.1f} MWh" in fig.axes[0].get_title()
    labels = fig.axes[0].get_legend_handles_labels()[1]
    r = small_run.results
    assert labels == sorted(set(r.assets.loc[r.assets["family"] == "renewable", "kind"]))


def test_losses_show_the_total_ac_losses(small_run: RunOutput, draw: Callable) -> None:
    r = small_run.results
    fig = draw(losses)
    y = np.asarray(fig.axes[0].get_lines()[0].get_ydata(), dtype=float)
    np.testing.assert_allclose(y[:-1], r.losses_p_mw["total"].to_numpy(), atol=TOL)
    assert y[-1] == pytest.approx(y[-2])  # the last step is drawn to its end


def test_voltage_envelope_spans_the_buses_and_draws_the_limits(
    small_run: RunOutput, draw: Callable
) -> None:
    r = small_run.results
    fig = draw(voltage_envelope)
    lo, hi = voltage_limits_pu(r)
    assert 0.8 < lo < 1.0 < hi < 1.2
    assert {round(lo, 9), round(hi, 9)} <= _hlines(fig)
    lines = {ln.get_label(): np.asarray(ln.get_ydata(), float) for ln in fig.axes[0].get_lines()}
    np.testing.assert_allclose(lines["max"][:-1], r.vm_pu.max(axis=1).to_numpy(), atol=TOL)
    np.testing.assert_allclose(lines["min"][:-1], r.vm_pu.min(axis=1).to_numpy(), atol=TOL)
    fig2 = draw(lambda res: voltage_envelope(res, vm_min_pu=0.9, vm_max_pu=1.1))
    assert {0.9, 1.1} <= _hlines(fig2)


def test_loading_duration_is_sorted_with_the_thermal_limit(
    small_run: RunOutput, draw: Callable
) -> None:
    r = small_run.results
    fig = draw(loading_duration)
    assert LOADING_LIMIT_PERCENT in _hlines(fig)
    curves = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("max over")]
    assert len(curves) == 2
    lines_curve = np.asarray(curves[0].get_ydata(), dtype=float)
    assert np.all(np.diff(lines_curve) <= TOL)
    assert lines_curve[0] == pytest.approx(r.line_loading_percent.max().max())
    assert len(lines_curve) == len(r.line_loading_percent) + 1
    x = np.asarray(curves[0].get_xdata(), dtype=float)
    assert x[-1] == pytest.approx(len(r.line_loading_percent) * r.dt_h)


def test_emission_heat_map_is_days_by_hours(small_run: RunOutput, draw: Callable) -> None:
    r = small_run.results
    fig = draw(emission_intensity)
    image = fig.axes[0].get_images()[0]
    values = np.ma.filled(image.get_array(), np.nan)
    ef = average_ef_tco2_per_mwh(r)
    days = pd.DatetimeIndex(ef.index).normalize().unique()
    assert values.shape == (len(days), 24)
    first_day = ef[pd.DatetimeIndex(ef.index).normalize() == days[0]].to_numpy()
    np.testing.assert_allclose(values[0], first_day, atol=TOL)
    assert "[tCO2/MWh]" in fig.axes[1].get_ylabel()  # the colour bar


def test_extend_to_end_repeats_the_last_step() -> None:
    idx = pd.date_range("2016-01-01", periods=3, freq="30min", tz="UTC")
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=idx)
    out = extend_to_end(frame, 0.5)
    assert out.index[-1] == pd.Timestamp("2016-01-01 01:30", tz="UTC")
    assert out["a"].tolist() == [1.0, 2.0, 3.0, 3.0]
    assert len(extend_to_end(frame.iloc[:0], 0.5)) == 0
