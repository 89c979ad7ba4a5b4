"""The commands that work one portal: ``check``, ``setup``, ``sync`` and ``rescore``.

Exit codes: 0 ok, 1 the run had failures, 2 bad config or usage, 3 another worker holds the portal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadstage.sync.cli.common import (
    EXIT_FAILURES,
    EXIT_OK,
    ConfigOpt,
    JsonOpt,
    PortalOpt,
    WaitOpt,
    emit,
    err,
    handled_errors,
    load_config,
    make_clock,
    out,
    stop_on_signals,
)

if TYPE_CHECKING:
    from leadstage.sync.config import PortalSettings
    from leadstage.sync.run.types import RunCounts


def portal_field_map(portal: PortalSettings) -> dict[str, str]:
    """CRM field -> canonical field, for the portal's CRM."""
    from leadstage.sync.config.portals import hubspot_field_map, salesforce_field_map

    section = portal.section
    return hubspot_field_map(section) if portal.crm == "hubspot" else salesforce_field_map(section)


def unmapped_signals(portal: PortalSettings, allowed: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """CRM values of the stage signal fields that the profile's stage mapping does not cover."""
    found: dict[str, list[str]] = {}
    for signal_map in portal.model.stages.signals:
        known = {value.lower() for value in signal_map.values}
        missing = [value for value in allowed.get(signal_map.field, ()) if value.lower() not in known]
        if missing:
            found[signal_map.field] = missing
    return found


def _rules_on_missing(portal: PortalSettings, missing: Sequence[str]) -> list[str]:
    """Lines for the CRM fields the portal's mapping reads that the CRM does not have."""
    crm_to_canonical = portal_field_map(portal)
    lines = []
    for crm_name in missing:
        canonical = crm_to_canonical.get(crm_name)
        what = f"(mapped as {canonical!r})" if canonical else "(a stage date field)"
        lines.append(f"{crm_name} {what}")
    return lines


def check(config: ConfigOpt = None, portal: PortalOpt = None, as_json: JsonOpt = False) -> None:
    """Validate the config, open the state store, reach the CRM, list missing fields and unmapped stage values."""
    from leadstage.sync.run.connect import build_connector, open_store
    from leadstage.sync.state import safe_url

    with handled_errors():
        settings = load_config(config)
        chosen = settings.portal(portal)
        store = open_store(settings)
        store.close()
        connector = build_connector(settings, chosen, make_clock())
        report = connector.check()
        connector.close()
    unmapped = unmapped_signals(chosen, report.signal_values)
    missing_inputs = _rules_on_missing(chosen, report.missing_inputs)
    data = {
        "config": str(settings.path),
        "portal": chosen.name,
        "crm": chosen.crm,
        "state": safe_url(settings.state_url),
        "state_reachable": True,
        "reachable": report.reachable,
        "missing_fields": [f.crm_name for f in report.missing_fields],
        "missing_inputs": list(report.missing_inputs),
        "unmapped_stage_values": unmapped,
        "config_notes": list(chosen.notes),
        "notes": list(report.notes),
    }

    def text() -> None:
        out.print(f"config   {settings.path}: valid", markup=False)
        out.print(f"state    {safe_url(settings.state_url)}: opened", markup=False)
        out.print(f"portal   {chosen.name} ({chosen.crm}): reachable", markup=False)
        if report.missing_fields:
            names = ", ".join(f.crm_name for f in report.missing_fields)
            out.print(f"fields   missing: {names}\n         run `leadstage setup` to create them (or see how)")
        else:
            out.print("fields   all present")
        for line in missing_inputs:
            out.print(f"mapping  the CRM has no field {line}: rules on it never hold", markup=False)
        for field_name, values in unmapped.items():
            out.print(
                f"stages   {field_name} values not in the stage mapping: {', '.join(values)}\n"
                f"         records with them would be quarantined; map them under [stages.{chosen.crm}.signals]",
                markup=False,
            )
        for note in (*chosen.notes, *report.notes):
            out.print(f"note     {note}", markup=False)

    emit(as_json, data, text)
    problems = report.missing_fields or report.missing_inputs or unmapped or chosen.notes
    raise typer.Exit(EXIT_FAILURES if problems else EXIT_OK)


def setup(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be created.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create leadstage's property group and properties in the CRM (safe to run again)."""
    from leadstage.sync.run.connect import build_connector

    with handled_errors():
        settings = load_config(config)
        chosen = settings.portal(portal)
        connector = build_connector(settings, chosen, make_clock())
        report = connector.setup(dry_run=dry_run)
        connector.close()
    verb = "would create" if dry_run else "created"
    data = {"portal": chosen.name, "dry_run": dry_run, **asdict(report)}

    def text() -> None:
        out.print(f"{verb}: {', '.join(report.created) or 'nothing'}")
        out.print(f"already there: {len(report.existing)} field(s)")
        for line in report.instructions:
            out.print(line)

    emit(as_json, data, text)


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


def sync(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    full: Annotated[bool, typer.Option("--full", help="Walk every contact, not only the changed ones.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Evaluate and diff, write nothing.")] = False,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Run one sync: pull what changed, evaluate, write back only real changes.

    SIGTERM or Ctrl-C finishes and commits the page in hand, then exits 0 (the next run goes on from there).
    """
    _run_command(config, portal, as_json, wait, "sync", full=full, dry_run=dry_run)


def _run_command(config: str | None, portal: str | None, as_json: bool, wait: float, role: str, **options: Any) -> None:
    """Shared by sync and rescore: run under the portal's lease, print the summary, exit with the run's code."""
    from leadstage.sync.run.connect import build_connector, open_store
    from leadstage.sync.run.runner import run_options, run_portal

    with handled_errors():
        settings = load_config(config)
        chosen = settings.portal(portal)
        clock = make_clock()
        connector = build_connector(settings, chosen, clock)
        store = open_store(settings)
        try:
            with stop_on_signals() as stop_requested, _progress(not as_json and sys.stderr.isatty()) as on_page:
                summary = run_portal(
                    settings,
                    chosen,
                    connector,
                    store,
                    clock,
                    run_options(settings, **options),
                    role,
                    wait,
                    on_page,
                    stop_requested,
                )
        finally:
            connector.close()
            store.close()
    data = summary.to_dict()

    def text() -> None:
        c = summary.counts
        verb = "would update" if summary.kind.endswith("dry-run") else "updated"
        out.print(
            f"run {summary.run_id} ({summary.kind}) {summary.status}: pulled {c.pulled:,}, {verb} {c.updated:,}, "
            f"unchanged {c.unchanged:,}, failed {c.failed:,}, API calls {c.api_calls:,}"
        )
        if summary.error:
            out.print(f"stopped: {summary.error}", markup=False)
        if summary.status == "stopped" and not summary.error:
            out.print("stopped on request after committing the page in hand; the next run goes on from there")
        if c.failed:
            out.print("failed records are in the dead-letter table (see `leadstage dead-letters list`)")

    emit(as_json, data, text)
    raise typer.Exit(summary.exit_code)


def rescore(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and diff, write nothing.")] = False,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Recompute every stored contact (decay, SLA) from the state store, without pulling; write only changes."""
    _run_command(config, portal, as_json, wait, "rescore", rescore=True, dry_run=dry_run)


def register(app: typer.Typer) -> None:
    """Add the portal commands to the CLI."""
    for command in (check, setup, sync, rescore):
        app.command()(command)
