"""The portal lease: one writer per portal at a time, whoever it is.

Every run that writes (``sync``, ``rescore``, ``backfill``, ``dead-letters replay``, the daemon's jobs) holds
the portal's lease, a row in the state store naming its holder. A second writer finds it taken and gives up at
once (or waits up to ``--wait`` seconds for it). The holder renews it as pages commit and checks it is still
its own before every write to the CRM, so a worker that stalled past the lease's time and was taken over never
writes again. A lease left by a dead process of this host is taken over at once; one of another host, when it
expires. Dry runs write nothing to the CRM and take no lease.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import timedelta
from types import TracebackType

from leadstage.connectors.clock import TimeSource
from leadstage.sync.state import StateStore

log = logging.getLogger(__name__)

# Renew once this share of the lease's time has passed since the last renewal (a page commits every few
# milliseconds while web events stream in: renewing on each would be a transaction per page for nothing).
RENEW_FRACTION = 1 / 3
WAIT_POLL_SECONDS = 2.0


class PortalBusy(Exception):
    """Another writer holds the portal's lease."""

    def __init__(self, portal: str, holder: str | None, waited: float) -> None:
        who = holder or "another worker"
        after = f" after waiting {waited:g} s" if waited else ""
        super().__init__(
            f"portal {portal!r} is being worked by {who}{after}; nothing was done. Try again later, or add "
            "--wait SECONDS to wait for it"
        )
        self.portal = portal
        self.holder = holder


def holder_name(role: str) -> str:
    """A lease holder's name: role, host, process, and a random part (process ids are reused)."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class PortalLease:
    """The lease of one portal, held for a ``with`` block (see the module docstring)."""

    def __init__(
        self,
        store: StateStore,
        portal: str,
        holder: str,
        ttl: timedelta,
        clock: TimeSource,
        wait_seconds: float = 0.0,
        stop_requested: Callable[[], bool] = lambda: False,
    ) -> None:
        self.store = store
        self.portal = portal
        self.holder = holder
        self.ttl = ttl
        self.lost = False
        self._clock = clock
        self._wait = max(0.0, wait_seconds)
        self._stop_requested = stop_requested
        self._renewed_at = 0.0

    def acquire(self) -> None:
        """Take the lease, waiting up to ``wait_seconds`` for it; PortalBusy when it stays taken."""
        clock = self._clock
        started = clock.monotonic()
        while True:
            if self.store.take_over_if_gone(self.portal, self.holder, self.ttl, clock.now()):
                self._renewed_at, self.lost = clock.monotonic(), False
                return
            waited = clock.monotonic() - started
            if waited >= self._wait or self._stop_requested():
                raise PortalBusy(self.portal, self.store.lease_holder(self.portal, clock.now()), round(waited, 1))
            clock.sleep(min(WAIT_POLL_SECONDS, self._wait - waited))

    def renew(self) -> bool:
        """Renew now; False (and ``lost`` from then on) when another worker took the lease over."""
        if self.lost:
            return False
        if not self.store.acquire_lease(self.portal, self.holder, self.ttl, self._clock.now()):
            self.lost = True
            log.error(
                "portal %s: the lease was taken over by %s (not renewed within %.0f s); stopping after this page",
                self.portal,
                self.store.lease_holder(self.portal, self._clock.now()),
                self.ttl.total_seconds(),
                extra={"portal": self.portal},
            )
        self._renewed_at = self._clock.monotonic()
        return not self.lost

    def renew_if_due(self) -> bool:
        """Renew once a third of the lease's time has passed since the last renewal; False once lost."""
        if self._clock.monotonic() - self._renewed_at >= self.ttl.total_seconds() * RENEW_FRACTION:
            return self.renew()
        return not self.lost

    def release(self) -> None:
        self.store.release_lease(self.portal, self.holder)

    def __enter__(self) -> PortalLease:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()
