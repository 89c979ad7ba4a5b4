"""``leadstage report``: the funnel report (definitions in report/funnel.py) as a table, JSON, CSV or HTML."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leadstage.sync.cli.common import (
    EXIT_CONFIG,
    ConfigOpt,
    PortalOpt,
    err,
    fail,
    handled_errors,
    load_config,
    make_clock,
    out,
    parse_when,
)

DEFAULT_DAYS = 30  # the period when --since is not given: the 30 days before --until


def report(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    since: Annotated[
        str | None, typer.Option(help=f"Period start (date or ISO time, UTC); default {DEFAULT_DAYS} days back.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Period end, exclusive (default: now).")] = None,
    group_by: Annotated[str | None, typer.Option("--group-by", help="source, owner or cohort.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv or html.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """The funnel report from the stage history: entries, conversion rates, time in stage, hand-over SLA."""
    from leadstage.sync.report.funnel import GROUP_BY_CHOICES, Period
    from leadstage.sync.report.load import report_from_store
    from leadstage.sync.report.text import FORMATS, print_table, render
    from leadstage.sync.run.connect import open_store

    if group_by is not None and group_by not in GROUP_BY_CHOICES:
        fail(EXIT_CONFIG, [f"leadstage: --group-by {group_by}: choose source, owner or cohort"])
    if fmt not in FORMATS:
        fail(EXIT_CONFIG, [f"leadstage: --format {fmt}: choose table, json, csv or html"])
    with handled_errors():
        settings = load_config(config)
        chosen = settings.portal(portal)
        end = parse_when("--until", until) or make_clock().now()
        start = parse_when("--since", since) or end - timedelta(days=DEFAULT_DAYS)
        if start >= end:
            period = f"--since {start:%Y-%m-%d %H:%M} must be before --until {end:%Y-%m-%d %H:%M}"
            fail(EXIT_CONFIG, [f"leadstage: {period}"])
        store = open_store(settings)
        try:
            sla_hours = chosen.model.stages.handover_sla_hours
            result = report_from_store(store, chosen.name, Period(start, end), sla_hours, group_by)
        finally:
            store.close()
    if output is None:
        if fmt == "table":
            print_table(out, result)
        else:
            typer.echo(render(result, fmt), nl=False)
        return
    with output.open("w", encoding="utf-8", newline="") as handle:
        if fmt == "table":
            print_table(Console(file=handle, width=160, color_system=None), result)
        else:
            handle.write(render(result, fmt))
    err.print(f"wrote the {fmt} report to {output}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add the report command to the CLI."""
    app.command()(report)
