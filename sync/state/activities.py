"""The activities table: web events streamed in and engagements fetched, per contact, for evaluation and rescore."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence, Set
from datetime import datetime

from sqlalchemy import Connection, delete, select

from leadstage.connectors.base import chunked
from leadstage.mapping.model import Activity
from leadstage.sync.state import schema as t
from leadstage.sync.state.base import StoreBase
from leadstage.sync.state.sql import IN_CHUNK, insert_ignore


class ActivityLog(StoreBase):
    """Mixed into StateStore."""

    def load_activities(
        self, portal: str, ids: Sequence[str], refreshed: Set[str] = frozenset()
    ) -> dict[str, list[Activity]]:
        """Stored activities per contact; for ``refreshed`` contacts only the stream ones (engagements are
        about to be replaced by a fresh fetch)."""
        found: dict[str, list[Activity]] = defaultdict(list)
        for source, activity in self._activities(portal, ids):
            if source != "engagement" or activity.contact_id not in refreshed:
                found[activity.contact_id].append(activity)
        return dict(found)

    def load_engagements(self, portal: str, ids: Sequence[str]) -> list[Activity]:
        """The stored engagements (fetched from the CRM, not streamed) of these contacts."""
        return [activity for _, activity in self._activities(portal, ids, "engagement")]

    def _activities(self, portal: str, ids: Sequence[str], source: str | None = None) -> Iterator[tuple[str, Activity]]:
        columns = t.activities.c
        with self.engine.connect() as conn:
            for chunk in chunked(ids, IN_CHUNK):
                query = select(
                    columns.contact_id,
                    columns.activity_id,
                    columns.kind,
                    columns.occurred_at,
                    columns.attributes,
                    columns.source,
                ).where(columns.portal == portal, columns.contact_id.in_(chunk))
                if source is not None:
                    query = query.where(columns.source == source)
                for contact_id, activity_id, kind, occurred_at, attributes, row_source in conn.execute(query):
                    yield row_source, Activity(activity_id, contact_id, kind, occurred_at, attributes or {})

    def replace_engagements(
        self,
        conn: Connection,
        portal: str,
        contact_ids: Sequence[str],
        fetched: Sequence[Activity],
        run_id: int,
    ) -> None:
        """The engagement activities of these contacts, as just fetched, replace the stored ones."""
        for chunk in chunked(contact_ids, IN_CHUNK):
            conn.execute(
                delete(t.activities).where(
                    t.activities.c.portal == portal,
                    t.activities.c.source == "engagement",
                    t.activities.c.contact_id.in_(chunk),
                )
            )
        self.add_activities(conn, portal, fetched, "engagement", run_id)

    def add_activities(
        self, conn: Connection, portal: str, items: Sequence[Activity], source: str, run_id: int
    ) -> None:
        rows = {
            (a.contact_id, a.id): {
                "portal": portal,
                "contact_id": a.contact_id,
                "activity_id": a.id,
                "kind": a.kind,
                "occurred_at": a.occurred_at,
                "attributes": dict(a.attributes),
                "source": source,
                "run_id": run_id,
            }
            for a in items
        }
        insert_ignore(conn, t.activities, list(rows.values()), ("portal", "contact_id", "activity_id"))

    def contacts_with_new_activity(self, portal: str, run_id: int) -> list[str]:
        """Contacts that received stream activities in this run but were neither evaluated nor quarantined in it."""
        with self.engine.connect() as conn:
            touched = (
                select(t.activities.c.contact_id)
                .where(
                    t.activities.c.portal == portal,
                    t.activities.c.run_id == run_id,
                    t.activities.c.source == "stream",
                )
                .distinct()
            )
            done = select(t.contacts.c.contact_id).where(
                t.contacts.c.portal == portal, t.contacts.c.last_run_id == run_id
            )
            quarantined = select(t.dead_letters.c.contact_id).where(
                t.dead_letters.c.portal == portal, t.dead_letters.c.run_id == run_id
            )
            rows = conn.execute(
                touched.where(
                    t.activities.c.contact_id.not_in(done), t.activities.c.contact_id.not_in(quarantined)
                ).order_by(t.activities.c.contact_id)
            )
            return [row[0] for row in rows]

    def prune_activities(self, portal: str, before: datetime) -> int:
        with self.transaction() as conn:
            result = conn.execute(
                delete(t.activities).where(t.activities.c.portal == portal, t.activities.c.occurred_at < before)
            )
            return int(result.rowcount or 0)
