"""Operations commands: ``backfill``, ``dead-letters list|replay|drop`` and ``runs``."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from leadstage.sync.cli.common import (
    EXIT_CONFIG,
    ConfigOpt,
    JsonOpt,
    PortalOpt,
    WaitOpt,
    emit,
    err,
    fail,
    handled_errors,
    load_config,
    make_clock,
    out,
    parse_when,
    portal_store,
    stop_on_signals,
)

if TYPE_CHECKING:
    from leadstage.sync.run.types import RunCounts
    from leadstage.sync.state import StateStore


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
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Recompute every contact modified in a window (after a scoring change), resumably, at a share of the quota."""
    from leadstage.sync.run.backfill import BackfillError, DiffExport, plan, run_backfill
    from leadstage.sync.run.connect import build_connector, open_store

    if export is not None and not dry_run:
        fail(EXIT_CONFIG, ["leadstage: --export goes with --dry-run (a real backfill writes to the CRM)"])
    if limit is not None and limit < 1:
        fail(EXIT_CONFIG, ["leadstage: --limit must be at least 1"])
    try:
        exporter = DiffExport(export) if export is not None else None
    except BackfillError as error:
        fail(EXIT_CONFIG, [f"leadstage: {error}"])
    with handled_errors():
        settings = load_config(config)
        chosen = settings.portal(portal)
        clock = make_clock()
        store = open_store(settings)
        try:
            position = plan(
                store,
                chosen.name,
                parse_when("--since", since),
                parse_when("--until", until) or clock.now(),
                resume,
                restart,
            )
        except BackfillError as error:
            store.close()
            fail(EXIT_CONFIG, [f"leadstage: {error}"])
        connector = build_connector(settings, chosen, clock, rate_share=settings.backfill.rate_share)
        show = not as_json and sys.stderr.isatty()
        total = connector.count_contacts(position) if show else None
        try:
            with (
                stop_on_signals() as stop_requested,
                _backfill_progress(show, total) as on_page,
                exporter if exporter is not None else nullcontext(),
            ):
                summary = run_backfill(
                    settings,
                    chosen,
                    connector,
                    store,
                    clock,
                    position,
                    dry_run,
                    limit,
                    exporter,
                    on_page,
                    stop_requested,
                    wait,
                )
        finally:
            connector.close()
            store.close()
    data = summary.to_dict()
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

    emit(as_json, data, text)
    raise typer.Exit(summary.exit_code)


def dead_letters_list(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    include_resolved: Annotated[bool, typer.Option("--all", help="Include resolved ones.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the dead-letter table."""
    with portal_store(config, portal) as (_, chosen, store):
        rows = store.dead_letters(chosen.name, include_resolved=include_resolved)

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

    emit(as_json, {"portal": chosen.name, "dead_letters": rows}, text)


def runs(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Run history: kind, status, counts and duration (runs whose process is gone are marked crashed)."""
    with portal_store(config, portal) as (_, chosen, store):
        store.close_abandoned_runs(chosen.name, make_clock().now())
        rows = store.runs(chosen.name, limit=limit)

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

    emit(as_json, {"portal": chosen.name, "runs": rows}, text)


IdsOpt = Annotated[list[int] | None, typer.Option("--id", help="A dead letter's id (repeatable).")]
AllOpt = Annotated[bool, typer.Option("--all", help="Every open dead letter of the portal.")]


def _chosen_letters(store: StateStore, portal: str, ids: list[int] | None, every: bool) -> list[dict[str, object]]:
    if not ids and not every:
        fail(EXIT_CONFIG, ["leadstage: name dead letters with --id N (repeatable), or --all"])
    letters = store.dead_letters(portal)
    if ids:
        wanted = set(ids)
        letters = [letter for letter in letters if letter["id"] in wanted]
        unknown = wanted - {int(str(letter["id"])) for letter in letters}
        if unknown:
            fail(EXIT_CONFIG, [f"leadstage: no open dead letter with id {', '.join(map(str, sorted(unknown)))}"])
    return letters


def dead_letters_replay(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    ids: IdsOpt = None,
    every: AllOpt = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Evaluate and show, write nothing.")] = False,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Read the contacts of these dead letters again, evaluate them with today's config, write what is due.

    A letter is closed when its contact now goes through; one that fails again stays open, with a new letter
    saying why.
    """
    from leadstage.sync.run.connect import build_connector, open_store
    from leadstage.sync.run.runner import run_options, run_portal

    with handled_errors():
        settings = load_config(config)
        chosen = settings.portal(portal)
        clock = make_clock()
        store = open_store(settings)
        letters = _chosen_letters(store, chosen.name, ids, every)
        contacts = tuple(dict.fromkeys(str(letter["contact_id"]) for letter in letters))
        if not contacts:
            store.close()
            emit(as_json, {"portal": chosen.name, "replayed": 0}, lambda: out.print("no open dead letters"))
            return
        connector = build_connector(settings, chosen, clock)
        try:
            with stop_on_signals() as stop_requested:
                options = run_options(settings, replay=contacts, dry_run=dry_run)
                run = run_portal(
                    settings, chosen, connector, store, clock, options, "replay", wait, stop_requested=stop_requested
                )
            closed = 0
            if not dry_run and run.status in ("ok", "partial"):
                letter_ids = [int(str(letter["id"])) for letter in letters]
                closed = store.resolve_dead_letters(chosen.name, letter_ids, "replayed", clock.now(), run.run_id)
        finally:
            connector.close()
            store.close()
    data = {**run.to_dict(), "letters": len(letters), "closed": closed}

    def text() -> None:
        verb = "would write" if dry_run else "wrote"
        out.print(
            f"replayed {len(contacts)} contact(s) from {len(letters)} dead letter(s): {verb} "
            f"{run.counts.updated}, unchanged {run.counts.unchanged}, failed again {run.counts.failed}; "
            f"closed {closed}"
        )

    emit(as_json, data, text)
    raise typer.Exit(run.exit_code)


def dead_letters_drop(
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    ids: IdsOpt = None,
    every: AllOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Close dead letters without replaying them (they stay in the table, marked dropped)."""
    with portal_store(config, portal) as (_, chosen, store):
        letters = _chosen_letters(store, chosen.name, ids, every)
        closed = store.resolve_dead_letters(
            chosen.name, [int(str(letter["id"])) for letter in letters], "dropped", make_clock().now()
        )
    emit(as_json, {"portal": chosen.name, "dropped": closed}, lambda: out.print(f"dropped {closed} dead letter(s)"))


def register(app: typer.Typer) -> None:
    """Add the operations commands to the CLI."""
    app.command()(backfill)
    app.command()(runs)
    dead_letters = typer.Typer(help="Records that could not be processed, with their reasons.", no_args_is_help=True)
    dead_letters.command("list")(dead_letters_list)
    dead_letters.command("replay")(dead_letters_replay)
    dead_letters.command("drop")(dead_letters_drop)
    app.add_typer(dead_letters, name="dead-letters")
