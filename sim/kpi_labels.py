"""How a KPI is presented: its label, its unit (from the suffix of its key), its group
in the report, and the rows of the console table; shared by :mod:`sim.summary` and
:mod:`sim.report`."""

from __future__ import annotations

import math
import re

from sim.families import registered_families

#: rows of the console table printed only when their value is not zero
SHOWN_IF_NONZERO = frozenset({"powerflow_failed_steps", "powerflow_failed_net_load_mwh"})
#: (label, kpi key, unit, format) rows of the console table; None starts a section
ROWS: tuple[tuple[str, str, str] | None, ...] = (
    ("Demand", "demand_mwh", "MWh"),
    ("Unserved demand", "unserved_mwh", "MWh"),
    None,
    ("Renewable available", "renewable_available_mwh", "MWh"),
    ("Renewable used", "renewable_used_mwh", "MWh"),
    ("Renewable curtailed", "curtailed_mwh", "MWh"),
    ("Curtailment", "curtailment_percent", "% of available"),
    ("Renewable share", "renewable_share_percent", "% of demand"),
    ("Conventional generation", "conventional_mwh", "MWh"),
    None,
    ("Network losses (AC)", "losses_mwh", "MWh"),
    ("Network losses (AC)", "losses_percent_of_demand", "% of demand"),
    ("Grid import", "import_mwh", "MWh"),
    ("Grid export", "export_mwh", "MWh"),
    ("Peak import", "peak_import_mw", "MW"),
    None,
    ("Emissions", "emissions_tco2", "tCO2"),
    ("Average emission factor", "ef_avg_tco2_per_mwh", "tCO2/MWh"),
    ("Marginal EF (mean)", "mef_system_mean_tco2_per_mwh", "tCO2/MWh"),
    ("Cost", "cost_eur", "EUR"),
    ("Storage full cycles", "storage_full_cycles", "-"),
    ("Min / max voltage", "vm_min_pu", "pu"),
    ("", "vm_max_pu", "pu"),
    ("Max line loading", "line_loading_max_percent", "%"),
    ("Voltage violations", "vm_violation_bus_steps", "bus-steps"),
    ("Line overloads", "line_overload_steps", "line-steps"),
    ("AC power flow failed", "powerflow_failed_steps", "steps"),
    ("  their net load", "powerflow_failed_net_load_mwh", "MWh"),
    None,
    ("Load forecast nMAE", "load_forecast_nmae_percent", "%"),
    ("Renewable forecast nMAE", "renewable_forecast_nmae_percent", "%"),
    ("Imbalance up (AC - plan)", "imbalance_up_mwh", "MWh"),
    ("Imbalance down (plan - AC)", "imbalance_down_mwh", "MWh"),
    ("Imbalance cost", "imbalance_cost_eur", "EUR"),
    ("Value of foresight: cost", "value_of_foresight_cost_eur", "EUR"),
    ("Value of foresight: CO2", "value_of_foresight_emissions_tco2", "tCO2"),
    ("Value of foresight: curt.", "value_of_foresight_curtailed_mwh", "MWh"),
)


