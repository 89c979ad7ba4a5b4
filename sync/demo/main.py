"""``leadstage demo``: the real sync, end to end, against a seeded sandbox CRM on loopback.

It starts the sandbox in-process, writes a config (the shipped config.example.toml, pointed at the sandbox and a
throw-away state database), runs ``setup``, a first sync and a second sync, and reports what each did. The
second run must write nothing: our own writes are recognised and not echoed back.

Then it plays a few weeks of sales and marketing work on the sandbox (sync/demo_sales.py), with a sync every
simulated week, and ends with the funnel report of the demo (and, with ``report_path``, its HTML page). The
demo's clock starts that many weeks in the past, so the report's dates end today.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
import tomllib
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from leadstage.mapping.model import Stage
from leadstage.sandbox import Sandbox, SandboxConfig
from leadstage.sync.config import Settings, settings_from_data
from leadstage.sync.demo.sales import (
    SYNC_EVERY_DAYS,
    DemoClock,
    HubSpotDesk,
    SalesforceDesk,
    SalesWeeks,
    play_sales_weeks,
)
from leadstage.sync.report.funnel import FunnelReport, Period
from leadstage.sync.report.html import render_html
from leadstage.sync.report.load import report_from_store
from leadstage.sync.report.text import print_table, report_dict
from leadstage.sync.run.connect import build_connector, open_store
from leadstage.sync.run.engine import RunSummary
from leadstage.sync.run.runner import run_options, run_portal

DEMO_TOKEN_ENV = "LEADSTAGE_DEMO_TOKEN"
DEMO_USER_ENV = "LEADSTAGE_DEMO_USER"
SALESFORCE_USER = "demo@leadstage.example"
DEMO_PORTAL = "main"
DEMO_WEEKS = 4  # of simulated sales work after the two syncs


def example_config_text() -> str:
    """The shipped config.example.toml (packaged with leadstage)."""
    return resources.files("leadstage").joinpath("config.example.toml").read_text(encoding="utf-8")


def demo_settings(folder: Path, box: Sandbox, crm: str) -> Settings:
    """The example config's qualification model, with one portal on the sandbox and a state database in ``folder``."""
    data = tomllib.loads(example_config_text())
    data["state"] = {"url": f"sqlite:///{folder / 'demo.db'}"}
    # The sandbox has no rate limit by default; the demo should not wait on one either.
    fast = {"rate_limit": 10_000, "rate_interval_seconds": 1}
    if crm == "salesforce":
        portal = {
            "crm": "salesforce",
            "auth": "password",
            "login_url": box.url,
            "username_env": DEMO_USER_ENV,
            "password_env": DEMO_TOKEN_ENV,
            **fast,
        }
    else:
        portal = {
            "crm": "hubspot",
            "base_url": box.url,
            "token_env": DEMO_TOKEN_ENV,
            "search_rate_per_second": 1000,
            "web_events": data["portals"]["main"].get("web_events"),
            **fast,
        }
    data["portals"] = {DEMO_PORTAL: {k: v for k, v in portal.items() if v is not None}}
    return settings_from_data(folder / "leadstage.toml", data)


