"""Run ``ev_v2g.yaml`` with both fleets uncontrolled, smart and V2G, and print the
three side by side (and write ``comparison.csv`` next to the results).

    .venv/bin/python cases/ev_v2g/compare.py [--out results]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
CASE = HERE / "ev_v2g.yaml"
MODES = ("uncontrolled", "smart", "v2g")
#: (label, KPI key, unit, decimals) of the comparison table
ROWS = (
    ("Peak EV load", "ev_peak_mw", "MW", 2),
    ("Peak grid import", "peak_import_mw", "MW", 2),
    ("EV charging energy", "ev_charge_mwh", "MWh", 1),
    ("EV energy discharged (V2G)", "ev_discharge_mwh", "MWh", 1),
    ("EV energy unmet at departure", "ev_unmet_mwh", "MWh", 2),
    ("Network losses (AC)", "losses_mwh", "MWh", 2),
    ("Renewable curtailed", "curtailed_mwh", "MWh", 2),
    ("Grid export", "export_mwh", "MWh", 1),
    ("Emissions", "emissions_tco2", "tCO2", 2),
    ("Cost", "cost_eur", "EUR", 0),
    ("Voltage violations", "vm_violation_bus_steps", "bus-steps", 0),
    ("Lowest bus voltage", "vm_min_pu", "pu", 4),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results"), help="results folder")
    args = parser.parse_args(argv)
    kpis = {}
    for mode in MODES:
        out = args.out / "ev_v2g" / mode
        cmd = [sys.executable, str(HERE.parents[1] / "run_sim.py"), str(CASE), "-q", "--no-plots"]
        cmd += ["--set", f"ev_fleets.0.mode={mode}", "--set", f"ev_fleets.1.mode={mode}"]
        cmd += ["--set", f"name=ev_v2g_{mode}", "--out", str(out)]
        subprocess.run(cmd, check=True)
        kpis[mode] = json.loads((out / f"ev_v2g_{mode}" / "kpis.json").read_text())
    table = pd.DataFrame(
        {
            "KPI": [f"{label} [{unit}]" for label, _, unit, _ in ROWS],
            **{m: [f"{kpis[m][k]:,.{d}f}" for _, k, _, d in ROWS] for m in MODES},
        }
    )
    table.to_csv(args.out / "ev_v2g" / "comparison.csv", index=False)
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(str(v) for v in row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
