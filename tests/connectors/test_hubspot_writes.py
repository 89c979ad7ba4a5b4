"""The HubSpot connector's writes and setup, against the sandbox."""

from __future__ import annotations

import pytest

from leadstage.connectors.base import Update
from leadstage.connectors.hubspot.client import HubSpotRequestError
from tests.conftest import make_harness, make_sandbox


def test_setup_creates_the_group_and_properties_once(tmp_path, sandbox, clock, monkeypatch):
    h = make_harness(tmp_path, sandbox, clock, monkeypatch)

    first = h.connector.setup()
    second = h.connector.setup()

    assert "leadstage_score" in first.created and "leadstage_funnel_stage" in first.created
    assert second.created == [] and sorted(second.existing) == sorted(first.created)
    grade = sandbox.hubspot.property("leadstage_grade")
    assert grade["groupName"] == "leadstage"
    assert [o["value"] for o in grade["options"]] == ["A", "B", "C", "D"]
    assert sandbox.counts()["properties.create"] == len(first.created)


def test_setup_treats_a_409_as_already_there(tmp_path, sandbox, clock, monkeypatch):
    h = make_harness(tmp_path, sandbox, clock, monkeypatch)
    h.connector.setup()
    field = h.connector.outputs[0]

    h.connector._create_property(field)  # another process created it meanwhile: 409, no error

    assert sandbox.counts()["properties.create"] == len(h.connector.outputs) + 1


def test_dry_run_setup_creates_nothing(tmp_path, sandbox, clock, monkeypatch):
    h = make_harness(tmp_path, sandbox, clock, monkeypatch)

    report = h.connector.setup(dry_run=True)

    assert "leadstage_score" in report.created
    assert sandbox.hubspot.property("leadstage_score") is None
    assert "properties.create" not in sandbox.counts()


def test_check_lists_missing_properties(tmp_path, sandbox, clock, monkeypatch):
    h = make_harness(tmp_path, sandbox, clock, monkeypatch)
    assert {f.crm_name for f in h.connector.check().missing_fields} >= {"leadstage_score", "leadstage_grade"}
    h.connector.setup()
    assert h.connector.check().missing_fields == []


def test_writes_go_in_batches_of_100(harness):
    updates = [Update(cid, {"score": "42"}) for cid in sorted(harness.box.hubspot.contacts, key=int)]

    result = harness.connector.write(updates)

    assert len(result.written) == 150 and result.failures == []
    assert harness.box.counts()["contacts.batch_update"] == 2
    assert all(c["leadstage_score"] == "42" for c in harness.box.hubspot.contacts.values())
    assert all(at is not None for at in result.written.values())


def test_a_207_names_only_the_records_that_failed(harness):
    ids = sorted(harness.box.hubspot.contacts, key=int)[:10]
    harness.box.hubspot.reject_writes({ids[3], ids[7]}, "Property values were not valid")

    result = harness.connector.write([Update(cid, {"score": "42"}) for cid in ids])

    assert sorted(f.contact_id for f in result.failures) == sorted([ids[3], ids[7]])
    assert all("Property values were not valid" in f.reason for f in result.failures)
    assert set(result.written) == set(ids) - {ids[3], ids[7]}
    assert harness.box.hubspot.contacts[ids[3]].get("leadstage_score") is None


def test_an_invalid_option_fails_only_that_record(harness):
    ids = sorted(harness.box.hubspot.contacts, key=int)[:3]
    updates = [Update(ids[0], {"grade": "A"}), Update(ids[1], {"grade": "Z"}), Update(ids[2], {"grade": "B"})]

    result = harness.connector.write(updates)

    (failure,) = result.failures
    assert failure.contact_id == ids[1]
    assert "VALIDATION_ERROR" in failure.reason
    assert set(result.written) == {ids[0], ids[2]}


def test_an_all_or_nothing_400_is_split_until_the_bad_record_stands_alone(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=40, batch_validation="all_or_nothing")
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        ids = sorted(box.hubspot.contacts, key=int)
        updates = [Update(cid, {"grade": "Z" if cid == ids[17] else "A"}) for cid in ids]

        result = h.connector.write(updates)

        assert [f.contact_id for f in result.failures] == [ids[17]]
        assert len(result.written) == 39
        assert box.counts()["contacts.batch_update"] <= 1 + 2 * 6  # a bisection, not one call per record
    finally:
        box.stop()


def test_a_backward_lifecycle_move_clears_first_in_a_separate_request(harness):
    contact_id = next(
        cid for cid, c in harness.box.hubspot.contacts.items() if c.get("lifecyclestage") == "salesqualifiedlead"
    )

    result = harness.connector.write(
        [Update(contact_id, {"lifecycle_stage": "marketingqualifiedlead"}, frozenset({"lifecycle_stage"}))]
    )

    assert result.failures == []
    assert harness.box.hubspot.contacts[contact_id]["lifecyclestage"] == "marketingqualifiedlead"
    assert harness.box.counts()["contacts.batch_update"] == 2


def test_a_backward_lifecycle_move_without_clearing_is_ignored_by_hubspot(harness):
    contact_id = next(
        cid for cid, c in harness.box.hubspot.contacts.items() if c.get("lifecyclestage") == "salesqualifiedlead"
    )

    harness.connector.write([Update(contact_id, {"lifecycle_stage": "marketingqualifiedlead"})])

    assert harness.box.hubspot.contacts[contact_id]["lifecyclestage"] == "salesqualifiedlead"


@pytest.mark.parametrize("status", [403, 404])
def test_client_errors_are_not_retried(harness, status):
    harness.box.inject("contacts.batch_update", status=status)

    with pytest.raises(HubSpotRequestError) as raised:
        harness.connector.write([Update("101", {"score": "1"})])

    assert raised.value.status == status
    assert harness.clock.sleeps == []
    assert harness.box.counts()["contacts.batch_update"] == 1


def test_a_400_for_a_single_record_is_that_record_s_failure_not_a_retry(harness):
    harness.box.inject(
        "contacts.batch_update",
        status=400,
        body={"status": "error", "message": "bad input", "category": "VALIDATION_ERROR"},
    )

    result = harness.connector.write([Update("101", {"score": "1"})])

    assert [f.contact_id for f in result.failures] == ["101"]
    assert "bad input" in result.failures[0].reason
    assert harness.clock.sleeps == []
