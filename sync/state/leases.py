"""Portal leases: a row per portal naming the worker that holds it, until it expires (see sync/run/lease.py)."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from leadstage.sync.state import schema as t
from leadstage.sync.state.base import StoreBase
from leadstage.sync.state.sql import insert_ignore

log = logging.getLogger(__name__)


class Leases(StoreBase):
    """Mixed into StateStore."""

    def acquire_lease(self, portal: str, holder: str, ttl: timedelta, now: datetime) -> bool:
        """Take the portal's lease (or renew our own); an expired lease of another holder is taken over.

        Atomic on both backends: the row is inserted if absent, then updated only where it is ours or expired;
        the lease is ours exactly when the row then names us.
        """
        expires = now + ttl
        with self.transaction() as conn:
            insert_ignore(
                conn,
                t.leases,
                [{"portal": portal, "holder": holder, "acquired_at": now, "expires_at": expires}],
                ("portal",),
            )
            conn.execute(
                update(t.leases)
                .where(
                    t.leases.c.portal == portal,
                    or_(t.leases.c.holder == holder, t.leases.c.expires_at <= now),
                )
                .values(holder=holder, expires_at=expires)
            )
            # None when another worker released (deleted) the row meanwhile: not ours this time; try again later.
            owner = conn.execute(select(t.leases.c.holder).where(t.leases.c.portal == portal)).scalar_one_or_none()
        return owner == holder

    def take_over_if_gone(self, portal: str, holder: str, ttl: timedelta, now: datetime) -> bool:
        """Acquire the lease; if a dead local process holds it, take it over. True when the lease is ours."""
        if self.acquire_lease(portal, holder, ttl, now):
            return True
        current = self.lease_holder(portal, now)
        if current is None or not holder_gone(current):
            return False
        log.warning("portal %s: taking over the lease of %s, which no longer runs", portal, current)
        self.release_lease(portal, current)
        return self.acquire_lease(portal, holder, ttl, now)

    def release_lease(self, portal: str, holder: str) -> None:
        with self.transaction() as conn:
            conn.execute(delete(t.leases).where(t.leases.c.portal == portal, t.leases.c.holder == holder))

    def lease_holder(self, portal: str, now: datetime) -> str | None:
        """Who holds the portal now (None when free or expired)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.leases.c.holder, t.leases.c.expires_at).where(t.leases.c.portal == portal)
            ).first()
        return str(row.holder) if row is not None and row.expires_at > now else None


def holder_gone(holder: str) -> bool:
    """True when a lease holder named ``...:<this host>:<pid>...`` is a process of this host that no longer runs
    (a crashed or killed worker): its lease can be taken over at once instead of waiting for it to expire."""
    parts = holder.split(":")
    host = socket.gethostname()
    for index, part in enumerate(parts[:-1]):
        if part == host and parts[index + 1].isdigit():
            try:
                os.kill(int(parts[index + 1]), 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                return False
            return False
    return False
