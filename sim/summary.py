"""The console KPI table printed after a run."""

from __future__ import annotations

from sim.families import registered_families

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


def kpi_table(kpis: dict[str, float], title: str = "") -> str:
    """A fixed-width text table of the main KPIs (values as written to kpis.json)."""
    lines = [title] if title else []
    width = 26
    lines.append(f"{'KPI':<{width}} {'value':>14}  unit")
    lines.append("-" * (width + 32))
    for row in ROWS:
        if row is None:
            lines.append("")
            continue
        label, key, unit = row
        if key not in kpis:
            continue
        lines.append(_line(label, kpis[key], unit, width))
    plugin = [k for k in kpis if any(k.startswith(f"{f.name}_") for f in registered_families())]
    if plugin:
        lines.append("")
    for key in plugin:
        name, unit = _unit_of(key)
        lines.append(_line(name, kpis[key], unit, width))
    return "\n".join(lines)


#: unit of a KPI by the suffix of its key
_SUFFIX_UNITS = (
    ("_mwh", "MWh"),
    ("_mw", "MW"),
    ("_eur", "EUR"),
    ("_tco2", "tCO2"),
    ("_percent", "%"),
    ("_steps", "steps"),
)


def _unit_of(key: str) -> tuple[str, str]:
    """A label and the unit of a KPI key, from its suffix."""
    for suffix, unit in _SUFFIX_UNITS:
        if key.endswith(suffix):
            return key.removesuffix(suffix).replace("_", " ").capitalize(), unit
    return key.replace("_", " ").capitalize(), "-"


def _line(label: str, value: float, unit: str, width: int) -> str:
    text = f"{value:14.4f}" if abs(value) < 10 else f"{value:14.2f}"
    return f"{label:<{width}} {text}  {unit}"
