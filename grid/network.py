"""Build the base grid: a SimBench grid by its code, or a pandapower JSON file."""

from __future__ import annotations

import logging
from pathlib import Path

import pandapower as pp

logger = logging.getLogger(__name__)


class GridInputError(ValueError):
    """The grid description cannot be used; the message says why."""


def build_network(
    simbench_code: str | None = None, pandapower_json: str | Path | None = None
) -> pp.pandapowerNet:
    """Return the base pandapower network with unique element names.

    Parameters
    ----------
    simbench_code
        A SimBench code such as ``"1-MV-rural--0-sw"``; its yearly profiles are
        kept in ``net.profiles``.
    pandapower_json
        Path to a network saved by ``pandapower.to_json``.

    Raises
    ------
    GridInputError
        If neither or both are given, the code is unknown or the file unreadable.
    """
    if (simbench_code is None) == (pandapower_json is None):
        raise GridInputError("give exactly one of simbench_code or pandapower_json")
    if simbench_code is not None:
        import simbench as sb

        try:
            net = sb.get_simbench_net(simbench_code)
        except Exception as exc:  # simbench raises assorted errors for bad codes
            raise GridInputError(f"unknown SimBench code {simbench_code!r}: {exc}") from None
    else:
        path = Path(str(pandapower_json))
        if not path.is_file():
            raise GridInputError(f"pandapower JSON file not found: {path}")
        try:
            net = pp.from_json(str(path))
        except Exception as exc:
            raise GridInputError(f"cannot read pandapower JSON {path}: {exc}") from None
    for table in ("bus", "load", "sgen", "line", "trafo", "storage"):
        _unique_names(net, table)
    logger.info("grid: %d buses, %d loads, %d sgens", len(net.bus), len(net.load), len(net.sgen))
    return net


def _unique_names(net: pp.pandapowerNet, table: str) -> None:
    """Give every element of ``table`` a unique, non-empty name (in place, on a new net)."""
    df = net[table]
    if df.empty:
        return
    names = df["name"].astype(object).where(df["name"].notna() & (df["name"] != ""), None)
    names = [n if n is not None else f"{table} {i}" for i, n in zip(df.index, names, strict=True)]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        out.append(n if k == 0 else f"{n} ({k})")
        seen[n] = k + 1
    df["name"] = out
