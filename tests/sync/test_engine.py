"""One sync run end to end: the real client, the sandbox over HTTP, the state store on disk."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest

from leadstage.sync.run import failpoints
from leadstage.sync.run.failpoints import FailpointCrash
from tests.conftest import make_harness, make_sandbox


def _ours(box):
    """The CRM's values of every leadstage property, per contact: what a run leaves behind."""
    return {
        cid: {k: v for k, v in props.items() if k.startswith("leadstage_") or k == "lifecyclestage"}
        for cid, props in box.hubspot.contacts.items()
    }


def pricing_visits(contact):
    found = re.search(r"Pricing page visit x(\d+)", contact["leadstage_score_reason"])
    return int(found.group(1)) if found else 0


def test_the_first_run_writes_every_contact_and_the_second_writes_nothing(harness):
    first = harness.run()
    harness.clock.advance(minutes=5)
    harness.box.reset_counts()

    second = harness.run()

    assert first.status == "ok" and first.counts.updated == 150
    assert second.status == "ok"
    assert second.counts.pulled == 150  # our own writes come back as changed records...
    assert second.counts.updated == 0  # ...and are recognised: no echo loop
    counts = harness.box.counts()
    assert "contacts.batch_update" not in counts
    assert "associations.batch_read" not in counts  # activity rollups unchanged: nothing fetched again
    assert counts["contacts.search"] == 1


def test_every_contact_gets_a_stage_a_score_and_a_grade(harness):
    harness.run()

    for contact in harness.box.hubspot.contacts.values():
        assert contact["leadstage_funnel_stage"] in {
            "raw",
            "mql",
            "sal",
            "sql",
            "opportunity",
            "customer",
            "recycled",
            "disqualified",
        }
        assert 0 <= int(contact["leadstage_score"]) <= 100
        assert contact["leadstage_grade"] in {"A", "B", "C", "D"}
        assert contact["leadstage_temperature"] in {"cold", "warm", "hot"}


def test_a_users_edit_is_picked_up_by_the_next_run_and_only_that_contact_is_written(harness):
    harness.run()
    harness.clock.advance(minutes=30)
    harness.run()  # re-reads our own writes (they are newer than its window's start), writes nothing
    harness.clock.advance(minutes=30)  # this run's window starts after our writes
    target = next(
        cid
        for cid, c in harness.box.hubspot.contacts.items()
        if c.get("lifecyclestage") == "lead" and c.get("leadstage_funnel_stage") == "raw"
    )
    harness.box.hubspot.update_contact(target, {"hs_lead_status": "IN_PROGRESS"})
    harness.clock.advance(minutes=1)

    run = harness.run()

    assert run.counts.pulled == 1 and run.counts.updated == 1
    assert harness.box.hubspot.contacts[target]["leadstage_funnel_stage"] == "sal"
    last = harness.store.history("main", target)[-1]
    assert (last["from_stage"], last["to_stage"], last["source"]) == ("raw", "sal", "crm")


def test_new_activity_is_fetched_and_scored(harness):
    harness.run()
    harness.clock.advance(hours=1)
    target = next(cid for cid, c in harness.box.hubspot.contacts.items() if c.get("leadstage_funnel_stage") == "raw")
    before = int(harness.box.hubspot.contacts[target]["leadstage_score"])
    visits_before = pricing_visits(harness.box.hubspot.contacts[target])
    for _ in range(3):
        harness.box.hubspot.add_web_event(
            target,
            "e_visited_page",
            harness.clock.now(),
            {"hs_url": "https://www.example.com/pricing", "hs_title": "Pricing"},
        )
    harness.box.hubspot.add_web_event(
        target,
        "e_submitted_form",
        harness.clock.now(),
        {"hs_form_title": "Request a demo", "hs_url": "https://www.example.com/demo"},
    )
    harness.clock.advance(minutes=1)

    run = harness.run()

    assert run.counts.events == 4
    after = int(harness.box.hubspot.contacts[target]["leadstage_score"])
    assert after > before
    assert pricing_visits(harness.box.hubspot.contacts[target]) == visits_before + 3


def test_a_207_sends_only_the_bad_records_to_the_dead_letter_table(harness):
    bad = sorted(harness.box.hubspot.contacts, key=int)[10:13]
    harness.box.hubspot.reject_writes(set(bad), "Property values were not valid: leadstage_grade")

    run = harness.run()

    assert run.status == "partial" and run.exit_code == 1
    assert run.counts.failed == 3 and run.counts.updated == 147
    letters = harness.store.dead_letters("main")
    assert sorted(letter["contact_id"] for letter in letters) == sorted(bad)
    for letter in letters:
        assert letter["phase"] == "write"
        assert "Property values were not valid" in letter["reason"]
        assert letter["payload"]["values"]["funnel_stage"]  # what should have been written is kept
    assert all("leadstage_score" not in harness.box.hubspot.contacts[cid] for cid in bad)


