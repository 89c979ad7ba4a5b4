"""Bulk API 2.0 with simple-salesforce's own client: query jobs (paged CSV results), update jobs (successful,
failed and unprocessed results), job states. Jobs complete synchronously, and `sleep` is patched out."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
import simple_salesforce.bulk2 as bulk2
from simple_salesforce import Salesforce, SalesforceMalformedRequest
from simple_salesforce.bulk2 import Operation, _Bulk2Client

from leadstage.sandbox import Sandbox
from tests.sandbox.test_salesforce_support import DATA, client, lead_ids, raw, seeded

N_LEADS = 150


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk2, "sleep", lambda _seconds: None)


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return seeded(make_sandbox, n_leads=N_LEADS)


@pytest.fixture
def sf(sb: Sandbox) -> Salesforce:
    return client(sb)


def bulk_client(sf: Salesforce, object_name: str = "Lead") -> _Bulk2Client:
    return _Bulk2Client(object_name, sf.bulk2_url, sf.bulk2.headers, sf.session)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_query_job_pages_csv_with_locators(sb: Sandbox, sf: Salesforce) -> None:
    bulk = bulk_client(sf)

    job = bulk.create_job(Operation.query, query="SELECT Id, Email, IsConverted, CreatedDate FROM Lead")
    status = bulk.get_job(job["id"], is_query=True)
    first = bulk.get_query_results(job["id"], max_records=100)
    second = bulk.get_query_results(job["id"], locator=first["locator"], max_records=100)

    assert job["state"] == "UploadComplete" and job["object"] == "Lead" and job["operation"] == "query"
    assert status["state"] == "JobComplete" and status["numberRecordsProcessed"] == N_LEADS
    assert first["number_of_records"] == 100 and first["locator"]
    assert second["number_of_records"] == N_LEADS - 100 and second["locator"] == ""
    records = rows(first["records"]) + rows(second["records"])
    assert [r["Id"] for r in records] == list(sb.salesforce.records("Lead"))
    assert first["records"].startswith('"Id","Email","IsConverted","CreatedDate"\n')
    assert {r["IsConverted"] for r in records} == {"true", "false"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", records[0]["CreatedDate"])  # Bulk CSV uses Z
    assert sb.counts()["sf.bulk.query.create"] == 1 and sb.counts()["sf.bulk.query.results"] == 2


def test_high_level_bulk_query_and_query_all(sb: Sandbox, sf: Salesforce) -> None:
    gone = lead_ids(sb)[0]
    sb.salesforce.delete("Lead", gone)

    live = [r["Id"] for page in sf.bulk2.Lead.query("SELECT Id FROM Lead", max_records=60) for r in rows(page)]
    every = [r["Id"] for page in sf.bulk2.Lead.query_all("SELECT Id FROM Lead") for r in rows(page)]

    assert len(live) == N_LEADS - 1 and gone not in live
    assert len(every) == N_LEADS and gone in every


def test_relationship_columns_in_bulk_csv(sf: Salesforce) -> None:
    pages = list(sf.bulk2.CampaignMember.query("SELECT Id, Campaign.Name, LeadId FROM CampaignMember"))

    header = pages[0].splitlines()[0]
    assert header == '"Id","Campaign.Name","LeadId"'
    assert all(r["Campaign.Name"] for page in pages for r in rows(page))


def test_bulk_query_errors_surface_at_job_creation(sf: Salesforce) -> None:
    bulk = bulk_client(sf)

    with pytest.raises(SalesforceMalformedRequest) as bad_field:
        bulk.create_job(Operation.query, query="SELECT Nope FROM Lead")
    with pytest.raises(SalesforceMalformedRequest) as aggregate:
        bulk.create_job(Operation.query, query="SELECT COUNT() FROM Lead")

    assert bad_field.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert aggregate.value.content[0]["errorCode"] == "INVALIDJOB"


def test_update_job_with_successes_and_failures(sb: Sandbox, sf: Salesforce) -> None:
    fine, locked = lead_ids(sb)[:2]
    converted = lead_ids(sb, converted=True)[0]
    sb.salesforce.lock_rows([locked])
    records = [
        {"Id": fine, "LeadStage_Score__c": "88.5", "LeadStage_Grade__c": "A"},
        {"Id": converted, "LeadStage_Score__c": "10", "LeadStage_Grade__c": "C"},
        {"Id": locked, "LeadStage_Score__c": "5", "LeadStage_Grade__c": ""},
    ]

    [result] = sf.bulk2.Lead.update(records=records)
    failed = rows(sf.bulk2.Lead.get_failed_records(result["job_id"]))
    succeeded = rows(sf.bulk2.Lead.get_successful_records(result["job_id"]))

    assert result["numberRecordsProcessed"] == 3 and result["numberRecordsFailed"] == 2
    assert [r["sf__Id"] for r in succeeded] == [fine] and succeeded[0]["sf__Created"] == "false"
    assert sb.salesforce.records("Lead")[fine]["LeadStage_Score__c"] == 88.5
    errors = {r["sf__Id"]: r["sf__Error"] for r in failed}
    assert errors[converted] == "CANNOT_UPDATE_CONVERTED_LEAD:cannot reference converted lead:--"
    assert errors[locked].startswith("UNABLE_TO_LOCK_ROW:")
    assert failed[0]["LeadStage_Grade__c"] in ("C", "")  # the original columns come back too


def test_empty_cells_leave_fields_alone_and_na_clears_them(sb: Sandbox, sf: Salesforce) -> None:
    target = lead_ids(sb)[0]
    sb.salesforce.update("Lead", target, {"LeadStage_Grade__c": "B", "LeadStage_Temperature__c": "warm"})

    sf.bulk2.Lead.update(records=[{"Id": target, "LeadStage_Grade__c": "", "LeadStage_Temperature__c": "#N/A"}])

    stored = sb.salesforce.records("Lead")[target]
    assert stored["LeadStage_Grade__c"] == "B" and "LeadStage_Temperature__c" not in stored


def test_ingest_job_steps_and_counts(sb: Sandbox, sf: Salesforce) -> None:
    bulk = bulk_client(sf)
    target = lead_ids(sb)[0]

    job = bulk.create_job(Operation.update)
    bulk.upload_job_data(job["id"], f"Id,LeadStage_Grade__c\n{target},D\n")
    closed = bulk.close_job(job["id"])
    done = bulk.get_job(job["id"], is_query=False)
    unprocessed = bulk.get_ingest_results(job["id"], "unprocessedrecords")

    assert job["state"] == "Open" and job["contentUrl"] == f"services/data/v59.0/jobs/ingest/{job['id']}/batches"
    assert closed["state"] == "UploadComplete" and done["state"] == "JobComplete"
    assert done["numberRecordsProcessed"] == 1 and done["numberRecordsFailed"] == 0
    assert unprocessed.strip() == "Id,LeadStage_Grade__c"
    counts = sb.counts()
    for name in ("create", "upload", "close", "status", "results"):
        assert counts[f"sf.bulk.ingest.{name}"] == 1


def test_unknown_column_fails_the_job(sb: Sandbox, sf: Salesforce) -> None:
    with pytest.raises(bulk2.SalesforceOperationError, match="Field name not found : Nope__c"):
        sf.bulk2.Lead.update(records=[{"Id": lead_ids(sb)[0], "Nope__c": "1"}])


def test_aborted_job_and_unsupported_operations(sb: Sandbox, sf: Salesforce) -> None:
    bulk = bulk_client(sf)
    job = bulk.create_job(Operation.update)

    aborted = bulk.abort_job(job["id"], is_query=False)
    with pytest.raises(SalesforceMalformedRequest):
        bulk.create_job(Operation.insert)

    assert aborted["state"] == "Aborted"
    assert raw(sb, "GET", f"{DATA}/jobs/ingest/{job['id']}").json()["state"] == "Aborted"
