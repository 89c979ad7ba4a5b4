"""``leadstage backfill``: recompute every contact modified in a window, resumably, with a dry run that exports
the diff it would write.

A backfill sweeps its own position (apart from the daemon's), commits page by page like any run, and so resumes
exactly where it stopped. It holds the portal's lease while it writes, so no daemon works the portal at the same
time, and it uses only ``[backfill] rate_share`` of the portal's rate limit.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from leadstage.connectors.base import Connector, SweepKind, SweepPosition, Update
from leadstage.connectors.clock import TimeSource
from leadstage.mapping.values import OUTPUT_SPECS
from leadstage.sync.config import PortalSettings, Settings
from leadstage.sync.run.engine import BACKFILL_STREAM, RunCounts, RunSummary
from leadstage.sync.run.runner import run_options, run_portal
from leadstage.sync.state import StateStore


class BackfillError(Exception):
    """The backfill cannot start as asked (nothing to resume, an unfinished one in the way, a bad window)."""


def plan(
    store: StateStore, portal: str, since: datetime | None, until: datetime, resume: bool, restart: bool
) -> SweepPosition:
    """The position to start from: the stored one (--resume) or a new window, refusing to lose an unfinished one."""
    stored = store.load_position(portal, BACKFILL_STREAM)
    unfinished = stored is not None and not stored.done
    if resume:
        if stored is None or not unfinished:
            raise BackfillError(f"portal {portal!r} has no interrupted backfill to resume")
        return stored
    if unfinished and not restart:
        assert stored is not None
        raise BackfillError(
            f"portal {portal!r} has an interrupted backfill (modified {stored.since:%Y-%m-%d} to "
            f"{stored.until:%Y-%m-%d %H:%M}, done up to id {stored.after}): add --resume to continue it, "
            "or --restart to start over"
        )
    if since is None:
        raise BackfillError("give --since (the backfill recomputes contacts modified since that date)")
    if since >= until:
        raise BackfillError(f"--since {since:%Y-%m-%d} must be before --until {until:%Y-%m-%d}")
    return SweepPosition(SweepKind.INCREMENTAL, until=until, since=since)


class DiffExport:
    """Streams a dry run's would-be writes to a file: .csv, .json (one array) or .jsonl (one object a line)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.format = path.suffix.lower().lstrip(".")
        if self.format not in ("csv", "json", "jsonl"):
            raise BackfillError(f"--export {path}: use a .csv, .json or .jsonl file name")
        self.count = 0
        self._file: IO[str] | None = None
        self._csv: Any = None

    def __enter__(self) -> DiffExport:
        self._file = self.path.open("w", encoding="utf-8", newline="")
        if self.format == "csv":
            columns = ["contact_id", *(spec.name for spec in OUTPUT_SPECS), "lifecycle_stage", "clear_first"]
            self._csv = csv.DictWriter(self._file, fieldnames=columns)
            self._csv.writeheader()
        elif self.format == "json":
            self._file.write("[\n")
        return self

    def write(self, update: Update) -> None:
        assert self._file is not None
        if self.format == "csv":
            self._csv.writerow(
                {"contact_id": update.contact_id, **update.values, "clear_first": " ".join(sorted(update.clear_first))}
            )
        else:
            item = json.dumps(
                {
                    "contact_id": update.contact_id,
                    "values": dict(update.values),
                    "clear_first": sorted(update.clear_first),
                }
            )
            if self.format == "json":
                item = (",\n" if self.count else "") + item
            self._file.write(item + ("\n" if self.format == "jsonl" else ""))
        self.count += 1

    def __exit__(self, *exc: object) -> None:
        assert self._file is not None
        if self.format == "json":
            self._file.write("\n]\n")
        self._file.close()


def run_backfill(
    settings: Settings,
    portal: PortalSettings,
    connector: Connector,
    store: StateStore,
    clock: TimeSource,
    position: SweepPosition,
    dry_run: bool = False,
    limit: int | None = None,
    export: DiffExport | None = None,
    on_page: Callable[[RunCounts], None] | None = None,
    stop_requested: Callable[[], bool] = lambda: False,
    wait_seconds: float = 0.0,
) -> RunSummary:
    """Run the backfill from ``position`` under the portal's lease (a dry run holds none and changes nothing)."""
    options = run_options(settings, dry_run=dry_run, backfill=position, limit=limit)
    return run_portal(
        settings,
        portal,
        connector,
        store,
        clock,
        options,
        "backfill",
        wait_seconds,
        on_page,
        stop_requested,
        export.write if export is not None else None,
    )
