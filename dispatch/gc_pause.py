"""Pause Python's cyclic garbage collector while a model is built.

Building and compiling a Pyomo model allocates a few hundred thousand small
objects (components, expression nodes, term dicts) and frees almost none of them.
Each allocation burst triggers the collector, whose older generations walk every
object of the process, and after a grid and a year of profiles are loaded that
heap is large: the passes then cost as much as the build itself. Nothing a build
allocates is garbage with cycles, so the collector is paused for its duration
and runs normally afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the ``with`` block; restore its
    previous state (enabled or not) on leaving, also on an exception."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
