"""``leadstage report`` against a state store filled by real syncs of the sandbox (see conftest.py)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from leadstage.mapping.model import Stage
from leadstage.sync.cli import app
from leadstage.sync.cli.common import FIXED_CLOCK_ENV

runner = CliRunner()


def invoke(synced, *args: str):
    period = ["--since", synced.first_sync.isoformat(), "--until", synced.weeks.until.isoformat()]
    return runner.invoke(app, ["report", "-c", str(synced.config), *period, *args])


def entries_in_the_store(synced, stage: Stage) -> int:
    since, until = synced.first_sync, synced.weeks.until
    return sum(
        1
        for row in synced.harness.store.history("main")
        if row["to_stage"] == stage.value and row["from_stage"] is not None and since <= row["at"] < until
    )


def test_json_counts_the_synced_transitions_and_its_figures_add_up(synced, token_env):
    result = invoke(synced, "--format", "json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    total = data["total"]
    assert data["portal"] == "main" and data["handover_sla_hours"] == 48.0 and data["groups"] == []
    assert total["contacts"] == 200
    for stage in (Stage.MQL, Stage.SAL, Stage.SQL, Stage.RECYCLED):
        assert total["entered"][stage.value] == entries_in_the_store(synced, stage) > 0
    mql_to_sal = total["conversions"]["mql_to_sal"]
    assert mql_to_sal["entered"] == total["entered"]["mql"] and 0 < mql_to_sal["converted"] <= mql_to_sal["entered"]
    handover = total["handover"]
    assert handover["within"] + handover["breached"] + handover["pending"] == handover["mql_entries"]
    assert sum(v["open"] for v in total["time_in_stage"].values()) == total["contacts"]
    assert total["time_in_stage"]["sal"]["median_days"] <= total["time_in_stage"]["sal"]["p90_days"]


def test_grouped_by_source_the_groups_share_out_the_total(synced, token_env):
    data = json.loads(invoke(synced, "--format", "json", "--group-by", "source").stdout)

    groups = data["groups"]
    assert data["group_by"] == "source" and "ORGANIC_SEARCH" in {g["group"] for g in groups}
    for stage in ("mql", "sal", "sql"):
        assert sum(g["entered"][stage] for g in groups) == data["total"]["entered"][stage]
    assert sum(g["contacts"] for g in groups) <= data["total"]["contacts"]


def test_grouped_by_cohort_the_groups_are_months_and_none(synced, token_env):
    data = json.loads(invoke(synced, "--format", "json", "--group-by", "cohort").stdout)

    names = [g["group"] for g in data["groups"]]
    # Months of first MQL entries: the CRM dates the MQL stage of contacts first seen as MQLs (or later), so
    # cohorts reach back before the first sync.
    assert names[-1] == "(none)" and all(re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", name) for name in names[:-1])
    assert names[:-1] == sorted(names[:-1]) and any(name < f"{synced.first_sync:%Y-%m}" for name in names[:-1])
    assert sum(g["entered"]["mql"] for g in data["groups"]) == data["total"]["entered"]["mql"]


def test_csv_has_one_row_per_group_with_the_json_figures(synced, token_env):
    data = json.loads(invoke(synced, "--format", "json", "--group-by", "owner").stdout)

    result = invoke(synced, "--format", "csv", "--group-by", "owner")

    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["group"] for r in rows] == ["(all)", *(g["group"] for g in data["groups"])]
    first = rows[0]
    assert first["group_by"] == "owner" and first["portal"] == "main"
    assert int(first["entered_mql"]) == data["total"]["entered"]["mql"]
    assert float(first["conversions_mql_to_sal_rate"]) == data["total"]["conversions"]["mql_to_sal"]["rate"]
    empty = [stage for stage, figures in data["total"]["time_in_stage"].items() if figures["median_days"] is None]
    assert empty and all(first[f"time_in_stage_{stage}_median_days"] == "" for stage in empty)  # an empty cell


def test_the_table_shows_the_funnel_the_hand_over_and_the_time_in_stage(synced, token_env):
    result = invoke(synced, "--group-by", "source")

    assert result.exit_code == 0, result.output
    for text in ("Funnel report of main", "→SAL", "(all)", "ORGANIC_SEARCH", "in SLA", "breached", "Every stage"):
        assert text in result.stdout


def test_html_goes_to_the_output_file_and_needs_nothing_from_the_network(synced, token_env, tmp_path):
    path = tmp_path / "funnel.html"

    result = invoke(synced, "--format", "html", "--group-by", "source", "--output", str(path))

    assert result.exit_code == 0 and "wrote the html report" in result.output
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="funnel-chart"' in page and 'id="velocity-chart"' in page
    assert "<script" not in page and "src=" not in page and "<link" not in page and "@import" not in page


def test_without_since_the_period_is_the_30_days_before_until(synced, token_env, monkeypatch):
    monkeypatch.setenv(FIXED_CLOCK_ENV, synced.weeks.until.isoformat())

    data = json.loads(runner.invoke(app, ["report", "-c", str(synced.config), "--format", "json"]).stdout)

    assert data["until"] == synced.weeks.until.isoformat()
    assert data["since"] == (synced.weeks.until - timedelta(days=30)).isoformat()
    assert data["total"]["entered"]["mql"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group-by", "region"], "--group-by region: choose source, owner or cohort"),
        (["--format", "pdf"], "--format pdf: choose table, json, csv or html"),
        (["--since", "2026-07-01", "--until", "2026-06-01"], "must be before --until"),
        (["--since", "last tuesday"], "--since 'last tuesday': give a date"),
    ],
)
def test_bad_options_exit_2_with_what_to_do(synced, token_env, args, message):
    result = runner.invoke(app, ["report", "-c", str(synced.config), *args])

    assert result.exit_code == 2
    assert message in result.output


def test_the_demo_ends_with_the_funnel_table_and_writes_the_html_report(tmp_path):
    from rich.console import Console

    from leadstage.sync.demo.main import run_demo

    printed = io.StringIO()
    page = tmp_path / "demo.html"

    result = run_demo(contacts=300, console=Console(file=printed, width=100), report_path=page)

    text = printed.getvalue()
    assert text.index("second sync") < text.index("weeks of sales") < text.index("Funnel report of main")
    funnel = result["funnel"]["total"]
    assert funnel["entered"]["mql"] > 0 and funnel["entered"]["sal"] > 0 and funnel["handover"]["mql_entries"] > 0
    assert result["weeks"]["crm_edits"] > 0 and result["runs"][1]["updated"] == 0
    assert page.read_text(encoding="utf-8").count('class="funnel-bar"') == 5
