"""Two processes competing for one portal's lease, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import subprocess
import sys
import time

ROUNDS = 150


def test_two_processes_never_hold_a_portal_lease_at_the_same_time(state_url, tmp_path):
    from leadstage.sync.state import StateStore

    StateStore(state_url).close()  # create the tables before the race
    start = time.time() + 2.0  # both processes are up by then
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.sync.lease_racer",
                state_url,
                name,
                str(ROUNDS),
                str(tmp_path / f"{name}.json"),
                str(start),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("worker-a", "worker-b")
    ]
    for racer in racers:
        _, errors = racer.communicate(timeout=120)
        assert racer.returncode == 0, errors[-2000:]

    results = [json.loads((tmp_path / f"{name}.json").read_text()) for name in ("worker-a", "worker-b")]
    assert all(result["conflicts"] == 0 for result in results)  # never saw the other holding it too
    assert all(result["held"] > 0 for result in results)  # and both got their turns
