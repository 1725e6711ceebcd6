"""Keep HiGHS's start-up banner off standard output.

HiGHS prints its banner ("Running HiGHS ... Copyright ...") from C++ when the first
``highspy.Highs`` of a process is constructed, before any option such as
``output_flag`` can be set, so ``run_sim.py -q`` printed it anyway. The first
construction is done here with the process's standard output (file descriptor 1)
pointed at ``os.devnull``; later instances print nothing unless asked to.
"""

from __future__ import annotations

import os
import sys

import highspy

_done = False


def quiet_highs_banner() -> None:
    """Construct this process's first ``highspy.Highs`` with its output discarded
    (once per process; later calls return at once)."""
    global _done
    if _done:
        return
    _done = True
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output to protect
        highspy.Highs()
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