def run_demo(
    contacts: int = 2000,
    seed: int = 7,
    crm: str = "hubspot",
    console: Console | None = None,
    weeks: int = DEMO_WEEKS,
    report_path: Path | None = None,
) -> dict[str, Any]:
    """Run the demo and return its report (also printed to ``console`` when given)."""
    clock = DemoClock(behind=timedelta(weeks=weeks))
    token = "demo-" + secrets.token_hex(8)
    started = time.monotonic()
    config = SandboxConfig(tokens=(token,), salesforce_users={SALESFORCE_USER: (token, "")}, clock=clock.time)
    with tempfile.TemporaryDirectory(prefix="leadstage-demo-") as tmp, Sandbox(config) as box:
        if console:
            console.print(f"[bold]leadstage demo[/bold]: seeding a sandbox {crm} with {contacts:,} people...")
        seeded_at = clock.now()
        if crm == "salesforce":
            box.seed_salesforce(n_leads=contacts, seed=seed, now=seeded_at, with_leadstage_fields=True)
        else:
            box.seed(n_contacts=contacts, seed=seed, now=seeded_at, contact_firmographics=False)
        url = box.start()
        os.environ[DEMO_TOKEN_ENV] = token
        os.environ[DEMO_USER_ENV] = SALESFORCE_USER
        try:
            settings = demo_settings(Path(tmp), box, crm)
            portal = settings.portal(DEMO_PORTAL)
            connector = build_connector(settings, portal, clock)
            store = open_store(settings)
            setup = connector.setup()
            if console:
                what = (
                    f"created {len(setup.created)} properties in group 'leadstage'"
                    if crm == "hubspot"
                    else f"found {len(setup.existing)} LeadStage_ custom fields"
                )
                console.print(f"setup: {what} on the sandbox at {url}")

            def sync() -> RunSummary:
                return run_portal(settings, portal, connector, store, clock, run_options(settings), "demo")

            runs = []
            for label in ("first sync", "second sync"):
                runs.append(sync().to_dict())
                if console:
                    _print_run(console, label, runs[-1])
            stages = store.stage_counts(portal.name)
            played = time.monotonic()
            desk = HubSpotDesk(box) if crm == "hubspot" else SalesforceDesk(box)
            weeks_played = play_sales_weeks(store, portal.name, desk, clock, sync, days=7 * weeks, seed=seed)
            if console:
                _print_weeks(console, weeks_played, time.monotonic() - played)
            period = Period(seeded_at, weeks_played.until)
            funnel = report_from_store(store, portal.name, period, portal.model.stages.handover_sla_hours)
            final_stages = store.stage_counts(portal.name)
            connector.close()
            store.close()
        finally:
            os.environ.pop(DEMO_TOKEN_ENV, None)
            os.environ.pop(DEMO_USER_ENV, None)
        requests = box.total_requests()
    if report_path is not None:
        report_path.write_text(render_html(funnel), encoding="utf-8")
    report = {
        "crm": crm,
        "contacts": contacts,
        "runs": runs,
        "stages": _stage_dict(stages),
        "weeks": _weeks_dict(weeks_played),
        "stages_after_weeks": _stage_dict(final_stages),
        "funnel": report_dict(funnel),
        "report_path": str(report_path) if report_path is not None else None,
        "sandbox_requests": requests,
        "seconds": round(time.monotonic() - started, 1),
    }
    if console:
        _print_stages(console, report, funnel)
    return report


def _stage_dict(stages: dict[str, int]) -> dict[str, int]:
    return {stage.value: stages.get(stage.value, 0) for stage in Stage}


def _weeks_dict(weeks: SalesWeeks) -> dict[str, Any]:
    return {
        "since": weeks.since.isoformat(),
        "until": weeks.until.isoformat(),
        "days": weeks.days,
        "crm_edits": weeks.crm_edits,
        "engagements": weeks.engagements,
        "transitions": weeks.transitions,
    }


def _print_weeks(console: Console, weeks: SalesWeeks, seconds: float) -> None:
    console.print(
        f"then {weeks.days // 7} weeks of sales and marketing work, synced every {SYNC_EVERY_DAYS} days: "
        f"{weeks.crm_edits:,} stage edits by reps, {weeks.engagements:,} leads re-engaged by marketing, "
        f"{weeks.transitions:,} stage transitions recorded ({seconds:.1f}s)"
    )


def _print_run(console: Console, label: str, run: dict[str, Any]) -> None:
    console.print(
        f"{label}: pulled {run['pulled']:,} contacts and {run['events'] + run['activities']:,} activities, "
        f"updated {run['updated']:,}, unchanged {run['unchanged']:,}, failed {run['failed']:,}, "
        f"API calls {run['api_calls']:,} ({run['duration_s']:.1f}s)"
    )


def _print_stages(console: Console, report: dict[str, Any], funnel: FunnelReport) -> None:
    table = Table(title="Funnel after the two syncs", show_lines=False)
    table.add_column("stage")
    table.add_column("contacts", justify="right")
    total = sum(report["stages"].values()) or 1
    table.add_column("share", justify="right")
    for stage, count in report["stages"].items():
        table.add_row(stage, f"{count:,}", f"{100 * count / total:.1f}%")
    console.print(table)
    second = report["runs"][1]
    verdict = "no echo loop" if second["updated"] == 0 else "UNEXPECTED: the second run wrote again"
    per_hundred = 100 * report["runs"][0]["api_calls"] / max(1, report["contacts"])
    console.print(
        f"second run wrote {second['updated']} records ({verdict}); "
        f"first run: {per_hundred:.1f} API calls per 100 contacts"
    )
    print_table(console, funnel)
    if report["report_path"]:
        console.print(f"HTML report: {report['report_path']}", highlight=False, markup=False)
