"""One of two processes competing for a portal lease (tests/sync/test_lease_race.py).

    python -m tests.sync.lease_racer STATE_URL NAME HOLDS OUT.json

Each process prints "ready" once its store is open, then waits for a line on its standard input: the test sends it
to both once both are ready, so neither is done before the other starts, however slowly the machine starts them.

It tries to take the lease until it has held it HOLDS times; while it holds it, it checks again and again that the
store names it the holder (another holder showing up would be two workers on one portal), then gives it back.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from leadstage.sync.state import StateStore

CHECKS_WHILE_HOLDING = 5
MAX_ATTEMPTS = 1_000_000  # a racer that never gets the lease fails instead of spinning for ever


def main() -> None:
    url, name, holds, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    store = StateStore(url)
    print("ready", flush=True)
    sys.stdin.readline()  # the starting line
    held = conflicts = refused = attempts = 0
    while held < holds:  # until it has held the lease ``holds`` times, however often the other one beat it
        attempts += 1
        if attempts > MAX_ATTEMPTS:
            sys.exit(f"{name}: held the lease {held} times in {MAX_ATTEMPTS} attempts")
        if not store.acquire_lease("race", name, timedelta(minutes=5), datetime.now(UTC)):
            refused += 1
            continue
        held += 1
        for _ in range(CHECKS_WHILE_HOLDING):
            if store.lease_holder("race", datetime.now(UTC)) != name:
                conflicts += 1
        store.release_lease("race", name)
    store.close()
    out.write_text(json.dumps({"held": held, "conflicts": conflicts, "refused": refused}))


if __name__ == "__main__":
    main()
