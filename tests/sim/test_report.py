"""report.html: every KPI with its unit, every plot embedded, nothing fetched from the
network; rendered by headless Chromium when it is installed."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest

import sim.runner
from sim.case import Case, OutputSpec
from sim.kpis import all_kpis
from sim.meta import run_meta
from sim.pipeline import RunOutput
from sim.plots import all_figures
from sim.report import format_value, kpi_group, kpi_label, kpi_unit, render_report, write_report
from sim.results import write_results

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER_TIMEOUT_S = 120
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Parsed(HTMLParser):
    """Tags and attributes of a report: KPI cells, images, every src/href."""

    def __init__(self) -> None:
        super().__init__()
        self.kpi_cells: dict[str, tuple[str, str]] = {}
        self.images: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()
        self._open_kpi: tuple[str, str] | None = None
        self.body_attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        self.links += [a[k] for k in ("src", "href") if k in a]
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "body":
            self.body_attrs = a
        if tag == "td" and "data-kpi" in a:
            self._open_kpi = (a["data-kpi"], a["data-value"])

    def handle_data(self, data: str) -> None:
        if self._open_kpi is not None:
            key, value = self._open_kpi
            self.kpi_cells[key] = (value, data)
            self._open_kpi = None


def _parse(text: str) -> _Parsed:
    p = _Parsed()
    p.feed(text)
    return p


@pytest.fixture(scope="module")
def report(
    tmp_path_factory: pytest.TempPathFactory, small_case: Case, small_run: RunOutput
) -> tuple[Path, dict[str, float], list[str]]:
    """A results folder of the small run with its plots and report, as the runner writes
    it; returns the report's path, the KPIs and the figure names."""
    r = small_run.results
    kpis = all_kpis(r, small_case.dispatch.voll_eur_per_mwh)
    meta = run_meta(small_case, small_run)
    figures = all_figures(r)
    try:
        folder = write_results(
            r, kpis, meta, tmp_path_factory.mktemp("report") / "two_days", figures
        )
        path = write_report(folder, r, kpis, meta, figures)
    finally:
        for fig in figures.values():
            plt.close(fig)
    return path, kpis, list(figures)


def test_report_holds_every_kpi_and_plot(report: tuple[Path, dict[str, float], list[str]]) -> None:
    path, kpis, names = report
    assert path.name == "report.html"
    page = _parse(path.read_text(encoding="utf-8"))
    assert set(page.kpi_cells) == set(kpis)
    for key, value in kpis.items():
        exact, shown = page.kpi_cells[key]
        assert float(exact) == value
        assert float(shown.replace(",", "")) == pytest.approx(value, rel=1e-3, abs=1e-3)
    assert len(page.images) == len(names)
    for name, src in zip(names, page.images, strict=True):
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png.startswith(PNG_MAGIC)
        assert png == (path.parent / "plots" / f"{name}.png").read_bytes()


def test_report_is_self_contained(report: tuple[Path, dict[str, float], list[str]]) -> None:
    text = report[0].read_text(encoding="utf-8")
    page = _parse(text)
    assert page.links
    for link in page.links:
        assert link.startswith(("data:", "#")), link
        assert not link.startswith(("http://", "https://", "//"))
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", text, flags=re.I)
    assert not {"script", "link", "iframe", "object"} & page.tags
    assert "@import" not in text and "url(" not in text


def test_report_without_plots_has_the_tables(
    tmp_path: Path, small_case: Case, small_run: RunOutput
) -> None:
    r = small_run.results
    kpis = all_kpis(r, small_case.dispatch.voll_eur_per_mwh)
    meta = run_meta(small_case, small_run)
    path = write_report(tmp_path, r, kpis, meta, None)
    text = path.read_text(encoding="utf-8")
    page = _parse(text)
    assert set(page.kpi_cells) == set(kpis)
    assert not page.images
    assert "1-MV-rural--0-sw" in text and "convergenceCriteriaSatisfied" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_runner_writes_the_report_with_and_without_plots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_case: Case, small_run: RunOutput
) -> None:
    monkeypatch.setattr(sim.runner, "run", lambda case: small_run)
    folder, kpis = sim.runner.run_case(small_case, tmp_path / "with")
    page = _parse((folder / "report.html").read_text(encoding="utf-8"))
    assert len(page.images) == len(list((folder / "plots").glob("*.png"))) == 7
    assert set(page.kpi_cells) == set(kpis)
    no_plots = small_case.model_copy(update={"output": OutputSpec(plots=False)})
    folder, kpis = sim.runner.run_case(no_plots, tmp_path / "without")
    page = _parse((folder / "report.html").read_text(encoding="utf-8"))
    assert not page.images and not (folder / "plots").exists()
    assert set(page.kpi_cells) == set(kpis)


