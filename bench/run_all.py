"""``make bench``: run every benchmark script against the sandbox and write docs/benchmarks.md from their figures.

Each script runs in its own process and hands its figures back as JSON (``--json``); ``bench_scoring.py`` prints
its figure, which is read from its output. Nothing here measures anything itself.

    .venv/bin/python bench/run_all.py [--out docs/benchmarks.md] [--quick]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import BENCH_DIR, ROOT, machine_info, run_json

SCORING_LINE = re.compile(r"^\s*evaluate\(\)\s+([\d,]+) contacts/s", re.M)
CALIBRATION_LINE = re.compile(r"calibration: ([\d.]+) ns")


def run_scoring(args: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, str(BENCH_DIR / "bench_scoring.py"), *args], check=True, capture_output=True, text=True
    ).stdout
    print(output, end="")
    found = SCORING_LINE.search(output)
    if found is None:
        raise RuntimeError("bench_scoring.py printed no evaluate() figure")
    calibration = CALIBRATION_LINE.search(output)
    return {
        "per_second": int(found.group(1).replace(",", "")),
        "calibration_ns": float(calibration.group(1)) if calibration else None,
        "output": output.strip(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def timed(label: str, script: str, *args: str) -> dict[str, Any]:
    print(f"\n== {label}: {script} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    figures = run_json(script, *args)
    figures["wall_s"] = round(time.perf_counter() - started, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the scripts (not for the doc)")
    args = parser.parse_args()
    quick = args.quick
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine_info()}
    results["api"] = timed("API calls", "bench_api_calls.py", "--contacts", "2000" if quick else "10000")
    results["rate"] = timed("rate limit", "bench_rate_limit.py", "--contacts", "1000" if quick else "2000")
    print("\n== evaluation: bench_scoring.py", flush=True)
    results["scoring"] = run_scoring(["--contacts", "2000", "--repeat", "2"] if quick else [])
    results["memory"] = timed("memory", "bench_memory.py", "--sizes", "2000,10000" if quick else "10000,100000")
    results["throughput"] = timed("throughput", "bench_throughput.py", "--contacts", "2000" if quick else "10000")
    results["cli"] = timed("command-line start", "bench_cli_start.py", "--runs", "5" if quick else "15")
    results["total_s"] = round(time.perf_counter() - started, 1)
    from render_benchmarks import render

    args.out.write_text(render(results), encoding="utf-8")
    print(f"\nwrote {args.out} ({results['total_s']:.0f} s of benchmarks)")


if __name__ == "__main__":
    main()
