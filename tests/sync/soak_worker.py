"""One side of the soak test, run as its own process so the fault-free and the faulty backfill use both cores.

    python -m tests.sync.soak_worker OUT.json --contacts 20000 [--faults]

It seeds a sandbox (fixed clock, fixed seed), runs `setup` and a backfill of every contact through the real
client, engine and SQLite state store, and writes what the CRM ended with, the stage history and the run's counts.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from leadstage.connectors.base import SweepKind, SweepPosition
from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import FaultRates, Sandbox, SandboxConfig
from leadstage.sync.config import settings_from_data
from leadstage.sync.run.connect import build_connector
from leadstage.sync.run.engine import RunOptions, SyncRun
from leadstage.sync.state import StateStore
from tests.conftest import START, TOKEN, TOKEN_ENV, config_data

# The mix: 10% 429 (some without Retry-After), 3% 5xx, 1% connection resets, 1% answers slower than the
# client's read timeout.
SOAK_FAULTS = FaultRates(
    p429=0.07, p429_no_retry_after=0.03, p500=0.01, p502=0.01, p503=0.01, p_reset=0.01, p_slow=0.01, slow_s=2.5, seed=11
)
READ_TIMEOUT_S = 1.5  # well above a normal answer on a busy 2-core machine, well below slow_s


def run(out: Path, contacts: int, faults: bool) -> None:
    # Decisions are made at one fixed moment; retries and rate limiting wait on a clock of their own, so the time
    # spent on faults cannot show up in the results (a stage date is the moment of the decision).
    clock = FixedClock(START)
    waits = FixedClock(START)
    box = Sandbox(SandboxConfig(tokens=(TOKEN,), clock=clock.time, faults=SOAK_FAULTS if faults else None))
    box.seed(n_contacts=contacts, seed=5, now=clock.now())
    box.start()
    os.environ[TOKEN_ENV] = TOKEN
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = config_data(folder, box.url)
        # Ten attempts: at a 15% fault rate a request fails ten times running about once in 170 million.
        data["sync"] = {"timeouts": {"read_seconds": READ_TIMEOUT_S}, "retry": {"attempts": 10}}
        # Meetings and calls only, and no web events: 20,000 people's full timelines would make the soak about
        # volume of activities rather than faults (those endpoints get their faults in smaller tests too).
        data["portals"]["main"].update(engagement_types=["meetings", "calls"], web_events={})
        settings = settings_from_data(folder / "leadstage.toml", data)
        portal = settings.portal("main")
        connector = build_connector(settings, portal, waits)
        store = StateStore(settings.state_url)
        connector.setup()
        window = SweepPosition(
            SweepKind.INCREMENTAL, until=datetime(2030, 1, 1, tzinfo=UTC), since=datetime(2020, 1, 1, tzinfo=UTC)
        )
        summary = SyncRun(portal.name, portal.model, connector, store, clock.now, RunOptions(backfill=window)).execute()
        with sqlite3.connect(folder / "state.db") as conn:
            history = conn.execute("SELECT contact_id, from_stage, to_stage, at, source FROM stage_history").fetchall()
            letters = conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0]
            reasons = [list(row) for row in conn.execute("SELECT contact_id, phase, reason FROM dead_letters LIMIT 20")]
            unwritten = [cid for cid, props in box.hubspot.contacts.items() if not props.get("leadstage_score")]
            # For a failure report: what the state store believes of contacts the CRM shows unwritten.
            believed = {
                cid: conn.execute(
                    "SELECT written_at, last_run_id, stage FROM contact_state WHERE contact_id = ?", (cid,)
                ).fetchall()
                for cid in unwritten[:5]
            }
        store.close()
        connector.close()
    box.stop()
    crm = {cid: {k: v for k, v in c.items() if k.startswith("leadstage_")} for cid, c in box.hubspot.contacts.items()}
    statuses: dict[str, int] = {}
    for record in box.request_log:
        statuses[str(record.status)] = statuses.get(str(record.status), 0) + 1
    out.write_text(
        json.dumps(
            {
                "status": summary.status,
                "error": summary.error,
                "counts": summary.counts.as_dict(),
                "crm": crm,
                "history": [list(map(str, row)) for row in history],
                "dead_letters": letters,
                "dead_letter_reasons": reasons,
                "statuses": statuses,
                "retries_slept_s": sum(waits.sleeps),
                "unwritten": {cid: [list(map(str, row)) for row in rows] for cid, rows in believed.items()},
                "log_of_unwritten": [
                    [r.method, r.endpoint, r.status, r.body_size, r.query[:80]]
                    for r in box.request_log
                    if r.endpoint == "contacts.batch_update" and r.status != 200
                ][:50],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--faults", action="store_true")
    args = parser.parse_args()
    run(args.out, args.contacts, args.faults)


if __name__ == "__main__":
    main()
