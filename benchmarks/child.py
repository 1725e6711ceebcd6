"""The protocol between :mod:`benchmarks.run_all` and one benchmark subprocess.

Each benchmark runs in its own Python process so that its peak memory is its own:
the process measures, then writes one JSON object of plain numbers and strings to
the file named by ``--json`` (or prints it), adding its peak resident set size
and the load average before and after.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

Result = dict[str, Any]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far [MB] (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load_average() -> float:
    """One-minute load average of the machine [-] (from ``/proc/loadavg``)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def quiet() -> None:
    """Silence third-party warnings and info logs: benchmark output is the JSON."""
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING)
    for name in ("pypsa", "linopy", "pandapower", "pyomo", "distributed"):
        logging.getLogger(name).setLevel(logging.ERROR)


def run_child(measure: Callable[[], Result], json_path: str | None) -> None:
    """Run ``measure`` and write its result with ``peak_rss_mb`` and the load
    averages ``load_before``/``load_after`` to ``json_path`` (stdout if ``None``)."""
    quiet()
    before = load_average()
    result = measure()
    result.update(peak_rss_mb=peak_rss_mb(), load_before=before, load_after=load_average())
    text = json.dumps(result, indent=1, sort_keys=True, default=float)
    if json_path is None:
        sys.stdout.write(text + "\n")
    else:
        Path(json_path).write_text(text + "\n", encoding="utf-8")