#: unit of a KPI by the suffix of its key, most specific first
KPI_UNITS: tuple[tuple[str, str], ...] = (
    ("_tco2_per_mwh", "tCO2/MWh"),
    ("_mwh", "MWh"),
    ("_mw", "MW"),
    ("_percent", "%"),
    ("_tco2", "tCO2"),
    ("_eur", "EUR"),
    ("_pu", "pu"),
    ("_steps", "steps"),
    ("_kh", "K h"),
    ("_c", "degC"),
)
#: KPI groups in report order
KPI_GROUPS = (
    "Energy balance",
    "Renewables",
    "Renewables by kind",
    "Emissions",
    "Cost",
    "Storage",
    "Network (AC power flow)",
    "Plug-in asset families",
)
_LABELS = {
    **{row[1]: row[0] for row in ROWS if row is not None and row[0]},
    "vm_min_pu": "Lowest bus voltage",
    "vm_max_pu": "Highest bus voltage",
    "vm_violation_bus_steps": "Bus-steps outside voltage limits",
    "vm_under_worst_pu": "Worst undervoltage below bus limit",
    "vm_over_worst_pu": "Worst overvoltage above bus limit",
    "line_overload_steps": "Overloaded line-steps",
    "trafo_overload_steps": "Overloaded transformer-steps",
    "trafo_loading_max_percent": "Max transformer loading",
    "powerflow_failed_steps": "Steps whose AC power flow failed",
    "powerflow_failed_net_load_mwh": "Net load of the steps whose AC power flow failed",
    "storage_simultaneous_steps": "Simultaneous charge/discharge",
    "storage_full_cycles": "Storage equivalent full cycles",
    "ef_avg_tco2_per_mwh": "Average emission factor of supply",
    "ev_sessions": "EV charging sessions",
    "ev_charge_mwh": "EV charging energy",
    "ev_discharge_mwh": "EV energy discharged (V2G)",
    "ev_delivered_mwh": "EV energy delivered to vehicles",
    "ev_unmet_mwh": "EV energy unmet at departure",
    "ev_sessions_unmet": "EV sessions leaving short",
    "ev_peak_mw": "Peak EV load",
    "ev_coincidence_factor": "EV coincidence factor",
    "ev_wear_cost_eur": "EV V2G wear cost",
    "ev_unallocated_mwh": "EV power not split to sessions",
    "building_hp_mwh": "Heat-pump electricity",
    "building_heat_mwh": "Heat delivered",
    "building_discomfort_kh": "Degree-hours outside the comfort band",
    "building_peak_mw": "Peak heat-pump load",
    "building_t_min_c": "Lowest indoor temperature",
    "building_t_max_c": "Highest indoor temperature",
}


def kpi_unit(key: str) -> str:
    """Unit of a KPI from the suffix of its key (``'-'`` when it has none).

    ``..._percent_of_demand`` reads ``% of demand``.
    """
    for suffix, unit in KPI_UNITS:
        if key.endswith(suffix):
            return unit
    match = re.search(r"_percent_of_(\w+)$", key)
    if match:
        return f"% of {match.group(1).replace('_', ' ')}"
    return "-"


def kpi_label(key: str) -> str:
    """Readable name of a KPI: the console table's label, or the key without its unit
    (``losses_110_20kv_mwh`` reads "Network losses (AC) at 110/20 kV")."""
    if key in _LABELS:
        return _LABELS[key]
    level = re.fullmatch(r"losses_([0-9._]+)kv_mwh", key)
    if level:
        return f"Network losses (AC) at {level.group(1).replace('_', '/')} kV"
    stem = key
    for suffix, _ in KPI_UNITS:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    words = ["PV" if w == "pv" else w for w in stem.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def kpi_group(key: str, kinds: set[str]) -> str:
    """The report group of a KPI (one of :data:`KPI_GROUPS`); ``kinds`` are the
    renewable kinds whose per-kind KPIs start with ``<kind>_``."""
    if any(key.startswith(f"{k}_") for k in kinds):
        return "Renewables by kind"
    if any(key.startswith(f"{f.name}_") for f in registered_families()):
        return "Plug-in asset families"
    if "_tco2" in key:
        return "Emissions"
    if key.endswith("_eur"):
        return "Cost"
    if key.startswith("storage_"):
        return "Storage"
    if key.startswith(("vm_", "line_", "trafo_", "powerflow_", "losses_")):
        return "Network (AC power flow)"
    if key.startswith(("renewable_", "curtail")):
        return "Renewables"
    return "Energy balance"


def format_value(value: float) -> str:
    """A KPI value for reading: thousands separated, 3 decimals from 1, 4 significant
    digits below 1."""
    v = float(value)
    if not math.isfinite(v):
        return "n/a"
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.1f}"
    if abs(v) >= 1:
        return f"{v:,.3f}"
    return f"{v:.4g}"
