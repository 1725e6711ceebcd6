"""The issue's targets, judged on the summarised runs, and for each missed one a
paragraph on what stands in the way, from the stage timings and the profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Summary = dict[str, dict[str, Any]]

#: peak memory allowed for a year-long run [MiB]
MEMORY_LIMIT_MB = 2000.0


@dataclass(frozen=True)
class Target:
    """One target: what, the goal, the measured value as text, met or not, and its
    family (``floor``, ``peer``, ``intraday``, ``pf_speed``, ``pf_losses``, ``memory``)."""

    label: str
    goal: str
    measured: str
    met: bool
    family: str
    value: float


def _ms(seconds: float, windows: float) -> float:
    return 1e3 * seconds / max(windows, 1.0)


def targets(s: Summary) -> list[Target]:
    """The targets with measurements in ``s``."""
    out: list[Target] = []
    for name, label in (
        ("year_day_ahead_rural_dc", "rural, dc"),
        ("year_day_ahead_urban_dc", "urban, dc"),
        ("year_day_ahead_rural_lindistflow", "rural, lindistflow"),
    ):
        r = s.get(name)
        if r is not None and "floor_run_s" in r:
            v = r["dispatch_s"] / r["floor_run_s"]
            out.append(
                Target(
                    f"Year of day-ahead rolling dispatch / summed HiGHS-alone solves ({label})",
                    "≤ 1.5",
                    f"{v:.2f} ({r['dispatch_s']:.0f} s / {r['floor_run_s']:.0f} s)",
                    v <= 1.5,
                    "floor",
                    v,
                )
            )
    for ours_name, peer_name, label in (
        ("year_day_ahead_rural_dc", "pypsa_year_rural", "year, rural"),
        ("year_day_ahead_urban_dc", "pypsa_year_urban", "year, urban"),
        ("weeks_day_ahead_urban_dc", "pypsa_weeks_urban", "2 weeks, urban"),
    ):
        ours, peer = s.get(ours_name), s.get(peer_name)
        if ours is not None and peer is not None:
            v = ours["dispatch_s"] / peer["rolling_s"]
            out.append(
                Target(
                    f"Day-ahead rolling dispatch / PyPSA rolling horizon ({label})",
                    "< 1",
                    f"{v:.2f} ({ours['dispatch_s']:.0f} s / {peer['rolling_s']:.0f} s)",
                    v < 1,
                    "peer",
                    v,
                )
            )
    for name, label in (
        ("intraday_week_rural_dc", "week, rural"),
        ("intraday_week_urban_dc", "week, urban"),
        ("intraday_month_rural_dc", "month, rural"),
    ):
        r = s.get(name)
        if r is not None:
            over = r["dispatch_s"] - r["highs_s"]
            v = over / r["highs_s"]
            out.append(
                Target(
                    f"Intraday: time outside HiGHS / time in HiGHS, per window ({label})",
                    "≤ 0.5",
                    f"{v:.1f} ({_ms(over, r['windows']):.0f} ms / "
                    f"{_ms(r['highs_s'], r['windows']):.0f} ms per window)",
                    v <= 0.5,
                    "intraday",
                    v,
                )
            )
    for grid in ("rural", "urban"):
        r = s.get(f"powerflow_year_{grid}")
        if r is None:
            continue
        out.append(
            Target(
                f"AC power flow of a year: speed-up over pandapower run_timeseries ({grid})",
                "≥ 100×",
                f"{r['speedup']:.0f}× (pandapower extrapolated from {r['pp_hours']:.0f} h)",
                r["speedup"] >= 100,
                "pf_speed",
                r["speedup"],
            )
        )
        d = 100 * r["losses_rel_diff"]
        out.append(
            Target(
                f"AC power flow: loss energy difference to pandapower ({grid})",
                "≤ 0.01 %",
                f"{d:.1e} % (on {r['pp_hours']:.0f} h)",
                d <= 0.01,
                "pf_losses",
                d,
            )
        )
    for name, label in (
        ("year_day_ahead_rural_dc", "rural, dc"),
        ("year_day_ahead_urban_dc", "urban, dc"),
        ("year_day_ahead_rural_lindistflow", "rural, lindistflow"),
    ):
        r = s.get(name)
        if r is not None:
            v = r["peak_rss_run_mb"]
            out.append(
                Target(
                    f"Peak memory of a year-long run ({label}, whole pipeline)",
                    "≤ 2 GB",
                    f"{v:.0f} MiB",
                    v <= MEMORY_LIMIT_MB,
                    "memory",
                    v,
                )
            )
    return out


def _share(p: dict[str, Any], key: str) -> str:
    return f"{100 * p.get(key, 0.0) / p['profiled_s']:.0f} %"


def _profile_sentence(p: dict[str, Any] | None, what: str) -> str:
    if p is None:
        return ""
    fresh = p.get("stage_build_model_s", 0.0) + p.get("stage_load_into_highs_s", 0.0)
    steady = max(p["profiled_s"] - fresh, 1e-9)

    def of_steady(key: str) -> str:
        return f"{100 * p.get(key, 0.0) / steady:.0f} %"

    return (
        f" In a cProfile of {what} ({p['windows']:.0f} windows, {p['models_built']:.0f} "
        f"models) building models and loading them into HiGHS take "
        f"{_share(p, 'stage_build_model_s')} and {_share(p, 'stage_load_into_highs_s')}; "
        "the rest, the work of the windows that re-use a model, goes to: pushing the "
        f"changed data into HiGHS {of_steady('stage_push_updates_s')} (Pyomo's persistent "
        "`update` re-evaluates every bound, coefficient and right-hand side that is an "
        "expression of a mutable Param, walking Pyomo expression trees), loading primal "
        f"values {of_steady('stage_load_primals_s')} and duals "
        f"{of_steady('stage_load_duals_s')}, marginal emission factors "
        f"{of_steady('stage_emission_factors_s')}, extraction into DataFrames "
        f"{of_steady('stage_extract_s')}, writing the next window into the Params "
        f"{of_steady('stage_update_model_s')}, forecasts and window inputs "
        f"{of_steady('stage_inputs_s')}, and HiGHS's `run` "
        f"{of_steady('stage_highs_run_s')}. By library (exclusive time, whole profile): "
        f"Pyomo's expression system {_share(p, 'group_pyomo_expr_s')}, its solver "
        f"interface {_share(p, 'group_pyomo_solver_interface_s')}, its components "
        f"{_share(p, 'group_pyomo_components_s')}, its standard representation "
        f"{_share(p, 'group_pyomo_repn_s')}, other Pyomo "
        f"{_share(p, 'group_pyomo_other_s')}, HiGHS {_share(p, 'group_highs_s')}, "
        f"pandas {_share(p, 'group_pandas_s')}, our own code {_share(p, 'group_ours_s')}."
    )


def obstacles(s: Summary, ts: list[Target]) -> list[str]:
    """One paragraph per family of missed targets."""
    missed = {t.family for t in ts if not t.met}
    da, intra = s.get("profile_day_ahead_rural_dc"), s.get("profile_intraday_rural_dc")
    out: list[str] = []
    r = s.get("year_day_ahead_rural_dc")
    if "floor" in missed and r is not None and "floor_run_s" in r:
        w = r["windows"]
        over = r["dispatch_s"] - r["highs_s"]
        out.append(
            f"**Day-ahead year vs HiGHS alone.** HiGHS is not what takes the time: in the "
            f"rural study it works {r['highs_s']:.1f} s of the dispatch's "
            f"{r['dispatch_s']:.0f} s ({100 * r['highs_s'] / r['dispatch_s']:.0f} %), "
            f"less than the cold floor ({r['floor_run_s']:.0f} s) because the persistent "
            "model starts each window from the previous basis. The rest is Python around "
            f"it: {_ms(over, w):.0f} ms per window against a cold HiGHS solve of "
            f"{_ms(r['floor_run_s'], w):.0f} ms. By stage: the solver interface without "
            f"HiGHS {r['solve_s'] - r['highs_s']:.0f} s, extraction {r['extract_s']:.0f} s, "
            f"the data update {r['update_s']:.0f} s, {r['models_built']:.0f} model builds "
            f"{r['build_s']:.1f} s."
            + _profile_sentence(da, "day-ahead windows")
            + " Reaching 1.5× needs the time outside HiGHS below "
            f"{_ms(0.5 * r['floor_run_s'], w):.0f} ms per window, which tuning inside "
            "Pyomo's persistent interface will not give: the per-window data path has to "
            "bypass Pyomo expressions, e.g. keep index arrays from the build and write "
            "bounds, costs and right-hand sides with highspy's vectorised `changeColsBounds`"
            " / `changeColsCost` / `changeRowsBounds`, and read `getSolution()` arrays "
            "straight into the result frames."
        )
    if "peer" in missed:
        peer = s.get("pypsa_year_rural") or s.get("pypsa_weeks_urban")
        ours = (
            s.get("year_day_ahead_rural_dc")
            if "pypsa_year_rural" in s
            else s.get("weeks_day_ahead_urban_dc")
        )
        if peer is not None and ours is not None:
            out.append(
                "**Against PyPSA.** PyPSA rebuilds the whole linopy model every window "
                f"({_ms(peer['rolling_s'], peer['windows']):.0f} ms per window, vectorised "
                "with xarray and passed to HiGHS as arrays); ours re-uses one Pyomo model "
                f"but pays {_ms(ours['dispatch_s'] - ours['highs_s'], ours['windows']):.0f}"
                " ms per window outside HiGHS for Pyomo's element-by-element data path "
                "(see the paragraph above)."
            )
    ri = s.get("intraday_week_rural_dc")
    if "intraday" in missed and ri is not None:
        w = ri["windows"]
        rest = ri["dispatch_s"] - ri["build_s"] - ri["update_s"] - ri["solve_s"]
        rest -= ri["extract_s"]
        out.append(
            f"**Intraday re-solves.** A 24 h window is a small LP that HiGHS, warm-started, "
            f"solves in {_ms(ri['highs_s'], w):.0f} ms; around it each window costs "
            f"{_ms(ri['solve_s'] - ri['highs_s'], w):.0f} ms in Pyomo's solver interface, "
            f"{_ms(ri['extract_s'], w):.0f} ms extraction, {_ms(ri['update_s'], w):.0f} ms "
            f"data update and {_ms(rest, w):.0f} ms forecasts, inputs and bookkeeping; the "
            f"first window and those shortened at the end of the period take "
            f"{ri['models_built']:.0f} model builds ({ri['build_s']:.0f} s)."
            + _profile_sentence(intra, "intraday windows")
            + " A fixed cost of that size per window cannot fall to half of a "
            f"{_ms(ri['highs_s'], w):.0f} ms solve while each window goes through Pyomo "
            "objects one element at a time; as above, it takes a vectorised data path to "
            "HiGHS (and padding or masking the last windows instead of new builds)."
        )
    if "pf_speed" in missed:
        out.append(
            "**AC power flow speed.** The batch engine has a fixed cost (one pandapower "
            "run to build the model, a copy of the net) that dominates short runs; see "
            "`grid/powerflow.py` for its breakdown."
        )
    if "pf_losses" in missed:
        out.append(
            "**AC power flow losses.** The engines disagree beyond the tolerance on the "
            "hours compared; `tests/grid/test_powerflow_engines.py` is where to look."
        )
    if "memory" in missed:
        out.append(
            "**Memory.** The year-long run holds every hour's results of all buses and "
            "branches as DataFrames, plus the forecasts issued per window."
        )
    return out
