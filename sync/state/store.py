"""The state store: cursors, what we know and last wrote per contact, activities, stage history, runs and
dead letters. SQLite file by default, PostgreSQL by URL; every page of a run commits in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, create_engine, delete, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from leadstage.connectors.base import COMPANY_ID, SweepKind, SweepPosition, chunked
from leadstage.mapping.model import Contact, Stage, StageState
from leadstage.sync.state import schema as t
from leadstage.sync.state.activities import ActivityLog
from leadstage.sync.state.companies import CompanyLog
from leadstage.sync.state.history import HistoryAndLetters
from leadstage.sync.state.migrate import SchemaTooNew, ensure_schema
from leadstage.sync.state.runs import RunLog
from leadstage.sync.state.sql import IN_CHUNK, sqlite_pragmas, upsert

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredContact:
    """What a run remembers of one contact: its canonical fields as last read, its stage, the values the CRM holds
    of ours (``written``, as of ``written_at``) and its last results. A run stores one after each evaluation and
    the next run loads it back (``last_run_id`` is set on loading)."""

    contact_id: str
    fields: Mapping[str, str]
    activity_marker: str | None
    crm_updated_at: datetime | None
    stage: StageState
    written: Mapping[str, str]
    written_at: datetime | None
    score: int | None = None
    grade: str | None = None
    temperature: str | None = None
    last_run_id: int | None = None

    def as_contact(self, now: datetime) -> Contact:
        """The contact as the last run read it, to evaluate again without reading the CRM (rescore, explain)."""
        return Contact(
            id=self.contact_id,
            updated_at=self.crm_updated_at or now,
            fields=self.fields,
            written=self.written,
            activity_marker=self.activity_marker,
        )


def position_to_json(position: SweepPosition) -> dict[str, Any]:
    return {
        "kind": position.kind.value,
        "until": position.until.isoformat(),
        "since": position.since.isoformat() if position.since else None,
        "after": position.after,
        "done": position.done,
    }


def position_from_json(data: Mapping[str, Any]) -> SweepPosition:
    return SweepPosition(
        kind=SweepKind(data["kind"]),
        until=datetime.fromisoformat(data["until"]),
        since=datetime.fromisoformat(data["since"]) if data.get("since") else None,
        after=data.get("after"),
        done=bool(data.get("done")),
    )


def _state_to_json(state: StageState) -> dict[str, str]:
    return {stage.value: moment.isoformat() for stage, moment in state.entered.items()}


def _entered_from_json(data: Mapping[str, str]) -> dict[Stage, datetime]:
    return {Stage(name): datetime.fromisoformat(moment) for name, moment in data.items()}


SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def safe_url(url: str) -> str:
    """The URL as it may appear in logs and errors: any password masked (and nothing of a non-URL)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


class StateStoreError(Exception):
    """The state store cannot be used: not a database URL, an unsupported database, no driver, unreachable, or
    written by a newer leadstage. The message never holds a password."""


