"""One of two processes competing for a portal lease (tests/sync/test_lease_race.py).

    python -m tests.sync.lease_racer STATE_URL NAME ROUNDS OUT.json

Each round it tries to take the lease; while it holds it, it checks again and again that the store names it the
holder (another holder showing up would be two workers on one portal), then gives it back.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from leadstage.sync.state import StateStore

CHECKS_WHILE_HOLDING = 5


def main() -> None:
    url, name, rounds, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    store = StateStore(url)
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
