"""The forecasts the dispatch sees: one forecaster per profile group, as chosen in the
case's ``forecast`` section, and a record of what each committed step was planned on.

Every forecaster is fitted on the actuals of the history and the period together;
apart from ``perfect`` (the oracle) the forecasting package only ever uses data
strictly before the issue time (its leak tests check this), so fitting on the whole
frame does not let the dispatch see the future.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting.base import Forecaster, ForecastError
from forecasting.naive import make_forecaster
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
        Every load and renewable forecast issued, in issue order (time x element) [MW].
    """

    spec: ForecastSpec
    load_p: Forecaster
    load_q: Forecaster
    renewables: dict[str, tuple[Forecaster, list[str]]]
    prices: Forecaster | None
    issued_load_p_mw: list[pd.DataFrame] = field(default_factory=list)
    issued_renewable_p_mw: list[pd.DataFrame] = field(default_factory=list)

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

    def issue_time(self, window_start: pd.Timestamp) -> pd.Timestamp:
        """Issue time of the forecasts for a window starting at ``window_start``."""
        return window_start - pd.Timedelta(hours=self.spec.lead_h)

    def load(self, steps: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Load forecasts [MW], [Mvar] for a window (clipped at zero active power)."""
        issue = self.issue_time(steps[0])
        p = self._predict(self.load_p, issue, steps, "load").clip(lower=0.0)
        q = self._predict(self.load_q, issue, steps, "load")
        self.issued_load_p_mw.append(p)
        return p, q

    def renewable(self, steps: pd.DatetimeIndex, columns: pd.Index) -> pd.DataFrame:
        """Available renewable power forecast [MW] for a window, columns in order."""
        issue = self.issue_time(steps[0])
        values = np.full((len(steps), len(columns)), np.nan)  # NaN: no forecaster
        for kind, (fc, cols) in self.renewables.items():
            predicted = self._predict(fc, issue, steps, kind)
            if not predicted.index.equals(steps):
                predicted = predicted.reindex(steps)
            into = columns.get_indexer(cols)
            keep = into >= 0
            source = predicted.columns.get_indexer(pd.Index(cols)[keep])
            if (source < 0).any():
                missing = list(pd.Index(cols)[keep][source < 0][:5])
                raise CaseError(f"forecast.{kind}: no forecast for the units {missing}")
            values[:, into[keep]] = predicted.to_numpy(dtype=float)[:, source]
        out = pd.DataFrame(np.clip(values, 0.0, None), index=steps, columns=columns)
        self.issued_renewable_p_mw.append(out)
        return out

    def signals(self, actual: pd.DataFrame, steps: pd.DatetimeIndex) -> pd.DataFrame:
        """Grid signals for a window: actual unless prices are forecast."""
        window = actual.loc[steps].copy()
        if self.prices is not None:
            fc = self._predict(self.prices, self.issue_time(steps[0]), steps, "prices")
            window[list(PRICE_SIGNALS)] = fc[list(PRICE_SIGNALS)].to_numpy()
        return window


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
