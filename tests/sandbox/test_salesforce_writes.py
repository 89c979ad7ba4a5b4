"""Writes: sObject Collections (per-record results, converted leads, locked rows, bad values, allOrNone,
the 200-record cap), single-record PATCH, and the test hooks that change data like a user would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import FaultRates, Sandbox
from leadstage.sandbox.salesforce.ids import make_id
from tests.sandbox.test_salesforce_support import client, lead_ids, seeded

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return seeded(make_sandbox, n_leads=120)


@pytest.fixture
def sf(sb: Sandbox) -> Salesforce:
    return client(sb)


def lead(record_id: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Lead"}, "id": record_id, **fields}


def collections(sf: Salesforce, records: list[dict[str, Any]], all_or_none: bool = False) -> list[dict[str, Any]]:
    answer = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": all_or_none, "records": records})
    assert isinstance(answer, list)
    return answer


def codes(result: dict[str, Any]) -> list[str]:
    return [error["statusCode"] for error in result["errors"]]


def test_collections_update_answers_one_result_per_record_in_order(sb: Sandbox, sf: Salesforce, clock) -> None:
    first, second = lead_ids(sb)[:2]
    clock.advance(seconds=30)

    results = collections(sf, [lead(first, LeadStage_Score__c=71.5), lead(second, LeadStage_Grade__c="B")])

    assert results == [
        {"id": first, "success": True, "errors": []},
        {"id": second, "success": True, "errors": []},
    ]
    stored = sb.salesforce.records("Lead")[first]
    assert stored["LeadStage_Score__c"] == 71.5
    assert stored["LastModifiedDate"] == stored["SystemModstamp"] == "2026-05-01T10:00:30.000+0000"
    assert sb.counts()["sf.collections"] == 1


def test_partial_failures_converted_lead_locked_row_and_bad_values(sb: Sandbox, sf: Salesforce) -> None:
    fine, locked, bad = lead_ids(sb)[:3]
    converted = lead_ids(sb, converted=True)[0]
    sb.salesforce.lock_rows([locked])

    results = collections(
        sf,
        [
            lead(fine, LeadStage_Score__c=10),
            lead(converted, LeadStage_Score__c=10),
            lead(locked, LeadStage_Score__c=10),
            lead(bad, LeadStage_Score__c="high", LeadStage_SLA_Breached__c="maybe"),
        ],
    )

    assert [r["success"] for r in results] == [True, False, False, False]
    assert results[1]["errors"] == [
        {"statusCode": "CANNOT_UPDATE_CONVERTED_LEAD", "message": "cannot reference converted lead", "fields": []}
    ]
    assert codes(results[2]) == ["UNABLE_TO_LOCK_ROW"]
    assert codes(results[3]) == ["INVALID_TYPE_ON_FIELD_IN_RECORD"] * 2
    assert results[3]["errors"][0]["fields"] == ["LeadStage_Score__c"]
    assert sb.salesforce.records("Lead")[fine]["LeadStage_Score__c"] == 10.0
    assert "LeadStage_Score__c" not in sb.salesforce.records("Lead")[converted]


def test_a_locked_row_fails_only_as_many_times_as_asked(sb: Sandbox, sf: Salesforce) -> None:
    target = lead_ids(sb)[0]
    sb.salesforce.lock_rows([target], times=2)

    outcomes = [collections(sf, [lead(target, LeadStage_Grade__c="A")])[0]["success"] for _ in range(3)]

    assert outcomes == [False, False, True]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"IsConverted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", "IsConverted"),
        ({"SystemModstamp": "2026-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE", "SystemModstamp"),
        ({"Status": "Hot Prospect"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Status"),
        ({"LeadStage_MQL_Date__c": "yesterday"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", "LeadStage_MQL_Date__c"),
        ({"LeadStage_Score_Reason__c": "x" * 501}, "STRING_TOO_LONG", "LeadStage_Score_Reason__c"),
        ({"Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS", "Email"),
        ({"LastName": None}, "REQUIRED_FIELD_MISSING", "LastName"),
        ({"NumberOfEmployees": 12.5}, "INVALID_TYPE_ON_FIELD_IN_RECORD", "NumberOfEmployees"),
    ],
)
def test_per_record_value_errors(sb: Sandbox, sf: Salesforce, fields: dict[str, Any], code: str, field: str) -> None:
    result = collections(sf, [lead(lead_ids(sb)[0], **fields)])[0]

    assert result["success"] is False
    assert result["errors"][0]["statusCode"] == code and result["errors"][0]["fields"] == [field]


def test_values_are_stored_in_salesforce_form(sb: Sandbox, sf: Salesforce) -> None:
    target = lead_ids(sb)[0]

    collections(
        sf,
        [
            lead(
                target,
                LeadStage_MQL_Date__c="2026-04-30T12:00:00+02:00",
                LeadStage_SLA_Breached__c="true",
                LeadStage_Fit_Score__c="12.5",
                Status="Nurturing",
                Title="",
            )
        ],
    )

    stored = sb.salesforce.records("Lead")[target]
    assert stored["LeadStage_MQL_Date__c"] == "2026-04-30T10:00:00.000+0000"
    assert stored["LeadStage_SLA_Breached__c"] is True and stored["LeadStage_Fit_Score__c"] == 12.5
    assert stored["Status"] == "Nurturing" and "Title" not in stored


@pytest.mark.parametrize(
    ("record_id", "code"),
    [
        ("not-an-id", "MALFORMED_ID"),
        ("0035g0000000001AAA", "MALFORMED_ID"),  # a Contact id in a Lead record
        (make_id("00Q", 99_999), "INVALID_CROSS_REFERENCE_KEY"),  # well formed, never existed
        (None, "MISSING_ARGUMENT"),
    ],
)
def test_bad_ids_fail_per_record(sf: Salesforce, record_id: str | None, code: str) -> None:
    result = collections(sf, [lead(record_id, LeadStage_Grade__c="A")])[0]  # type: ignore[arg-type]

    assert codes(result) == [code]


def test_deleted_records_report_entity_is_deleted(sb: Sandbox, sf: Salesforce) -> None:
    target = lead_ids(sb)[0]
    sb.salesforce.delete("Lead", target)

    assert codes(collections(sf, [lead(target, LeadStage_Grade__c="A")])[0]) == ["ENTITY_IS_DELETED"]


def test_fifteen_character_ids_are_accepted(sb: Sandbox, sf: Salesforce) -> None:
    target = lead_ids(sb)[0]

    assert collections(sf, [lead(target[:15], LeadStage_Grade__c="A")])[0]["success"] is True
    assert sb.salesforce.records("Lead")[target]["LeadStage_Grade__c"] == "A"


def test_all_or_none_applies_nothing_when_one_record_fails(sb: Sandbox, sf: Salesforce) -> None:
    fine, other = lead_ids(sb)[:2]
    converted = lead_ids(sb, converted=True)[0]

    results = collections(
        sf,
        [
            lead(fine, LeadStage_Grade__c="A"),
            lead(converted, LeadStage_Grade__c="A"),
            lead(other, LeadStage_Grade__c="A"),
        ],
        all_or_none=True,
    )

    assert [codes(r) for r in results] == [[ROLLED_BACK], ["CANNOT_UPDATE_CONVERTED_LEAD"], [ROLLED_BACK]]
    assert all(r["success"] is False for r in results)
    assert "LeadStage_Grade__c" not in sb.salesforce.records("Lead")[fine]


def test_all_or_none_saves_everything_when_all_are_valid(sb: Sandbox, sf: Salesforce) -> None:
    ids = lead_ids(sb)[:3]

    results = collections(sf, [lead(i, LeadStage_Grade__c="C") for i in ids], all_or_none=True)

    assert all(r["success"] for r in results)
    assert all(sb.salesforce.records("Lead")[i]["LeadStage_Grade__c"] == "C" for i in ids)


def test_more_than_200_records_are_refused_whole(sb: Sandbox, sf: Salesforce) -> None:
    target = lead_ids(sb)[0]

    with pytest.raises(SalesforceMalformedRequest) as failure:
        collections(sf, [lead(target, LeadStage_Grade__c="A")] * 201)

    assert failure.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert "LeadStage_Grade__c" not in sb.salesforce.records("Lead")[target]


def test_an_unknown_field_fails_the_whole_request(sb: Sandbox, sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        collections(sf, [lead(lead_ids(sb)[0], Score__c=1)])

    assert failure.value.content == [
        {"message": "No such column 'Score__c' on sobject of type Lead", "errorCode": "INVALID_FIELD"}
    ]


def test_contacts_and_leads_can_share_one_request(sb: Sandbox, sf: Salesforce) -> None:
    contact_id = next(iter(sb.salesforce.records("Contact")))
    records = [
        lead(lead_ids(sb)[0], LeadStage_Score__c=5),
        {"attributes": {"type": "Contact"}, "id": contact_id, "LeadStage_Score__c": 6},
    ]

    assert [r["success"] for r in collections(sf, records)] == [True, True]
    assert sb.salesforce.records("Contact")[contact_id]["LeadStage_Score__c"] == 6.0


def test_random_p207_fails_one_collections_record_as_locked(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = seeded(make_sandbox, n_leads=20, faults=FaultRates(p207=1.0, seed=3, endpoints=["sf.collections"]))
    sf = client(sb)

    results = collections(sf, [lead(i, LeadStage_Grade__c="B") for i in lead_ids(sb)[:4]])

    assert sum(not r["success"] for r in results) == 1
    assert [codes(r) for r in results if not r["success"]] == [["UNABLE_TO_LOCK_ROW"]]


def test_single_record_patch(sb: Sandbox, sf: Salesforce) -> None:
    target = lead_ids(sb)[0]
    converted = lead_ids(sb, converted=True)[0]

    status = sf.Lead.update(target, {"LeadStage_Temperature__c": "hot"})
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Lead.update(converted, {"LeadStage_Temperature__c": "hot"})

    assert status == 204
    assert sb.salesforce.records("Lead")[target]["LeadStage_Temperature__c"] == "hot"
    assert failure.value.content[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    assert sb.counts()["sf.sobject"] == 2


# ----- hooks ------------
def test_convert_lead_creates_the_contact_and_moves_activities(sb: Sandbox, clock: FixedClock) -> None:
    org = sb.salesforce
    target = next(i for i in lead_ids(sb) if org.index("Task", "WhoId").get(i))
    tasks = list(org.index("Task", "WhoId")[target])
    clock.advance(seconds=3600)

    contact_id = org.convert_lead(target, {"Department": "Marketing"})

    converted, contact = org.records("Lead")[target], org.records("Contact")[contact_id]
    assert converted["IsConverted"] is True and converted["ConvertedContactId"] == contact_id
    assert converted["Status"] == "Closed - Converted" and converted["ConvertedDate"] == "2026-05-01"
    assert converted["SystemModstamp"] == "2026-05-01T11:00:00.000+0000"
    assert contact["LastName"] == converted["LastName"] and contact["Email"] == converted.get("Email")
    assert contact["Department"] == "Marketing" and contact["AccountId"].startswith("001")
    assert all(org.records("Task")[t]["WhoId"] == contact_id for t in tasks)
    with pytest.raises(ValueError, match="already converted"):
        org.convert_lead(target)


def test_hooks_validate_like_setup_would(sb: Sandbox) -> None:
    org = sb.salesforce

    with pytest.raises(ValueError, match="custom field name"):
        org.add_custom_fields("Lead", {"Score": "double"})
    with pytest.raises(ValueError, match="required fields"):
        org.add("Lead", {"LastName": "No Company"})
    with pytest.raises(ValueError, match="no writable field"):
        org.update("Lead", lead_ids(sb)[0], {"Nope": 1})
    with pytest.raises(KeyError):
        org.update("Lead", make_id("00Q", 99_999), {"Title": "x"})
