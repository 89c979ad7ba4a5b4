"""Creating the state store's tables, or bringing an older store up to date, safely when processes race.

Several processes may open a store that does not exist yet at the same moment: a daemon and a cron job, two
workers on a fresh database, a backfill started next to the first sync. So creation and migration run inside a
lock (SQLite: an exclusive transaction; PostgreSQL: a transaction-scoped advisory lock keyed by the schema), and
the version is read again once the lock is held: exactly one process creates or migrates, the others find the
work done. The DDL is idempotent as well (tables and indexes are created only where missing). The version is
recorded once, in ``leadstage_meta``, with who created the store.

Migrations are a numbered table of small functions, each taking the store from the version before it; so far
they only add columns and indexes. Alembic is the tool to move to when one needs more (a SQLite table rebuild,
moving data between tables).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, Engine, Index, Table, insert, inspect, select, text, update
from sqlalchemy.exc import OperationalError, ProgrammingError

from leadstage.sync.state import schema as t

SCHEMA_LOCK = "leadstage-schema:"
VERSION_KEY = "schema_version"
CREATED_BY_KEY = "schema_created_by"
CREATED_AT_KEY = "schema_created_at"


class SchemaTooNew(Exception):
    """The store was written by a newer leadstage; this one must not touch it."""


def ensure_schema(engine: Engine) -> bool:
    """Create the store's tables, or migrate them to ``SCHEMA_VERSION``; True when this call created them."""
    if _version_outside_lock(engine) == t.SCHEMA_VERSION:
        return False  # the common case: one read, no lock
    with _schema_lock(engine) as conn:
        version = _read_version(conn)
        if version is None:
            t.metadata.create_all(conn, checkfirst=True)
            now = datetime.now(UTC).isoformat()
            conn.execute(
                insert(t.meta),
                [
                    {"key": VERSION_KEY, "value": str(t.SCHEMA_VERSION)},
                    {"key": CREATED_BY_KEY, "value": f"{socket.gethostname()}:{os.getpid()}"},
                    {"key": CREATED_AT_KEY, "value": now},
                ],
            )
            return True
        if version > t.SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the state store has schema version {version}, newer than this leadstage's "
                f"({t.SCHEMA_VERSION}): upgrade leadstage, or point it at another state store"
            )
        for target in range(version + 1, t.SCHEMA_VERSION + 1):
            MIGRATIONS[target](conn)
        t.metadata.create_all(conn, checkfirst=True)  # tables a later version added
        conn.execute(update(t.meta).where(t.meta.c.key == VERSION_KEY).values(value=str(t.SCHEMA_VERSION)))
        return False


def _version_outside_lock(engine: Engine) -> int | None:
    try:
        with engine.connect() as conn:
            value = conn.execute(select(t.meta.c.value).where(t.meta.c.key == VERSION_KEY)).scalar()
    except (OperationalError, ProgrammingError):
        return None  # no table yet (or the server is down: the locked path says which)
    return int(value) if value is not None else None


def _read_version(conn: Connection) -> int | None:
    """The recorded version; None for an empty store. Tables without a version are a store that leadstage 0.1
    began creating and was stopped before it recorded one: version 1."""
    tables = set(inspect(conn).get_table_names())
    if t.meta.name in tables:
        value = conn.execute(select(t.meta.c.value).where(t.meta.c.key == VERSION_KEY)).scalar()
        if value is not None:
            return int(value)
    if t.runs.name in tables:
        if t.meta.name not in tables:
            t.meta.create(conn)
        conn.execute(insert(t.meta).values(key=VERSION_KEY, value="1"))
        return 1
    return None


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[Connection]:
    """A connection holding the store-wide schema lock, in a transaction committed at the end of the block."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # pysqlite begins transactions lazily and never exclusively: take the lock by hand.
            raw = conn.execution_options(isolation_level="AUTOCOMMIT")
            raw.exec_driver_sql("BEGIN EXCLUSIVE")
            try:
                yield raw
            except BaseException:
                raw.exec_driver_sql("ROLLBACK")
                raise
            raw.exec_driver_sql("COMMIT")
            return
        with conn.begin():
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key || current_schema()))"), {"key": SCHEMA_LOCK})
            yield conn


def _add_column(conn: Connection, column: Column[Any]) -> None:
    """``ALTER TABLE ... ADD COLUMN`` (nullable, as in the table's definition) unless the column is there."""
    table = column.table.name
    if column.name in {c["name"] for c in inspect(conn).get_columns(table)}:
        return
    preparer = conn.dialect.identifier_preparer
    type_sql = column.type.compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE {preparer.quote(table)} ADD COLUMN {preparer.quote(column.name)} {type_sql}")


def _index(table: Table, name: str) -> Index:
    return next(index for index in table.indexes if index.name == name)


def _to_v2(conn: Connection) -> None:
    """v2: who runs each run (so crashed runs are found), and history rows keyed by their transition."""
    _add_column(conn, t.runs.c.holder)
    _add_column(conn, t.stage_history.c.at_source)
    _add_column(conn, t.stage_history.c.transition_key)
    _index(t.stage_history, "uq_stage_history_transition").create(conn, checkfirst=True)


def _to_v3(conn: Connection) -> None:
    """v3: each contact's company, and the companies table (created with the other new tables)."""
    _add_column(conn, t.contacts.c.company_id)
    _index(t.contacts, "ix_contact_state_company").create(conn, checkfirst=True)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {2: _to_v2, 3: _to_v3}
