"""The state store, on SQLite and on a real PostgreSQL server (each test in its own schema)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from leadstage.connectors.base import SweepKind, SweepPosition
from leadstage.mapping.model import Activity, Stage, StageState, Transition, TransitionSource
from leadstage.sync.state import DeadLetter, StateStore, StoredContact
from tests.conftest import make_harness

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(state_url):
    s = StateStore(state_url)
    yield s
    s.close()


def _record(contact_id: str, stage: Stage = Stage.MQL, **written: str) -> StoredContact:
    state = StageState(stage=stage, entered={stage: NOW}, observed=Stage.RAW)
    return StoredContact(
        contact_id, {"email": f"{contact_id}@example.com"}, "m1", NOW, state, written, None, 71, "B", "warm"
    )


def test_positions_round_trip_with_aware_datetimes(store):
    position = SweepPosition(SweepKind.INCREMENTAL, until=NOW, since=NOW - timedelta(minutes=10), after="4711")
    with store.transaction() as conn:
        store.save_position(conn, "p", "contacts", position, NOW)

    assert store.load_position("p", "contacts") == position
    assert store.load_position("p", "events") is None


def test_contact_state_round_trips_and_upserts(store):
    with store.transaction() as conn:
        store.save_contacts(conn, "p", [_record("1", score="71")], run_id=1, now=NOW)
        store.save_contacts(conn, "p", [_record("1", Stage.SAL, score="80")], run_id=2, now=NOW)

    (stored,) = store.load_contacts("p", ["1", "2"]).values()
    assert stored.stage.stage is Stage.SAL and stored.stage.entered_at(Stage.SAL) == NOW
    assert stored.stage.entered_at(Stage.SAL).tzinfo is not None
    assert stored.written == {"score": "80"} and stored.last_run_id == 2
    assert store.count_contacts("p") == 1 and store.count_contacts("other") == 0


def test_marking_written_merges_values_and_keeps_the_crm_time(store):
    with store.transaction() as conn:
        store.save_contacts(conn, "p", [_record("1", score="71", grade="B")], run_id=1, now=NOW)
        store.mark_written(conn, "p", {"1": ({"score": "75"}, NOW + timedelta(seconds=3))}, NOW)

    stored = store.load_contacts("p", ["1"])["1"]
    assert stored.written == {"score": "75", "grade": "B"}
    assert stored.written_at == NOW + timedelta(seconds=3)


def test_a_transition_is_stored_once_however_often_it_is_offered(store):
    move = Transition("1", Stage.RAW, Stage.MQL, NOW, "score 70 >= 60", TransitionSource.COMPUTED)
    for _ in range(3):
        with store.transaction() as conn:
            store.add_transitions(conn, "p", [move, move], run_id=1)

    (row,) = store.history("p", "1")
    assert (row["from_stage"], row["to_stage"], row["source"], row["at"]) == ("raw", "mql", "computed", NOW)


def test_fresh_engagements_replace_the_stored_ones_and_stream_activities_stay(store):
    old = Activity("emails:1", "1", "email_reply", NOW)
    event = Activity("event:9", "1", "page_view", NOW, {"url": "/pricing"})
    new = Activity("calls:2", "1", "call", NOW, {"status": "COMPLETED"})
    with store.transaction() as conn:
        store.add_activities(conn, "p", [old], "engagement", run_id=1)
        store.add_activities(conn, "p", [event, event], "stream", run_id=1)
        store.replace_engagements(conn, "p", ["1"], [new], run_id=2)

    kept = store.load_activities("p", ["1"])["1"]
    assert sorted(a.id for a in kept) == ["calls:2", "event:9"]
    assert {a.id: dict(a.attributes) for a in kept}["event:9"] == {"url": "/pricing"}
    assert [a.id for a in store.load_activities("p", ["1"], refreshed={"1"})["1"]] == ["event:9"]


def test_contacts_with_new_stream_activity_exclude_the_ones_already_evaluated(store):
    with store.transaction() as conn:
        store.add_activities(
            conn,
            "p",
            [
                Activity("event:1", "1", "page_view", NOW),
                Activity("event:2", "2", "page_view", NOW),
                Activity("event:3", "3", "page_view", NOW),
            ],
            "stream",
            run_id=5,
        )
        store.save_contacts(conn, "p", [_record("1")], run_id=5, now=NOW)
        store.add_dead_letters(conn, "p", [DeadLetter("3", "read", "bad date", {})], run_id=5, now=NOW)

    assert store.contacts_with_new_activity("p", 5) == ["2"]


def test_runs_and_dead_letters_are_listed(store):
    run_id = store.start_run("p", "sync", NOW)
    with store.transaction() as conn:
        store.add_dead_letters(
            conn, "p", [DeadLetter("7", "write", "INVALID_OPTION", {"values": {"grade": "Z"}})], run_id, NOW
        )
    store.finish_run(run_id, "partial", {"failed": 1}, NOW + timedelta(seconds=42))

    (run,) = store.runs("p")
    assert run["status"] == "partial" and run["counts"] == {"failed": 1} and run["duration_s"] == 42
    (letter,) = store.dead_letters("p")
    assert letter["payload"] == {"values": {"grade": "Z"}} and letter["run_id"] == run_id


def test_a_full_sync_on_this_backend_writes_nothing_the_second_time(tmp_path, sandbox, clock, monkeypatch, state_url):
    h = make_harness(tmp_path, sandbox, clock, monkeypatch, {"state": {"url": state_url}})
    h.connector.setup()

    first = h.run()
    clock.advance(minutes=5)
    second = h.run()

    assert (first.status, first.counts.updated) == ("ok", 150)
    assert (second.status, second.counts.updated) == ("ok", 0)
    assert h.store.engine.dialect.name == state_url.split(":")[0].split("+")[0]
    h.store.close()


def test_a_portal_lease_has_one_holder_until_it_expires(store):
    ttl = timedelta(minutes=10)

    assert store.acquire_lease("p", "daemon-a", ttl, NOW)
    assert not store.acquire_lease("p", "daemon-b", ttl, NOW + timedelta(minutes=5))
    assert store.acquire_lease("p", "daemon-a", ttl, NOW + timedelta(minutes=5))  # renewed by its holder
    assert store.lease_holder("p", NOW + timedelta(minutes=14)) == "daemon-a"
    assert store.acquire_lease("p", "daemon-b", ttl, NOW + timedelta(minutes=16))  # expired: taken over
    assert not store.acquire_lease("p", "daemon-a", ttl, NOW + timedelta(minutes=17))
    store.release_lease("p", "daemon-b")
    assert store.lease_holder("p", NOW + timedelta(minutes=17)) is None
    assert store.acquire_lease("other", "daemon-a", ttl, NOW)  # leases are per portal


def test_the_lease_of_a_dead_local_process_is_taken_over_at_once(store):
    import socket
    import subprocess
    import sys

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    host, ttl = socket.gethostname(), timedelta(minutes=10)
    assert store.acquire_lease("p", f"backfill:{host}:{finished.pid}", ttl, NOW)
    assert store.acquire_lease("r", f"daemon:{host}:{os.getpid()}:abc", ttl, NOW)
    assert store.acquire_lease("s", "daemon:elsewhere:42", ttl, NOW)

    assert store.take_over_if_gone("p", "backfill:me:1", ttl, NOW + timedelta(minutes=1))  # its holder is gone
    assert not store.take_over_if_gone("r", "backfill:me:1", ttl, NOW)  # its holder still runs
    assert not store.take_over_if_gone("s", "backfill:me:1", ttl, NOW)  # another host: wait for the expiry
