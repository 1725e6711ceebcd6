"""Scale a run's wind and PV to a target share of demand (``renewables.target_share``).

Over the simulated period (the forecast history is scaled alike), with the loads'
demand :math:`D`, the available energy of other renewables :math:`A_o` and of wind
and PV :math:`A_w, A_{pv}` [MWh] after the case's scale factors, wind and PV are
scaled by :math:`s_w, s_{pv}` so that

.. math::
    A_o + s_w A_w + s_{pv} A_{pv} = \\text{target} \\cdot D

with :math:`s_w = s_{pv}` (the ratio kept), or :math:`s_k A_k = m_k(\\text{target}
\\cdot D - A_o)` for a ``mix`` :math:`m`. Scaling the available power scales each
unit's capacity alike; the network sees the scaled injections. With
``renewables.new_plants`` only the new plants (:mod:`sim.new_plants`) are scaled and
:math:`A_o` holds all of the grid's own renewables.
"""

from __future__ import annotations

import pandas as pd

from grid.profiles import Profiles
from sim.case import Case, CaseError
from sim.new_plants import new_plant_names


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

    def mwh(names: pd.Index) -> float:
        return float(period.sgen_p_mw[names].to_numpy().sum()) * dt_h

    if spec.new_plants is not None:  # only the new plants grow
        new = new_plant_names(kinds).to_numpy()
        scaled, fixed = kinds[new], mwh(kinds.index[~new])
    else:
        scaled = kinds[kinds != "other_renewable"]
        fixed = mwh(kinds.index[kinds == "other_renewable"])
    energy = {k: mwh(scaled.index[scaled == k]) for k in ("wind", "pv")}
    what = "the grid's renewables" if spec.new_plants is not None else "other renewables"
    needed = spec.target_share * demand - fixed
    if needed < 0:
        raise CaseError(
            f"renewables.target_share: {what} alone give {fixed / demand:.4f} of demand, "
            "above the target"
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
    scale = kinds.map({**factors, "other_renewable": 1.0})
    if case.renewables.new_plants is not None:
        scale = scale.where(new_plant_names(kinds), 1.0)
    scale = scale.reindex(full.sgen_p_mw.columns)
    sgen = full.sgen_p_mw * scale.to_numpy(dtype=float)[None, :]
    return Profiles(full.load_p_mw, full.load_q_mvar, sgen), factors
