"""Seeded Salesforce data: determinism, plausible distributions, consistency between objects, id format,
and query speed on a larger org."""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from collections.abc import Callable

import pytest

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox, SandboxConfig
from leadstage.sandbox.salesforce.ids import make_id, to_id18
from leadstage.sandbox.salesforce.query import compile_query, render_json, select_ids
from tests.sandbox.conftest import NOW
from tests.sandbox.test_salesforce_support import DATA, raw, seeded

N = 2000
ID_18 = re.compile(r"^[a-zA-Z0-9]{18}$")
SIX_MONTHS = "2025-10-30"


@pytest.fixture(scope="module")
def big() -> Sandbox:
    sb = Sandbox(SandboxConfig(clock=FixedClock(NOW).time))
    sb.seed_salesforce(n_leads=N, seed=11, now=NOW)
    return sb


def share(values: list[bool]) -> float:
    return sum(values) / len(values)


def test_same_seed_gives_byte_identical_answers(make_sandbox: Callable[..., Sandbox]) -> None:
    def answers(sb: Sandbox) -> bytes:
        out = []
        for q in (
            "SELECT Id, Name, Email, Company, Status, Rating, CreatedDate, SystemModstamp FROM Lead",
            "SELECT Id, WhoId, Subject, ActivityDate FROM Task ORDER BY CreatedDate DESC LIMIT 300",
            "SELECT Id, Campaign.Name, Status, HasResponded FROM CampaignMember LIMIT 300",
        ):
            out.append(raw(sb, "GET", f"{DATA}/query?q={q.replace(' ', '+')}").content)
        return b"\n".join(out)

    first = answers(seeded(make_sandbox, n_leads=80, seed=5))
    second = answers(seeded(make_sandbox, n_leads=80, seed=5))
    other = answers(seeded(make_sandbox, n_leads=80, seed=6))

    assert first == second
    assert first != other


def test_a_lead_does_not_depend_on_how_many_were_seeded() -> None:
    small, large = (
        Sandbox(SandboxConfig(clock=FixedClock(NOW).time)),
        Sandbox(SandboxConfig(clock=FixedClock(NOW).time)),
    )
    small.seed_salesforce(n_leads=50, seed=3, now=NOW)
    large.seed_salesforce(n_leads=500, seed=3, now=NOW)

    company_fields = {"Company", "Email", "Industry", "Country", "City", "NumberOfEmployees", "AnnualRevenue", "Phone"}
    for number in (1, 17, 49):
        lead_id = make_id("00Q", number)
        mine, theirs = small.salesforce.records("Lead")[lead_id], large.salesforce.records("Lead")[lead_id]
        assert {k: v for k, v in mine.items() if k not in company_fields} == {
            k: v for k, v in theirs.items() if k not in company_fields
        }


def test_status_and_conversion_distribution(big: Sandbox) -> None:
    leads = list(big.salesforce.records("Lead").values())
    statuses = Counter(lead["Status"] for lead in leads)

    assert 0.12 < share([lead["IsConverted"] for lead in leads]) < 0.18
    assert set(statuses) == {
        "Open - Not Contacted",
        "Working - Contacted",
        "Nurturing",
        "Closed - Converted",
        "Closed - Not Converted",
    }
    assert statuses.most_common(1)[0][0] == "Open - Not Contacted"
    assert all((lead["Status"] == "Closed - Converted") == lead["IsConverted"] for lead in leads)
    assert {lead.get("LeadSource") for lead in leads} == {
        "Web",
        "Phone Inquiry",
        "Partner Referral",
        "Purchased List",
        "Other",
        None,
    }
    assert {lead.get("Rating") for lead in leads} == {"Hot", "Warm", "Cold", None}


def test_lead_fields_are_plausible(big: Sandbox) -> None:
    leads = list(big.salesforce.records("Lead").values())

    assert all(ID_18.match(lead["Id"]) and lead["Id"].startswith("00Q") for lead in leads)
    assert all(lead["LastName"] and lead["Company"] and "@" in lead["Email"] for lead in leads)
    assert 0.5 < share(["Phone" in lead for lead in leads]) < 0.7
    assert 0.02 < share([lead["HasOptedOutOfEmail"] for lead in leads]) < 0.07
    assert all(isinstance(lead.get("NumberOfEmployees", 0), int) for lead in leads)
    assert all(isinstance(lead.get("AnnualRevenue", 0.0), float) for lead in leads)
    assert all(lead["CreatedDate"] <= lead["LastModifiedDate"] <= lead["SystemModstamp"] for lead in leads)
    assert 0.15 < share([lead["LastModifiedDate"] < lead["SystemModstamp"] for lead in leads]) < 0.45
    assert all(lead["SystemModstamp"] <= "2026-05-01T10:00:00.000+0000" for lead in leads)
    assert not any(name.startswith("LeadStage_") for lead in leads for name in lead)  # custom fields start empty
    assert "LeadStage_Score__c" in big.salesforce.objects["Lead"].fields


