"""The asset families that ship with the simulator, one module each: loads,
renewables, storage, conventional units and the grid connection.

Their units come from the grid (loads, renewables) or from the case's own sections
(``storage``, ``conventional``, ``external_grid``); everything else goes through the
same :class:`sim.families.SimFamily` protocol as any registered family.
"""

from __future__ import annotations

from sim.shipped.conventional import CONVENTIONAL_FAMILY
from sim.shipped.grid_connection import GRID_FAMILY
from sim.shipped.loads import LOADS_FAMILY
from sim.shipped.renewables import RENEWABLES_FAMILY
from sim.shipped.storage import STORAGE_FAMILY

#: the shipped families in registry order (the order of every window's inputs)
SHIPPED_FAMILIES = (
    LOADS_FAMILY,
    RENEWABLES_FAMILY,
    STORAGE_FAMILY,
    CONVENTIONAL_FAMILY,
    GRID_FAMILY,
)

__all__ = ["SHIPPED_FAMILIES"]
