"""Build the base grid: a SimBench grid by its code, or a pandapower JSON file."""

from __future__ import annotations

import copy
import functools
import logging
from pathlib import Path

import pandapower as pp

logger = logging.getLogger(__name__)


class GridInputError(ValueError):
    """The grid description cannot be used; the message says why."""


def build_network(
    simbench_code: str | None = None,
    pandapower_json: str | Path | None = None,
    pandapower_network: str | None = None,
) -> pp.pandapowerNet:
    """Return the base pandapower network with unique string element names.

    Parameters
    ----------
    simbench_code
        A SimBench code such as ``"1-MV-rural--0-sw"``; its yearly profiles are
        kept in ``net.profiles``. Read once per process and copied (a batch of
        cases on one grid reads it once).
    pandapower_json
        Path to a network saved by ``pandapower.to_json``.
    pandapower_network
        Name of a function of ``pandapower.networks`` that takes no argument
        (``case9``, ``case118``, ``mv_oberrhein``, ...).

    Raises
    ------
    GridInputError
        If not exactly one is given, the code or name is unknown or the file
        unreadable.
    """
    given = [x for x in (simbench_code, pandapower_json, pandapower_network) if x is not None]
    if len(given) != 1:
        raise GridInputError(
            "give exactly one of simbench_code, pandapower_json or pandapower_network"
        )
    if simbench_code is not None:
        try:
            net = copy.deepcopy(_simbench_net(simbench_code))
        except Exception as exc:  # simbench raises assorted errors for bad codes
            raise GridInputError(f"unknown SimBench code {simbench_code!r}: {exc}") from None
    elif pandapower_network is not None:
        net = _named_network(pandapower_network)
    else:
        path = Path(str(pandapower_json))
        if not path.is_file():
            raise GridInputError(f"pandapower JSON file not found: {path}")
        try:
            net = pp.from_json(str(path))
        except Exception as exc:
            raise GridInputError(f"cannot read pandapower JSON {path}: {exc}") from None
    for table in ("bus", "load", "sgen", "gen", "line", "trafo", "storage", "ext_grid"):
        _unique_names(net, table)
    logger.info("grid: %d buses, %d loads, %d sgens", len(net.bus), len(net.load), len(net.sgen))
    return net


@functools.lru_cache(maxsize=4)
def _simbench_net(code: str) -> pp.pandapowerNet:
    """SimBench's grid ``code`` with its profiles, read once per process (reading
    its CSV files takes seconds); callers get a deep copy."""
    import simbench as sb

    return sb.get_simbench_net(code)


def simbench_reads() -> int:
    """How many SimBench grids this process has read from SimBench's files (the rest
    came from the per-process cache)."""
    return _simbench_net.cache_info().misses


def _named_network(name: str) -> pp.pandapowerNet:
    """``pandapower.networks.<name>()``, for a public function of that module."""
    import pandapower.networks as pn

    func = getattr(pn, name, None) if not name.startswith("_") else None
    if not callable(func):
        close = sorted(n for n in dir(pn) if n.startswith(name[:4]) and not n.startswith("_"))
        hint = f"; similar: {', '.join(close[:8])}" if close else ""
        raise GridInputError(f"pandapower.networks has no network {name!r}{hint}")
    try:
        net = func()
    except Exception as exc:  # a function that needs arguments, or fails to build
        raise GridInputError(f"pandapower.networks.{name}() failed: {exc}") from None
    if not isinstance(net, pp.pandapowerNet):
        raise GridInputError(f"pandapower.networks.{name}() does not return a network")
    return net


def _unique_names(net: pp.pandapowerNet, table: str) -> None:
    """Give every element of ``table`` a unique, non-empty string name (in place, on a
    new net); integer names (MATPOWER bus numbers) become their decimal text."""
    df = net[table]
    if df.empty:
        return
    names = df["name"].astype(object).where(df["name"].notna() & (df["name"] != ""), None)
    names = [
        _text(n) if n is not None else f"{table} {i}" for i, n in zip(df.index, names, strict=True)
    ]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        out.append(n if k == 0 else f"{n} ({k})")
        seen[n] = k + 1
    df["name"] = out


def _text(name: object) -> str:
    """An element name as text: integral numbers without a decimal point."""
    if isinstance(name, float) and name.is_integer():
        return str(int(name))
    return str(name)
