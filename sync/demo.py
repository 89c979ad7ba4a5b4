"""``leadstage demo``: the real sync, end to end, against a seeded sandbox CRM on loopback.

It starts the sandbox in-process, writes a config (the shipped config.example.toml, pointed at the sandbox and a
throw-away state database), runs ``setup``, a first sync and a second sync, and reports what each did. The
second run must write nothing: our own writes are recognised and not echoed back.
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

from leadstage.connectors.resilience import SystemClock
from leadstage.sandbox import Sandbox, SandboxConfig

from .config import Settings, settings_from_data
from .connect import build_connector
from .engine import RunOptions, RunSummary, SyncRun
from .state import StateStore

DEMO_TOKEN_ENV = "LEADSTAGE_DEMO_TOKEN"
DEMO_USER_ENV = "LEADSTAGE_DEMO_USER"
SALESFORCE_USER = "demo@leadstage.example"
DEMO_PORTAL = "main"


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


def _run_dict(summary: RunSummary) -> dict[str, Any]:
    c = summary.counts
    return {
        "pulled": c.pulled,
        "updated": c.updated,
        "unchanged": c.unchanged,
        "failed": c.failed,
        "api_calls": c.api_calls,
        "activities": c.activities,
        "events": c.events,
        "transitions": c.transitions,
        "status": summary.status,
        "seconds": round((summary.ended_at - summary.started_at).total_seconds(), 2) if summary.ended_at else None,
    }


def run_demo(
    contacts: int = 2000, seed: int = 7, crm: str = "hubspot", console: Console | None = None
) -> dict[str, Any]:
    """Run the demo and return its report (also printed to ``console`` when given)."""
    clock = SystemClock()
    token = "demo-" + secrets.token_hex(8)
    started = time.monotonic()
    config = SandboxConfig(tokens=(token,), salesforce_users={SALESFORCE_USER: (token, "")})
    with tempfile.TemporaryDirectory(prefix="leadstage-demo-") as tmp, Sandbox(config) as box:
        if console:
            console.print(f"[bold]leadstage demo[/bold]: seeding a sandbox {crm} with {contacts:,} people...")
        if crm == "salesforce":
            box.seed_salesforce(n_leads=contacts, seed=seed, now=clock.now(), with_leadstage_fields=True)
        else:
            box.seed(n_contacts=contacts, seed=seed, now=clock.now())
        url = box.start()
        os.environ[DEMO_TOKEN_ENV] = token
        os.environ[DEMO_USER_ENV] = SALESFORCE_USER
        try:
            settings = demo_settings(Path(tmp), box, crm)
            portal = settings.portal(DEMO_PORTAL)
            connector = build_connector(settings, portal, clock)
            store = StateStore(settings.state_url)
            setup = connector.setup()
            if console:
                what = (
                    f"created {len(setup.created)} properties in group 'leadstage'"
                    if crm == "hubspot"
                    else f"found {len(setup.existing)} LeadStage_ custom fields"
                )
                console.print(f"setup: {what} on the sandbox at {url}")
            options = RunOptions(
                overlap=timedelta(minutes=settings.sync.overlap_minutes),
                first_run_lookback=timedelta(days=settings.sync.first_run_lookback_days),
            )
            runs = []
            for label in ("first sync", "second sync"):
                summary = SyncRun(portal.name, portal.model, connector, store, clock.now, options).execute()
                runs.append(_run_dict(summary))
                if console:
                    _print_run(console, label, runs[-1])
            stages = store.stage_counts(portal.name)
            connector.close()
            store.close()
        finally:
            os.environ.pop(DEMO_TOKEN_ENV, None)
            os.environ.pop(DEMO_USER_ENV, None)
        requests = box.total_requests()
    report = {
        "crm": crm,
        "contacts": contacts,
        "runs": runs,
        "stages": {
            name: stages.get(name, 0)
            for name in ("raw", "mql", "sal", "sql", "opportunity", "customer", "recycled", "disqualified")
        },
        "sandbox_requests": requests,
        "seconds": round(time.monotonic() - started, 1),
    }
    if console:
        _print_stages(console, report)
    return report


def _print_run(console: Console, label: str, run: dict[str, Any]) -> None:
    console.print(
        f"{label}: pulled {run['pulled']:,} contacts and {run['events'] + run['activities']:,} activities, "
        f"updated {run['updated']:,}, unchanged {run['unchanged']:,}, failed {run['failed']:,}, "
        f"API calls {run['api_calls']:,} ({run['seconds']}s)"
    )


def _print_stages(console: Console, report: dict[str, Any]) -> None:
    table = Table(title="Funnel after the demo", show_lines=False)
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
