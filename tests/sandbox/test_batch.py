"""Batch read and batch update of contacts, including partial failures and lifecycle rules."""

from __future__ import annotations

import json
from collections.abc import Callable

from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput, BatchReadInputSimplePublicObjectId

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox
from tests.sandbox.conftest import call

READ = "/crm/v3/objects/contacts/batch/read"
UPDATE = "/crm/v3/objects/contacts/batch/update"
NOW_ISO = "2026-05-01T10:00:00.000Z"


def update(sb: Sandbox, inputs: list[dict]) -> tuple[int, dict]:
    status, _, body = call(sb, "POST", UPDATE, {"inputs": inputs})
    return status, body


def test_batch_read_of_existing_ids_is_200(sb: Sandbox, client) -> None:
    request = BatchReadInputSimplePublicObjectId(properties=["email"], inputs=[{"id": "101"}, {"id": "150"}])

    answer = client.crm.contacts.batch_api.read(batch_read_input_simple_public_object_id=request)

    assert answer.status == "COMPLETE"
    assert sorted(r.id for r in answer.results) == ["101", "150"]
    assert answer.results[0].properties["email"]


def test_batch_read_with_missing_ids_is_207_naming_them(sb: Sandbox) -> None:
    body = {"properties": ["email"], "inputs": [{"id": "101"}, {"id": "9001"}, {"id": "9002"}]}

    status, _, answer = call(sb, "POST", READ, body)

    assert status == 207
    assert [r["id"] for r in answer["results"]] == ["101"]
    assert answer["numErrors"] == 1
    (error,) = answer["errors"]
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert error["context"] == {"ids": ["9001", "9002"]}


def test_batch_read_over_100_inputs_is_400(sb: Sandbox) -> None:
    status, _, answer = call(sb, "POST", READ, {"inputs": [{"id": str(i)} for i in range(101, 202)]})

    assert status == 400
    assert answer["category"] == "VALIDATION_ERROR"


def test_batch_update_applies_and_moves_lastmodifieddate_even_for_equal_values(
    sb: Sandbox, client, clock: FixedClock
) -> None:
    clock.advance(seconds=60)
    same_title = sb.hubspot.contacts["102"]["jobtitle"]
    request = BatchInputSimplePublicObjectBatchInput(
        inputs=[
            {"id": "101", "properties": {"hs_lead_status": "CONNECTED", "annualrevenue": "1200000"}},
            {"id": "102", "properties": {"jobtitle": same_title}},
        ]
    )

    answer = client.crm.contacts.batch_api.update(batch_input_simple_public_object_batch_input=request)

    assert answer.status == "COMPLETE"
    by_id = {r.id: r for r in answer.results}
    assert by_id["101"].properties["hs_lead_status"] == "CONNECTED"
    assert set(by_id["101"].properties) == {
        "hs_lead_status",
        "annualrevenue",
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
    }
    assert sb.hubspot.contacts["102"]["lastmodifieddate"] == "2026-05-01T10:01:00.000Z"
    assert by_id["102"].properties["lastmodifieddate"] == "2026-05-01T10:01:00.000Z"


