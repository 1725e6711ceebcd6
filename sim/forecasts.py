"""The forecasts the dispatch sees: one forecaster per profile group, as chosen in the
case's ``forecast`` section, and a record of what each committed step was planned on.

Every forecaster is fitted on the actuals of the history and the period together;
apart from ``perfect`` (the oracle) the forecasting package only ever uses data
strictly before the issue time (its leak tests check this), so fitting on the whole
frame does not let the dispatch see the future.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasting.base import Forecaster, ForecastError
from forecasting.naive import PerfectForecaster, make_forecaster
from sim.case import CaseError, ForecastSpec

#: renewable kinds, each with its own forecast method key in the case
RENEWABLE_KINDS = ("wind", "pv", "other_renewable")
#: grid signals forecast under ``forecast.prices`` (the emission factor is known)
PRICE_SIGNALS = ("import_price_eur_per_mwh", "export_price_eur_per_mwh")


def _fit(method: str, frame: pd.DataFrame, key: str) -> Forecaster:
    try:
        return make_forecaster(method).fit(frame)
    except ForecastError as exc:
        raise CaseError(f"forecast.{key}: {exc}") from None


@dataclass
class Forecasts:
    """Fitted forecasters of load, renewables (per kind) and prices, and the record of
    the forecasts issued for the committed steps.

    Attributes
    ----------
    spec
        The case's ``forecast`` section.
    issued_load_p_mw, issued_renewable_p_mw
        Every load and renewable forecast issued, in issue order (time x element) [MW]
        (frames made when asked for; the windows record arrays).
    """

    spec: ForecastSpec
    load_p: Forecaster
    load_q: Forecaster
    renewables: dict[str, tuple[Forecaster, list[str]]]
    prices: Forecaster | None
    load_columns: pd.Index = field(default_factory=lambda: pd.Index([], dtype=object))
    _issued_load: list[tuple[pd.DatetimeIndex, np.ndarray, pd.Index]] = field(default_factory=list)
    _issued_renewable: list[tuple[pd.DatetimeIndex, np.ndarray, pd.Index]] = field(
        default_factory=list
    )
    _maps: dict[tuple[Any, ...], tuple[np.ndarray, pd.Index, Any]] = field(default_factory=dict)

    @property
    def issued_load_p_mw(self) -> list[pd.DataFrame]:
        """Every load forecast issued, in issue order (time x load) [MW]."""
        return [pd.DataFrame(v, index=t, columns=c) for t, v, c in self._issued_load]

    @property
    def issued_renewable_p_mw(self) -> list[pd.DataFrame]:
        """Every renewable forecast issued, in issue order (time x unit) [MW]."""
        return [pd.DataFrame(v, index=t, columns=c) for t, v, c in self._issued_renewable]

    @classmethod
    def fit(
        cls,
        spec: ForecastSpec,
        load_p_mw: pd.DataFrame,
        load_q_mvar: pd.DataFrame,
        renewable_p_mw: pd.DataFrame,
        renewable_kind: pd.Series,
        signals: pd.DataFrame,
    ) -> Forecasts:
        """Fit the forecasters on the actuals (history and period, UTC index)."""
        renewables = {}
        for kind in RENEWABLE_KINDS:
            cols = [str(c) for c in renewable_kind.index[renewable_kind == kind]]
            if cols:
                method = spec.method_for(kind)
                renewables[kind] = (_fit(method, renewable_p_mw[cols], kind), cols)
        prices = None
        if spec.method_for("prices") != "perfect":
            prices = _fit(spec.method_for("prices"), signals[list(PRICE_SIGNALS)], "prices")
        return cls(
            spec=spec,
            load_p=_fit(spec.method_for("load"), load_p_mw, "load"),
            load_q=_fit(spec.method_for("load"), load_q_mvar, "load"),
            load_columns=pd.Index(load_p_mw.columns),
            renewables=renewables,
            prices=prices,
        )

    def _predict(
        self, fc: Forecaster, issue: pd.Timestamp, steps: pd.DatetimeIndex, key: str
    ) -> pd.DataFrame:
        try:
            out = fc.predict(issue, steps)
        except ForecastError as exc:
            raise CaseError(f"forecast.{key}: {exc}") from None
        if out.isna().to_numpy().any():
            raise CaseError(
                f"forecast.{key}: no forecast for some steps from {steps[0]} (too little "
                "history before the issue time? raise forecast.history_days)"
            )
        return out

    def _values(
        self,
        fc: Forecaster,
        issue: pd.Timestamp,
        steps: pd.DatetimeIndex,
        key: str,
        columns: pd.Index,
    ) -> np.ndarray:
        """The forecast of ``columns`` for ``steps`` as an array (time x column): the
        oracle's by array slicing, other forecasters' from their frames."""
        if isinstance(fc, PerfectForecaster):
            try:
                values = fc.predict_values(steps)
            except ForecastError as exc:
                raise CaseError(f"forecast.{key}: {exc}") from None
            order = _positions(fc.columns, columns, key)
            return values if order is None else values[:, order]
        frame = self._predict(fc, issue, steps, key)
        if not frame.index.equals(steps):
            frame = frame.reindex(steps)
        order = _positions(frame.columns, columns, key)
        values = frame.to_numpy(dtype=float)
        return values if order is None else values[:, order]

    def load_values(
        self, steps: pd.DatetimeIndex, columns: pd.Index
    ) -> tuple[np.ndarray, np.ndarray]:
        """Load forecasts [MW], [Mvar] of the loads ``columns`` for a window as arrays
        (time x load; active power clipped at zero), recorded as issued."""
        issue = self.issue_time(steps[0])
        p = np.clip(self._values(self.load_p, issue, steps, "load", columns), 0.0, None)
        q = self._values(self.load_q, issue, steps, "load", columns)
        self._issued_load.append((steps, p, columns))
        return p, q

    def issue_time(self, window_start: pd.Timestamp) -> pd.Timestamp:
        """Issue time of the forecasts for a window starting at ``window_start``."""
        return window_start - pd.Timedelta(hours=self.spec.lead_h)

    def load(self, steps: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Load forecasts [MW], [Mvar] for a window (clipped at zero active power)."""
        columns = self.load_columns
        p, q = self.load_values(steps, columns)
        return (
            pd.DataFrame(p, index=steps, columns=columns),
            pd.DataFrame(q, index=steps, columns=columns),
        )

    def renewable_values(self, steps: pd.DatetimeIndex, columns: pd.Index) -> np.ndarray:
        """Available renewable power forecast [MW] for a window as an array (time x
        unit of ``columns``), recorded as issued."""
        issue = self.issue_time(steps[0])
        values = np.full((len(steps), len(columns)), np.nan)  # NaN: no forecaster
        for kind, (fc, cols) in self.renewables.items():
            into, wanted = self._renewable_map(kind, fc, cols, columns)
            values[:, into] = self._values(fc, issue, steps, kind, wanted)
        out = np.clip(values, 0.0, None)
        self._issued_renewable.append((steps, out, columns))
        return out

    def _renewable_map(
        self, kind: str, fc: Forecaster, cols: list[str], columns: pd.Index
    ) -> tuple[np.ndarray, pd.Index]:
        """Positions in ``columns`` of the units of ``kind`` and their names (kept per
        forecaster, unit list and columns: the objects are held, so ids stay unique)."""
        key = (kind, id(fc), id(cols), id(columns))
        hit = self._maps.get(key)
        if hit is None:
            into = columns.get_indexer(cols)
            keep = into >= 0
            hit = (into[keep], pd.Index(cols)[keep], (fc, cols, columns))
            self._maps[key] = hit
        return hit[0], hit[1]

    def renewable(self, steps: pd.DatetimeIndex, columns: pd.Index) -> pd.DataFrame:
        """Available renewable power forecast [MW] for a window, columns in order."""
        return pd.DataFrame(self.renewable_values(steps, columns), index=steps, columns=columns)

    def signal_values(
        self, actual: dict[str, np.ndarray], steps: pd.DatetimeIndex
    ) -> dict[str, np.ndarray]:
        """Grid signals for a window by name (arrays over ``steps``): ``actual`` (the
        window's actual signals), with the price forecasts in place of the prices
        when prices are forecast."""
        out = dict(actual)
        if self.prices is not None:
            frame = self._predict(self.prices, self.issue_time(steps[0]), steps, "prices")
            for c in PRICE_SIGNALS:
                out[c] = frame[c].to_numpy(dtype=float)
        return out

    def signals(self, actual: pd.DataFrame, steps: pd.DatetimeIndex) -> pd.DataFrame:
        """Grid signals for a window as a frame: actual unless prices are forecast."""
        window = actual.loc[steps]
        values = self.signal_values({c: window[c].to_numpy() for c in window.columns}, steps)
        return pd.DataFrame(values, index=steps)[list(window.columns)]


def _positions(have: pd.Index, want: pd.Index, key: str) -> np.ndarray | None:
    """Positions of ``want`` in ``have`` (None if they are equal).

    Raises
    ------
    CaseError
        If a wanted column is not there.
    """
    if have.equals(want):
        return None
    at = have.get_indexer(want)
    if (at < 0).any():
        raise CaseError(f"forecast.{key}: no forecast for the units {list(want[at < 0][:5])}")
    return at


def planned_on(issued: list[pd.DataFrame], index: pd.DatetimeIndex) -> pd.DataFrame:
    """The forecast each step of ``index`` was committed on: the latest issued forecast
    covering it (windows are issued in time order and commit their first steps)."""
    frame = pd.concat(issued)
    frame = frame[~frame.index.duplicated(keep="last")]
    return frame.loc[index]


def history_start(
    start: pd.Timestamp, spec: ForecastSpec, first_available: pd.Timestamp
) -> pd.Timestamp:
    """First time step of the history the forecasters get: ``history_days`` before the
    period, not before the first available profile value."""
    wanted = start - pd.Timedelta(days=spec.history_days)
    return max(wanted, first_available)