def test_text_from_the_case_is_escaped(small_run: RunOutput) -> None:
    meta: dict[str, Any] = {
        "case": {"name": "x", "description": '<script>alert("x")</script> & <b>'},
        "solver": {"terminations": ["<ok>"]},
    }
    text = render_report(small_run.results, {"a<b>_mwh": 1.0}, meta, {})
    assert "<script>" not in text and "<b>" not in text and "<ok>" not in text
    assert "&lt;script&gt;" in text and "a&lt;b&gt;_mwh" in text


@pytest.mark.parametrize(
    ("key", "unit"),
    [
        ("demand_mwh", "MWh"),
        ("peak_import_mw", "MW"),
        ("curtailment_percent", "%"),
        ("losses_percent_of_demand", "% of demand"),
        ("emissions_tco2", "tCO2"),
        ("ef_avg_tco2_per_mwh", "tCO2/MWh"),
        ("cost_eur", "EUR"),
        ("vm_min_pu", "pu"),
        ("powerflow_failed_steps", "steps"),
        ("storage_full_cycles", "-"),
    ],
)
def test_kpi_unit_from_the_key_suffix(key: str, unit: str) -> None:
    assert kpi_unit(key) == unit


def test_kpi_labels_groups_and_values() -> None:
    kinds = {"wind", "pv"}
    assert kpi_group("pv_curtailed_mwh", kinds) == "Renewables by kind"
    assert kpi_group("import_emissions_tco2", kinds) == "Emissions"
    assert kpi_group("energy_cost_eur", kinds) == "Cost"
    assert kpi_group("vm_max_pu", kinds) == "Network (AC power flow)"
    assert kpi_group("demand_mwh", kinds) == "Energy balance"
    assert kpi_label("losses_110_20kv_mwh") == "Network losses (AC) at 110/20 kV"
    assert kpi_label("pv_available_mwh") == "PV available"
    assert [format_value(v) for v in (0.0, 1234.56, 2.5, 0.000617, float("nan"))] == [
        "0",
        "1,234.6",
        "2.500",
        "0.000617",
        "n/a",
    ]


# --- headless Chromium ------------------------------------------------------------


def _browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        f"chromium not installed: none of {', '.join(BROWSERS)} on PATH "
        "(Debian: apt-get install chromium)"
    )


def _chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium offline: every host resolves to nothing and any proxied
    request goes to a closed port."""
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        "--disable-sync",
        "--disable-background-networking",
        "--disable-component-update",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S)


def test_chromium_renders_the_kpi_table_and_plots(
    tmp_path: Path, report: tuple[Path, dict[str, float], list[str]]
) -> None:
    browser = _browser()
    path, kpis, names = report
    # 1. the rendered DOM: the KPI table is there and every embedded image decoded;
    # a probe script (not part of the report) records image widths and positions
    probe = tmp_path / "probe.html"
    script = (
        "<script>window.addEventListener('load', () => {"
        "const imgs = Array.from(document.images);"
        "const b = document.body;"
        "b.setAttribute('data-widths', imgs.map(i => i.complete ? i.naturalWidth : -1).join());"
        "b.setAttribute('data-tops', imgs.map(i => i.getBoundingClientRect().top).join());"
        "b.setAttribute('data-height', document.documentElement.scrollHeight);"
        "});</script></body>"
    )
    probe.write_text(path.read_text(encoding="utf-8").replace("</body>", script))
    size = "--window-size=1280,4000"
    res = _chromium(
        browser, tmp_path / "dom", size, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()
    )
    assert res.returncode == 0, res.stderr[-2000:]
    dom = _parse(res.stdout)
    assert set(dom.kpi_cells) == set(kpis)
    assert {"table", "img", "figure"} <= dom.tags
    widths = [int(w) for w in dom.body_attrs["data-widths"].split(",")]
    assert len(widths) == len(names) and min(widths) > 300, widths
    first_plot_top = int(float(dom.body_attrs["data-tops"].split(",")[0]))
    height = int(dom.body_attrs["data-height"])

    # 2. a screenshot of the report itself, tall enough to show the first plot: it is
    # written, large, and neither blank nor uniform anywhere
    shot = tmp_path / "shot.png"
    height = min(max(4000, first_plot_top + 600), height)
    res = _chromium(
        browser,
        tmp_path / "shot",
        f"--screenshot={shot}",
        f"--window-size=1280,{height}",
        path.as_uri(),
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert shot.stat().st_size > 100_000
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[:2] == (height, 1280)
    assert float(pixels.std()) > 0.05
    bands = [pixels[i : i + 500] for i in range(0, height - 499, 500)]
    assert all(float(b.std()) > 0.02 for b in bands), [round(float(b.std()), 3) for b in bands]
    # the KPI tables: light header cells and dark text in the top part
    top = pixels[: min(first_plot_top, 2000)]
    assert float(np.mean(top.mean(axis=-1) < 0.3)) > 0.005
    # the first plot (the dispatch stack) is drawn in colour: far from grey
    plot = pixels[first_plot_top : first_plot_top + 500]
    colour = plot.max(axis=-1) - plot.min(axis=-1)
    assert float(np.mean(colour > 0.3)) > 0.05
