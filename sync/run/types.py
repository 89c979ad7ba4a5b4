"""What a run is asked to do (RunOptions), what it counts (RunCounts) and reports (RunSummary)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from leadstage.connectors.base import SweepPosition

CONTACTS_STREAM = "contacts"
BACKFILL_STREAM = "backfill"
EVENTS_STREAM = "events"
COMPANIES_STREAM = "companies"
DIRTY_BATCH = 100
RESCORE_BATCH = 200
# When a contact's engagements are fetched again (its activity rollups moved), the ones that occurred longer ago
# than this are taken from the state store if the CRM still links them: people log a call's status or a meeting's
# outcome around the time it happens, not weeks later. Newer ones, and any the store lacks, are read again.
ENGAGEMENTS_SETTLE = timedelta(days=14)


@dataclass
class RunCounts:
    """What a run did, record by record; ``pulled`` = ``evaluated`` + ``duplicates`` + read failures."""

    pulled: int = 0
    evaluated: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    duplicates: int = 0
    deleted: int = 0
    activities: int = 0
    events: int = 0
    transitions: int = 0
    api_calls: int = 0
    rate_limited: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


SCORE_RESOLUTION = timedelta(hours=1)


def scoring_time(now: datetime, resolution: timedelta = SCORE_RESOLUTION) -> datetime:
    """``now`` rounded down to the resolution: the moment scores are computed as of."""
    epoch = datetime(1970, 1, 1, tzinfo=now.tzinfo)
    return now - (now - epoch) % resolution


@dataclass(frozen=True)
class RunOptions:
    overlap: timedelta = timedelta(minutes=10)
    first_run_lookback: timedelta = timedelta(days=180)
    full: bool = False
    dry_run: bool = False
    rescore: bool = False
    backfill: SweepPosition | None = None  # a backfill's window (new) or its stored position (resumed)
    limit: int | None = None  # stop after this many contacts of an incremental sweep (exactly: the page is cut)
    replay: tuple[str, ...] = ()  # contacts to read again and evaluate (dead-letter replay)

    @property
    def kind(self) -> str:
        """The run's kind as the runs table records it: sync, full, rescore or backfill (-dry-run for dry runs)."""
        if self.backfill is not None:
            mode = "backfill"
        elif self.replay:
            mode = "replay"
        else:
            mode = "rescore" if self.rescore else ("full" if self.full else "sync")
        return f"{mode}-dry-run" if self.dry_run else mode

    @property
    def stream(self) -> str:
        """Where the contact sweep's position is kept: a backfill has its own, apart from the daemon's."""
        return BACKFILL_STREAM if self.backfill is not None else CONTACTS_STREAM


@dataclass
class RunSummary:
    run_id: int | None
    portal: str
    kind: str
    status: str
    counts: RunCounts
    started_at: datetime
    ended_at: datetime | None = None
    error: str | None = None
    planned: list[dict[str, Any]] = field(default_factory=list)
    quota_exhausted: bool = False

    @property
    def exit_code(self) -> int:
        return 0 if self.status in ("ok", "stopped") else 1

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain data (``--json`` output): ids, status, every count, duration, error; a dry run's
        planned writes too."""
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "portal": self.portal,
            "kind": self.kind,
            "status": self.status,
            **self.counts.as_dict(),
            "duration_s": round((self.ended_at - self.started_at).total_seconds(), 3) if self.ended_at else None,
            "error": self.error,
        }
        if self.kind.endswith("dry-run"):
            data["planned"] = self.planned
        return data
