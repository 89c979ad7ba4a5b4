"""How long ``leadstage --help`` and ``leadstage --version`` take to start, against a bare ``python -c pass``.

Each command is run as a new process many times; the figure is the median wall time (the best is shown too). It
also lists the heavy libraries each command loaded, which must be none: the CRM clients, the database library and
the scheduler are imported by the commands that use them, not by the command line's start.

    .venv/bin/python bench/bench_cli_start.py [--runs 15] [--json FILE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from typing import Any

from benchlib import write_json

HEAVY = ("hubspot", "simple_salesforce", "sqlalchemy", "psycopg", "apscheduler", "urllib3", "requests", "pydantic")
LOADED = (
    "import sys\n"
    "from leadstage.sync.cli import main\n"
    "sys.argv = ['leadstage', *{args!r}]\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print(','.join(sorted({{n.split('.')[0] for n in sys.modules}} & set({heavy!r}))), file=sys.stderr)\n"
)


def wall_times(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


def heavy_loaded(args: list[str]) -> list[str]:
    probe = LOADED.format(args=args, heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    line = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    return [name for name in line.split(",") if name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", help="write the figures here (for run_all.py)")
    args = parser.parse_args()
    bare = wall_times([sys.executable, "-c", "pass"], args.runs)
    figures: dict[str, Any] = {"runs": args.runs, "bare_median_s": statistics.median(bare), "commands": {}}
    print(f"python -c pass: median {statistics.median(bare) * 1000:.0f} ms (best {min(bare) * 1000:.0f} ms)")
    for label in ("--help", "--version"):
        times = wall_times([sys.executable, "-m", "leadstage", label], args.runs)
        median = statistics.median(times)
        loaded = heavy_loaded([label])
        figures["commands"][label] = {
            "median_s": median,
            "best_s": min(times),
            "ratio": median / figures["bare_median_s"],
            "heavy_loaded": loaded,
        }
        print(
            f"leadstage {label}: median {median * 1000:.0f} ms (best {min(times) * 1000:.0f} ms), "
            f"{median / figures['bare_median_s']:.1f}x a bare python; heavy libraries loaded: {loaded or 'none'}"
        )
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