def test_converted_leads_have_their_contacts(big: Sandbox) -> None:
    org = big.salesforce
    contacts = org.records("Contact")
    converted = [lead for lead in org.records("Lead").values() if lead["IsConverted"]]

    assert len(contacts) == len(converted)
    for lead in converted:
        contact = contacts[lead["ConvertedContactId"]]
        assert contact["LastName"] == lead["LastName"] and contact["Email"] == lead["Email"]
        assert contact["AccountId"] == lead["ConvertedAccountId"] and contact["AccountId"].startswith("001")
        assert contact["CreatedDate"][:10] == lead["ConvertedDate"] <= lead["LastModifiedDate"][:10]
        assert contact["MailingCountry"] == lead["Country"] and contact["Department"]


def test_activities_are_heavy_tailed_recent_and_consistent(big: Sandbox) -> None:
    org = big.salesforce
    tasks, events, members = org.records("Task"), org.records("Event"), org.records("CampaignMember")
    contacts_of = {lead["ConvertedContactId"]: lead for lead in org.records("Lead").values() if lead["IsConverted"]}
    per_who = Counter(task["WhoId"] for task in tasks.values())
    counts = [per_who.get(who, 0) for who in [*org.records("Lead"), *org.records("Contact")]]

    assert len(tasks) > N and len(events) > N / 20 and len(members) > N / 2
    assert max(counts) > 8 * statistics.median(counts) + 8
    assert all(task["CreatedDate"] >= SIX_MONTHS for task in tasks.values())
    assert all(task["WhoId"][:3] == "003" or task["WhoId"] not in contacts_of for task in tasks.values())
    assert not any(
        org.records("Lead")[task["WhoId"]]["IsConverted"] for task in tasks.values() if task["WhoId"][:3] == "00Q"
    )
    subjects = Counter(task["Subject"].split(":")[0] for task in tasks.values())
    assert {"Email", "Call", "Re"} <= set(subjects)
    assert {task["TaskSubtype"] for task in tasks.values()} == {"Email", "Call", "Task"}
    assert all(task["IsClosed"] == (task["Status"] == "Completed") for task in tasks.values())
    assert all(task.get("CallDurationInSeconds") is not None for task in tasks.values() if task["Type"] == "Call")
    assert all(e["StartDateTime"] < e["EndDateTime"] and e["Type"] == "Meeting" for e in events.values())
    pairs = [(m["CampaignId"], m["LeadId"]) for m in members.values()]
    assert len(pairs) == len(set(pairs))
    assert all(
        m["HasResponded"] == (m["Status"] in ("Responded", "Attended", "Downloaded", "Submitted"))
        for m in members.values()
    )
    assert {c["Type"] for c in org.records("Campaign").values()} == {"Webinar", "Email", "Content", "Web Form", "Event"}
    names = {c["Name"] for c in org.records("Campaign").values()}
    assert {"Request a demo", "Contact us"} <= names and any(n.startswith("Whitepaper: ") for n in names)


def test_without_leadstage_fields(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = seeded(make_sandbox, n_leads=0)
    sb.seed_salesforce(n_leads=10, seed=1, now=NOW, with_leadstage_fields=False)

    assert not any(f.custom for f in sb.salesforce.objects["Lead"].fields.values())


def test_ids_are_18_characters_and_case_safe() -> None:
    record_id = make_id("00Q", 123_456)

    assert ID_18.match(record_id) and record_id.startswith("00Q5g")
    assert to_id18(record_id[:15]) == record_id
    assert to_id18(record_id.lower()) == record_id  # the suffix restores the case
    assert to_id18("00Q5g!") is None and to_id18("short") is None


def test_a_2000_record_page_of_a_20k_org_answers_fast() -> None:
    sb = Sandbox(SandboxConfig(clock=FixedClock(NOW).time))
    started = time.perf_counter()
    sb.seed_salesforce(n_leads=20_000, seed=2, now=NOW)
    seeded_s = time.perf_counter() - started
    org = sb.salesforce
    soql = (
        "SELECT Id, Email, Status, SystemModstamp FROM Lead WHERE SystemModstamp > 2025-06-01T00:00:00Z "
        "ORDER BY SystemModstamp, Id LIMIT 2000"
    )

    started = time.perf_counter()
    with org.lock:
        query = compile_query(org, soql)
        page = [render_json(org, query, i, "v59.0") for i in select_ids(org, query, include_deleted=False)]
    page_s = time.perf_counter() - started

    assert len(page) == 2000
    assert seeded_s < 6 and page_s < 0.5
