"""The sandbox CRM in a process of its own, for benchmarks that measure the worker alone (memory, throughput, rate).

    python bench/bench_sandbox.py --crm hubspot --contacts 10000 [--rate 50/1000] [--search-rate 5]

It seeds the portal (or the Salesforce org), starts serving on a free loopback port, prints one JSON line
(``{"url": ..., "seeded_s": ...}``) and serves until its standard input closes; then it prints the request log
as one JSON line (``{"requests": [[at, status, endpoint], ...], "serve_cpu_s": ...}``, ``at`` in seconds since the
epoch, ``serve_cpu_s`` the CPU time it spent from being ready to stopping) and exits.
It runs on the real clock.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from benchlib import SF_PASSWORD, SF_SECURITY_TOKEN, SF_USER, TOKEN, cpu_seconds

from leadstage.sandbox import RateLimit, Sandbox, SandboxConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crm", choices=("hubspot", "salesforce"), default="hubspot")
    parser.add_argument("--contacts", type=int, default=2_000, help="contacts (HubSpot) or leads (Salesforce)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", help="MAX/INTERVAL_MS: the rolling rate limit (none by default)")
    parser.add_argument("--search-rate", type=int, help="search requests per second (none by default)")
    args = parser.parse_args()
    rate = None
    if args.rate:
        most, interval = args.rate.split("/")
        rate = RateLimit(max_requests=int(most), interval_ms=int(interval))
    config = SandboxConfig(
        tokens=(TOKEN,),
        rate_limit=rate,
        search_rate_per_second=args.search_rate,
        salesforce_users={SF_USER: (SF_PASSWORD, SF_SECURITY_TOKEN)},
    )
    box = Sandbox(config)
    started = time.perf_counter()
    if args.crm == "salesforce":
        box.seed_salesforce(n_leads=args.contacts, seed=args.seed, with_leadstage_fields=True)
    else:
        box.seed(n_contacts=args.contacts, seed=args.seed)
    seeded = time.perf_counter() - started
    box.start()
    ready_cpu = cpu_seconds()
    print(json.dumps({"url": box.url, "seeded_s": round(seeded, 2)}), flush=True)
    sys.stdin.read()  # serve until the benchmark closes our standard input
    box.stop()
    serve_cpu = cpu_seconds() - ready_cpu
    log = [[round(r.at, 4), r.status, r.endpoint] for r in box.request_log]
    print(json.dumps({"requests": log, "serve_cpu_s": round(serve_cpu, 2)}), flush=True)


if __name__ == "__main__":
    main()
