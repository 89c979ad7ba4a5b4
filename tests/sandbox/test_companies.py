"""HubSpot companies: the seeded ones, their routes, v4 associations with contacts, test hooks and data files."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.companies import BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox, SandboxConfig
from leadstage.sandbox.hubspot.company_properties import HUBSPOT_INDUSTRIES
from leadstage.sandbox.seed_data import EMPLOYEES_BY_BAND, FREE_MAIL_DOMAINS
from leadstage.sandbox.timeutil import iso_ms, parse_instant
from tests.sandbox.conftest import NOW, call, hubspot_client

COMPANIES = "/crm/v3/objects/companies"
SEARCH = f"{COMPANIES}/search"
TO_COMPANIES = "/crm/v4/associations/contacts/companies/batch/read"
TO_CONTACTS = "/crm/v4/associations/companies/contacts/batch/read"
FIRMOGRAPHICS = ("industry", "numemployees", "annualrevenue")
N = 1500


@pytest.fixture(scope="module")
def big() -> Sandbox:
    sb = Sandbox(SandboxConfig(clock=FixedClock(NOW).time))
    sb.seed(n_contacts=N, seed=11, now=NOW)
    return sb


def company_of(sb: Sandbox, contact_id: str) -> dict[str, str] | None:
    found = sb.hubspot.contacts[contact_id].get("associatedcompanyid")
    return sb.hubspot.companies.records[found] if found else None


def modified_search(since: str, after_id: str = "0", limit: int = 200) -> dict[str, Any]:
    """The keyset walk leadstage makes over companies changed since a moment."""
    filters = [
        {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": since},
        {"propertyName": "hs_object_id", "operator": "GT", "value": after_id},
    ]
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": ["name", "industry", "numberofemployees", "annualrevenue", "hs_lastmodifieddate"],
        "limit": limit,
    }


# ----- seeded data ------------
def test_contacts_work_for_companies_several_to_one(big: Sandbox) -> None:
    hubspot = big.hubspot
    per_company = Counter(company for _, company, _ in hubspot.companies.links.rows())
    linked = sum(per_company.values())

    assert 0.88 < linked / N < 0.98  # all but the free-mail contacts without a company
    assert linked / len(per_company) > 2.5 and max(per_company.values()) >= 10
    assert len(hubspot.companies.records) >= len(per_company)  # some companies have no contact (yet)
    for contact_id, props in hubspot.contacts.items():
        companies = hubspot.companies_of(contact_id)
        assert [c for c, primary in companies if primary] == ([props["associatedcompanyid"]] if companies else [])
        assert "associatedcompanyid" in props or not companies


def test_companies_carry_the_firmographics_the_contacts_copied(big: Sandbox) -> None:
    checked = 0
    for props in big.hubspot.contacts.values():
        company = company_of(big, props["hs_object_id"])
        if company is None:
            assert props["email"].split("@")[1] in FREE_MAIL_DOMAINS and "industry" not in props
            continue
        assert company["name"] == props["company"]
        if props.get("numemployees"):
            low, high = EMPLOYEES_BY_BAND[props["numemployees"]]
            assert low <= int(company["numberofemployees"]) <= high
        if props.get("annualrevenue"):
            assert company["annualrevenue"] == props["annualrevenue"]
        assert company["industry"] in HUBSPOT_INDUSTRIES
        checked += 1
    assert checked > N * 0.85


def test_students_and_the_competitor_have_companies_too(big: Sandbox) -> None:
    students = [p for p in big.hubspot.contacts.values() if p["email"].endswith(".edu")]
    rivals = [p for p in big.hubspot.contacts.values() if p["email"].endswith("@competitor.io")]

    assert students and rivals
    assert {company_of(big, p["hs_object_id"])["industry"] for p in students} == {"HIGHER_EDUCATION"}  # type: ignore[index]
    universities = {company_of(big, p["hs_object_id"])["domain"] for p in students}  # type: ignore[index]
    assert all(domain.endswith(".edu") for domain in universities)
    competitor = {company_of(big, p["hs_object_id"])["name"] for p in rivals}  # type: ignore[index]
    assert competitor == {"Competitor IO"}


def test_company_dates_follow_their_first_contact_and_never_pass_the_seeding(big: Sandbox) -> None:
    seeded = iso_ms(int(NOW.timestamp() * 1000))
    first_contact: dict[str, str] = {}
    for contact_id, company_id, _ in big.hubspot.companies.links.rows():
        created = big.hubspot.contacts[contact_id]["createdate"]
        first_contact[company_id] = min(first_contact.get(company_id, created), created)

    for company_id, props in big.hubspot.companies.records.items():
        assert props["createdate"] <= props["hs_lastmodifieddate"] <= seeded
        assert props["hs_object_id"] == company_id
        if company_id in first_contact:  # made from its first contact's e-mail domain, within a minute
            created = parse_instant(props["createdate"])
            first = parse_instant(first_contact[company_id])
            assert created is not None and first is not None and 0 <= created - first <= 60_000


def test_firmographics_only_on_companies(make_sandbox: Callable[..., Sandbox]) -> None:
    copies = make_sandbox(n_contacts=300, seed=5)
    bare = make_sandbox(n_contacts=0)
    bare.seed(n_contacts=300, seed=5, now=NOW, contact_firmographics=False)

    for contact_id, props in copies.hubspot.contacts.items():
        without = bare.hubspot.contacts[contact_id]
        assert not any(name in without for name in FIRMOGRAPHICS)
        assert without == {k: v for k, v in props.items() if k not in FIRMOGRAPHICS}
    assert bare.hubspot.companies.records == copies.hubspot.companies.records
    assert bare.hubspot.companies.links.rows() == copies.hubspot.companies.links.rows()


def companies_snapshot(sb: Sandbox) -> bytes:
    answers = [
        call(sb, "GET", f"{COMPANIES}?limit=100&properties=name,industry,numberofemployees,annualrevenue,city")[2],
        call(sb, "POST", TO_COMPANIES, {"inputs": [{"id": str(i)} for i in range(101, 161)]})[2],
        call(sb, "POST", SEARCH, modified_search("2025-01-01T00:00:00Z"))[2],
    ]
    return json.dumps(answers).encode()


def test_same_seed_gives_byte_identical_companies(make_sandbox: Callable[..., Sandbox]) -> None:
    first = companies_snapshot(make_sandbox(n_contacts=60, seed=5))
    second = companies_snapshot(make_sandbox(n_contacts=60, seed=5))
    other = companies_snapshot(make_sandbox(n_contacts=60, seed=6))

    assert first == second
    assert first != other


# ----- routes ------------
def test_list_pages_through_every_company(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=150)
    client = hubspot_client(sb)
    seen, after = [], None
    while True:
        page = client.crm.companies.basic_api.get_page(limit=100, after=after, properties=["name", "industry"])
        seen.extend(page.results)
        if page.paging is None:
            break
        after = page.paging.next.after

    assert [c.id for c in seen] == list(sb.hubspot.companies.records)
    assert seen[0].properties["industry"] and seen[0].properties["hs_lastmodifieddate"]
    assert sb.counts() == {"companies.list": len(seen) // 100 + 1}
    assert call(sb, "GET", f"{COMPANIES}?archived=true")[2] == {"results": []}


def test_get_and_batch_read(sb: Sandbox) -> None:
    client = hubspot_client(sb)
    first, second = list(sb.hubspot.companies.records)[:2]

    one = client.crm.companies.basic_api.get_by_id(first, properties=["numberofemployees"])
    read = client.crm.companies.batch_api.read(
        BatchReadInputSimplePublicObjectId(inputs=[{"id": first}, {"id": second}], properties=["name"])
    )
    status, _, partial = call(sb, "POST", f"{COMPANIES}/batch/read", {"inputs": [{"id": first}, {"id": "42"}]})
    by_domain = call(
        sb,
        "POST",
        f"{COMPANIES}/batch/read",
        {"inputs": [{"id": sb.hubspot.companies.records[second]["domain"].upper()}], "idProperty": "domain"},
    )[2]
    too_many = call(sb, "POST", f"{COMPANIES}/batch/read", {"inputs": [{"id": first}] * 101})[0]

    assert one.properties["numberofemployees"] == sb.hubspot.companies.records[first]["numberofemployees"]
    assert one.updated_at is not None
    assert [r.properties["name"] for r in read.results] == [
        sb.hubspot.companies.records[c]["name"] for c in (first, second)
    ]
    assert status == 207 and [r["id"] for r in partial["results"]] == [first]
    assert partial["errors"][0]["context"] == {"ids": ["42"]} and "COMPANY" in partial["errors"][0]["message"]
    assert [r["id"] for r in by_domain["results"]] == [second]
    assert too_many == 400
    assert call(sb, "GET", f"{COMPANIES}/42")[0] == 404
    assert sb.counts()["companies.batch_read"] == 4 and sb.counts()["companies.get"] == 2


def test_keyset_search_over_changed_companies(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=900)
    since = "2025-09-01T00:00:00.000Z"
    expected = sorted(
        (cid for cid, p in sb.hubspot.companies.records.items() if p["hs_lastmodifieddate"] >= since), key=int
    )
    client = hubspot_client(sb)

    got, last = [], "0"
    while True:
        body = modified_search(since, last, 40)
        request = PublicObjectSearchRequest(
            filter_groups=body["filterGroups"], sorts=body["sorts"], properties=body["properties"], limit=40
        )
        page = client.crm.companies.search_api.do_search(request)
        got.extend(r.id for r in page.results)
        if not page.results or page.paging is None:
            break
        last = page.results[-1].id

    assert got == expected and len(expected) > 40
    assert page.results[0].properties["industry"]
    assert sb.counts()["companies.search"] >= 2


def test_search_filters_limits_and_query(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=120, search_cap=50)
    records = sb.hubspot.companies.records
    until = sorted(p["hs_lastmodifieddate"] for p in records.values())[10]
    before = {
        "filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": until}]}]
    }
    name = next(iter(records.values()))["name"]

    status, _, answer = call(sb, "POST", SEARCH, {**before, "limit": 200})
    too_big = call(sb, "POST", SEARCH, {"limit": 201})[0]
    past_cap = call(sb, "POST", SEARCH, {"limit": 10, "after": 50})
    unknown = call(
        sb,
        "POST",
        SEARCH,
        {"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GT", "value": "1"}]}]},
    )
    by_query = call(sb, "POST", SEARCH, {"query": name.split()[0], "limit": 100})[2]

    assert status == 200 and answer["total"] == 10
    assert {r["id"] for r in answer["results"]} == {c for c, p in records.items() if p["hs_lastmodifieddate"] < until}
    assert set(answer["results"][0]["properties"]) == {
        "createdate",
        "domain",
        "hs_lastmodifieddate",
        "hs_object_id",
        "name",
    }
    assert too_big == 400 and past_cap[0] == 400 and "10000" not in past_cap[2]["message"]
    assert unknown[0] == 400  # a contact's property is no company's
    assert any(r["properties"]["name"] == name for r in by_query["results"])


def test_search_with_an_index_lag_hides_fresh_changes(make_sandbox: Callable[..., Sandbox], clock: FixedClock) -> None:
    sb = make_sandbox(n_contacts=60, search_index_lag_s=5)
    company = next(iter(sb.hubspot.companies.records))
    sb.hubspot.update_company(company, {"industry": "BANKING"})
    body = {"filterGroups": [{"filters": [{"propertyName": "industry", "operator": "EQ", "value": "BANKING"}]}]}

    hidden = call(sb, "POST", SEARCH, body)[2]["total"]
    clock.advance(seconds=6)
    shown = call(sb, "POST", SEARCH, body)[2]["results"]

    assert hidden == 0 and [r["id"] for r in shown] == [company]


def test_batch_update_validates_and_moves_the_modification_date(sb: Sandbox, clock: FixedClock) -> None:
    first, second = list(sb.hubspot.companies.records)[:2]
    clock.advance(minutes=3)
    body = {
        "inputs": [
            {"id": first, "properties": {"industry": "BANKING", "numberofemployees": "77"}},
            {"id": second, "properties": {"numberofemployees": "many"}},
            {"id": "42", "properties": {"name": "x"}},
        ]
    }

    status, _, answer = call(sb, "POST", f"{COMPANIES}/batch/update", body)
    read_only = call(
        sb, "POST", f"{COMPANIES}/batch/update", {"inputs": [{"id": first, "properties": {"hs_object_id": "1"}}]}
    )

    assert status == 207 and [r["id"] for r in answer["results"]] == [first]
    assert sb.hubspot.companies.records[first]["numberofemployees"] == "77"
    assert sb.hubspot.companies.records[first]["hs_lastmodifieddate"] == iso_ms(int(clock.time() * 1000))
    assert sorted(e["context"]["ids"][0] for e in answer["errors"]) == ["42", second]
    assert read_only[0] == 207 and "READ_ONLY_VALUE" in read_only[2]["errors"][0]["message"]


def test_company_properties_api(sb: Sandbox) -> None:
    client = hubspot_client(sb)
    names = {p.name: p for p in client.crm.properties.core_api.get_all("companies").results}
    definition = {
        "name": "tier",
        "label": "Tier",
        "type": "string",
        "fieldType": "text",
        "groupName": "companyinformation",
    }

    created = call(sb, "POST", "/crm/v3/properties/companies", definition)[0]
    again = call(sb, "POST", "/crm/v3/properties/companies", definition)[0]
    missing = call(sb, "GET", "/crm/v3/properties/companies/numemployees")

    needed = ("name", "domain", "industry", "numberofemployees", "annualrevenue", "country", "city")
    assert set(needed) | {"hs_object_id", "createdate", "hs_lastmodifieddate"} <= set(names)
    assert names["numberofemployees"].type == "number" and names["annualrevenue"].type == "number"
    assert names["industry"].type == "enumeration" and len(names["industry"].options) > 100
    assert names["hs_lastmodifieddate"].type == "datetime"
    assert created == 201 and again == 409
    assert missing[0] == 404 and "COMPANY" in missing[2]["message"]
    assert call(sb, "GET", "/crm/v3/properties/contacts/tier")[0] == 404  # the contacts' definitions are apart
    assert call(sb, "GET", "/crm/v3/properties/contacts/associatedcompanyid")[2]["type"] == "number"
    assert sb.counts()["companies.properties.create"] == 2 and sb.counts()["companies.properties.list"] == 1


def test_companies_go_through_auth_limits_and_faults(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=30, search_rate_per_second=1)
    sb.inject("companies.batch_read", status=503)

    assert call(sb, "GET", COMPANIES, token=None)[0] == 401
    assert call(sb, "POST", f"{COMPANIES}/batch/read", {"inputs": [{"id": "1"}]})[0] == 503
    assert call(sb, "POST", SEARCH, {})[0] == 200
    assert call(sb, "POST", "/crm/v3/objects/contacts/search", {})[0] == 429  # one search limit for every object


# ----- associations ------------
def test_contacts_to_companies_shape_and_type_ids(sb: Sandbox) -> None:
    with_company = next(c for c, p in sb.hubspot.contacts.items() if p.get("associatedcompanyid"))
    without = next(c for c, p in sb.hubspot.contacts.items() if not p.get("associatedcompanyid"))
    client = hubspot_client(sb)
    request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": with_company}, {"id": without}])

    raw = client.crm.associations.v4.batch_api.get_page(
        "contacts", "companies", batch_input_public_fetch_associations_batch_request=request, _preload_content=False
    )
    answer = json.loads(raw.data)

    assert raw.status == 207
    (result,) = answer["results"]
    assert result["from"] == {"id": with_company}
    assert result["to"] == [
        {
            "toObjectId": int(sb.hubspot.contacts[with_company]["associatedcompanyid"]),
            "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Contact with Primary Company"},
                {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
            ],
        }
    ]
    assert answer["errors"][0]["context"] == {"fromObjectId": [without]}
    assert call(sb, "POST", "/crm/v4/associations/contact/0-2/batch/read", {"inputs": [{"id": with_company}]})[0] == 200


def test_companies_to_contacts_page_per_input(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=300, association_page_size=2)
    counts = Counter(company for _, company, _ in sb.hubspot.companies.links.rows())
    busy, _ = counts.most_common(1)[0]
    expected = [int(c) for c, _ in sb.hubspot.companies.links.contacts_of(busy)]

    got, after, kinds = [], None, []
    while True:
        entry = {"id": busy, **({"after": after} if after else {})}
        result = call(sb, "POST", TO_CONTACTS, {"inputs": [entry]})[2]["results"][0]
        assert len(result["to"]) <= 2
        got.extend(t["toObjectId"] for t in result["to"])
        kinds.extend(t["associationTypes"] for t in result["to"])
        after = result.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break

    assert got == expected and len(got) > 2
    assert all([k["typeId"] for k in types] == [2, 280] for types in kinds)
    missing = call(sb, "POST", TO_CONTACTS, {"inputs": [{"id": "42"}]})
    assert missing[0] == 207 and "COMPANY 42" in missing[2]["errors"][0]["message"]
    assert call(sb, "POST", "/crm/v4/associations/companies/emails/batch/read", {"inputs": [{"id": busy}]})[0] == 400


def test_engagement_associations_still_answer(sb: Sandbox) -> None:
    inputs = [{"id": contact_id} for contact_id in sb.hubspot.contacts]
    answer = call(sb, "POST", "/crm/v4/associations/contacts/emails/batch/read", {"inputs": inputs})[2]

    assert answer["results"][0]["to"][0]["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 197, "label": None}
    ]


# ----- hooks ------------
def test_company_changes_do_not_touch_contacts(sb: Sandbox, clock: FixedClock) -> None:
    contact = next(c for c, p in sb.hubspot.contacts.items() if p.get("associatedcompanyid"))
    company = sb.hubspot.contacts[contact]["associatedcompanyid"]
    before = dict(sb.hubspot.contacts[contact])
    clock.advance(minutes=10)

    sb.hubspot.update_company(company, {"numberofemployees": 4200, "industry": "BANKING"})

    assert sb.hubspot.contacts[contact] == before
    changed = sb.hubspot.get_company(company)
    assert changed["properties"]["numberofemployees"] == "4200"
    assert changed["updatedAt"] == changed["properties"]["hs_lastmodifieddate"] == iso_ms(int(clock.time() * 1000))
    found = call(sb, "POST", SEARCH, modified_search(changed["updatedAt"]))[2]
    assert [r["id"] for r in found["results"]] == [company]


def test_associate_moves_the_primary_company(sb: Sandbox, clock: FixedClock) -> None:
    hubspot = sb.hubspot
    contact = next(c for c, p in hubspot.contacts.items() if p.get("associatedcompanyid"))
    old = hubspot.contacts[contact]["associatedcompanyid"]
    new = hubspot.add_company({"name": "Fresh Co", "domain": "fresh.example", "numberofemployees": 12})
    clock.advance(minutes=1)
    stamp = iso_ms(int(clock.time() * 1000))

    hubspot.associate(contact, new, primary=False)
    unchanged = dict(hubspot.contacts[contact])
    hubspot.associate(contact, new)
    answer = call(sb, "POST", TO_COMPANIES, {"inputs": [{"id": contact}]})[2]["results"][0]["to"]

    assert unchanged["associatedcompanyid"] == old and unchanged["lastmodifieddate"] < stamp
    assert hubspot.contacts[contact]["associatedcompanyid"] == new
    assert hubspot.contacts[contact]["lastmodifieddate"] == stamp
    assert hubspot.companies_of(contact) == sorted([(old, False), (new, True)], key=lambda c: int(c[0]))
    assert {t["toObjectId"]: [k["typeId"] for k in t["associationTypes"]] for t in answer} == {
        int(old): [279],
        int(new): [1, 279],
    }

    hubspot.dissociate(contact, new)
    assert "associatedcompanyid" not in hubspot.contacts[contact] and hubspot.companies_of(contact) == [(old, False)]
    with pytest.raises(KeyError):
        hubspot.dissociate(contact, new)
    with pytest.raises(KeyError):
        hubspot.associate(contact, "42")


def test_associatedcompanyid_is_read_only(sb: Sandbox) -> None:
    company = next(iter(sb.hubspot.companies.records))
    body = {"inputs": [{"id": "101", "properties": {"associatedcompanyid": company}}]}

    status, _, answer = call(sb, "POST", "/crm/v3/objects/contacts/batch/update", body)

    assert status == 207 and "READ_ONLY_VALUE" in answer["errors"][0]["message"]
    with pytest.raises(ValueError, match="associate"):
        sb.hubspot.update_contact("101", {"associatedcompanyid": company})
    with pytest.raises(ValueError, match="unknown company property"):
        sb.hubspot.add_company({"numemployees": "5-25"})


def test_a_merge_keeps_the_primary_contacts_company(sb: Sandbox) -> None:
    hubspot = sb.hubspot
    linked = [c for c, p in hubspot.contacts.items() if p.get("associatedcompanyid")]
    primary, merged = (
        linked[0],
        next(
            c
            for c in linked[1:]
            if hubspot.contacts[c]["associatedcompanyid"] != hubspot.contacts[linked[0]]["associatedcompanyid"]
        ),
    )
    theirs = hubspot.contacts[merged]["associatedcompanyid"]
    mine = hubspot.contacts[primary]["associatedcompanyid"]

    hubspot.merge_contacts(primary, merged)

    assert hubspot.contacts[primary]["associatedcompanyid"] == mine
    assert sorted(hubspot.companies_of(merged)) == sorted([(mine, True), (theirs, False)])
    answer = call(sb, "POST", TO_CONTACTS, {"inputs": [{"id": theirs}]})[2]
    assert primary in [str(t["toObjectId"]) for t in answer["results"][0]["to"]]
    assert merged not in [str(t["toObjectId"]) for t in answer["results"][0]["to"]]


def test_archived_contacts_leave_their_companies_lists(sb: Sandbox) -> None:
    contact = next(c for c, p in sb.hubspot.contacts.items() if p.get("associatedcompanyid"))
    company = sb.hubspot.contacts[contact]["associatedcompanyid"]

    sb.hubspot.archive_contact(contact)
    answer = call(sb, "POST", TO_CONTACTS, {"inputs": [{"id": company}]})[2]

    assert contact not in [str(t["toObjectId"]) for r in answer["results"] for t in r["to"]]


# ----- data files ------------
def test_dump_and_load_keep_companies_and_associations(make_sandbox: Callable[..., Sandbox], tmp_path: Path) -> None:
    source = make_sandbox(n_contacts=60)
    added = source.hubspot.add_company({"name": "Added Ltd", "industry": "BANKING"})
    source.hubspot.associate("103", added, primary=False)
    path = tmp_path / "portal.json"
    source.dump(path)

    copy = make_sandbox(n_contacts=0)
    copy.load(path)

    assert companies_snapshot(copy) == companies_snapshot(source)
    assert copy.hubspot.companies_of("103") == source.hubspot.companies_of("103")
    assert copy.hubspot.add_company({"name": "Next"}) == str(int(added) + 1)


def test_hand_written_file_associates_through_associatedcompanyid(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    stamp = "2026-01-01T00:00:00.000Z"
    document = {
        "format": "leadstage-sandbox/hubspot",
        "version": 1,
        "generator": None,
        "nextContactId": 1,
        "groups": [],
        "properties": [],
        "merged": {},
        "engagements": [],
        "events": [],
        "contacts": [
            {
                "id": "7",
                "archived": False,
                "properties": {
                    "email": "ada@acme.example",
                    "createdate": stamp,
                    "lastmodifieddate": stamp,
                    "hs_object_id": "7",
                    "associatedcompanyid": "900",
                },
            }
        ],
        "companies": [
            {
                "id": "900",
                "properties": {
                    "name": "Acme",
                    "createdate": stamp,
                    "hs_lastmodifieddate": stamp,
                    "hs_object_id": "900",
                    "numberofemployees": "250",
                },
            }
        ],
    }
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(document))
    sb = make_sandbox(n_contacts=0)

    sb.load(path)

    assert sb.hubspot.companies_of("7") == [("900", True)]
    assert (
        call(sb, "GET", f"{COMPANIES}/900?properties=numberofemployees")[2]["properties"]["numberofemployees"] == "250"
    )
    assert sb.hubspot.add_company({"name": "Next"}) == "5000000001"
