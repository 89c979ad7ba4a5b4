"""The state store's leases (one worker per portal at a time), stage history and dead-letter table."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from leadstage.mapping.model import Transition
from leadstage.sync.state import schema as t
from leadstage.sync.state.sql import insert_ignore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A record that could not be processed, kept with its reason so nothing is lost."""

    contact_id: str
    phase: str
    reason: str
    payload: Mapping[str, Any]
    retryable: bool = False


class LeasesHistoryLetters:
    """Mixed into StateStore: needs its ``engine`` and ``transaction()``."""

    engine: Engine

    def transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    # -- leases: one worker per portal at a time ---------------------------------------------------------------
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

    # -- history and dead letters -----------------------------------------------------------------------------
    def add_transitions(self, conn: Connection, portal: str, transitions: Sequence[Transition], run_id: int) -> None:
        rows = [
            {
                "portal": portal,
                "contact_id": tr.contact_id,
                "from_stage": tr.from_stage.value if tr.from_stage else None,
                "to_stage": tr.to_stage.value,
                "at": tr.at,
                "reason": tr.reason,
                "source": tr.source.value,
                "run_id": run_id,
                "at_source": tr.at_source,
                "transition_key": tr.key,
            }
            for tr in transitions
        ]
        # A move already recorded (same contact, from the same stage entered at the same time, to the same stage)
        # is not recorded again, whichever run decided it and whatever moment it called now.
        insert_ignore(conn, t.stage_history, rows)

    def history(self, portal: str, contact_id: str | None = None) -> list[dict[str, Any]]:
        query = select(t.stage_history).where(t.stage_history.c.portal == portal).order_by(t.stage_history.c.id)
        if contact_id is not None:
            query = query.where(t.stage_history.c.contact_id == contact_id)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def add_dead_letters(
        self, conn: Connection, portal: str, letters: Sequence[DeadLetter], run_id: int | None, now: datetime
    ) -> None:
        if not letters:
            return
        conn.execute(
            insert(t.dead_letters),
            [
                {
                    "portal": portal,
                    "contact_id": letter.contact_id,
                    "run_id": run_id,
                    "phase": letter.phase,
                    "reason": letter.reason,
                    "payload": dict(letter.payload),
                    "retryable": int(letter.retryable),
                    "created_at": now,
                }
                for letter in letters
            ],
        )

    def resolve_dead_letters(
        self, portal: str, letter_ids: Sequence[int], resolution: str, now: datetime, run_id: int | None = None
    ) -> int:
        """Close these open letters (``run_id``: only those whose contact got no new letter in that run)."""
        condition = [
            t.dead_letters.c.portal == portal,
            t.dead_letters.c.id.in_(list(letter_ids)),
            t.dead_letters.c.resolved_at.is_(None),
        ]
        if run_id is not None:
            failed_again = select(t.dead_letters.c.contact_id).where(
                t.dead_letters.c.portal == portal, t.dead_letters.c.run_id == run_id
            )
            condition.append(t.dead_letters.c.contact_id.not_in(failed_again))
        with self.transaction() as conn:
            statement = update(t.dead_letters).where(*condition).values(resolved_at=now, resolution=resolution)
            result = conn.execute(statement)
            return int(result.rowcount or 0)

    def dead_letters(self, portal: str | None = None, include_resolved: bool = False) -> list[dict[str, Any]]:
        query = select(t.dead_letters).order_by(t.dead_letters.c.id)
        if portal is not None:
            query = query.where(t.dead_letters.c.portal == portal)
        if not include_resolved:
            query = query.where(t.dead_letters.c.resolved_at.is_(None))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]


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