def test_retries_let_the_run_complete_without_real_sleeping(harness):
    harness.box.inject("contacts.list", status=429, times=2, headers={"Retry-After": "10"})
    harness.box.inject("contacts.batch_update", status=503, times=2)
    harness.box.inject("associations.batch_read", reset=True, times=1)

    run = harness.run()

    assert run.status == "ok" and run.counts.updated == 150
    assert len(harness.clock.sleeps) == 5 and 10.0 in harness.clock.sleeps


def test_a_run_that_runs_out_of_retries_fails_and_the_next_run_finishes_the_job(harness):
    harness.box.inject("contacts.batch_update", status=503, times=100)
    failed = harness.run()
    harness.box.clear_injections()
    harness.clock.advance(minutes=5)

    recovered = harness.run()

    assert failed.status == "failed" and "503" in failed.error
    assert recovered.status == "ok"
    assert all("leadstage_score" in c for c in harness.box.hubspot.contacts.values())


@pytest.mark.parametrize("point", ["after_write", "after_decisions"])
def test_a_crash_mid_page_is_repaired_by_the_next_run_with_no_duplicate_history(tmp_path, clock, monkeypatch, point):
    clean_box, crash_box = make_sandbox(clock, contacts=250), make_sandbox(clock, contacts=250)
    try:
        clean = make_harness(tmp_path / "clean", clean_box, clock, monkeypatch)
        crashed = make_harness(tmp_path / "crash", crash_box, clock, monkeypatch)
        for h in (clean, crashed):
            h.connector.setup()
        clean.run()

        monkeypatch.setenv(failpoints.ENV, f"{point}=raise@2")  # crash on the second page
        with pytest.raises(FailpointCrash):
            crashed.run()
        monkeypatch.delenv(failpoints.ENV)
        crash_box.reset_counts()
        repaired = crashed.run()

        assert repaired.status == "ok"
        assert _ours(crash_box) == _ours(clean_box)
        rows = crashed.store.history("main")
        assert len(rows) == len(clean.store.history("main"))
        assert not [k for k, n in Counter((r["contact_id"], r["to_stage"], r["at"]) for r in rows).items() if n > 1]
        written_again = crash_box.counts().get("contacts.batch_update", 0)
        assert written_again <= 2  # at most the interrupted page (100 records) and the pages never reached
    finally:
        clean_box.stop()
        crash_box.stop()


def test_api_calls_grow_with_n_over_100_within_a_budget(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=400)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        n = len(box.hubspot.contacts)
        engagements = Counter(a["type"] for cid in box.hubspot.contacts for a in box.hubspot.activities_of(cid))
        box.reset_counts()

        first = h.run()
        clock.advance(minutes=5)
        second = h.run()

        pages = math.ceil(n / 100)
        events_pages = box.counts()["events.list"]
        companies = {
            props["associatedcompanyid"] for props in box.hubspot.contacts.values() if props.get("associatedcompanyid")
        }
        lower_bound = (
            pages  # contact list pages
            + events_pages
            + len(engagements)  # one association call per engagement type could cover 1,000 contacts
            + sum(math.ceil(k / 100) for k in engagements.values())
            + math.ceil(len(companies) / 100)  # the contacts' companies, read once each
            + pages  # batch updates
        )
        # Activities and companies are fetched per contact page, so each page may round up once per engagement
        # type and once for its companies.
        budget = lower_bound + pages * (2 * len(engagements) + 1)
        assert first.counts.api_calls <= budget
        assert first.counts.api_calls == box.total_requests() - second.counts.api_calls
        # The next run: the search for changed contacts, the web events, and the search for changed companies.
        assert second.counts.api_calls <= math.ceil(n / 200) + 2
    finally:
        box.stop()


def test_a_dry_run_writes_nothing_and_reports_what_it_would_write(harness):
    run = harness.run(dry_run=True)

    assert run.kind == "sync-dry-run" and run.counts.updated == 150
    assert len(run.planned) == 150 and run.planned[0]["values"]["funnel_stage"]
    assert "contacts.batch_update" not in harness.box.counts()
    assert harness.store.count_contacts("main") == 0
    assert harness.store.load_position("main", "contacts") is None


