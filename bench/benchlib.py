"""What the benchmark scripts share: a fake clock, a worker wired to a sandbox, a sandbox in its own process,
machine facts, and the JSON figures each script hands to ``run_all.py``.

Not a test helper: ``bench/`` holds plain scripts that print figures (``make bench`` runs them all).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadstage.connectors.base import Connector
from leadstage.sync.config import PortalSettings, Settings, settings_from_data
from leadstage.sync.demo.main import example_config_text
from leadstage.sync.run.connect import build_connector
from leadstage.sync.run.engine import RunSummary, SyncRun
from leadstage.sync.run.runner import run_options
from leadstage.sync.state import StateStore

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
TOKEN = "bench-token"
TOKEN_ENV = "LEADSTAGE_BENCH_TOKEN"
SF_USER = "bench@leadstage.example"
SF_PASSWORD = "bench-password"
SF_SECURITY_TOKEN = "benchTOKEN"
SF_ENV = {
    "LEADSTAGE_BENCH_SF_USER": SF_USER,
    "LEADSTAGE_BENCH_SF_PASSWORD": SF_PASSWORD,
    "LEADSTAGE_BENCH_SF_TOKEN": SF_SECURITY_TOKEN,
}
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PORTAL = "main"
NO_LIMIT = {"rate_limit": 100_000, "rate_interval_seconds": 1}
# A backfill's window that holds every seeded record (created at most 18 months before the seeding time).
WINDOW_SINCE = datetime(2000, 1, 1, tzinfo=UTC)


def portal_table(crm: str, url: str, **extra: Any) -> dict[str, Any]:
    """A ``[portals.main]`` table pointed at a sandbox on ``url``."""
    if crm == "salesforce":
        portal: dict[str, Any] = {
            "crm": "salesforce",
            "auth": "password",
            "login_url": url,
            "username_env": "LEADSTAGE_BENCH_SF_USER",
            "password_env": "LEADSTAGE_BENCH_SF_PASSWORD",
            "security_token_env": "LEADSTAGE_BENCH_SF_TOKEN",
        }
    else:
        portal = {"crm": "hubspot", "base_url": url, "token_env": TOKEN_ENV, "search_rate_per_second": 1000}
    portal.update(NO_LIMIT)
    portal.update(extra)
    return portal


def worker_settings(folder: Path, crm: str, url: str, **portal: Any) -> Settings:
    """The shipped example config (its qualification model), one portal on the sandbox, state in ``folder``."""
    os.environ[TOKEN_ENV] = TOKEN
    os.environ.update(SF_ENV)
    data = tomllib.loads(example_config_text())
    data["state"] = {"url": f"sqlite:///{folder / 'state.db'}"}
    base = data["portals"]["main"] if crm == "hubspot" else {}
    keep = {k: base[k] for k in ("web_events",) if k in base}
    data["portals"] = {PORTAL: {**keep, **portal_table(crm, url, **portal)}}
    return settings_from_data(folder / "leadstage.toml", data)


@dataclass
class Worker:
    """One portal's settings, connector and state store, and a way to run syncs with it."""

    settings: Settings
    portal: PortalSettings
    connector: Connector
    store: StateStore

    def run(self, now: Any, **options: Any) -> RunSummary:
        opts = run_options(self.settings, **options)
        return SyncRun(self.portal.name, self.portal.model, self.connector, self.store, now, opts).execute()

    def close(self) -> None:
        self.connector.close()
        self.store.close()


@contextmanager
def worker(crm: str, url: str, clock: Any, **portal: Any) -> Iterator[Worker]:
    """A worker on a throw-away state database (deleted afterwards)."""
    with tempfile.TemporaryDirectory(prefix="leadstage-bench-") as tmp:
        settings = worker_settings(Path(tmp), crm, url, **portal)
        chosen = settings.portal(PORTAL)
        built = Worker(settings, chosen, build_connector(settings, chosen, clock), StateStore(settings.state_url))
        try:
            yield built
        finally:
            built.close()


@contextmanager
def sandbox_process(*args: str) -> Iterator[dict[str, Any]]:
    """``bench_sandbox.py`` in its own process (seeded, serving); yields what it printed when ready (its url...).

    When the block ends the sandbox stops, and the yielded dict gains its request log under ``requests`` and the CPU
    seconds it spent serving (seeding excluded) under ``serve_cpu_s``.
    """
    command = [sys.executable, str(BENCH_DIR / "bench_sandbox.py"), *args]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    try:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the bench sandbox exited before it was ready ({' '.join(args)})")
        info: dict[str, Any] = json.loads(line)
        yield info
        process.stdin.close()  # the sandbox serves until its standard input closes, then prints its log
        tail = process.stdout.readline()
        info.update(json.loads(tail) if tail else {})
    finally:
        if not process.stdin.closed:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_json(script: str, *args: str) -> dict[str, Any]:
    """Run another bench script in its own process and return the figures it wrote with ``--json``."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = Path(out.name)
    try:
        subprocess.run([sys.executable, str(BENCH_DIR / script), *args, "--json", str(path)], check=True)
        result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return result
    finally:
        path.unlink(missing_ok=True)


def write_json(path: str | None, figures: dict[str, Any]) -> None:
    """Hand the figures to run_all.py (when it asked for them with ``--json PATH``)."""
    if path:
        Path(path).write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")


def line_value(path: str, prefix: str) -> str | None:
    """What follows ``prefix`` on the first line of a text file (``/proc/...``) that starts with it, without the
    separator and spaces around it; None when the file cannot be read or has no such line."""
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith(prefix):
                return line[len(prefix) :].strip().lstrip(":=").strip()
    except OSError:
        return None
    return None


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    peak = line_value("/proc/self/status", "VmHWM")
    if peak is not None:
        return int(peak.split()[0]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """This process's CPU time so far (user + system), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_model() -> str:
    return line_value("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()


def machine_info() -> dict[str, str]:
    """CPU model, cores, RAM, OS, Python, the leadstage commit and the date."""
    total_kb = line_value("/proc/meminfo", "MemTotal")
    memory = f"{int(total_kb.split()[0]) / 1024 / 1024:.1f} GiB" if total_kb else "?"
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    release = line_value("/etc/os-release", "PRETTY_NAME")
    os_name = f"{release.strip(chr(34))} (Linux {platform.release()})" if release else platform.platform()
    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "ram": memory,
        "os": os_name,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "commit": commit,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
