"""Malformed CRM records: each is quarantined with its reason, the rest of the run goes on, exit code 1."""

from __future__ import annotations

import pytest

from tests.conftest import make_harness, make_sandbox

N = 40
VICTIM = "105"


def _options(box, name, extra):
    return [o["value"] for o in box.hubspot.property(name)["options"]] + [extra]


def _unknown_lifecycle(box):
    box.hubspot.set_property_options("lifecyclestage", _options(box, "lifecyclestage", "partner"))
    box.hubspot.update_contact(VICTIM, {"lifecyclestage": "partner"})


def _unknown_lead_status(box):
    box.hubspot.set_property_options("hs_lead_status", _options(box, "hs_lead_status", "ZOMBIE"))
    box.hubspot.update_contact(VICTIM, {"hs_lead_status": "ZOMBIE"})


CASES = {
    "unknown lifecycle value": (_unknown_lifecycle, "lifecycle_stage value 'partner' is not in the stage mapping"),
    "unknown lead status": (_unknown_lead_status, "lead_status value 'ZOMBIE' is not in the stage mapping"),
    "non-numeric employee count": (
        lambda b: b.hubspot.corrupt(VICTIM, properties={"numemployees": "lots"}),
        "employees is not a number: 'lots'",
    ),
    "non-numeric revenue": (
        lambda b: b.hubspot.corrupt(VICTIM, properties={"annualrevenue": "1.2M$"}),
        "annual_revenue is not a number",
    ),
    "bad modification date": (
        lambda b: b.hubspot.corrupt(VICTIM, updatedAt="last Tuesday"),
        "updatedAt is not a valid date",
    ),
    "bad creation date": (lambda b: b.hubspot.corrupt(VICTIM, createdAt="2026-13-45"), "createdAt is not a valid date"),
    "missing email": (lambda b: b.hubspot.corrupt(VICTIM, properties={"email": None}), "email is missing"),
    "huge string": (
        lambda b: b.hubspot.corrupt(VICTIM, properties={"jobtitle": "VP " * 7000}),
        "property jobtitle is 21,000 characters long",
    ),
    "NUL byte": (lambda b: b.hubspot.corrupt(VICTIM, properties={"firstname": "Ada\x00"}), "contains a NUL character"),
    "lone surrogate": (
        lambda b: b.hubspot.corrupt(VICTIM, properties={"lastname": "Lovelace\ud800"}),
        "lone surrogate",
    ),
    "null properties": (lambda b: b.hubspot.corrupt(VICTIM, properties=None), "the record has no properties"),
    "refused by the CRM": (
        lambda b: b.hubspot.reject_writes({VICTIM}, "Property values were not valid: leadstage_grade"),
        "Property values were not valid",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_malformed_record_is_quarantined_with_its_reason_and_the_run_goes_on(tmp_path, clock, monkeypatch, case):
    box = make_sandbox(clock, contacts=N)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        damage, reason = CASES[case]
        damage(box)

        run = h.run()

        assert run.status == "partial" and run.exit_code == 1
        (letter,) = h.store.dead_letters("main")
        assert letter["contact_id"] == VICTIM and reason in letter["reason"]
        others = [cid for cid in box.hubspot.contacts if cid != VICTIM]
        assert all(box.hubspot.contacts[cid].get("leadstage_score") for cid in others)  # the rest went through
        assert run.counts.pulled == N and run.counts.failed == 1
    finally:
        box.stop()


def test_a_record_without_an_id_is_quarantined_and_the_sweep_goes_on(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=N)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        box.hubspot.corrupt(VICTIM, id=None)

        run = h.run()

        letters = h.store.dead_letters("main")
        assert run.exit_code == 1 and letters
        assert all(letter["contact_id"] == "?" and "no valid id" in letter["reason"] for letter in letters)
        assert run.counts.updated == N - 1
    finally:
        box.stop()


def test_a_record_deleted_mid_run_is_quarantined_with_the_crms_reason(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=N)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        write = h.connector.write

        def delete_then_write(updates):
            box.hubspot.archive_contact(VICTIM)  # someone deletes it between our read and our write
            return write(updates)

        monkeypatch.setattr(h.connector, "write", delete_then_write)

        run = h.run()

        (letter,) = h.store.dead_letters("main")
        assert run.exit_code == 1 and letter["contact_id"] == VICTIM and letter["phase"] == "write"
        assert "OBJECT_NOT_FOUND" in letter["reason"] or "not" in letter["reason"].lower()
        assert run.counts.updated == N - 1
    finally:
        box.stop()


def test_the_same_id_on_two_pages_is_evaluated_once(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=150)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        box.hubspot.corrupt("240", id="101")  # page 2 serves a second copy of 101 (HubSpot list pages hold 100)

        run = h.run()

        assert run.counts.duplicates >= 1 and run.status == "ok"
        assert [row["contact_id"] for row in h.store.history("main")].count("101") == 1
    finally:
        box.stop()


def test_a_merged_contact_leaves_the_state_store_and_its_survivor_is_evaluated(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=N)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        h.run()
        clock.advance(minutes=30)
        box.hubspot.merge_contacts("101", VICTIM)
        clock.advance(minutes=1)

        run = h.run()

        assert run.counts.deleted == 1 and run.status == "ok"
        assert VICTIM not in h.store.load_contacts("main", [VICTIM])
        assert "101" in h.store.load_contacts("main", ["101"])
    finally:
        box.stop()


def test_odd_but_valid_unicode_passes_through_unchanged(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=N)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        name = "Zoë 😀 \u200fאבג e\u0301"
        box.hubspot.update_contact(VICTIM, {"firstname": name})

        run = h.run()

        assert run.status == "ok"
        assert h.store.load_contacts("main", [VICTIM])[VICTIM].fields["first_name"] == name
    finally:
        box.stop()
