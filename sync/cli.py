"""The ``leadstage`` command line. Exit codes: 0 ok, 1 the run had failures, 2 bad config or usage."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from leadstage.connectors.base import AuthenticationFailed, Connector, ConnectorError

from .config import ConfigError, PortalSettings, Settings, find_config, load_settings
from .connect import build_connector
from .engine import RunCounts, RunOptions, RunSummary, SyncRun
from .logsetup import configure_logging, redact
from .state import StateStore, safe_url

EXIT_OK, EXIT_FAILURES, EXIT_CONFIG = 0, 1, 2

app = typer.Typer(
    name="leadstage",
    help="Lead qualification for HubSpot and Salesforce: funnel stages, explainable scores, safe write-back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", "-c", help="Config file (default: $LEADSTAGE_CONFIG or ./leadstage.toml)."),
]
PortalOpt = Annotated[str | None, typer.Option("--portal", "-p", help="Portal name (default: the only one).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
LogOpt = Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")]
LogFormatOpt = Annotated[str, typer.Option("--log-format", help="text or json (JSON lines on stderr).")]


def _fail(code: int, lines: list[str]) -> NoReturn:
    for line in lines:
        typer.echo(redact(line), err=True)
    raise typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn known failures into clear messages and the documented exit codes."""
    try:
        yield
    except ConfigError as error:
        _fail(EXIT_CONFIG, ["leadstage: configuration problem:", *(f"  {p}" for p in error.problems)])
    except AuthenticationFailed as error:
        _fail(EXIT_CONFIG, [f"leadstage: {error}"])
    except ConnectorError as error:
        _fail(EXIT_FAILURES, [f"leadstage: the CRM call failed: {error}"])


def _load(config: str | None) -> Settings:
    return load_settings(find_config(config))


FIXED_CLOCK_ENV = "LEADSTAGE_FIXED_CLOCK"


def _clock() -> Any:
    """The real clock; ``LEADSTAGE_FIXED_CLOCK=<ISO time>`` freezes it (reproducible subprocess tests)."""
    from leadstage.connectors.resilience import FixedClock, SystemClock

    fixed = os.environ.get(FIXED_CLOCK_ENV)
    if fixed:
        return FixedClock(datetime.fromisoformat(fixed))
    return SystemClock()


def _emit(as_json: bool, data: dict[str, Any], text: Callable[[], None]) -> None:
    if as_json:
        print(json.dumps(data, default=str, indent=2))
    else:
        text()


@app.callback()
def _main(
    log_level: LogOpt = "warning",
    log_format: LogFormatOpt = "text",
) -> None:
    if log_format not in ("text", "json"):
        _fail(EXIT_CONFIG, ["leadstage: --log-format must be text or json"])
    if log_level.lower() not in ("debug", "info", "warning", "error"):
        _fail(EXIT_CONFIG, ["leadstage: --log-level must be debug, info, warning or error"])
    configure_logging(log_level, log_format)


