"""Salesforce Accounts: the seeded ones, Account fields of Contacts and Leads through relationship fields in SOQL,
Accounts changed between runs, describe, and the hooks (add, update, convert_lead)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from simple_salesforce import Salesforce

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox
from leadstage.sandbox.salesforce.values import sf_datetime
from tests.sandbox.test_salesforce_support import DATA, client, lead_ids, raw, seeded

N_LEADS = 600


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return seeded(make_sandbox, n_leads=N_LEADS)


@pytest.fixture
def sf(sb: Sandbox) -> Salesforce:
    return client(sb)


def now_stamp(clock: FixedClock) -> str:
    return sf_datetime(int(clock.time() * 1000))


def test_converted_contacts_belong_to_the_accounts_of_their_companies(sb: Sandbox) -> None:
    org = sb.salesforce
    accounts, contacts, leads = org.records("Account"), org.records("Contact"), org.records("Lead")
    per_account = Counter(contact["AccountId"] for contact in contacts.values())

    assert set(per_account) == set(accounts)  # every seeded Account has Contacts, every Contact an Account
    assert max(per_account.values()) >= 3 and len(per_account) < len(contacts)
    for lead in leads.values():
        if lead["IsConverted"]:
            account = accounts[lead["ConvertedAccountId"]]
            assert contacts[lead["ConvertedContactId"]]["AccountId"] == account["Id"]
            assert account["Name"] == lead["Company"]
            assert account["CreatedDate"] <= contacts[lead["ConvertedContactId"]]["CreatedDate"]
    for account in accounts.values():
        assert account["CreatedDate"] <= account["LastModifiedDate"] == account["SystemModstamp"]
        assert account["SystemModstamp"] <= "2026-05-01T10:00:00.000+0000"
        assert isinstance(account.get("NumberOfEmployees", 0), int)
        assert isinstance(account.get("AnnualRevenue", 0.0), float)
        assert account["Website"].startswith("www.") and account["BillingCountry"] and account["BillingCity"]
    assert list(accounts) == sorted(accounts)


def test_an_account_has_the_numbers_the_hubspot_seed_gives_its_company(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=N_LEADS, seed=7)
    sb.seed_salesforce(n_leads=N_LEADS, seed=7)
    companies = {props["name"]: props for props in sb.hubspot.companies.records.values()}

    checked = 0
    for account in sb.salesforce.records("Account").values():
        company = companies[account["Name"]]
        assert str(account.get("NumberOfEmployees", "")) == company.get("numberofemployees", "")
        assert account["BillingCity"] == company["city"]
        checked += 1
    assert checked > 20


def test_contacts_read_account_fields_through_the_relationship(sb: Sandbox, sf: Salesforce) -> None:
    orphan = sb.salesforce.add("Contact", {"LastName": "Nobody"})
    answer = sf.query_all("SELECT Id, Account.Industry, Account.NumberOfEmployees, Account.Name FROM Contact")
    records = {r["Id"]: r for r in answer["records"]}
    accounts = sb.salesforce.records("Account")

    for contact in sb.salesforce.records("Contact").values():
        if contact["Id"] == orphan:
            continue
        account = accounts[contact["AccountId"]]
        nested = records[contact["Id"]]["Account"]
        assert nested["attributes"] == {"type": "Account", "url": f"{DATA}/sobjects/Account/{account['Id']}"}
        assert nested["Industry"] == account.get("Industry")
        assert nested["NumberOfEmployees"] == account.get("NumberOfEmployees")
        assert nested["Name"] == account["Name"]
    assert records[orphan]["Account"] is None


def test_contacts_of_changed_accounts_by_account_id(sb: Sandbox, sf: Salesforce) -> None:
    per_account = Counter(c["AccountId"] for c in sb.salesforce.records("Contact").values())
    busy = [account for account, n in per_account.most_common(2)]

    soql = (
        f"SELECT Id, AccountId, Account.AnnualRevenue FROM Contact WHERE AccountId IN ('{busy[0]}', '{busy[1][:15]}')"
    )
    found = sf.query(soql)["records"]

    assert sorted(r["AccountId"] for r in found) == sorted(
        c["AccountId"] for c in sb.salesforce.records("Contact").values() if c["AccountId"] in busy
    )
    assert len(found) == per_account[busy[0]] + per_account[busy[1]]


def test_leads_read_their_converted_account(sb: Sandbox, sf: Salesforce) -> None:
    rows = sf.query_all("SELECT Id, ConvertedAccount.Name FROM Lead WHERE IsConverted = true")["records"]
    plain = sf.query("SELECT Id, ConvertedAccountId, ConvertedAccount.Name FROM Lead WHERE IsConverted = false LIMIT 1")

    leads = sb.salesforce.records("Lead")
    assert rows and all(r["ConvertedAccount"]["Name"] == leads[r["Id"]]["Company"] for r in rows)
    assert plain["records"][0]["ConvertedAccount"] is None and plain["records"][0]["ConvertedAccountId"] is None


def test_accounts_changed_since_a_moment_keyset_paged(sb: Sandbox, sf: Salesforce, clock: FixedClock) -> None:
    accounts = sb.salesforce.records("Account")
    since = sorted(a["SystemModstamp"] for a in accounts.values())[len(accounts) // 3]
    clock.advance(minutes=5)
    untouched = sorted(accounts)[0]
    sb.salesforce.update("Account", untouched, {"Industry": "Banking"})
    expected = sorted(i for i, a in accounts.items() if a["SystemModstamp"] >= since)

    got, last = [], None
    while True:
        keyset = f" AND Id > '{last}'" if last else ""
        stamp = since.replace("+0000", "Z")
        soql = f"SELECT Id, Industry FROM Account WHERE SystemModstamp >= {stamp}{keyset} ORDER BY Id LIMIT 25"
        page = sf.query(soql)["records"]
        got.extend(r["Id"] for r in page)
        if len(page) < 25:
            break
        last = page[-1]["Id"]

    assert got == expected and untouched in got and len(got) > 25
    assert accounts[untouched]["SystemModstamp"] == accounts[untouched]["LastModifiedDate"] == now_stamp(clock)


def test_an_account_change_leaves_its_contacts_alone(sb: Sandbox, clock: FixedClock) -> None:
    org = sb.salesforce
    contact = next(iter(org.records("Contact").values()))
    before = dict(contact)
    clock.advance(minutes=1)

    org.update("Account", contact["AccountId"], {"NumberOfEmployees": 1234, "AnnualRevenue": 5e6})
    org.touch_system("Account", contact["AccountId"])

    assert org.records("Contact")[contact["Id"]] == before
    assert org.records("Account")[contact["AccountId"]]["NumberOfEmployees"] == 1234


def test_describe_account_and_the_relationships(sb: Sandbox, sf: Salesforce) -> None:
    account = {f["name"]: f for f in sf.Account.describe()["fields"]}
    contact = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    lead = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    listed = [o["name"] for o in sf.describe()["sobjects"]]

    assert "Account" in listed
    expected = {
        "Id": "id",
        "Name": "string",
        "Industry": "picklist",
        "NumberOfEmployees": "int",
        "AnnualRevenue": "currency",
        "BillingCountry": "string",
        "BillingCity": "string",
        "Website": "url",
        "CreatedDate": "datetime",
        "SystemModstamp": "datetime",
        "LastModifiedDate": "datetime",
        "IsDeleted": "boolean",
    }
    assert {name: account[name]["type"] for name in expected} == expected
    assert {"Banking", "Technology", "Manufacturing"} <= {v["value"] for v in account["Industry"]["picklistValues"]}
    assert account["Name"]["nameField"] is True
    assert (contact["AccountId"]["relationshipName"], contact["AccountId"]["referenceTo"]) == ("Account", ["Account"])
    assert lead["ConvertedAccountId"]["relationshipName"] == "ConvertedAccount"


def test_add_update_and_read_an_account(sb: Sandbox, sf: Salesforce, clock: FixedClock) -> None:
    account_id = sb.salesforce.add("Account", {"Name": "Acme", "Industry": "Banking", "NumberOfEmployees": 40})
    clock.advance(minutes=2)
    sf.Account.update(account_id, {"Website": "www.acme.example", "AnnualRevenue": 1_000_000})
    record = sf.Account.get(account_id)

    assert account_id.startswith("001")
    assert record["Name"] == "Acme" and record["Website"] == "www.acme.example"
    assert record["AnnualRevenue"] == 1_000_000.0 and record["SystemModstamp"] == now_stamp(clock)
    bad = raw(sb, "PATCH", f"{DATA}/sobjects/Account/{account_id}", {"NumberOfEmployees": "lots"})
    assert bad.status_code == 400


def test_converting_a_lead_uses_its_companys_account(sb: Sandbox) -> None:
    org = sb.salesforce
    accounts = org.records("Account")
    names = {a["Name"].lower(): i for i, a in accounts.items()}
    leads = org.records("Lead")
    known = next(i for i in lead_ids(sb) if leads[i]["Company"].lower() in names)
    new = next(i for i in lead_ids(sb) if leads[i]["Company"].lower() not in names and leads[i].get("Industry"))
    count = len(accounts)

    first = org.convert_lead(known)
    second = org.convert_lead(new)

    contacts = org.records("Contact")
    assert contacts[first]["AccountId"] == names[leads[known]["Company"].lower()] == leads[known]["ConvertedAccountId"]
    made = org.records("Account")[contacts[second]["AccountId"]]
    assert len(org.records("Account")) == count + 1 and leads[new]["ConvertedAccountId"] == made["Id"]
    assert made["Id"] > max(names.values())
    assert (made["Name"], made["Industry"], made.get("NumberOfEmployees")) == (
        leads[new]["Company"],
        leads[new]["Industry"],
        leads[new].get("NumberOfEmployees"),
    )
    assert made["BillingCountry"] == leads[new]["Country"] and made["OwnerId"] == leads[new]["OwnerId"]


def test_same_seed_gives_byte_identical_accounts(make_sandbox: Callable[..., Sandbox]) -> None:
    def answers(sb: Sandbox) -> bytes:
        out = []
        for q in (
            "SELECT Id, Name, Industry, NumberOfEmployees, AnnualRevenue, BillingCity, SystemModstamp FROM Account",
            "SELECT Id, AccountId, Account.Industry FROM Contact",
        ):
            out.append(raw(sb, "GET", f"{DATA}/query?q={q.replace(' ', '+')}").content)
        return b"\n".join(out)

    first = answers(seeded(make_sandbox, n_leads=120, seed=5))
    second = answers(seeded(make_sandbox, n_leads=120, seed=5))
    other = answers(seeded(make_sandbox, n_leads=120, seed=6))

    assert first == second
    assert first != other
