"""Graph helpers on plain network data: radial trees and per-node sums."""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from dispatch.inputs import DispatchInputError


def radial_tree(branches: pd.DataFrame, root: str) -> pd.DataFrame:
    """Merge parallel branches and orient the network as a tree from ``root``.

    Parameters
    ----------
    branches
        ``from_bus``, ``to_bus``, ``r_pu``, ``x_pu``, ``b_pu``, ``tap_ratio``,
        ``rate_mva`` per branch.
    root
        The slack bus.

    Returns
    -------
    pandas.DataFrame
        One row per tree edge in breadth-first order, indexed by the name of its
        first branch: ``parent``, ``child``, merged ``r_pu``, ``x_pu`` (parallel
        impedances), ``b_pu`` and ``rate_mva`` (sums), ``tap_ratio`` and
        ``members`` (the branch names merged into it).

    Raises
    ------
    DispatchInputError
        If the network has a loop or a bus not connected to ``root``.
    """
    groups: dict[frozenset[str], list[str]] = {}
    for name, row in branches.iterrows():
        key = frozenset((str(row["from_bus"]), str(row["to_bus"])))
        if len(key) == 1:
            continue  # a branch between fused buses carries nothing
        groups.setdefault(key, []).append(str(name))
    adj: dict[str, list[frozenset[str]]] = {}
    for key in groups:
        for bus in key:
            adj.setdefault(bus, []).append(key)
    rows = []
    parent_of: dict[str, str] = {}
    seen = {root}
    queue = deque([root])
    while queue:
        bus = queue.popleft()
        for key in adj.get(bus, []):
            (other,) = key - {bus}
            if other in seen:
                if parent_of.get(bus) != other:
                    raise DispatchInputError(
                        f"network: lindistflow needs a radial network, but {bus!r} and "
                        f"{other!r} close a loop (use network_model 'dc')"
                    )
                continue
            seen.add(other)
            parent_of[other] = bus
            queue.append(other)
            members = groups[key]
            sub = branches.loc[members]
            z = 1.0 / np.sum(1.0 / (sub["r_pu"].to_numpy() + 1j * sub["x_pu"].to_numpy()))
            tap = sub["tap_ratio"].to_numpy(dtype=float)
            if not np.allclose(tap, tap[0]):
                raise DispatchInputError(f"network: parallel branches {members} differ in tap")
            first = sub.iloc[0]
            rows.append(
                {
                    "name": members[0],
                    "parent": bus,
                    "child": other,
                    "r_pu": float(z.real),
                    "x_pu": float(z.imag),
                    "b_pu": float(sub["b_pu"].sum()),
                    "rate_mva": float(sub["rate_mva"].sum()),
                    # a branch oriented against its from->to direction sees the inverse ratio
                    "tap_ratio": float(tap[0] if first["from_bus"] == bus else 1.0 / tap[0]),
                    "members": members,
                }
            )
    all_buses = set(branches["from_bus"]) | set(branches["to_bus"]) | {root}
    if seen != all_buses:
        raise DispatchInputError(
            f"network: buses not connected to {root!r}: {sorted(all_buses - seen)[:5]}"
        )
    return pd.DataFrame(rows).set_index("name")


def node_rows(unit_bus: np.ndarray, node_of: dict[str, str], nodes: list[str]) -> np.ndarray:
    """Position in ``nodes`` of the network node of every unit's bus."""
    where = {nd: i for i, nd in enumerate(nodes)}
    return np.array([where[node_of[str(b)]] for b in unit_bus], dtype=int)
