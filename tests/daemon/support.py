"""Helpers for the daemon tests: a real-clock sandbox, the daemon as a subprocess, and polling with a deadline."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from leadstage.connectors.clock import SystemClock
from leadstage.sandbox import Sandbox, SandboxConfig
from leadstage.sync.config import load_settings
from leadstage.sync.run.connect import build_connector
from tests.conftest import TOKEN, TOKEN_ENV, config_data, write_config

T = TypeVar("T")
POLL_S = 0.02  # how often a condition is checked; nothing waits a fixed time
STOP_DEADLINE_S = 20.0
SEED = 7


def real_sandbox(contacts: int, latency_ms: int = 0, tokens: tuple[str, ...] = (TOKEN,)) -> Sandbox:
    """A seeded sandbox on the wall clock (the daemon subprocess runs on real time), accepting ``tokens``."""
    box = Sandbox(SandboxConfig(tokens=tokens, clock=time.time, latency_ms=latency_ms))
    box.seed(n_contacts=contacts, seed=SEED, now=datetime.now(UTC))
    box.start()
    return box


def wait_until(condition: Callable[[], T], what: str, timeout: float = 30.0) -> T:
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def daemon_config(folder: Path, base_url: str, **daemon: Any) -> dict[str, Any]:
    """The example config pointed at the sandbox: no metrics endpoint unless asked, no rescore job."""
    folder.mkdir(parents=True, exist_ok=True)
    data = config_data(folder, base_url)
    data["daemon"].update({"metrics_port": 0, **daemon})
    data["portals"]["main"]["rescore_every_hours"] = 0
    return data


def prepare_portal(path: Path, portal: str = "main") -> None:
    """Create leadstage's properties in the sandbox, as `leadstage setup` would (the daemon does not)."""
    settings = load_settings(path)
    connector = build_connector(settings, settings.portal(portal), SystemClock())
    connector.setup()
    connector.close()


class DaemonProcess:
    """``python -m leadstage daemon`` with JSON logs at info level into a file (a pipe could fill up and block)."""

    def __init__(self, config: Path, *args: str, token: str = TOKEN, log_name: str = "daemon") -> None:
        self.log_path = config.parent / f"{log_name}.log"
        env = {**os.environ, TOKEN_ENV: token}
        command = [sys.executable, "-m", "leadstage", "--log-level", "info", "--log-format", "json"]
        with self.log_path.open("wb") as log_file:
            self.proc = subprocess.Popen([*command, "daemon", "-c", str(config), *args], env=env, stderr=log_file)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.proc.send_signal(signum)
        return self.wait()

    def wait(self, timeout: float = STOP_DEADLINE_S) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the daemon did not exit within {timeout:.0f} s:\n{self.log_text()}") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def logs(self) -> list[dict[str, Any]]:
        """The JSON log lines so far (a line still being written is skipped)."""
        entries = []
        for line in self.log_text().splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return entries


__all__ = ["TOKEN", "DaemonProcess", "daemon_config", "write_config"]
