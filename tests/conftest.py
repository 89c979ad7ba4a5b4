"""Shared fixtures: a frozen clock that advances only when someone sleeps, the sandbox CRM on loopback, and a
config pointing a portal at it with a state database in the test's own folder.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
import tomli_w

from leadstage.connectors.base import Connector
from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox, SandboxConfig
from leadstage.sync.config import PortalSettings, Settings, load_settings, settings_from_data
from leadstage.sync.demo.main import example_config_text
from leadstage.sync.run import failpoints
from leadstage.sync.run.connect import build_connector
from leadstage.sync.run.engine import RunSummary, SyncRun
from leadstage.sync.run.runner import run_options
from leadstage.sync.state import StateStore, safe_url

TOKEN = "test-token-4f1c9a"
TOKEN_ENV = "LEADSTAGE_TEST_TOKEN"
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    """The product's fixed clock at START: stands still until someone sleeps (recorded, never waited) or moves it."""
    return FixedClock(START)


@pytest.fixture(autouse=True)
def _no_failpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(failpoints.ENV, raising=False)
    failpoints.reset()
    yield
    failpoints.reset()


SF_USER = "integration@leadstage.example"
SF_USER_ENV = "LEADSTAGE_TEST_SF_USER"
SF_PASSWORD = "sf-password-7c21"
SF_SECURITY_TOKEN = "sfTOKEN9x8"


def make_sandbox(clock: FixedClock, contacts: int = 0, seed: int = 7, leads: int = 0, **config: Any) -> Sandbox:
    users = {SF_USER: (SF_PASSWORD, SF_SECURITY_TOKEN)}
    box = Sandbox(SandboxConfig(tokens=(TOKEN,), clock=clock.time, salesforce_users=users, **config))
    if contacts:
        box.seed(n_contacts=contacts, seed=seed, now=clock.now())
    if leads:
        box.seed_salesforce(n_leads=leads, seed=seed, now=clock.now(), with_leadstage_fields=True)
    box.start()
    return box


def salesforce_portal(box: Sandbox, **extra: Any) -> dict[str, Any]:
    """A Salesforce portal table pointed at the sandbox (by default a password login with the security token)."""
    portal: dict[str, Any] = {
        "crm": "salesforce",
        "login_url": box.url,
        "rate_limit": 10_000,
        "rate_interval_seconds": 1,
    }
    if extra.get("auth", "password") == "password":
        portal.update(
            auth="password",
            username_env=SF_USER_ENV,
            password_env="LEADSTAGE_TEST_SF_PASSWORD",
            security_token_env="LEADSTAGE_TEST_SF_TOKEN",
        )
    elif extra["auth"] == "jwt":
        portal["username_env"] = SF_USER_ENV
    portal.update(extra)
    return portal


def make_sf_harness(
    tmp_path: Path, box: Sandbox, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, **portal: Any
) -> Harness:
    monkeypatch.setenv(SF_USER_ENV, SF_USER)
    monkeypatch.setenv("LEADSTAGE_TEST_SF_PASSWORD", SF_PASSWORD)
    monkeypatch.setenv("LEADSTAGE_TEST_SF_TOKEN", SF_SECURITY_TOKEN)
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = config_data(tmp_path, box.url)
    data["portals"] = {"main": salesforce_portal(box, **portal)}
    settings = settings_from_data(write_config(tmp_path / "leadstage.toml", data), data)
    chosen = settings.portal("main")
    return Harness(
        settings, chosen, StateStore(settings.state_url), build_connector(settings, chosen, clock), clock, box
    )


@pytest.fixture
def sandbox(clock: FixedClock) -> Iterator[Sandbox]:
    box = make_sandbox(clock, contacts=150)
    yield box
    box.stop()


def config_data(folder: Path, base_url: str) -> dict[str, Any]:
    """The shipped example config as data, pointed at ``base_url`` with a state database in ``folder``."""
    data = tomllib.loads(example_config_text())
    data["state"] = {"url": f"sqlite:///{folder / 'state.db'}"}
    data["portals"]["main"].update(
        base_url=base_url,
        token_env=TOKEN_ENV,
        rate_limit=10_000,
        rate_interval_seconds=1,
        search_rate_per_second=1000,
        page_size=100,  # one API page per engine page: the tests count pages
    )
    return data


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


@dataclass
class Harness:
    """A portal wired to the sandbox: settings, state store, and one connector reused across runs."""

    settings: Settings
    portal: PortalSettings
    store: StateStore
    connector: Connector
    clock: FixedClock
    box: Sandbox

    def run(self, **options: Any) -> RunSummary:
        opts = run_options(self.settings, **options)
        return SyncRun(self.portal.name, self.portal.model, self.connector, self.store, self.clock.now, opts).execute()

    def fresh_connector(self) -> Connector:
        self.connector = build_connector(self.settings, self.portal, self.clock)
        return self.connector


def make_harness(
    tmp_path: Path,
    box: Sandbox,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    overrides: dict[str, Any] | None = None,
    sections: dict[str, Any] | None = None,
) -> Harness:
    """``overrides`` are merged into the config as loaded; ``sections`` replace the example's top-level tables in
    the file itself (so the command line sees them too)."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write_config(tmp_path / "leadstage.toml", {**config_data(tmp_path, box.url), **(sections or {})})
    settings = load_settings(path, overrides)
    portal = settings.portal("main")
    connector = build_connector(settings, portal, clock)
    store = StateStore(settings.state_url)
    return Harness(settings, portal, store, connector, clock, box)


@pytest.fixture
def harness(tmp_path: Path, sandbox: Sandbox, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    h = make_harness(tmp_path, sandbox, clock, monkeypatch)
    h.connector.setup()
    yield h
    h.connector.close()
    h.store.close()


# -- state stores: each test that asks for ``state_url`` runs on SQLite and on a real PostgreSQL (its own schema)
POSTGRES_URL = os.environ.get("LEADSTAGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("LEADSTAGE_REQUIRE_POSTGRES") == "1"


def _postgres_schema_url() -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    except sqlalchemy.exc.OperationalError as error:
        admin.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required here but unreachable at {safe_url(POSTGRES_URL)}: {error}")
        pytest.skip(f"no PostgreSQL at {safe_url(POSTGRES_URL)} (set LEADSTAGE_TEST_POSTGRES_URL)")
    admin.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", schema


def _drop_schema(schema: str) -> None:
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def state_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    url, schema = _postgres_schema_url()
    yield url
    _drop_schema(schema)
