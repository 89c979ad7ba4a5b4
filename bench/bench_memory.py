"""Peak memory (RSS) of the worker during backfills of 10,000 and 100,000 contacts: records must stream.

A plain script, not a test. For each size the sandbox is seeded and served by a process of its own
(``bench_sandbox.py``), and the backfill runs in another (``bench_backfill.py``), which reports its own peak RSS
(VmHWM from /proc/self/status) at the end: the figure is the worker's alone. Both sizes use the same portal
configuration: meetings and calls as engagement types, no web events, so that 100,000 people's full timelines
do not make the run about activity volume (the target is about streaming, not volume; every contact still gets
its engagements read, evaluated and written back).

    .venv/bin/python bench/bench_memory.py [--sizes 10000,100000] [--json OUT]
"""

from __future__ import annotations

import argparse
from typing import Any

from benchlib import run_json, sandbox_process, write_json

RSS_TARGET_MB = 250
FLAT_TARGET = 0.20
ENGAGEMENT_TYPES = "meetings,calls"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--json", help="write the figures to this file (for run_all.py)")
    args = parser.parse_args()
    runs: list[dict[str, Any]] = []
    for size in (int(part) for part in args.sizes.split(",")):
        with sandbox_process("--contacts", str(size)) as box:
            backfill = run_json(
                "bench_backfill.py", box["url"], "--engagement-types", ENGAGEMENT_TYPES, "--no-web-events"
            )
        backfill["seeded_s"] = box["seeded_s"]
        backfill["sandbox_cpu_s"] = box.get("serve_cpu_s")
        backfill["size"] = size
        runs.append(backfill)
        print(
            f"{size:>7,} contacts: peak RSS {backfill['peak_rss_mb']:.0f} MB "
            f"(after imports {backfill['rss_after_imports_mb']:.0f} MB), {backfill['seconds']:.0f} s "
            f"({backfill['contacts_per_second']:,.0f}/s; CPU: worker {backfill['worker_cpu_s']:.0f} s, "
            f"sandbox {backfill['sandbox_cpu_s']:.0f} s), status {backfill['status']}"
        )
    small, large = runs[0], runs[-1]
    growth = large["peak_rss_mb"] / small["peak_rss_mb"] - 1
    figures = {"engagement_types": ENGAGEMENT_TYPES, "web_events": False, "runs": runs, "growth": round(growth, 4)}
    ok = all(run["peak_rss_mb"] < RSS_TARGET_MB for run in runs) and growth <= FLAT_TARGET
    print(f"growth from {small['size']:,} to {large['size']:,} contacts: {growth:+.1%}")
    print(f"target under {RSS_TARGET_MB} MB and within {FLAT_TARGET:.0%}: {'meets' if ok else 'misses'}")
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
