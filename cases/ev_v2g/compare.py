"""Run ``ev_v2g.yaml`` with both fleets uncontrolled, smart and V2G, and print the
three side by side (and write ``comparison.csv``), with ``cases/compare.py``.

    .venv/bin/python cases/ev_v2g/compare.py [--out results]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from compare import compare, markdown  # noqa: E402

MODES = ["uncontrolled", "smart", "v2g"]
#: (KPI key, decimals) rows of the table
KPIS = [
    ("ev_peak_mw", 2),
    ("peak_import_mw", 2),
    ("ev_charge_mwh", 1),
    ("ev_discharge_mwh", 1),
    ("ev_unmet_mwh", 2),
    ("losses_mwh", 2),
    ("curtailed_mwh", 2),
    ("export_mwh", 1),
    ("emissions_tco2", 2),
    ("cost_eur", 0),
    ("vm_violation_bus_steps", 0),
    ("vm_min_pu", 4),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results"), help="results folder")
    args = parser.parse_args(argv)
    vary = [(f"ev_fleets.{i}.mode", MODES) for i in (0, 1)]
    print(markdown(compare(HERE / "ev_v2g.yaml", vary, MODES, KPIS, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
