"""The stage history (every move once, keyed by the move) and the dead-letter table (nothing is lost)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from leadstage.mapping.model import Transition
from leadstage.sync.state import schema as t
from leadstage.sync.state.base import StoreBase
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


class HistoryAndLetters(StoreBase):
    """Mixed into StateStore: the stage history (every move once) and the dead-letter table."""

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
