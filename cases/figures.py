"""Regenerate every figure the README and the case READMEs print, and fail when one
has drifted from what the current code gives.

    .venv/bin/python cases/figures.py --check [ID ...]   # exit 1 on drift
    .venv/bin/python cases/figures.py --write [ID ...]   # paste the new figures
    .venv/bin/python cases/figures.py --list

Each printed block (a console output or a Markdown table) follows a marker line
``<!-- figure: ID -->`` in its Markdown file; :data:`FIGURES` gives, per ID, the
commands that make it (run from the repository root, the last one's standard
output is the block) and the numbers of the prose after it that are read from
the block (:class:`Prose`). A ``subset`` block shows some lines of the output: each
of its lines is matched by its label (:func:`label_of`) to the output's,
a line without a label to the line after the previous one. ``make figures-check``
runs every check (about 20 minutes on 2 cores); ``make figures`` rewrites them.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
MARKER = re.compile(r"^<!-- figure: ([\w-]+) -->$", re.M)
#: a console KPI row (sim/summary.py): label, value, unit
ROW = re.compile(r"^(\S.*?)\s+(-?[\d,]+\.?\d*|nan|-?inf)  \S")


def label_of(line: str) -> str:
    """The label of a console line: a KPI row's label, '' for the unlabelled line
    after one (it starts with spaces), else the line itself (titles, rules)."""
    if line.startswith(" "):
        return ""
    match = ROW.match(line)
    if match:
        return match.group(1)
    return "-" if line and set(line) == {"-"} else " ".join(line.split())


@dataclass(frozen=True)
class Prose:
    """A number in the prose after a block: ``pattern`` (one group, the number as
    printed) in the Markdown, its value from the block by ``value``, and its
    format."""

    pattern: str
    value: Callable[[str], float]
    fmt: str


@dataclass(frozen=True)
class Figure:
    """How a printed block is made: its Markdown ``file``, the ``commands`` run in
    turn, whether the block shows a ``subset`` of the output's lines, the ``prose``
    numbers read from it, and the last command's ``exit_code`` and ``stream``
    (``stdout``, or ``stderr`` for an error message)."""

    file: str
    commands: tuple[tuple[str, ...], ...]
    subset: bool = False
    prose: tuple[Prose, ...] = field(default_factory=tuple)
    exit_code: int = 0
    stream: str = "stdout"


def kpi(label: str, line: int = 0) -> Callable[[str], float]:
    """The value of console row ``label`` (``line`` 1: the unlabelled line after it)."""

    def read(block: str) -> float:
        lines = block.splitlines()
        at = next(i for i, s in enumerate(lines) if label_of(s) == label) + line
        value = lines[at][len(label) :] if line == 0 else lines[at]
        return float(value.split()[0].replace(",", ""))

    return read


def cell(row: str, column: int, scale: float = 1.0) -> Callable[[str], float]:
    """Column ``column`` (0: after the row label) of the output row starting ``row``."""

    def read(block: str) -> float:
        line = next(s for s in block.splitlines() if s.split()[:1] == [row])
        return scale * float(line.split()[1 + column])

    return read


def total(*parts: Callable[[str], float]) -> Callable[[str], float]:
    return lambda block: sum(p(block) for p in parts)


#: replaced by a fresh folder per figure: a study or comparison never reuses the
#: results of an earlier run (a study skips the cases it finds complete)
OUT = "{out}"


def _study(name: str, kpis: str) -> tuple[tuple[str, ...], ...]:
    path = f"cases/studies/{name}.yaml"
    return (
        (PY, "run_sim.py", "study", path, "--workers", "2", "--no-progress", "-q", "--out", OUT),
        (PY, "cases/studies/table.py", path, "--out", OUT, "--kpis", kpis),
    )


_BUILDINGS = tuple(
    arg
    for b in range(5)
    for arg in (
        "--vary",
        f"buildings.{b}.t_min_c=21,20",
        "--vary",
        f"buildings.{b}.t_max_c=21,23",
    )
)
_STORAGE_KPIS = (
    "cost_eur:0,emissions_tco2:2,storage_discharge_mwh:1,storage_full_cycles:1,"
    "peak_import_mw:2,losses_mwh:2"
)
_SHARE_KPIS = (
    "renewable_share_percent:1,curtailed_mwh:2,losses_mwh:2,import_mwh:1,export_mwh:1,"
    "emissions_tco2:2,cost_eur:0,vm_max_pu:4"
)

FIGURES: dict[str, Figure] = {
    "default-run": Figure(
        "README.md",
        ((PY, "run_sim.py", "cases/default.yaml"),),
        prose=(
            Prose(r"check's highest voltage is ([\d.]+) pu", kpi("Min / max voltage", 1), "{:.4f}"),
        ),
    ),
    "forecast-run": Figure(
        "README.md",
        ((PY, "run_sim.py", "cases/forecast_30days.yaml", "--backtest"),),
        prose=(
            Prose(r"of\s+PV \(nMAE (\d+) % of the mean\)", cell("pv", 3, 100.0), "{:.0f}"),
            Prose(r"and wind \((\d+) %\)", cell("wind", 3, 100.0), "{:.0f}"),
            Prose(r"persistence \(skill ([\d.]+)\)", cell("load", 5), "{:.2f}"),
            Prose(
                r"misses its schedule by ([\d,]+) MWh",
                total(kpi("Imbalance up (AC - plan)"), kpi("Imbalance down (plan - AC)")),
                "{:,.0f}",
            ),
            Prose(
                r"dominates the\s+([\d,]+) EUR value", kpi("Value of foresight: cost"), "{:,.0f}"
            ),
            Prose(r"([\d,]+) bus-hours end above", kpi("Voltage violations"), "{:,.0f}"),
        ),
    ),
    "infeasible-run": Figure(
        "README.md",
        (
            (PY, "run_sim.py", "cases/own_data/one_bus.yaml", "--set", "storage.0.p_max_mw=0.1")
            + ("--set", "storage.0.e_terminal_min_mwh=2", "--set", "dispatch.horizon_h=6")
            + ("--set", "dispatch.window_h=6", "-q"),
        ),
        exit_code=3,
        stream="stderr",
    ),
    "cigre-run": Figure(
        "README.md", ((PY, "run_sim.py", "cases/own_data/cigre_mv.yaml"),), subset=True
    ),
    "flexible-run": Figure(
        "README.md", ((PY, "run_sim.py", "cases/flexible_load.yaml"),), subset=True
    ),
    "renewable-share-compare": Figure(
        "README.md",
        (
            (
                PY,
                "cases/compare.py",
                "cases/renewable_share/renewable_share.yaml",
                "--vary",
                "renewables.target_share=0.2,0.5,0.8,1.5",
                "--label",
                "share_20,share_50,share_80,share_150",
                "--kpis",
                "renewable_available_share_percent:1,renewable_share_percent:1,curtailed_mwh:2,"
                "losses_mwh:2,import_mwh:1,export_mwh:1,emissions_tco2:2,cost_eur:0,"
                "vm_violation_bus_steps:0,vm_max_pu:4,line_loading_max_percent:1",
                "--out",
                OUT,
            ),
        ),
    ),
    "buildings-compare": Figure(
        "README.md",
        (
            (PY, "cases/compare.py", "cases/buildings/buildings.yaml", *_BUILDINGS)
            + ("--label", "fixed_21C,band_20_23C", "--kpis")
            + (
                "building_hp_mwh:2,building_heat_mwh:1,building_peak_mw:2,"
                "building_discomfort_kh:2,site_pedf_self_consumption_percent:1,"
                "site_pedf_self_sufficiency_percent:1,site_pedf_peak_import_mw:2,"
                "peak_import_mw:2,import_mwh:1,losses_mwh:2,curtailed_mwh:2,"
                "emissions_tco2:2,cost_eur:0,vm_violation_bus_steps:0,vm_min_pu:4",
                "--out",
                OUT,
            ),
        ),
    ),
    "ev-compare": Figure("README.md", ((PY, "cases/ev_v2g/compare.py", "--out", OUT),)),
    "storage-study": Figure("README.md", _study("storage_size", _STORAGE_KPIS)),
    "study-renewable-share": Figure(
        "cases/studies/README.md", _study("renewable_share", _SHARE_KPIS)
    ),
    "study-storage-size": Figure("cases/studies/README.md", _study("storage_size", _STORAGE_KPIS)),
    "study-carbon-price": Figure(
        "cases/studies/README.md",
        _study(
            "carbon_price",
            "emissions_tco2:2,cost_eur:0,conventional_mwh:1,import_mwh:1,"
            "storage_discharge_mwh:1,ef_avg_tco2_per_mwh:4",
        ),
    ),
    "study-ev-penetration": Figure(
        "cases/studies/README.md",
        _study(
            "ev_penetration",
            "ev_charge_mwh:1,ev_discharge_mwh:1,ev_peak_mw:2,peak_import_mw:2,ev_unmet_mwh:2,"
            "losses_mwh:2,curtailed_mwh:2,emissions_tco2:2,cost_eur:0,vm_min_pu:4",
        ),
    ),
}


@dataclass
class Block:
    """A printed block of a Markdown text: its lines ``start:end`` (without fences)."""

    start: int
    end: int
    fenced: bool


def find_block(lines: list[str], marker: int) -> Block:
    """The fenced block or Markdown table right after the marker line ``marker``.

    Raises
    ------
    ValueError
        If none follows it.
    """
    first = marker + 1
    if first < len(lines) and lines[first].startswith("```"):
        end = next(i for i in range(first + 1, len(lines)) if lines[i].startswith("```"))
        return Block(first + 1, end, True)
    if first < len(lines) and lines[first].startswith("|"):
        end = first
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        return Block(first, end, False)
    raise ValueError(f"line {marker + 1}: no fenced block or table after the figure marker")


def select(shown: list[str], output: list[str]) -> list[str]:
    """The lines of ``output`` that the ``shown`` lines of a subset block stand for."""
    out, at = [], -1
    for line in shown:
        label = label_of(line)
        if label:
            found = [i for i in range(at + 1, len(output)) if label_of(output[i]) == label]
            if not found:
                raise ValueError(f"the output has no line '{label}' (after line {at + 1})")
            at = found[0]
        else:
            at += 1
        out.append(output[at] if at < len(output) else "")
    return out


def produce(figure: Figure) -> list[str]:
    """Run the figure's commands; the last one's output lines (right-stripped)."""
    text = ""
    with tempfile.TemporaryDirectory(prefix="figure-") as out:
        for k, command in enumerate(figure.commands):
            done = _run(tuple(a.replace(OUT, out) for a in command))
            want = figure.exit_code if k == len(figure.commands) - 1 else 0
            if done.returncode != want:
                raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")
            text = done.stderr if figure.stream == "stderr" else done.stdout
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def _run(command: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)


def update(text: str, fig_id: str, figure: Figure, output: list[str]) -> tuple[str, list[str]]:
    """``text`` with the block of ``fig_id`` and its prose numbers regenerated from
    ``output``, and the differences found (empty if none)."""
    lines = text.split("\n")
    markers = [
        i for i, s in enumerate(lines) if MARKER.fullmatch(s) and s.endswith(f" {fig_id} -->")
    ]
    if len(markers) != 1:
        raise ValueError(f"{figure.file}: {len(markers)} markers of figure '{fig_id}' (want 1)")
    block = find_block(lines, markers[0])
    old = [s.rstrip() for s in lines[block.start : block.end]]
    new = select(old, output) if figure.subset else output
    diffs = [
        f"line {block.start + 1 + k}: '{a}' -> '{b}'"
        for k, (a, b) in enumerate(zip(old, new, strict=False))
        if a != b
    ]
    if len(old) != len(new):
        diffs.append(f"{len(old)} lines printed, {len(new)} lines made")
    lines[block.start : block.end] = new
    head, tail = (
        "\n".join(lines[: block.start + len(new)]),
        "\n".join(lines[block.start + len(new) :]),
    )
    next_marker = MARKER.search(tail)
    prose, rest = (
        (tail[: next_marker.start()], tail[next_marker.start() :]) if next_marker else (tail, "")
    )
    block_text = "\n".join(new)
    for p in figure.prose:
        match = re.search(p.pattern, prose)
        if match is None:
            diffs.append(f"prose: no match of {p.pattern!r}")
            continue
        want = p.fmt.format(p.value(block_text))
        if match.group(1) != want:
            diffs.append(f"prose: {match.group(0)!r} should read {want}")
            prose = prose[: match.start(1)] + want + prose[match.end(1) :]
    return head + "\n" + prose + rest, diffs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 if a figure drifted")
    mode.add_argument("--write", action="store_true", help="paste the regenerated figures")
    mode.add_argument("--list", action="store_true", help="list the figures")
    p.add_argument("ids", nargs="*", help="figures to regenerate (default: all)")
    a = p.parse_args(argv)
    if a.list:
        for fig_id, figure in FIGURES.items():
            print(f"{fig_id:26} {figure.file}")
        return 0
    unknown = [i for i in a.ids if i not in FIGURES]
    if unknown:
        print(f"error: unknown figures {unknown}; see --list", file=sys.stderr)
        return 2
    drifted = 0
    made: dict[tuple[tuple[str, ...], ...], list[str]] = {}  # one run of the same commands
    for fig_id in a.ids or list(FIGURES):
        figure = FIGURES[fig_id]
        path = REPO / figure.file
        if figure.commands not in made:
            made[figure.commands] = produce(figure)  # minutes: read the file afterwards
        output = made[figure.commands]
        text, diffs = update(path.read_text(), fig_id, figure, output)
        print(f"{fig_id}: {'unchanged' if not diffs else f'{len(diffs)} differences'}")
        for d in diffs:
            print(f"  {d}")
        drifted += bool(diffs)
        if a.write and diffs:
            path.write_text(text)
    return 1 if drifted and a.check else 0


if __name__ == "__main__":
    sys.exit(main())
