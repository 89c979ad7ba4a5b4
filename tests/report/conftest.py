"""A state store filled by real syncs of the sandbox: a first sync, then three weeks of simulated sales work."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from leadstage.connectors.clock import FixedClock
from leadstage.sync.demo.sales import HubSpotDesk, SalesWeeks, play_sales_weeks
from tests.conftest import START, TOKEN, TOKEN_ENV, Harness, make_harness, make_sandbox

CONTACTS = 200
DAYS = 21


@dataclass
class JumpingClock:
    """The tests' frozen clock, moved forward by the simulation."""

    clock: FixedClock

    def now(self) -> datetime:
        return self.clock.now()

    def jump_to(self, moment: datetime) -> None:
        self.clock.t = max(self.clock.t, moment.timestamp())


@dataclass
class SyncedPortal:
    harness: Harness
    config: Path
    first_sync: datetime
    weeks: SalesWeeks


@pytest.fixture(scope="package")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncedPortal]:
    clock = FixedClock(START)
    box = make_sandbox(clock, contacts=CONTACTS)
    with pytest.MonkeyPatch.context() as patch:
        harness = make_harness(tmp_path_factory.mktemp("synced"), box, clock, patch)
        try:
            harness.connector.setup()
            first_sync = clock.now()
            harness.run()
            weeks = play_sales_weeks(
                harness.store,
                "main",
                HubSpotDesk(box),
                JumpingClock(clock),
                harness.run,
                DAYS,
                seed=3,
                sync_every_days=3,
            )
            yield SyncedPortal(harness, harness.settings.path, first_sync, weeks)
        finally:
            harness.connector.close()
            harness.store.close()
            box.stop()


@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
