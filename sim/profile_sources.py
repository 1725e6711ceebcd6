"""The actual profiles of a run from the case's ``profiles`` source.

``simbench``: the SimBench grid's own year. ``files``: the user's CSV or Parquet
files (:mod:`grid.profile_files`), in MW or per unit of each element's ``p_mw``
(``q_mvar``), mapped to elements by name or index. ``constant``: every load and
generator at its value in the grid. The scale factors of the case apply to all.
Load reactive power not given by a file follows the active power at each load's
power factor in the grid (``q_mvar / p_mw``; its ``q_mvar`` held where ``p_mw`` is 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from grid.profile_files import match_columns, read_profile_file, to_resolution
from grid.profiles import (
    ProfileError,
    ProfileNameError,
    Profiles,
    profile_period,
    scale_profiles,
    simbench_profiles,
)
from sim.case import Case, CaseError, ProfileFileSpec
from sim.forecasts import history_start

#: how long before the period a ``constant`` source reaches (its history for forecasts)
CONSTANT_HISTORY_DAYS = 28


def case_profiles(case: Case, net: Any, kinds: pd.Series) -> tuple[Profiles, Profiles]:
    """Actual profiles of the period and of the period with its forecast history.

    Raises
    ------
    CaseError
        Naming the key (``profiles...``) and, for files, the file, column and row.
    """
    start, end = pd.Timestamp(case.time.start), pd.Timestamp(case.time.end)
    pc = case.profiles
    if pc.source == "simbench":
        full = _simbench(case, net, start, end)
    elif pc.source == "constant":
        full = _constant(case, net, kinds, start, end)
    else:
        full = _files(case, net, kinds, start, end)
    if pc.pv_from_weather is not None or pc.wind_from_weather is not None:
        from sim.weather_sources import with_weather_renewables

        full = with_weather_renewables(case, net, kinds, full)
    factor = kinds.map(
        {"wind": pc.wind_scale, "pv": pc.pv_scale, "other_renewable": pc.other_renewable_scale}
    )
    full = scale_profiles(full, pc.load_scale, factor)
    if case.renewables.target_share is not None:
        from sim.renewable_share import scaled_to_target

        full, _ = scaled_to_target(case, kinds, full, start)
    keep = full.load_p_mw.index >= start
    actual = Profiles(
        load_p_mw=full.load_p_mw.loc[keep],
        load_q_mvar=full.load_q_mvar.loc[keep],
        sgen_p_mw=full.sgen_p_mw.loc[keep],
    )
    return actual, full


def _history_start(case: Case, start: pd.Timestamp, first: pd.Timestamp) -> pd.Timestamp:
    return history_start(start, case.forecast, first) if not case.forecast.is_perfect else start


def _simbench(case: Case, net: Any, start: pd.Timestamp, end: pd.Timestamp) -> Profiles:
    if not getattr(net, "profiles", None):
        raise CaseError(
            "profiles.source: simbench profiles need a SimBench grid (grid.simbench_code); "
            "for another grid use source: files (your CSV or Parquet profiles) or constant"
        )
    try:
        first, _ = profile_period(net)
        return simbench_profiles(net, _history_start(case, start, first), end, _res(case))
    except ProfileNameError as exc:
        raise CaseError(f"grid.elements: {exc}") from None
    except ProfileError as exc:
        raise CaseError(f"time: {exc}") from None


def _res(case: Case) -> int:
    return int(case.time.resolution_min)


def _steps(case: Case, first: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    return pd.date_range(first, end, freq=f"{_res(case)}min", inclusive="left", name="time")


def _renewables(net: Any, kinds: pd.Series) -> pd.DataFrame:
    """The renewable sgens (by name, in the order of ``kinds``)."""
    sgen = net.sgen.set_index("name")
    return sgen.loc[list(kinds.index)]


def _held(values: pd.Series, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Each element's value held over ``index`` (columns: element names)."""
    data = np.broadcast_to(values.to_numpy(dtype=float), (len(index), len(values)))
    return pd.DataFrame(data.copy(), index=index, columns=pd.Index(values.index, dtype=object))


