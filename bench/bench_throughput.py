"""End-to-end backfill throughput with no rate limit, HubSpot and Salesforce: contacts per second.

A plain script, not a test. The sandbox serves from a process of its own (seeded with N HubSpot contacts, or N
Salesforce leads, and six months of their activities); the backfill runs in another, on the real clock, with the
shipped example config and no rate limit: the event stream (HubSpot web events, 180 days back) or the activity
stream (Salesforce Tasks, Events, campaign members), every contact read, its activities fetched, evaluated, the
changes written back and committed page by page. The figure is contacts evaluated divided by the backfill's
wall time, the sandbox's own time to answer included (on loopback, a few milliseconds a request).

    .venv/bin/python bench/bench_throughput.py [--contacts 10000] [--json OUT]
"""

from __future__ import annotations

import argparse
from typing import Any

from benchlib import run_json, sandbox_process, write_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--crms", default="hubspot,salesforce")
    parser.add_argument("--json", help="write the figures to this file (for run_all.py)")
    args = parser.parse_args()
    figures: dict[str, Any] = {"contacts": args.contacts}
    for crm in args.crms.split(","):
        with sandbox_process("--crm", crm, "--contacts", str(args.contacts)) as box:
            backfill = run_json("bench_backfill.py", box["url"], "--crm", crm)
        backfill["seeded_s"] = box["seeded_s"]
        backfill["requests_served"] = len(box.get("requests", []))
        figures[crm] = backfill
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
