"""The soak test: a backfill of 20,000 contacts under 10% 429s, 3% 5xx, 1% connection resets and 1% answers
slower than the client's timeout ends with exactly the CRM state of a fault-free run, every stage transition
recorded once, and a run summary that accounts for every record.

The fault-free and the faulty backfill run side by side in two processes (tests/sync/soak_worker.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

CONTACTS = 20_000


@pytest.mark.slow
def test_a_backfill_of_20000_contacts_under_faults_ends_exactly_like_a_fault_free_one(tmp_path):
    outputs = {name: tmp_path / f"{name}.json" for name in ("clean", "faulty")}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.sync.soak_worker", str(outputs["clean"]), "--contacts", str(CONTACTS)],
            stderr=subprocess.PIPE,
            text=True,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.sync.soak_worker",
                str(outputs["faulty"]),
                "--contacts",
                str(CONTACTS),
                "--faults",
            ],
            stderr=subprocess.PIPE,
            text=True,
        ),
    ]
    for worker in workers:
        _, errors = worker.communicate(timeout=600)
        assert worker.returncode == 0, errors[-3000:]
    clean, faulty = (json.loads(outputs[name].read_text()) for name in ("clean", "faulty"))
    # The reference itself must be clean (a machine too busy for the timeouts would show here, not as a diff).
    assert clean["status"] == "ok" and clean["dead_letters"] == 0, (clean["error"], clean["dead_letter_reasons"])

    statuses = Counter(faulty["statuses"])
    served = sum(statuses.values())
    assert statuses["429"] >= 0.05 * served  # the faults really happened...
    assert statuses["500"] + statuses["502"] + statuses["503"] >= 0.01 * served
    assert statuses["0"] > 0  # connection resets
    assert 0 < faulty["counts"]["rate_limited"] <= statuses["429"]  # (setup, before the run, met some too)

    assert faulty["status"] == "ok", faulty["error"]
    assert faulty["dead_letters"] == 0, faulty["dead_letter_reasons"]  # ...and nothing was lost
    assert faulty["crm"] == clean["crm"]
    assert len(faulty["crm"]) == CONTACTS and all(c["leadstage_funnel_stage"] for c in faulty["crm"].values())
    history = [tuple(row) for row in faulty["history"]]
    assert not [row for row, n in Counter(history).items() if n > 1]  # every transition recorded once
    assert sorted(history) == sorted(tuple(row) for row in clean["history"])
    counts = faulty["counts"]
    assert counts["pulled"] == counts["evaluated"] == CONTACTS  # every record accounted for
    assert counts["updated"] + counts["unchanged"] + counts["failed"] == CONTACTS
    assert counts["updated"] == clean["counts"]["updated"] and counts["transitions"] == len(history)
