"""SQL helpers the state store's modules share: dialect-aware upserts, IN-list chunks, SQLite pragmas."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

IN_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def dialect_insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported state store backend {conn.dialect.name!r}: use SQLite or PostgreSQL")


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
    if not rows:
        return
    statement = dialect_insert(conn, table)
    columns = [name for name in rows[0] if name not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in columns}
    )
    conn.execute(statement, rows)


def insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: tuple[str, ...] = ()) -> None:
    """Insert the rows that conflict with none already there (on ``keys``; on any unique key when empty)."""
    if not rows:
        return
    statement = dialect_insert(conn, table).on_conflict_do_nothing(index_elements=list(keys) or None)
    conn.execute(statement, rows)


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # The wait first: switching a new file to WAL takes a lock another process may hold for a moment.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
