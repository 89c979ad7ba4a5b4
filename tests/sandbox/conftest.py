"""Shared fixtures: a frozen, steppable clock and started sandboxes with real HubSpot clients."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import urllib3
from hubspot import HubSpot

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox, SandboxConfig

TOKEN = "test-token"
NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def hubspot_client(sb: Sandbox, token: str = TOKEN) -> HubSpot:
    """The real client pointed at the sandbox, with urllib3 retries off."""
    return HubSpot(access_token=token, host=sb.url, retry=urllib3.Retry(0, respect_retry_after_header=False))


def call(
    sb: Sandbox, method: str, path: str, body: Any = None, token: str | None = TOKEN
) -> tuple[int, dict[str, str], Any]:
    """A plain urllib request: (status, headers, parsed JSON body)."""
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(sb.url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


@pytest.fixture
def clock() -> FixedClock:
    """The product's fixed clock at NOW; the sandbox reads it through ``clock.time``."""
    return FixedClock(NOW)


@pytest.fixture
def make_sandbox(clock: FixedClock) -> Iterator[Callable[..., Sandbox]]:
    """make_sandbox(n_contacts=120, **config) -> a started, seeded sandbox (stopped after the test)."""
    started: list[Sandbox] = []

    def make(n_contacts: int = 120, seed: int = 7, **config: Any) -> Sandbox:
        config.setdefault("clock", clock.time)
        sb = Sandbox(SandboxConfig(**config))
        if n_contacts:
            sb.seed(n_contacts=n_contacts, seed=seed, now=NOW)
        sb.start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A started sandbox with 120 seeded contacts and a frozen clock."""
    return make_sandbox()


@pytest.fixture
def client(sb: Sandbox) -> HubSpot:
    return hubspot_client(sb)
