"""API quota: an incremental run reads only what moved, and the rate limiter fills the window without a 429."""

from __future__ import annotations

from datetime import timedelta

from leadstage.connectors.clock import FixedClock
from leadstage.connectors.resilience import RateLimiter
from tests.conftest import START


def _busiest(harness):
    """A contact with engagements of every kind spread over months."""
    portal = harness.box.hubspot
    return max(portal.contacts, key=lambda cid: len(portal.activities_of(cid)))


def test_a_page_view_alone_fetches_no_engagements(harness):
    harness.run()
    harness.clock.advance(hours=2)
    contact_id = _busiest(harness)
    page = {"hs_url": "https://www.example.com/pricing", "hs_title": "Pricing"}
    harness.box.hubspot.add_web_event(contact_id, "e_visited_page", harness.clock.now(), page)
    harness.clock.advance(minutes=1)
    harness.box.reset_counts()

    run = harness.run()

    assert run.status == "ok" and run.counts.events == 1
    counts = harness.box.counts()
    assert "associations.batch_read" not in counts  # the page view came with the event stream
    assert not [name for name in counts if name.split(".")[0] in ("emails", "calls", "meetings", "notes", "tasks")]


def test_a_new_engagement_is_read_with_the_recent_ones_and_the_settled_ones_are_kept(harness, monkeypatch):
    harness.run()
    contact_id = _busiest(harness)
    stored_before = harness.store.load_activities("main", [contact_id])[contact_id]
    before = {a.id: a for a in stored_before if not a.id.startswith("event:")}
    harness.clock.advance(hours=2)
    email = {"hs_email_direction": "INCOMING_EMAIL", "hs_email_subject": "Re: pricing"}
    new_id = harness.box.hubspot.add_activity("email", contact_id, {**email, "hs_timestamp": harness.clock.now()})
    harness.clock.advance(minutes=1)
    read: list[str] = []
    original = harness.connector._read_engagements

    def spy(object_type, ids, owners):
        read.extend(f"{object_type}:{i}" for i in ids)
        return original(object_type, ids, owners)

    monkeypatch.setattr(harness.connector, "_read_engagements", spy)

    run = harness.run()

    assert run.status == "ok"
    settled = harness.clock.now() - timedelta(days=14)
    assert f"emails:{new_id}" in read
    assert all(a.occurred_at >= settled for i, a in before.items() if i in read)  # only recent ones read again
    assert len(read) < len(before)  # the settled ones were not
    stored = harness.store.load_activities("main", [contact_id])[contact_id]
    engagement_ids = {a.id for a in stored if not a.id.startswith("event:")}
    assert engagement_ids == set(before) | {f"emails:{new_id}"}  # settled ones kept, nothing lost, the new one added


def test_the_rate_limiter_counts_a_slot_until_the_answer_has_come():
    clock = FixedClock(START)
    limiter = RateLimiter(2, 1.0, clock.monotonic, clock.sleep)
    sent = clock.t
    limiter.acquire()
    clock.advance(seconds=0.3)  # the first request takes 0.3 s to be answered: the server counted it meanwhile
    limiter.done()
    limiter.acquire()
    limiter.done()

    limiter.acquire()

    assert clock.t - sent >= 1.3 - 1e-6  # a full second after the first answer, not after its sending
