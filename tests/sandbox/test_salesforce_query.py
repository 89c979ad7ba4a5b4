"""REST query with the real client: paging, queryAll and deleted rows, value formats, relationships,
COUNT(), query locators; single-record reads; describe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest, SalesforceResourceNotFound

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox
from tests.sandbox.test_salesforce_support import DATA, client, lead_ids, raw, seeded

N_LEADS = 450


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return seeded(make_sandbox, n_leads=N_LEADS, salesforce_query_batch=200)


@pytest.fixture
def sf(sb: Sandbox) -> Salesforce:
    return client(sb)


def test_query_all_iter_returns_every_record_once_across_pages(sb: Sandbox, sf: Salesforce) -> None:
    ids = [record["Id"] for record in sf.query_all_iter("SELECT Id FROM Lead")]

    assert len(ids) == N_LEADS == len(set(ids))
    assert ids == sorted(ids)
    assert sb.counts() == {"sf.login": 1, "sf.query": 1, "sf.query_more": 2}


def test_first_page_reports_total_and_next_records_url(sf: Salesforce) -> None:
    page = sf.query("SELECT Id, Email FROM Lead")

    assert page["totalSize"] == N_LEADS and page["done"] is False and len(page["records"]) == 200
    locator, _, offset = page["nextRecordsUrl"].rpartition("/")[2].rpartition("-")
    assert page["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g") and offset == "200"
    last = sf.query_more(f"{locator}-400")
    assert last["done"] is True and len(last["records"]) == 50 and "nextRecordsUrl" not in last


def test_query_options_header_sets_a_smaller_batch(sb: Sandbox) -> None:
    answer = raw(sb, "GET", f"{DATA}/query?q=SELECT+Id+FROM+Lead", headers={"Sforce-Query-Options": "batchSize=300"})
    small = raw(sb, "GET", f"{DATA}/query?q=SELECT+Id+FROM+Lead", headers={"Sforce-Query-Options": "batchSize=5"})

    assert len(answer.json()["records"]) == 200  # never above the org's batch
    assert len(small.json()["records"]) == 200  # 200 is the smallest batch Salesforce allows


def test_an_unknown_or_idle_query_locator_is_invalid(sb: Sandbox, sf: Salesforce, clock: FixedClock) -> None:
    page = sf.query("SELECT Id FROM Lead")
    clock.advance(seconds=15 * 60)

    with pytest.raises(SalesforceMalformedRequest) as expired:
        sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.query_more("01gXXXXXXXXXXXXXXX-200")

    assert expired.value.content[0]["errorCode"] == unknown.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_hides_deleted_records_and_query_all_shows_them(sb: Sandbox, sf: Salesforce) -> None:
    gone = lead_ids(sb)[3]
    sb.salesforce.delete("Lead", gone)

    live = {r["Id"] for r in sf.query_all_iter("SELECT Id FROM Lead")}
    every = {r["Id"]: r["IsDeleted"] for r in sf.query_all_iter("SELECT Id, IsDeleted FROM Lead", include_deleted=True)}

    assert gone not in live and len(live) == N_LEADS - 1
    assert every[gone] is True and len(every) == N_LEADS
    assert sb.counts()["sf.query_all"] == 1


def test_values_are_formatted_as_salesforce_does(sb: Sandbox, sf: Salesforce) -> None:
    lead_id = sb.salesforce.add(
        "Lead",
        {
            "LastName": "Format",
            "Company": "Fmt Inc",
            "NumberOfEmployees": 42,
            "AnnualRevenue": 1_500_000,
            "HasOptedOutOfEmail": True,
            "LeadStage_MQL_Date__c": datetime(2026, 4, 2, 8, 30, tzinfo=UTC),
        },
    )
    sb.salesforce.convert_lead(lead_id)
    soql = (
        "SELECT Id, Name, Email, NumberOfEmployees, AnnualRevenue, HasOptedOutOfEmail, IsConverted, ConvertedDate,"
        " CreatedDate, LeadStage_MQL_Date__c, LeadStage_Score__c, LeadStage_SLA_Breached__c FROM Lead WHERE Id = "
        f"'{lead_id[:15]}'"
    )

    record = sf.query(soql)["records"][0]

    assert record["attributes"] == {"type": "Lead", "url": f"/services/data/v59.0/sobjects/Lead/{lead_id}"}
    assert record["Name"] == "Format" and record["Email"] is None
    assert record["NumberOfEmployees"] == 42 and record["AnnualRevenue"] == 1_500_000.0
    assert record["HasOptedOutOfEmail"] is True and record["IsConverted"] is True
    assert record["ConvertedDate"] == "2026-05-01"
    assert record["CreatedDate"] == "2026-05-01T10:00:00.000+0000"
    assert record["LeadStage_MQL_Date__c"] == "2026-04-02T08:30:00.000+0000"
    assert record["LeadStage_Score__c"] is None and record["LeadStage_SLA_Breached__c"] is False


def test_field_names_are_case_insensitive_and_answered_canonically(sf: Salesforce) -> None:
    record = sf.query("select id, EMAIL, lastname from lead limit 1")["records"][0]

    assert list(record) == ["attributes", "Id", "Email", "LastName"]


def test_relationship_fields_nest_under_the_relationship(sf: Salesforce) -> None:
    members = sf.query("SELECT Id, Campaign.Name, Campaign.Type, Status FROM CampaignMember LIMIT 5")["records"]

    campaign = members[0]["Campaign"]
    assert campaign["attributes"]["type"] == "Campaign" and set(campaign) == {"attributes", "Name", "Type"}
    assert campaign["Type"] in ("Webinar", "Email", "Content", "Web Form", "Event")


def test_count_queries(sb: Sandbox, sf: Salesforce) -> None:
    converted = len(lead_ids(sb, converted=True))

    plain = sf.query("SELECT COUNT() FROM Lead WHERE IsConverted = true")

    assert plain == {"totalSize": converted, "done": True, "records": []}


def test_incremental_window_on_system_modstamp_with_limit(sb: Sandbox, sf: Salesforce, clock: FixedClock) -> None:
    clock.advance(seconds=60)
    changed = lead_ids(sb)[:3]
    for lead_id in changed:
        sb.salesforce.touch_system("Lead", lead_id)
    soql = (
        "SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp > 2026-05-01T10:00:30Z "
        "ORDER BY SystemModstamp, Id LIMIT 2"
    )

    records = sf.query(soql)["records"]

    assert [r["Id"] for r in records] == changed[:2]
    assert records[0]["SystemModstamp"] == "2026-05-01T10:01:00.000+0000"


def test_get_one_record_and_missing_ones(sb: Sandbox, sf: Salesforce) -> None:
    lead_id = lead_ids(sb)[0]

    record = sf.Lead.get(lead_id)
    with pytest.raises(SalesforceResourceNotFound) as missing:
        sf.Lead.get("00Q5g0000009999AAA")

    assert record["Id"] == lead_id and "LeadStage_Score__c" in record and record["IsDeleted"] is False
    assert missing.value.content[0]["errorCode"] == "NOT_FOUND"
    assert sb.counts()["sf.sobject"] == 2


def test_describe_lists_fields_with_types_and_picklists(sb: Sandbox, sf: Salesforce) -> None:
    sb.salesforce.add_custom_fields("Lead", {"Tier__c": ("picklist", ["A", "B"])})

    described = sf.Lead.describe()

    fields = {f["name"]: f for f in described["fields"]}
    assert described["name"] == "Lead" and described["keyPrefix"] == "00Q"
    assert fields["LeadStage_Score__c"]["type"] == "double" and fields["LeadStage_Score__c"]["custom"] is True
    assert fields["LeadStage_Score_Reason__c"]["length"] == 500
    assert fields["LeadStage_MQL_Date__c"]["type"] == "datetime"
    assert fields["LeadStage_SLA_Breached__c"]["type"] == "boolean"
    assert fields["IsConverted"]["updateable"] is False and fields["Email"]["updateable"] is True
    statuses = [(p["value"], p["defaultValue"]) for p in fields["Status"]["picklistValues"]]
    assert ("Open - Not Contacted", True) in statuses and ("Nurturing", False) in statuses
    assert [p["value"] for p in fields["Tier__c"]["picklistValues"]] == ["A", "B"]
    assert fields["Tier__c"]["restrictedPicklist"] is True
    assert sb.counts()["sf.describe"] == 1


@pytest.mark.parametrize("name", ["Lead", "Contact", "Task", "Event", "CampaignMember", "Campaign", "LeadStatus"])
def test_every_served_object_describes_and_queries(sf: Salesforce, name: str) -> None:
    described = getattr(sf, name).describe()
    queried = sf.query(f"SELECT COUNT() FROM {name}")

    assert described["name"] == name and any(f["name"] == "Id" for f in described["fields"])
    assert queried["totalSize"] > 0


def test_lead_status_rows_follow_the_editable_list(sb: Sandbox, sf: Salesforce) -> None:
    sb.salesforce.lead_statuses[2].api_name = "Recycled"

    rows = sf.query("SELECT ApiName, IsConverted, IsDefault FROM LeadStatus ORDER BY SortOrder")["records"]

    assert [(r["ApiName"], r["IsConverted"], r["IsDefault"]) for r in rows] == [
        ("Open - Not Contacted", False, True),
        ("Working - Contacted", False, False),
        ("Recycled", False, False),
        ("Closed - Converted", True, False),
        ("Closed - Not Converted", False, False),
    ]


def test_updated_and_deleted_replication_resources(sb: Sandbox, sf: Salesforce, clock: FixedClock) -> None:
    clock.advance(seconds=120)
    edited, removed = lead_ids(sb)[:2]
    sb.salesforce.update("Lead", edited, {"Title": "CFO"})
    sb.salesforce.delete("Lead", removed)
    start, end = datetime(2026, 5, 1, 10, 1, tzinfo=UTC), datetime(2026, 5, 1, 10, 5, tzinfo=UTC)

    updated = sf.Lead.updated(start, end)
    deleted = sf.Lead.deleted(start, end)

    assert updated["ids"] == [edited]
    assert deleted["deletedRecords"] == [{"deletedDate": "2026-05-01T10:02:00.000+0000", "id": removed}]
