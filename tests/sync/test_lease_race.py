"""Two processes competing for one portal's lease, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess  # starts leadstage (or a racer, a browser) as processes

HOLDS = 60  # times each process must hold the lease


def test_two_processes_never_hold_a_portal_lease_at_the_same_time(state_url, tmp_path):
    from leadstage.sync.state import StateStore

    StateStore(state_url).close()  # create the tables before the race
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.sync.lease_racer",
                state_url,
                name,
                str(HOLDS),
                str(tmp_path / f"{name}.json"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("worker-a", "worker-b")
    ]
    for racer in racers:  # both are up, their stores open
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready", racer.stderr
    for racer in racers:  # then both start at once
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    for racer in racers:
        _, errors = racer.communicate(timeout=120)
        assert racer.returncode == 0, errors[-2000:]

    results = [json.loads((tmp_path / f"{name}.json").read_text()) for name in ("worker-a", "worker-b")]
    assert all(result["conflicts"] == 0 for result in results)  # never saw the other holding it too
    assert all(result["held"] == HOLDS for result in results)  # both got their turns
    assert sum(result["refused"] for result in results) > 0  # and they really competed: one was turned away
