"""One retry policy and one rate limiter: 429, 423, 5xx, resets and timeouts, with no real sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from leadstage.connectors.base import AuthenticationFailed, QuotaExhausted, SweepKind, SweepPosition, Update
from leadstage.connectors.clock import FixedClock
from leadstage.connectors.resilience import (
    RateLimiter,
    RetryPolicy,
    RetrySettings,
    TransientError,
    parse_retry_after,
)
from leadstage.sandbox import RateLimit
from tests.conftest import START, make_harness, make_sandbox


def _full(h):
    return list(h.connector.pull_contacts(SweepPosition(SweepKind.FULL, h.clock.now())))


def test_a_429_waits_for_retry_after_then_succeeds(harness):
    harness.box.inject("contacts.list", status=429, times=2, headers={"Retry-After": "7"})
    started = time.monotonic()

    pages = _full(harness)

    assert sum(len(p.contacts) for p in pages) == 150
    assert harness.clock.sleeps[:2] == [7.0, 7.0]
    assert harness.box.counts()["contacts.list"] == 4  # two refused, then the two real pages
    assert time.monotonic() - started < 5  # nobody slept for real


def test_a_429_without_retry_after_backs_off_with_jitter(harness):
    harness.box.inject("contacts.batch_update", status=429, times=3)

    result = harness.connector.write([Update("101", {"score": "12"})])

    assert list(result.written) == ["101"]
    waits = harness.clock.sleeps
    assert len(waits) == 3 and all(0 < w <= 30 for w in waits)
    assert harness.box.hubspot.contacts["101"]["leadstage_score"] == "12"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 423])
def test_server_errors_and_locks_are_retried(harness, status):
    harness.box.inject("contacts.batch_update", status=status, times=2)

    result = harness.connector.write([Update("101", {"score": "33"})])

    assert list(result.written) == ["101"]
    assert len(harness.clock.sleeps) == 2
    if status == 423:
        assert all(w >= 2.0 for w in harness.clock.sleeps)  # HubSpot asks for at least 2 s after a 423


def test_a_connection_reset_is_retried(harness):
    harness.box.inject("associations.batch_read", reset=True, times=1)

    activities = harness.connector.fetch_activities(["101", "102"])

    assert activities
    assert len(harness.clock.sleeps) == 1


def test_a_slow_answer_times_out_and_is_retried(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=5)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch, {"sync": {"timeouts": {"read_seconds": 0.2}}})
        box.inject("contacts.list", delay_s=0.6, times=1)

        pages = _full(h)

        assert sum(len(p.contacts) for p in pages) == 5
        assert len(clock.sleeps) == 1
    finally:
        box.stop()


def test_retries_give_up_after_the_configured_attempts(harness):
    harness.box.inject("contacts.list", status=503, times=50)

    with pytest.raises(TransientError):
        _full(harness)

    assert harness.box.counts()["contacts.list"] == harness.settings.sync.retry.attempts


def test_the_daily_limit_stops_at_once_with_a_clear_error(harness):
    harness.box.inject(
        "contacts.list",
        status=429,
        body={"status": "error", "errorType": "RATE_LIMIT", "policyName": "DAILY", "message": "daily limit"},
    )

    with pytest.raises(QuotaExhausted, match="daily API limit"):
        _full(harness)
    assert harness.clock.sleeps == []


def test_a_wrong_token_is_an_authentication_error_not_a_retry(tmp_path, sandbox, clock, monkeypatch):
    h = make_harness(tmp_path, sandbox, clock, monkeypatch)
    monkeypatch.setenv("LEADSTAGE_TEST_TOKEN", "wrong-token-123")
    connector = h.fresh_connector()

    with pytest.raises(AuthenticationFailed, match="401"):
        connector.check()
    assert clock.sleeps == []


def test_the_rate_limiter_keeps_under_the_portal_limit(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=250, rate_limit=RateLimit(max_requests=10, interval_ms=1000))
    try:
        overrides = {"portals": {"main": {"rate_limit": 10, "rate_interval_seconds": 1, "rate_share": 1.0}}}
        h = make_harness(tmp_path, box, clock, monkeypatch, overrides)
        started = clock.t
        ids = sorted(box.hubspot.contacts, key=int)

        for _ in range(3):
            h.connector.fetch_activities(ids)

        statuses = [r.status for r in box.request_log]
        assert 429 not in statuses
        assert len(statuses) > 30
        assert clock.t - started >= (len(statuses) - 10) / 10  # it waited for the window, on the fake clock
    finally:
        box.stop()


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("Mon, 01 Jun 2026 12:00:10 GMT", now) == 10.0
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("soon", now) is None


def test_the_retry_budget_is_measured_on_the_injected_clock():
    clock = FixedClock(START)
    policy = RetryPolicy(RetrySettings(attempts=100, max_total_s=60), sleep=clock.sleep, clock=clock.monotonic)
    calls = []

    def always_busy():
        calls.append(clock.t)
        raise TransientError("busy", status=503, retry_after=25)

    with pytest.raises(TransientError):
        policy.call(always_busy, "test")
    assert len(calls) == 3  # t=0, 25, 50; the next wait would pass 60 s


def test_a_rate_limiter_share_leaves_room_for_other_workers():
    clock = FixedClock(START)
    limiter = RateLimiter(100, 10.0, clock.monotonic, clock.sleep, share=0.5)
    for _ in range(120):
        limiter.acquire()
    assert limiter.max_requests == 50
    assert clock.t - FixedClock(START).t >= 20.0


def test_an_answer_cut_off_mid_body_never_leaks_into_the_next_request(tmp_path, clock, monkeypatch):
    # The timeout strikes after the headers, while the body is read: that connection must not be reused, or the
    # next request would read the rest of this answer as its own.
    box = make_sandbox(clock, contacts=250)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch, {"sync": {"timeouts": {"read_seconds": 0.2}}})
        box.inject("contacts.list", stall_body_s=0.5, times=1)

        pages = _full(h)
        ids = [c.id for p in pages for c in p.contacts]

        assert sorted(ids, key=int) == sorted(box.hubspot.contacts, key=int)  # every page is the right page
        assert len(clock.sleeps) == 1  # one retry, after the cut-off answer
    finally:
        box.stop()
