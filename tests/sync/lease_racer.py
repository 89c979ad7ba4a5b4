"""One of two processes competing for a portal lease (tests/sync/test_lease_race.py).

    python -m tests.sync.lease_racer STATE_URL NAME ROUNDS OUT.json START

Both processes begin at the wall-clock time START (epoch seconds), so neither is done before the other starts.

Each round it tries to take the lease; while it holds it, it checks again and again that the store names it the
holder (another holder showing up would be two workers on one portal), then gives it back.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from leadstage.sync.state import StateStore

CHECKS_WHILE_HOLDING = 5


def main() -> None:
    url, name, rounds, out, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), float(sys.argv[5])
    store = StateStore(url)
    time.sleep(max(0.0, start - time.time()))  # the starting line, not a wait for a retry
    held = conflicts = 0
    for _ in range(rounds):
        if not store.acquire_lease("race", name, timedelta(minutes=5), datetime.now(UTC)):
            continue
        held += 1
        for _ in range(CHECKS_WHILE_HOLDING):
            if store.lease_holder("race", datetime.now(UTC)) != name:
                conflicts += 1
        store.release_lease("race", name)
    store.close()
    out.write_text(json.dumps({"held": held, "conflicts": conflicts}))


if __name__ == "__main__":
    main()