def test_an_unknown_lifecycle_value_is_quarantined_and_the_run_goes_on(harness):
    harness.box.hubspot.set_property_options(
        "lifecyclestage",
        [
            "subscriber",
            "lead",
            "marketingqualifiedlead",
            "salesqualifiedlead",
            "opportunity",
            "customer",
            "evangelist",
            "other",
            "partner",
        ],
    )
    harness.box.hubspot.update_contact("101", {"lifecyclestage": "partner"})

    run = harness.run()

    assert run.status == "partial" and run.counts.failed == 1 and run.counts.updated == 149
    (letter,) = harness.store.dead_letters("main")
    assert letter["contact_id"] == "101" and letter["phase"] == "evaluate"
    assert "lifecycle_stage value 'partner' is not in the stage mapping" in letter["reason"]


def _promote(harness_factory, tmp_path, clock, monkeypatch, allow_backward):
    box = make_sandbox(clock, contacts=150)
    overrides = {"stages": {"hubspot": {"promote": {"enabled": True, "allow_backward": allow_backward}}}}
    h = harness_factory(tmp_path, box, clock, monkeypatch, overrides)
    h.connector.setup()
    return box, h


def test_lifecycle_promotion_moves_new_mqls_forward_only(tmp_path, clock, monkeypatch):
    box, h = _promote(make_harness, tmp_path, clock, monkeypatch, allow_backward=False)
    try:
        h.run()
        computed = {row["contact_id"] for row in h.store.history("main") if row["source"] == "computed"}

        assert computed
        for cid in computed:
            assert box.hubspot.contacts[cid]["lifecyclestage"] == "marketingqualifiedlead"
        clock.advance(minutes=30)
        assert h.run().counts.updated == 0  # reading our own lifecycle write back changes nothing
    finally:
        box.stop()


def test_a_recycled_lead_requalifying_moves_lifecycle_back_only_when_allowed(tmp_path, clock, monkeypatch):
    for allow in (False, True):
        box, h = _promote(make_harness, tmp_path / str(allow), clock, monkeypatch, allow_backward=allow)
        try:
            h.run()
            target = next(
                cid
                for cid, c in box.hubspot.contacts.items()
                if c.get("leadstage_funnel_stage") == "sql" and c.get("lifecyclestage") == "salesqualifiedlead"
            )
            clock.advance(hours=1)
            box.hubspot.update_contact(target, {"hs_lead_status": "BAD_TIMING"})  # sales recycles it
            clock.advance(hours=1)
            h.run()
            assert box.hubspot.contacts[target]["leadstage_funnel_stage"] == "recycled"
            clock.advance(hours=1)
            for form in ("Request a demo", "Contact us"):
                box.hubspot.add_web_event(target, "e_submitted_form", clock.now(), {"hs_form_title": form})
            for _ in range(3):
                box.hubspot.add_web_event(
                    target, "e_visited_page", clock.now(), {"hs_url": "https://www.example.com/pricing"}
                )
            box.hubspot.update_contact(
                target,
                {
                    "jobtitle": "VP Sales",
                    "industry": "Software",
                    "numemployees": "100-500",
                    "annualrevenue": "50000000",
                },
            )
            clock.advance(minutes=5)
            box.reset_counts()

            h.run()

            contact = box.hubspot.contacts[target]
            assert contact["leadstage_funnel_stage"] == "mql"
            expected = "marketingqualifiedlead" if allow else "salesqualifiedlead"
            assert contact["lifecyclestage"] == expected
            assert box.counts()["contacts.batch_update"] == (2 if allow else 1)  # clear, then set
        finally:
            box.stop()


def test_a_stop_request_finishes_the_page_in_hand_and_the_next_run_continues(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=350)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        pages = []

        from leadstage.sync.run.engine import RunOptions, SyncRun

        run = SyncRun(
            "main",
            h.portal.model,
            h.connector,
            h.store,
            clock.now,
            RunOptions(),
            on_page=lambda counts: pages.append(counts.evaluated),
            should_stop=lambda: bool(pages) and pages[-1] >= 200,
        )
        stopped = run.execute()
        clock.advance(minutes=1)
        rest = h.run()

        assert stopped.status == "stopped" and stopped.exit_code == 0
        assert stopped.counts.evaluated == 200  # two pages of 100, both committed
        assert rest.status == "ok" and rest.counts.evaluated == 150
        assert all("leadstage_score" in c for c in box.hubspot.contacts.values())
    finally:
        box.stop()