def unmapped_signals(portal: PortalSettings, allowed: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """CRM values of the stage signal fields that the profile's stage mapping does not cover."""
    found: dict[str, list[str]] = {}
    for signal_map in portal.model.stages.signals:
        known = {value.lower() for value in signal_map.values}
        missing = [value for value in allowed.get(signal_map.field, ()) if value.lower() not in known]
        if missing:
            found[signal_map.field] = missing
    return found


@app.command()
def check(config: ConfigOpt = None, portal: PortalOpt = None, as_json: JsonOpt = False) -> None:
    """Validate the config, reach the CRM, list missing leadstage fields and unmapped stage values."""
    with _errors():
        settings = _load(config)
        chosen = settings.portal(portal)
        connector = build_connector(settings, chosen, _clock())
        report = connector.check()
        connector.close()
    unmapped = unmapped_signals(chosen, report.signal_values)
    data = {
        "config": str(settings.path),
        "portal": chosen.name,
        "crm": chosen.crm,
        "state": safe_url(settings.state_url),
        "reachable": report.reachable,
        "missing_fields": [f.crm_name for f in report.missing_fields],
        "unmapped_stage_values": unmapped,
        "notes": list(report.notes),
    }

    def text() -> None:
        out.print(f"config   {settings.path}: valid")
        out.print(f"portal   {chosen.name} ({chosen.crm}): reachable")
        out.print(f"state    {safe_url(settings.state_url)}")
        if report.missing_fields:
            names = ", ".join(f.crm_name for f in report.missing_fields)
            out.print(f"fields   missing: {names}\n         run `leadstage setup` to create them (or see how)")
        else:
            out.print("fields   all present")
        for field_name, values in unmapped.items():
            out.print(
                f"stages   {field_name} values not in the stage mapping: {', '.join(values)}\n"
                f"         records with them would be quarantined; map them under [stages.{chosen.crm}.signals]",
                markup=False,
            )
        for note in report.notes:
            out.print(f"note     {note}", markup=False)

    _emit(as_json, data, text)
    raise typer.Exit(EXIT_FAILURES if report.missing_fields or unmapped else EXIT_OK)


@app.command()
def setup(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be created.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create leadstage's property group and properties in the CRM (safe to run again)."""
    with _errors():
        settings = _load(config)
        chosen = settings.portal(portal)
        connector = build_connector(settings, chosen, _clock())
        report = connector.setup(dry_run=dry_run)
        connector.close()
    verb = "would create" if dry_run else "created"
    data = {"portal": chosen.name, "dry_run": dry_run, **asdict(report)}

    def text() -> None:
        out.print(f"{verb}: {', '.join(report.created) or 'nothing'}")
        out.print(f"already there: {len(report.existing)} field(s)")
        for line in report.instructions:
            out.print(line)

    _emit(as_json, data, text)


def run_sync(
    settings: Settings,
    portal: PortalSettings,
    connector: Connector,
    store: StateStore,
    options: RunOptions,
    clock: Any,
    on_page: Callable[[RunCounts], None] | None = None,
) -> RunSummary:
    """One sync run with the config's timing options (shared by the CLI and the demo)."""
    run = SyncRun(portal.name, portal.model, connector, store, clock.now, options, on_page)
    return run.execute()


def summary_dict(summary: RunSummary) -> dict[str, Any]:
    data: dict[str, Any] = {
        "run_id": summary.run_id,
        "portal": summary.portal,
        "kind": summary.kind,
        "status": summary.status,
        **summary.counts.as_dict(),
        "duration_s": round((summary.ended_at - summary.started_at).total_seconds(), 3) if summary.ended_at else None,
        "error": summary.error,
    }
    if summary.kind.endswith("dry-run"):
        data["planned"] = summary.planned
    return data


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[RunCounts], None] | None]:
    if not enabled:
        yield None
        return
    with err.status("syncing...") as status:

        def update(counts: RunCounts) -> None:
            status.update(
                f"pulled {counts.pulled:,}  updated {counts.updated:,}  unchanged {counts.unchanged:,}  "
                f"failed {counts.failed:,}  API calls {counts.api_calls:,}"
            )

        yield update