def test_batch_update_207_lists_each_failed_input_with_its_id_and_applies_the_rest(sb: Sandbox) -> None:
    sb.hubspot.reject_writes({"106"}, "Contact is locked by a workflow")
    before_103 = dict(sb.hubspot.contacts["103"])
    inputs = [
        {"id": "101", "properties": {"hs_lead_status": "OPEN"}},
        {"id": "102", "properties": {"hs_lead_status": "MAYBE"}},
        {"id": "103", "properties": {"no_such_property": "x", "jobtitle": "CTO"}},
        {"id": "104", "properties": {"annualrevenue": "a lot"}},
        {"id": "105", "properties": {"createdate": "2020-01-01"}},
        {"id": "106", "properties": {"jobtitle": "CEO"}},
        {"id": "99999", "properties": {"jobtitle": "CEO"}},
    ]

    status, answer = update(sb, inputs)

    assert status == 207
    assert [r["id"] for r in answer["results"]] == ["101"]
    assert answer["numErrors"] == 6
    failed = {e["context"]["ids"][0]: e for e in answer["errors"]}
    assert set(failed) == {"102", "103", "104", "105", "106", "99999"}
    assert failed["102"]["errors"][0]["code"] == "INVALID_OPTION"
    assert failed["102"]["errors"][0]["context"] == {"propertyName": ["hs_lead_status"]}
    assert failed["102"]["message"].startswith("Property values were not valid: ")
    assert failed["103"]["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    assert failed["104"]["errors"][0]["code"] == "INVALID_INTEGER"
    assert failed["105"]["errors"][0]["code"] == "READ_ONLY_VALUE"
    assert failed["106"]["message"] == "Contact is locked by a workflow"
    assert failed["99999"]["category"] == "OBJECT_NOT_FOUND"
    assert sb.hubspot.contacts["103"] == before_103  # a failed input writes nothing, not even its valid values
    assert sb.hubspot.contacts["101"]["hs_lead_status"] == "OPEN"


def test_207_through_the_real_client_is_a_success_with_errors(sb: Sandbox, client) -> None:
    request = BatchInputSimplePublicObjectBatchInput(
        inputs=[
            {"id": "101", "properties": {"jobtitle": "CTO"}},
            {"id": "102", "properties": {"numemployees": "7"}},
        ]
    )

    raw = client.crm.contacts.batch_api.update(
        batch_input_simple_public_object_batch_input=request, _preload_content=False
    )
    answer = json.loads(raw.data)

    assert raw.status == 207
    assert [e["context"]["ids"] for e in answer["errors"]] == [["102"]]


def test_empty_string_clears_an_enumeration(sb: Sandbox) -> None:
    status, answer = update(sb, [{"id": "101", "properties": {"hs_lead_status": ""}}])

    assert status == 200
    assert answer["results"][0]["properties"]["hs_lead_status"] is None
    assert "hs_lead_status" not in sb.hubspot.contacts["101"]


def test_duplicate_ids_in_one_batch_are_a_400(sb: Sandbox) -> None:
    inputs = [{"id": "101", "properties": {"jobtitle": "A"}}, {"id": "101", "properties": {"jobtitle": "B"}}]

    status, answer = update(sb, inputs)

    assert status == 400
    assert answer["message"].startswith("Duplicate IDs found in batch input: [101]")
    assert sb.hubspot.contacts["101"]["jobtitle"] not in ("A", "B")


def test_more_than_100_inputs_is_a_400(sb: Sandbox) -> None:
    inputs = [{"id": str(i), "properties": {"jobtitle": "x"}} for i in range(101, 202)]

    assert update(sb, inputs)[0] == 400


def test_lifecyclestage_only_moves_forward_and_stamps_the_stage_date(sb: Sandbox, clock: FixedClock) -> None:
    sb.hubspot.update_contact("101", {"lifecyclestage": "lead"})
    props = sb.hubspot.contacts["101"]
    props.pop("hs_lifecyclestage_marketingqualifiedlead_date", None)

    forward = update(sb, [{"id": "101", "properties": {"lifecyclestage": "marketingqualifiedlead"}}])
    backward = update(sb, [{"id": "101", "properties": {"lifecyclestage": "subscriber"}}])

    assert forward[0] == backward[0] == 200
    assert backward[1]["results"][0]["properties"]["lifecyclestage"] == "marketingqualifiedlead"
    assert props["lifecyclestage"] == "marketingqualifiedlead"
    assert props["hs_lifecyclestage_marketingqualifiedlead_date"] == NOW_ISO


def test_clearing_the_stage_then_setting_an_earlier_one_moves_it_back(sb: Sandbox) -> None:
    sb.hubspot.update_contact("101", {"lifecyclestage": "opportunity"})

    update(sb, [{"id": "101", "properties": {"lifecyclestage": ""}}])
    update(sb, [{"id": "101", "properties": {"lifecyclestage": "lead"}}])

    assert sb.hubspot.contacts["101"]["lifecyclestage"] == "lead"


def test_all_or_nothing_mode_refuses_the_whole_batch(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=5, batch_validation="all_or_nothing")
    before = sb.hubspot.contacts["101"].get("jobtitle")

    status, answer = update(
        sb,
        [
            {"id": "101", "properties": {"jobtitle": "CTO"}},
            {"id": "102", "properties": {"hs_lead_status": "MAYBE"}},
        ],
    )

    assert status == 400
    assert answer["category"] == "VALIDATION_ERROR"
    assert sb.hubspot.contacts["101"].get("jobtitle") == before


def test_merged_contact_reads_as_its_primary_and_leaves_list_and_search(sb: Sandbox) -> None:
    sb.hubspot.merge_contacts("101", "102")

    _, _, read = call(sb, "POST", READ, {"inputs": [{"id": "102"}]})
    _, _, listed = call(sb, "GET", "/crm/v3/objects/contacts?limit=3")
    _, _, found = call(sb, "POST", "/crm/v3/objects/contacts/search", {"limit": 200})

    assert [r["id"] for r in read["results"]] == ["101"]
    assert [r["id"] for r in listed["results"]] == ["101", "103", "104"]
    assert "102" not in [r["id"] for r in found["results"]]
    assert sb.hubspot.contacts["101"]["hs_merged_object_ids"] == "102"
