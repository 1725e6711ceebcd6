"""Backtest a case's forecasters on its own grid: rolling-origin evaluation of each
profile group's method against persistence, at the issue times and horizon the
dispatch uses. Writes ``backtest/`` (a CSV table and a plot per group) into the
case's results folder and returns one row of total metrics per group."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecasting.backtest import backtest
from forecasting.base import ForecastError
from grid.assets import renewable_kind
from sim.assembly import build_grid
from sim.case import Case, CaseError
from sim.forecasts import RENEWABLE_KINDS
from sim.profile_sources import case_profiles

#: forecast horizon of the backtest when the case has no rolling horizon [h]
DEFAULT_HORIZON_H = 24


def _issue_times(case: Case) -> pd.DatetimeIndex:
    """One issue time per dispatch window: its start minus ``forecast.lead_h``."""
    window_h, _ = case.dispatch.window_and_horizon_h
    step = pd.Timedelta(hours=window_h or DEFAULT_HORIZON_H)
    starts = pd.date_range(case.time.start, case.time.end, freq=step, inclusive="left")
    return starts - pd.Timedelta(hours=case.forecast.lead_h)


def run_backtest(case: Case, folder: Path) -> pd.DataFrame:
    """Backtest every profile group whose method is not ``perfect``; the series are
    the group totals (all loads, all units of a renewable kind) [MW].

    Returns
    -------
    pandas.DataFrame
        One row per group: ``method``, ``reference``, ``mae_mw``, ``nmae``,
        ``bias_mw``, ``skill`` (against persistence) over all issue times and
        horizon hours.

    Raises
    ------
    CaseError
        If a forecast cannot be made (e.g. too little history).
    """
    net = build_grid(case)
    kinds = renewable_kind(net)
    _, full = case_profiles(case, net, kinds)
    groups = {"load": full.load_p_mw.sum(axis=1)}
    for kind in RENEWABLE_KINDS:
        cols = kinds.index[kinds == kind]
        if len(cols):
            groups[kind] = full.sgen_p_mw[cols].sum(axis=1)
    _, horizon_h = case.dispatch.window_and_horizon_h
    horizon = float(horizon_h or DEFAULT_HORIZON_H)
    out_dir = Path(folder) / "backtest"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = {}
    for group, series in groups.items():
        method = case.forecast.method_for(group)
        if method == "perfect":
            continue
        end = series.index[-1] - pd.Timedelta(hours=horizon) + pd.Timedelta(hours=case.time.dt_h)
        issues = [t for t in _issue_times(case) if t <= end]
        try:
            result = backtest(method, series.to_frame(group), issues, horizon)
        except ForecastError as exc:
            raise CaseError(f"forecast.{group}: backtest: {exc}") from None
        result.to_csv(out_dir / f"{group}.csv")
        fig = result.plot()  # not registered with pyplot: nothing to close
        fig.savefig(out_dir / f"{group}.png", dpi=100, bbox_inches="tight")
        t = result.totals
        rows[group] = {
            "method": method,
            "reference": result.reference,
            "mae_mw": float(t["mae"]),
            "nmae": float(t["nmae"]),
            "bias_mw": float(t["bias"]),
            "skill": float(t["skill"]),
        }
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("group")
    table.to_csv(out_dir / "summary.csv")
    return table
