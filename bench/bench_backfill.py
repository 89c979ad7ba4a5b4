"""One backfill in a process of its own (the worker alone: the sandbox serves from another process).

    python bench/bench_backfill.py URL --crm hubspot [--engagement-types meetings,calls --no-web-events] --json OUT

It runs ``leadstage backfill``'s code path (``sync.run.backfill.run_backfill``: the portal lease, the backfill's own
sweep position, every contact modified in a window holding all of them) on the real clock, with the shipped
example config pointed at the sandbox and no rate limit, and writes: contacts, seconds, API calls, the run's
status, this process's peak RSS (VmHWM) at the end, and the CPU seconds (user + system) it spent in the backfill.
"""

from __future__ import annotations

import argparse
import cProfile
import time
from datetime import timedelta
from typing import Any

from benchlib import WINDOW_SINCE, cpu_seconds, peak_rss_mb, worker, write_json

from leadstage.connectors.base import SweepKind, SweepPosition
from leadstage.connectors.clock import SystemClock
from leadstage.sync.run.backfill import run_backfill


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--crm", choices=("hubspot", "salesforce"), default="hubspot")
    parser.add_argument("--engagement-types", help="comma-separated HubSpot engagement types (default: all five)")
    parser.add_argument("--no-web-events", action="store_true", help="score no web events (HubSpot)")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--profile", help="write a cProfile of the backfill to this file")
    args = parser.parse_args()
    portal: dict[str, Any] = {}
    if args.engagement_types:
        portal["engagement_types"] = args.engagement_types.split(",")
    if args.no_web_events:
        portal["web_events"] = {}
    clock = SystemClock()
    rss_before = peak_rss_mb()
    with worker(args.crm, args.url, clock, **portal) as work:
        work.connector.setup()  # the leadstage properties, as `leadstage setup` creates them (HubSpot)
        window = SweepPosition(SweepKind.INCREMENTAL, until=clock.now() + timedelta(minutes=1), since=WINDOW_SINCE)
        started = time.perf_counter()
        cpu_started = cpu_seconds()
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        summary = run_backfill(work.settings, work.portal, work.connector, work.store, clock, window)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_started
    figures = {
        "crm": args.crm,
        "status": summary.status,
        "contacts": summary.counts.evaluated,
        "written": summary.counts.updated,
        "activities": summary.counts.activities,
        "events": summary.counts.events,
        "api_calls": summary.counts.api_calls,
        "seconds": round(seconds, 2),
        "contacts_per_second": round(summary.counts.evaluated / seconds, 1),
        "worker_cpu_s": round(cpu, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_after_imports_mb": round(rss_before, 1),
    }
    print(
        f"{args.crm} backfill: {figures['contacts']:,} contacts in {seconds:.1f} s "
        f"({figures['contacts_per_second']:,.0f}/s, worker CPU {cpu:.1f} s), {figures['api_calls']:,} calls, "
        f"status {summary.status}, peak RSS {figures['peak_rss_mb']:.0f} MB"
    )
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