@app.command()
def sync(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    full: Annotated[bool, typer.Option("--full", help="Walk every contact, not only the changed ones.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Evaluate and diff, write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run one sync: pull what changed, evaluate, write back only real changes."""
    _run_command(config, portal, as_json, full=full, dry_run=dry_run)


def _run_command(config: str | None, portal: str | None, as_json: bool, **options: Any) -> None:
    """Shared by sync and rescore: run, print the summary, exit with the run's code."""
    with _errors():
        settings = _load(config)
        chosen = settings.portal(portal)
        clock = _clock()
        connector = build_connector(settings, chosen, clock)
        store = StateStore(settings.state_url)
        run_options = RunOptions(
            overlap=timedelta(minutes=settings.sync.overlap_minutes),
            first_run_lookback=timedelta(days=settings.sync.first_run_lookback_days),
            **options,
        )
        with _progress(not as_json and sys.stderr.isatty()) as on_page:
            summary = run_sync(settings, chosen, connector, store, run_options, clock, on_page)
        connector.close()
        store.close()
    data = summary_dict(summary)

    def text() -> None:
        c = summary.counts
        verb = "would update" if summary.kind.endswith("dry-run") else "updated"
        out.print(
            f"run {summary.run_id} ({summary.kind}) {summary.status}: pulled {c.pulled:,}, {verb} {c.updated:,}, "
            f"unchanged {c.unchanged:,}, failed {c.failed:,}, API calls {c.api_calls:,}"
        )
        if summary.error:
            out.print(f"stopped: {summary.error}")
        if c.failed:
            out.print("failed records are in the dead-letter table (see `leadstage dead-letters list`)")

    _emit(as_json, data, text)
    raise typer.Exit(summary.exit_code)


@app.command()
def rescore(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and diff, write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Recompute every stored contact (decay, SLA) from the state store, without pulling; write only changes."""
    _run_command(config, portal, as_json, rescore=True, dry_run=dry_run)


@app.command()
def explain(
    contact_id: Annotated[str, typer.Argument(help="The CRM id of the contact.")],
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Read the contact from the CRM first (no writes).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show every rule that fired for one contact, its BANT grade, temperature, stage decision and values."""
    from .explain import ExplainError, render
    from .explain import explain as explain_contact

    with _errors():
        settings = _load(config)
        chosen = settings.portal(portal)
        clock = _clock()
        connector = build_connector(settings, chosen, clock) if fresh else None
        store = StateStore(settings.state_url)
        try:
            data = explain_contact(chosen.name, chosen.model, store, contact_id, clock.now(), connector)
        except ExplainError as error:
            _fail(EXIT_FAILURES, [f"leadstage: {error}"])
        finally:
            store.close()
            if connector is not None:
                connector.close()
    _emit(as_json, data, lambda: render(out, data))


def _parse_when(option: str, value: str | None) -> datetime | None:
    """A --since/--until value: a date (midnight UTC) or an ISO datetime (UTC unless it says otherwise)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _fail(EXIT_CONFIG, [f"leadstage: {option} {value!r}: give a date like 2026-01-31 or an ISO datetime"])
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def _stop_on_signals() -> Iterator[Callable[[], bool]]:
    """SIGTERM/SIGINT ask the run to stop after the page in hand (it commits, then the command exits 0)."""
    requested: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, _frame: object) -> None:
        requested.append(signum)
        err.print("stopping after the current page...")

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield lambda: bool(requested)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def _backfill_progress(enabled: bool, total: int | None) -> Iterator[Callable[[RunCounts], None] | None]:
    if not enabled:
        yield None
        return
    columns = [
        TextColumn("backfill"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>8.0f} records/s"),
        TimeRemainingColumn(),
        TextColumn("updated {task.fields[updated]:,}  failed {task.fields[failed]:,}"),
    ]
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("backfill", total=total, rate=0.0, updated=0, failed=0)
        started = time.monotonic()

        def update(counts: RunCounts) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(
                task,
                completed=counts.pulled,
                rate=counts.evaluated / elapsed,
                updated=counts.updated,
                failed=counts.failed,
            )

        yield update


@app.command()
def backfill(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    since: Annotated[
        str | None, typer.Option(help="Recompute contacts modified since (date or ISO time, UTC).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="...and before this (default: now).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; see --export.")] = False,
    limit: Annotated[int | None, typer.Option(help="Stop after this many records (--resume goes on).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the interrupted backfill.")] = False,
    restart: Annotated[bool, typer.Option("--restart", help="Drop an interrupted backfill, start anew.")] = False,
    export: Annotated[Path | None, typer.Option(help="Dry run: write the diff to this .csv/.json/.jsonl.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute every contact modified in a window (after a scoring change), resumably, at a share of the quota."""
    from .backfill import BackfillError, DiffExport, PortalBusy, plan, run_backfill

    if export is not None and not dry_run:
        _fail(EXIT_CONFIG, ["leadstage: --export goes with --dry-run (a real backfill writes to the CRM)"])
    if limit is not None and limit < 1:
        _fail(EXIT_CONFIG, ["leadstage: --limit must be at least 1"])
    try:
        exporter = DiffExport(export) if export is not None else None
    except BackfillError as error:
        _fail(EXIT_CONFIG, [f"leadstage: {error}"])
    with _errors():
        settings = _load(config)
        chosen = settings.portal(portal)
        clock = _clock()
        store = StateStore(settings.state_url)
        try:
            position = plan(
                store,
                chosen.name,
                _parse_when("--since", since),
                _parse_when("--until", until) or clock.now(),
                resume,
                restart,
            )
        except BackfillError as error:
            store.close()
            _fail(EXIT_CONFIG, [f"leadstage: {error}"])
        connector = build_connector(settings, chosen, clock, rate_share=settings.backfill.rate_share)
        show = not as_json and sys.stderr.isatty()
        total = connector.count_contacts(position) if show else None
        try:
            with (
                _stop_on_signals() as stop_requested,
                _backfill_progress(show, total) as on_page,
                exporter if exporter is not None else nullcontext(),
            ):
                summary = run_backfill(
                    settings,
                    chosen,
                    connector,
                    store,
                    clock.now,
                    position,
                    dry_run,
                    limit,
                    exporter,
                    on_page,
                    stop_requested,
                )
        except PortalBusy as error:
            _fail(EXIT_FAILURES, [f"leadstage: {error}"])
        finally:
            connector.close()
            store.close()
    data = summary_dict(summary)
    data.pop("planned", None)
    if exporter is not None:
        data["exported"] = {"path": str(exporter.path), "records": exporter.count}

    def text() -> None:
        c = summary.counts
        verb = "would update" if dry_run else "updated"
        out.print(
            f"backfill run {summary.run_id} {summary.status}: evaluated {c.evaluated:,}, {verb} {c.updated:,}, "
            f"unchanged {c.unchanged:,}, failed {c.failed:,}, API calls {c.api_calls:,}"
        )
        if exporter is not None:
            out.print(f"diff written to {exporter.path} ({exporter.count:,} records)")
        if summary.status == "stopped" and not dry_run:
            out.print("stopped before the end: `leadstage backfill --resume` continues where it stopped")
        if summary.error:
            out.print(f"stopped: {summary.error}")

    _emit(as_json, data, text)
    raise typer.Exit(summary.exit_code)


dead_letters_app = typer.Typer(help="Records that could not be processed, with their reasons.", no_args_is_help=True)
app.add_typer(dead_letters_app, name="dead-letters")


@dead_letters_app.command("list")
def dead_letters_list(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    include_resolved: Annotated[bool, typer.Option("--all", help="Include resolved ones.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the dead-letter table."""
    with _errors():
        settings = _load(config)
        chosen = settings.portal(portal)
        store = StateStore(settings.state_url)
        rows = store.dead_letters(chosen.name, include_resolved=include_resolved)
        store.close()

    def text() -> None:
        if not rows:
            out.print("no dead letters")
        for row in rows:
            out.print(
                f"{row['id']:>6}  {row['created_at']:%Y-%m-%d %H:%M}  contact {row['contact_id']}  "
                f"[{row['phase']}] {row['reason']}",
                markup=False,
                highlight=False,
            )

    _emit(as_json, {"portal": chosen.name, "dead_letters": rows}, text)


@app.command()
def runs(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Run history: kind, status, counts and duration."""
    with _errors():
        settings = _load(config)
        chosen = settings.portal(portal)
        store = StateStore(settings.state_url)
        rows = store.runs(chosen.name, limit=limit)
        store.close()

    def text() -> None:
        table = Table()
        for column in ("run", "kind", "started", "seconds", "status", "pulled", "updated", "failed", "API calls"):
            table.add_column(column)
        for row in rows:
            counts = row["counts"] or {}
            table.add_row(
                str(row["id"]),
                row["kind"],
                f"{row['started_at']:%Y-%m-%d %H:%M:%S}",
                f"{row['duration_s']:.1f}" if row["duration_s"] is not None else "-",
                row["status"],
                str(counts.get("pulled", "")),
                str(counts.get("updated", "")),
                str(counts.get("failed", "")),
                str(counts.get("api_calls", "")),
            )
        out.print(table)

    _emit(as_json, {"portal": chosen.name, "runs": rows}, text)


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    contacts: Annotated[int, typer.Option(help="Contacts to generate.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed of the generated data.")] = 7,
    data: Annotated[Path | None, typer.Option(help="Load this JSON data file instead of generating.")] = None,
    token_env: Annotated[str, typer.Option(help="Environment variable holding the accepted token.")] = (
        "LEADSTAGE_SANDBOX_TOKEN"
    ),
) -> None:
    """Serve a local HubSpot-compatible sandbox CRM (no credentials, nothing leaves this machine)."""
    from .sandbox_cli import serve

    serve(port=port, contacts=contacts, seed=seed, data=data, token_env=token_env, console=err)


@app.command()
def demo(
    as_json: JsonOpt = False,
    contacts: Annotated[int, typer.Option(help="Contacts in the seeded sandbox.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed of the seeded data.")] = 7,
    crm: Annotated[str, typer.Option(help="Which CRM the sandbox plays: hubspot or salesforce.")] = "hubspot",
) -> None:
    """Run the real sync against a seeded local sandbox: setup, a first sync, then a second one."""
    from .demo import run_demo

    if crm not in ("hubspot", "salesforce"):
        _fail(EXIT_CONFIG, [f"leadstage: --crm {crm}: choose hubspot or salesforce"])
    with _errors():
        result = run_demo(contacts=contacts, seed=seed, crm=crm, console=None if as_json else out)
    if as_json:
        print(json.dumps(result, indent=2))
    raise typer.Exit(EXIT_OK if all(r["failed"] == 0 for r in result["runs"]) else EXIT_FAILURES)


def main() -> None:
    """Console-script entry point."""
    logging.captureWarnings(True)
    app()


def _register_commands() -> None:
    from .cli_daemon import register

    register(app)


_register_commands()
