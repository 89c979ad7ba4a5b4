"""The HTML report in a real headless browser (Debian's Chromium): the charts are drawn, offline.

Skips, saying why, only when no Chromium binary can be found (``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadstage.mapping.model import Stage
from leadstage.sync.cli import app
from leadstage.sync.report.html import FUNNEL_STAGES, STAGE_COLOURS
from tests.conftest import TOKEN, TOKEN_ENV

from .png import read_png

pytestmark = pytest.mark.subprocess  # starts leadstage (or a racer, a browser) as processes

BROWSERS = ("chromium", "chromium-browser")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
WINDOW = (1280, 2000)
SCREENSHOT_COPY = Path(__file__).resolve().parents[2] / "build" / "report-screenshot.png"
STEPS = ("mql_to_sal", "sal_to_sql", "sql_to_opportunity", "opportunity_to_customer")


@pytest.fixture(scope="session")
def binary() -> str:
    """Chromium's path, or a skip saying why (asked before the synced store is built)."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "no Chromium binary on PATH (looked for chromium, chromium-browser): install Debian's chromium "
        "(apt-get install chromium; .ci/run does when apt-get is available) to run the browser test"
    )


class ChartElements(HTMLParser):
    """The attributes of every chart bar (an svg rect with a chart class) in a DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: dict[str, list[dict[str, str]]] = {}
        self.charts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "svg" and "chart" in values.get("class", ""):
            self.charts.append(values["id"])
        if tag == "rect" and values.get("class", "").endswith("-bar"):
            self.bars.setdefault(values["class"], []).append(values)


@pytest.fixture(scope="module")
def page(synced, tmp_path_factory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The HTML report of the synced portal grouped by source, and the same figures as JSON."""
    folder = tmp_path_factory.mktemp("browser")
    period = ["--since", synced.first_sync.isoformat(), "--until", synced.weeks.until.isoformat()]
    common = ["report", "-c", str(synced.config), *period, "--group-by", "source"]
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TOKEN_ENV, TOKEN)
        written = runner.invoke(app, [*common, "--format", "html", "--output", str(folder / "report.html")])
        figures = json.loads(runner.invoke(app, [*common, "--format", "json"]).stdout)
    assert written.exit_code == 0, written.output
    yield folder / "report.html", figures


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_the_browser_draws_every_chart_bar_with_its_data(binary, page, tmp_path):
    path, figures = page

    dom = run_chromium(binary, tmp_path / "profile", "--dump-dom", path.as_uri()).stdout

    found = ChartElements()
    found.feed(dom)
    assert found.charts == ["funnel-chart", "conversion-chart", "velocity-chart"]
    funnel = {bar["data-stage"]: int(bar["data-count"]) for bar in found.bars["funnel-bar"]}
    assert funnel == {stage.value: figures["total"]["entered"][stage.value] for stage in FUNNEL_STAGES}
    conversions = {(bar["data-group"], bar["data-step"]) for bar in found.bars["conversion-bar"]}
    assert conversions == {(group["group"], step) for group in figures["groups"] for step in STEPS}
    velocity = {(bar["data-stage"], bar["data-stat"]) for bar in found.bars["velocity-bar"]}
    ended = [stage for stage, v in figures["total"]["time_in_stage"].items() if v["stays"]]
    assert velocity == {(stage, stat) for stage in ended for stat in ("median", "p90")}
    assert {"mql", "sal", "sql"} <= set(ended)


def test_the_screenshot_shows_the_charts_in_their_colours(binary, page, tmp_path):
    path, _ = page
    shot = tmp_path / "report.png"

    run_chromium(
        binary, tmp_path / "profile", f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", path.as_uri()
    )

    image = read_png(shot)
    assert (image.width, image.height) == WINDOW
    assert image.non_white() > 50_000  # a blank or error page has next to nothing but white
    for stage in (Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY):
        colour = STAGE_COLOURS[stage]
        rgb = (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))
        assert image.count(rgb) > 2_000, f"the {stage.value} bars are not on the screenshot"
    keep = SCREENSHOT_COPY  # for a person to look at; build/ is not committed
    keep.parent.mkdir(exist_ok=True)
    shutil.copyfile(shot, keep)
