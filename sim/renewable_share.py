"""Scale a run's wind and PV to a target share of demand (``renewables.target_share``).

Over the simulated period (the forecast history is scaled alike), with the loads'
demand :math:`D`, the available energy of other renewables :math:`A_o` and of wind
and PV :math:`A_w, A_{pv}` [MWh] after the case's scale factors, wind and PV are
scaled by :math:`s_w, s_{pv}` so that

.. math::
    A_o + s_w A_w + s_{pv} A_{pv} = \\text{target} \\cdot D

with :math:`s_w = s_{pv}` (the ratio kept), or :math:`s_k A_k = m_k(\\text{target}
\\cdot D - A_o)` for a ``mix`` :math:`m`. Scaling the available power scales each
unit's capacity alike; the network sees the scaled injections.
"""

from __future__ import annotations

import pandas as pd

from grid.profiles import Profiles
from sim.case import Case, CaseError


def target_share_factors(
    case: Case, kinds: pd.Series, period: Profiles, dt_h: float
) -> dict[str, float]:
    """Scale factors of wind and PV (by kind) that meet ``renewables.target_share``.

    Raises
    ------
    CaseError
        ``renewables...: ...`` if other renewables alone exceed the target, or a kind
        to scale has no generator.
    """
    spec = case.renewables
    assert spec.target_share is not None
    demand = float(period.load_p_mw.to_numpy().sum()) * dt_h
    energy = {
        k: float(period.sgen_p_mw[kinds.index[kinds == k]].to_numpy().sum()) * dt_h
        for k in ("wind", "pv", "other_renewable")
    }
    needed = spec.target_share * demand - energy["other_renewable"]
    if needed < 0:
        raise CaseError(
            f"renewables.target_share: other renewables alone give "
            f"{energy['other_renewable'] / demand:.4f} of demand, above the target"
        )
    if spec.mix is None:
        both = energy["wind"] + energy["pv"]
        if both <= 0:
            raise CaseError(
                "renewables.target_share: the grid has no wind or PV to scale "
                "(add some with grid.elements)"
            )
        return {"wind": needed / both, "pv": needed / both}
    out = {}
    for k in ("wind", "pv"):
        share = spec.mix.get(k, 0.0)
        if share > 0 and energy[k] <= 0:
            raise CaseError(
                f"renewables.mix.{k}: the grid has no {k} generator to scale "
                "(add some with grid.elements)"
            )
        out[k] = share * needed / energy[k] if energy[k] > 0 else 0.0
    return out


def scaled_to_target(
    case: Case, kinds: pd.Series, full: Profiles, start: pd.Timestamp
) -> tuple[Profiles, dict[str, float]]:
    """``full`` with wind and PV scaled to the target share over the period from
    ``start``, and the factors by kind."""
    keep = full.load_p_mw.index >= start
    period = Profiles(
        load_p_mw=full.load_p_mw.loc[keep],
        load_q_mvar=full.load_q_mvar.loc[keep],
        sgen_p_mw=full.sgen_p_mw.loc[keep],
    )
    factors = target_share_factors(case, kinds, period, case.time.dt_h)
    scale = kinds.map({**factors, "other_renewable": 1.0}).reindex(full.sgen_p_mw.columns)
    sgen = full.sgen_p_mw * scale.to_numpy(dtype=float)[None, :]
    return Profiles(full.load_p_mw, full.load_q_mvar, sgen), factors