def _power_factor_q(load: pd.DataFrame, p_mw: pd.DataFrame) -> pd.DataFrame:
    """Reactive demand at each load's power factor in the grid [Mvar]."""
    p0, q0 = load["p_mw"].astype(float), load["q_mvar"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (q0 / p0).where(p0 != 0, 0.0)
    q = p_mw * ratio.reindex(p_mw.columns).to_numpy()
    fixed = (p0 == 0).reindex(p_mw.columns).to_numpy()
    q.loc[:, fixed] = q0.reindex(p_mw.columns).to_numpy()[fixed]
    return q


def _constant(
    case: Case, net: Any, kinds: pd.Series, start: pd.Timestamp, end: pd.Timestamp
) -> Profiles:
    first = start - pd.Timedelta(days=CONSTANT_HISTORY_DAYS)
    index = _steps(case, _history_start(case, start, first), end)
    load = net.load[net.load["in_service"]].set_index("name")
    return Profiles(
        load_p_mw=_held(load["p_mw"], index),
        load_q_mvar=_held(load["q_mvar"], index),
        sgen_p_mw=_held(_renewables(net, kinds)["p_mw"], index).clip(lower=0.0),
    )


def _files(
    case: Case, net: Any, kinds: pd.Series, start: pd.Timestamp, end: pd.Timestamp
) -> Profiles:
    pc = case.profiles
    load = net.load[net.load["in_service"]]
    sgen = net.sgen[net.sgen["name"].isin(kinds.index)]
    for key, table, spec in (("load_p", load, pc.load_p), ("sgen_p", sgen, pc.sgen_p)):
        if spec is None and len(table):
            raise CaseError(
                f"profiles.{key}: required with source: files (the grid has {len(table)} "
                f"{'loads' if key == 'load_p' else 'renewable generators'})"
            )
    frames = {
        key: _read(spec, key)
        for key, spec in (("load_p", pc.load_p), ("load_q", pc.load_q), ("sgen_p", pc.sgen_p))
        if spec is not None
    }
    first = max(f.index[0] for f in frames.values()) if frames else start
    index = _steps(case, _history_start(case, start, min(first, start)), end)
    load_p = _table(frames.get("load_p"), pc.load_p, load, "p_mw", "load_p", index)
    if pc.load_q is not None:
        load_q = _table(frames["load_q"], pc.load_q, load, "q_mvar", "load_q", index)
    else:
        load_q = _power_factor_q(load.set_index("name"), load_p)
    sgen_p = _table(frames.get("sgen_p"), pc.sgen_p, sgen, "p_mw", "sgen_p", index)
    negative = np.flatnonzero((sgen_p.to_numpy() < 0).any(axis=0))
    if len(negative):
        col = sgen_p.columns[negative[0]]
        step = sgen_p.index[(sgen_p[col] < 0).to_numpy()][0]
        raise CaseError(
            f"profiles.sgen_p: {pc.sgen_p.file if pc.sgen_p else ''}: column {col!r} at {step}: "
            "available generation must not be negative"
        )
    return Profiles(
        load_p_mw=load_p,
        load_q_mvar=load_q.reindex(columns=load_p.columns),
        sgen_p_mw=sgen_p.reindex(columns=list(kinds.index)),
    )


def _read(spec: ProfileFileSpec, key: str) -> pd.DataFrame:
    try:
        return read_profile_file(spec.file, spec.time_zone)
    except ProfileError as exc:
        raise CaseError(f"profiles.{key}: {exc}") from None


def _table(
    frame: pd.DataFrame | None,
    spec: ProfileFileSpec | None,
    elements: pd.DataFrame,
    quantity: str,
    key: str,
    index: pd.DatetimeIndex,
) -> pd.DataFrame:
    """One table's profiles on ``index`` (a regular range; columns: element names, in
    table order)."""
    names = elements["name"].astype(str)
    base = pd.Series(elements[quantity].to_numpy(dtype=float), index=names.to_numpy())
    if frame is None or spec is None:
        return _held(base, index)
    table = "load" if key.startswith("load") else "sgen"
    try:
        frame = match_columns(frame, names, spec.match, spec.file, table)
        res_min = int(pd.Timedelta(index.freq).total_seconds() // 60)
        end = index[-1] + pd.Timedelta(index.freq)
        frame = to_resolution(frame, res_min, index[0], end, spec.file)
    except ProfileError as exc:
        raise CaseError(f"profiles.{key}: {exc}") from None
    missing = [n for n in base.index if n not in frame.columns]
    if missing and spec.missing == "error":
        raise CaseError(
            f"profiles.{key}: {spec.file}: no column for {len(missing)} of the grid's "
            f"{len(base)} {table} elements (first: {missing[0]!r}); add them or set "
            f"missing: net_value"
        )
    if spec.unit == "per_unit":
        frame = frame * base.reindex(frame.columns).to_numpy()
    out = frame.reindex(columns=base.index)
    for n in missing:
        out[n] = base[n]
    return out.astype(float)
