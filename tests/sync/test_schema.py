"""The state store's schema: created once when processes race for a store that does not exist yet, recorded with
its version, and migrated in place from an older version."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, select, text

from leadstage.sync.state import StateStore
from leadstage.sync.state import schema as t

RACERS = 6


@pytest.mark.subprocess
def test_processes_opening_a_new_store_at_once_all_start_and_exactly_one_creates_it(state_url):
    racers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.sync.schema_opener", state_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(RACERS)
    ]
    for racer in racers:  # every process loaded, none has touched the store
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    for racer in racers:  # then all open it at once
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    outputs = [racer.communicate(timeout=120) for racer in racers]

    assert [racer.returncode for racer in racers] == [0] * RACERS, [err[-1500:] for _, err in outputs]
    created = [json.loads(out)["created"] for out, _ in outputs]
    assert created.count(True) == 1
    engine = create_engine(state_url)
    with engine.connect() as conn:
        meta = dict(conn.execute(select(t.meta.c.key, t.meta.c.value)).all())
    engine.dispose()
    assert meta["schema_version"] == str(t.SCHEMA_VERSION)
    assert meta["schema_created_by"].rsplit(":", 1)[-1] in {str(racer.pid) for racer in racers}


def _make_version_1(url: str) -> None:
    """A store as leadstage 0.1 left it: without the columns, indexes and tables of v2 and v3, version 1 recorded."""
    StateStore(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX uq_stage_history_transition"))
        conn.execute(text("DROP INDEX ix_contact_state_company"))
        conn.execute(text("DROP TABLE companies"))
        dropped = (
            ("runs", "holder"),
            ("stage_history", "at_source"),
            ("stage_history", "transition_key"),
            ("contact_state", "company_id"),
        )
        for table, column in dropped:
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("DELETE FROM leadstage_meta"))
        conn.execute(text("INSERT INTO leadstage_meta (key, value) VALUES ('schema_version', '1')"))
        conn.execute(
            text(
                "INSERT INTO stage_history (portal, contact_id, from_stage, to_stage, at, reason, source, run_id) "
                "VALUES ('main', '7', NULL, 'raw', :at, 'first seen', 'crm', 1)"
            ),
            {
                "at": datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
                if url.startswith("sqlite")
                else datetime(2026, 1, 1, tzinfo=UTC)
            },
        )
    engine.dispose()


def test_a_version_1_store_is_migrated_in_place_keeping_its_rows(state_url):
    _make_version_1(state_url)

    store = StateStore(state_url)
    columns = {
        table: {c["name"] for c in inspect(store.engine).get_columns(table)}
        for table in ("runs", "stage_history", "contact_state")
    }
    indexes = {index["name"] for index in inspect(store.engine).get_indexes("stage_history")}
    with store.engine.connect() as conn:
        version = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version")).scalar_one()
    history = store.history("main")
    run_id = store.start_run("main", "sync", datetime(2026, 2, 1, tzinfo=UTC), holder="sync:h:1:x")
    store.close()

    assert store.schema_created is False and version == str(t.SCHEMA_VERSION)
    assert "holder" in columns["runs"] and {"at_source", "transition_key"} <= columns["stage_history"]
    assert "uq_stage_history_transition" in indexes and "company_id" in columns["contact_state"]
    assert "companies" in inspect(create_engine(state_url)).get_table_names()
    assert [(row["contact_id"], row["to_stage"], row["at_source"]) for row in history] == [("7", "raw", None)]
    assert run_id == 1


def test_a_store_from_a_newer_leadstage_is_refused_untouched(state_url):
    StateStore(state_url).close()
    engine = create_engine(state_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE leadstage_meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()

    from leadstage.sync.state import StateStoreError

    try:
        StateStore(state_url)
    except StateStoreError as error:
        refused = str(error)
    else:
        refused = ""

    assert "schema version 99, newer than this leadstage's" in refused
