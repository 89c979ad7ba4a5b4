"""SOQL: the parser (literals, escapes, operators, errors) and the evaluator (each operator, nulls, case,
relationships, ordering), the SOQL the sandbox refuses, plus the REST answers for MALFORMED_QUERY and
INVALID_FIELD."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from simple_salesforce import SalesforceMalformedRequest

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox, SandboxConfig
from leadstage.sandbox.salesforce.query import compile_query, select_ids
from leadstage.sandbox.salesforce.soql import Comparison, Junction, SoqlError, parse
from tests.sandbox.conftest import NOW
from tests.sandbox.test_salesforce_support import client, seeded


def where(text: str) -> Comparison:
    condition = parse(f"SELECT Id FROM Lead WHERE {text}").where
    assert isinstance(condition, Comparison)
    return condition


# ----- parser ------------
@pytest.mark.parametrize(
    ("condition", "op", "kind", "value"),
    [
        ("Email = 'a@b.com'", "=", "string", "a@b.com"),
        ("Email != 'a'", "!=", "string", "a"),
        ("NumberOfEmployees < 10", "<", "number", 10),
        ("NumberOfEmployees <= 10.5", "<=", "number", 10.5),
        ("AnnualRevenue > -3", ">", "number", -3),
        ("AnnualRevenue >= 0", ">=", "number", 0),
        ("IsConverted = TRUE", "=", "boolean", True),
        ("IsConverted = false", "=", "boolean", False),
        ("Email = null", "=", "null", None),
        ("ConvertedDate = 2026-05-01", "=", "date", "2026-05-01"),
        ("CreatedDate > 2026-05-01T10:00:00Z", ">", "datetime", "2026-05-01T10:00:00.000+0000"),
        ("CreatedDate > 2026-05-01T10:00:00.000+0000", ">", "datetime", "2026-05-01T10:00:00.000+0000"),
        ("CreatedDate > 2026-05-01T12:00:00+02:00", ">", "datetime", "2026-05-01T10:00:00.000+0000"),
        ("CreatedDate > 2026-05-01T05:30:00.250-04:30", ">", "datetime", "2026-05-01T10:00:00.250+0000"),
    ],
)
def test_each_operator_and_literal_parses(condition: str, op: str, kind: str, value: object) -> None:
    parsed = where(condition)

    assert (parsed.op, parsed.values[0].kind, parsed.values[0].value) == (op, kind, value)


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r"'it\'s'", "it's"),
        (r"'back\\slash'", "back\\slash"),
        (r"'line\nbreak'", "line\nbreak"),
        (r"'tab\there'", "tab\there"),
        (r"'cr\rlf'", "cr\rlf"),
        (r"'bell\bff\f'", "bell\bff\f"),
        (r"'say \"hi\"'", 'say "hi"'),
        (r"'x\' OR Id != null'", "x' OR Id != null"),
    ],
)
def test_string_escapes_decode_as_salesforce_defines_them(literal: str, value: str) -> None:
    assert where(f"Email = {literal}").values[0].value == value


def test_injection_attempt_stays_one_string_literal() -> None:
    parsed = parse(r"SELECT Id FROM Lead WHERE Email = 'x\' OR Id != null'")

    assert isinstance(parsed.where, Comparison)
    assert parsed.where.values[0].value == "x' OR Id != null"


def test_in_lists_and_nested_logic() -> None:
    parsed = parse("SELECT Id FROM Lead WHERE (Status IN ('A', 'B') OR Rating = 'Hot') AND IsConverted = false")

    assert isinstance(parsed.where, Junction) and parsed.where.op == "AND"
    inner = parsed.where.parts[0]
    assert isinstance(inner, Junction) and inner.op == "OR"
    assert isinstance(inner.parts[0], Comparison) and [v.value for v in inner.parts[0].values] == ["A", "B"]
    assert isinstance(inner.parts[1], Comparison) and inner.parts[1].op == "="


def test_select_list_order_limit_and_count() -> None:
    parsed = parse("select Id, Campaign.Name from CampaignMember order by CreatedDate desc, Id limit 5")
    counted = parse("SELECT COUNT() FROM Lead")

    assert [f.text for f in parsed.fields] == ["Id", "Campaign.Name"]
    assert [(o.field.text, o.descending) for o in parsed.order] == [("CreatedDate", True), ("Id", False)]
    assert parsed.limit == 5
    assert counted.count is not None and counted.fields == []


@pytest.mark.parametrize(
    ("query", "column", "detail"),
    [
        ("SELECT Id FROM Lead WHERE", 26, "unexpected token: <EOF>"),
        ("SELECT Id FROM Lead WHERE a = 1 AND b = 2 OR c = 3", 43, "unexpected token: OR"),
        ("SELECT Id, FROM Lead", 12, "unexpected token: FROM"),
        ('SELECT Id FROM Lead WHERE Email = "x"', 35, "unexpected token: '\"'"),
        (r"SELECT Id FROM Lead WHERE Email = 'a\qb'", 35, "Illegal character sequence '\\q'"),
        ("SELECT Id FROM Lead WHERE Email = 'open", 35, "unterminated string literal"),
        ("SELECT Id FROM Lead LIMIT -1", 27, "unexpected token: -1"),
        ("SELECT Id FROM Lead LIMIT 2147483648", 27, "out of range"),
        ("SELECT Id FROM Lead GROUP BY Id", 21, "GROUP"),
        ("SELECT Id FROM Lead WHERE Id IN (SELECT LeadId FROM CampaignMember)", 34, "semi-join"),
        ("SELECT Id FROM Lead WHERE CreatedDate > 2026-13-01", 41, "no viable alternative"),
    ],
)
def test_malformed_queries_point_at_the_problem(query: str, column: int, detail: str) -> None:
    with pytest.raises(SoqlError) as failure:
        parse(query)

    assert failure.value.code == "MALFORMED_QUERY"
    message = failure.value.render(query)
    assert f"ERROR at Row:1:Column:{column}\n" in message
    assert detail in message


@pytest.mark.parametrize(
    ("query", "column", "detail"),
    [
        ("SELECT Id FROM Lead WHERE Email LIKE 'a%'", 33, "unexpected token: LIKE (not supported by the sandbox)"),
        ("SELECT Id FROM Lead WHERE NOT Email = null", 27, "unexpected token: NOT (not supported by the sandbox)"),
        ("SELECT Id FROM Lead WHERE Rating NOT IN ('Hot')", 34, "unexpected token: NOT (not supported"),
        ("SELECT Id FROM Lead LIMIT 5 OFFSET 2", 29, "unexpected token: OFFSET (not supported by the sandbox)"),
        ("SELECT Id FROM Lead ORDER BY Email NULLS LAST", 36, "unexpected token: NULLS (not supported"),
        ("SELECT COUNT(Id) FROM Lead", 14, "COUNT(field) is not supported by the sandbox"),
        ("SELECT Id FROM Lead WHERE CreatedDate = TODAY", 41, "unexpected token: TODAY"),
        ("SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:30", 52, "unexpected token: ':'"),
        (r"SELECT Id FROM Lead WHERE Email = 'a\%'", 35, "Illegal character sequence '\\%'"),
    ],
)
def test_soql_no_caller_sends_is_refused_as_malformed(query: str, column: int, detail: str) -> None:
    with pytest.raises(SoqlError) as failure:
        parse(query)

    assert failure.value.code == "MALFORMED_QUERY"
    message = failure.value.render(query)
    assert f"ERROR at Row:1:Column:{column}\n" in message
    assert detail in message


# ----- evaluator ------------
@pytest.fixture(scope="module")
def org_sb() -> Sandbox:
    """An org with a few hand-made Leads (no seed), for exact answers."""
    sb = Sandbox(SandboxConfig(clock=FixedClock(NOW).time))
    org = sb.salesforce
    org.add_custom_fields("Lead", {"LeadStage_SLA_Breached__c": "boolean"})
    org.add("Lead", {"LastName": "Ames", "Company": "Acme", "Email": "Ann@Acme.com", "NumberOfEmployees": 10})
    org.add("Lead", {"LastName": "Bell", "Company": "Beta", "Email": "bob@beta.io", "NumberOfEmployees": 250})
    org.add("Lead", {"LastName": "Cruz", "Company": "50% Off_Ltd", "Rating": "Hot", "AnnualRevenue": 1e6})
    org.add("Lead", {"LastName": "Diaz", "Company": "Delta", "Title": "x' OR Id != null", "HasOptedOutOfEmail": True})
    org.add("Lead", {"LastName": "Eve", "Company": "Echo", "Rating": "Cold", "LeadStage_SLA_Breached__c": None})
    ids = list(org.records("Lead"))
    org.update("Lead", ids[4], {"Email": "eve@echo.com"})
    return sb


def names(sb: Sandbox, condition: str, order: str = "") -> list[str]:
    org = sb.salesforce
    with org.lock:
        query = compile_query(org, f"SELECT Id FROM Lead WHERE {condition} {order}")
        return [org.records("Lead")[i]["LastName"] for i in select_ids(org, query, include_deleted=False)]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("Email = 'ann@acme.com'", ["Ames"]),  # text compares case-insensitively
        ("Email != 'ann@acme.com'", ["Bell", "Cruz", "Diaz", "Eve"]),  # != matches nulls
        ("Email = null", ["Cruz", "Diaz"]),
        ("Email != null", ["Ames", "Bell", "Eve"]),
        ("NumberOfEmployees < 250", ["Ames"]),  # < never matches a null
        ("NumberOfEmployees <= 250", ["Ames", "Bell"]),
        ("NumberOfEmployees > 10", ["Bell"]),
        ("NumberOfEmployees >= 10", ["Ames", "Bell"]),
        ("AnnualRevenue = 1000000", ["Cruz"]),
        ("Rating IN ('hot', 'Cold')", ["Cruz", "Eve"]),
        ("Rating IN ('Hot', null)", ["Ames", "Bell", "Cruz", "Diaz"]),
        ("HasOptedOutOfEmail = true", ["Diaz"]),
        ("LeadStage_SLA_Breached__c = false", ["Ames", "Bell", "Cruz", "Diaz", "Eve"]),  # checkboxes are never null
        (r"Title = 'x\' OR Id != null'", ["Diaz"]),  # the injection attempt is a literal value
        ("(Rating = 'Hot' OR Rating = 'Cold') AND Email != null", ["Eve"]),
        ("Name = 'ames'", ["Ames"]),
        ("LastModifiedDate > 2026-05-01T09:59:59Z", ["Ames", "Bell", "Cruz", "Diaz", "Eve"]),
    ],
)
def test_where_operators_match_like_salesforce(org_sb: Sandbox, condition: str, expected: list[str]) -> None:
    assert names(org_sb, condition) == expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("ORDER BY NumberOfEmployees", ["Cruz", "Diaz", "Eve", "Ames", "Bell"]),  # ASC: nulls first
        ("ORDER BY NumberOfEmployees DESC", ["Bell", "Ames", "Cruz", "Diaz", "Eve"]),  # DESC: nulls last
        ("ORDER BY Email DESC", ["Eve", "Bell", "Ames", "Cruz", "Diaz"]),  # text: case-insensitive
        ("ORDER BY Rating, LastName DESC", ["Diaz", "Bell", "Ames", "Eve", "Cruz"]),
        ("ORDER BY Id DESC LIMIT 2", ["Eve", "Diaz"]),
    ],
)
def test_order_by_nulls_and_limits(org_sb: Sandbox, order: str, expected: list[str]) -> None:
    assert names(org_sb, "IsDeleted = false", order) == expected


@pytest.mark.parametrize(
    ("query", "code", "detail"),
    [
        ("SELECT Foo FROM Lead", "INVALID_FIELD", "No such column 'Foo' on entity 'Lead'."),
        ("SELECT Id FROM Lead WHERE Score__c > 1", "INVALID_FIELD", "No such column 'Score__c'"),
        ("SELECT Owner.Name FROM Lead", "INVALID_FIELD", "Didn't understand relationship 'Owner'"),
        ("SELECT Who.Type FROM Task", "INVALID_FIELD", "Didn't understand relationship 'Who'"),  # polymorphic
        ("SELECT Id FROM Lead WHERE Lead.Company = 'Beta'", "INVALID_FIELD", "Didn't understand relationship 'Lead'"),
        ("SELECT Id, id FROM Lead", "INVALID_FIELD", "duplicate field selected: Id"),
        ("SELECT Id FROM Leads", "INVALID_TYPE", "sObject type 'Leads' is not supported."),
        ("SELECT Id FROM Lead WHERE CreatedDate > '2026-01-01'", "INVALID_FIELD", "must be of type dateTime"),
        ("SELECT Id FROM Lead WHERE CreatedDate > 2026-01-01", "INVALID_FIELD", "must be of type dateTime"),
        ("SELECT Id FROM Lead WHERE Email = 5", "INVALID_FIELD", "must be of type string and should be enclosed"),
        ("SELECT Id FROM Lead WHERE NumberOfEmployees = '5'", "INVALID_FIELD", "must be of type integer"),
        ("SELECT Id FROM Lead WHERE IsConverted = 'true'", "INVALID_FIELD", "must be of type boolean"),
        ("SELECT Id FROM Lead WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: abc"),
        ("SELECT Id FROM Lead WHERE IsConverted > false", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator"),
    ],
)
def test_schema_errors(org_sb: Sandbox, query: str, code: str, detail: str) -> None:
    with pytest.raises(SoqlError) as failure:
        compile_query(org_sb.salesforce, query)

    assert failure.value.code == code
    assert detail in failure.value.detail


def test_relationship_fields_filter_and_order_through_the_reference() -> None:
    org = Sandbox(SandboxConfig(clock=FixedClock(NOW).time)).salesforce
    lead = org.add("Lead", {"LastName": "Ames", "Company": "Acme"})
    webinar = org.add("Campaign", {"Name": "Spring Webinar", "Type": "Webinar"})
    event = org.add("Campaign", {"Name": "Expo", "Type": "Event"})
    mail = org.add("Campaign", {"Name": "April Mail", "Type": "Email"})
    members = [org.add("CampaignMember", {"CampaignId": c, "LeadId": lead}) for c in (webinar, event, mail)]
    with org.lock:
        query = compile_query(
            org,
            "SELECT Id, Campaign.Name FROM CampaignMember WHERE Campaign.Type IN ('webinar', 'Event') "
            "AND Lead.LastName = 'ames' ORDER BY Campaign.Name",
        )
        ids = select_ids(org, query, include_deleted=False)

    assert ids == [members[1], members[0]]


# ----- over HTTP ------------
def test_malformed_query_is_a_400_with_salesforce_message(make_sandbox: Callable[..., Sandbox]) -> None:
    sf = client(seeded(make_sandbox, n_leads=5))

    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query("SELECT Id FROM Lead WHERE")

    assert failure.value.status == 400
    assert failure.value.content == [
        {
            "message": "\nSELECT Id FROM Lead WHERE\n                         ^\nERROR at Row:1:Column:26\n"
            "unexpected token: <EOF>",
            "errorCode": "MALFORMED_QUERY",
        }
    ]


def test_unknown_field_is_a_400_invalid_field(make_sandbox: Callable[..., Sandbox]) -> None:
    sf = client(seeded(make_sandbox, n_leads=5))

    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query("SELECT Id, Foo FROM Lead")

    error = failure.value.content[0]
    assert error["errorCode"] == "INVALID_FIELD"
    assert error["message"].startswith("\nSELECT Id, Foo FROM Lead\n           ^\nERROR at Row:1:Column:12\n")
    assert "No such column 'Foo' on entity 'Lead'" in error["message"]