class StateStore(RunLog, ActivityLog, CompanyLog, HistoryAndLetters):
    """All reads and writes of leadstage's own state."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine: Engine = _engine(url, echo)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", sqlite_pragmas)
        try:
            self.schema_created = ensure_schema(self.engine)
        except SchemaTooNew as error:
            self.engine.dispose()
            raise StateStoreError(str(error)) from None
        except DBAPIError as error:
            self.engine.dispose()
            raise StateStoreError(f"cannot open {safe_url(url)}: {_first_line(error.orig)}") from None

    def close(self) -> None:
        self.engine.dispose()

    @property
    def reads_in_threads(self) -> bool:
        """Whether another thread may read while this one works (an in-memory SQLite database is one connection's)."""
        return self.engine.dialect.name != "sqlite" or self.engine.url.database not in (None, "", ":memory:")

    # -- sweep positions --------------------------------------------------------------------------------------
    def load_position(self, portal: str, stream: str) -> SweepPosition | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.positions.c.position).where(t.positions.c.portal == portal, t.positions.c.stream == stream)
            ).first()
        return position_from_json(row[0]) if row else None

    def save_position(self, conn: Connection, portal: str, stream: str, position: SweepPosition, now: datetime) -> None:
        upsert(
            conn,
            t.positions,
            [{"portal": portal, "stream": stream, "position": position_to_json(position), "updated_at": now}],
            ("portal", "stream"),
        )

    # -- contacts ---------------------------------------------------------------------------------------------
    def load_contacts(self, portal: str, ids: Sequence[str]) -> dict[str, StoredContact]:
        found: dict[str, StoredContact] = {}
        with self.engine.connect() as conn:
            for chunk in chunked(ids, IN_CHUNK):
                rows = conn.execute(
                    select(t.contacts).where(t.contacts.c.portal == portal, t.contacts.c.contact_id.in_(chunk))
                )
                for row in rows:
                    found[row.contact_id] = _stored(row._mapping)
        return found

    def iter_contacts(self, portal: str, batch: int = 500) -> Iterator[list[StoredContact]]:
        """Every stored contact of a portal, in id order, a batch at a time (memory stays flat)."""
        after = ""
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(t.contacts)
                    .where(t.contacts.c.portal == portal, t.contacts.c.contact_id > after)
                    .order_by(t.contacts.c.contact_id)
                    .limit(batch)
                ).all()
            if not rows:
                return
            yield [_stored(row._mapping) for row in rows]
            after = rows[-1].contact_id

    def save_contacts(
        self, conn: Connection, portal: str, records: Iterable[StoredContact], run_id: int, now: datetime
    ) -> None:
        rows = [
            {
                "portal": portal,
                "contact_id": r.contact_id,
                "fields": dict(r.fields),
                "activity_marker": r.activity_marker,
                "crm_updated_at": r.crm_updated_at,
                "stage": r.stage.stage.value,
                "observed": r.stage.observed.value if r.stage.observed else None,
                "entered": _state_to_json(r.stage),
                "recycled_at": r.stage.recycled_at,
                "written": dict(r.written),
                "written_at": r.written_at,
                "score": r.score,
                "grade": r.grade,
                "temperature": r.temperature,
                "last_run_id": run_id,
                "evaluated_at": now,
                "company_id": r.fields.get(COMPANY_ID),
            }
            for r in records
        ]
        upsert(conn, t.contacts, rows, ("portal", "contact_id"))

    def mark_written(
        self,
        conn: Connection,
        portal: str,
        written: Mapping[str, tuple[Mapping[str, str], datetime | None]],
        now: datetime,
    ) -> None:
        """After a successful write: the values the CRM now holds, and its new modification time."""
        if not written:
            return
        current = self.load_contacts_in(conn, portal, list(written))
        rows = [
            {
                "b_contact_id": contact_id,
                "written": {**current.get(contact_id, {}), **values},
                "written_at": crm_updated_at or now,
                "crm_updated_at": crm_updated_at,
            }
            for contact_id, (values, crm_updated_at) in written.items()
        ]
        # One statement executed for all rows (executemany), not one round of statement building per contact.
        statement = (
            update(t.contacts)
            .where(t.contacts.c.portal == portal, t.contacts.c.contact_id == bindparam("b_contact_id"))
            .values(written=bindparam("written"), written_at=bindparam("written_at"))
            .values(crm_updated_at=bindparam("crm_updated_at"))
        )
        conn.execute(statement, rows)

    def load_contacts_in(self, conn: Connection, portal: str, ids: Sequence[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for chunk in chunked(ids, IN_CHUNK):
            rows = conn.execute(
                select(t.contacts.c.contact_id, t.contacts.c.written).where(
                    t.contacts.c.portal == portal, t.contacts.c.contact_id.in_(chunk)
                )
            )
            found.update({row.contact_id: dict(row.written or {}) for row in rows})
        return found

    def forget_contacts(self, conn: Connection, portal: str, ids: Sequence[str]) -> None:
        """Records deleted in the CRM: drop their state and activities (their stage history stays)."""
        for chunk in chunked(ids, IN_CHUNK):
            conn.execute(delete(t.contacts).where(t.contacts.c.portal == portal, t.contacts.c.contact_id.in_(chunk)))
            conn.execute(
                delete(t.activities).where(t.activities.c.portal == portal, t.activities.c.contact_id.in_(chunk))
            )

    def count_contacts(self, portal: str) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(t.contacts).where(t.contacts.c.portal == portal)
                ).scalar_one()
            )

    def stage_counts(self, portal: str) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.contacts.c.stage, func.count())
                .where(t.contacts.c.portal == portal)
                .group_by(t.contacts.c.stage)
            )
            return {stage: int(count) for stage, count in rows}


def _engine(url: str, echo: bool) -> Engine:
    try:
        engine = create_engine(url, echo=echo, future=True)
    except ArgumentError:
        raise StateStoreError(
            "not a database URL; use sqlite:///path/to/leadstage.db or postgresql+psycopg://user@host/db"
        ) from None
    except (NoSuchModuleError, ImportError) as error:
        name = getattr(error, "name", None) or str(error).rsplit(":", 1)[-1].strip()
        hint = " (pip install 'leadstage[postgres]')" if "postgres" in url.split(":", 1)[0] else ""
        raise StateStoreError(f"no database driver for {safe_url(url)}: {name} is not installed{hint}") from None
    if engine.dialect.name not in SUPPORTED_BACKENDS:
        engine.dispose()
        raise StateStoreError(f"{engine.dialect.name} is not supported as a state store; use SQLite or PostgreSQL")
    return engine


def _first_line(error: BaseException | None) -> str:
    text = str(error or "unknown error").strip()
    return text.splitlines()[0] if text else type(error).__name__


def _stored(row: Mapping[Any, Any]) -> StoredContact:
    stage = StageState(
        stage=Stage(row["stage"]),
        entered=_entered_from_json(row["entered"] or {}),
        recycled_at=row["recycled_at"],
        observed=Stage(row["observed"]) if row["observed"] else None,
    )
    return StoredContact(
        contact_id=row["contact_id"],
        fields=row["fields"] or {},
        activity_marker=row["activity_marker"],
        crm_updated_at=row["crm_updated_at"],
        stage=stage,
        written=row["written"] or {},
        written_at=row["written_at"],
        score=row["score"],
        grade=row["grade"],
        temperature=row["temperature"],
        last_run_id=row["last_run_id"],
    )


__all__ = ["StateStore", "StateStoreError", "StoredContact", "safe_url"]
