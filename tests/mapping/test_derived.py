"""Derived fields: ``email_domain`` comes from ``email``, and rules on it read (and explain) the domain only."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leadstage.mapping.derived import derived_fields, email_domain
from leadstage.mapping.evaluate import evaluate
from leadstage.mapping.model import Contact
from leadstage.sync.config import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("jane@acme.com", "acme.com"),
        ("Jane.Doe@GMail.COM", "gmail.com"),
        ("  jane@acme.com  ", "acme.com"),
        ('"odd@local"@uni.edu', "uni.edu"),  # the last "@" separates the domain
        ("no-at-sign", None),
        ("trailing@", None),
        ("", None),
    ],
)
def test_the_email_domain_is_what_follows_the_last_at_lower_cased(email, domain):
    assert email_domain(email) == domain


def test_derived_fields_are_only_those_a_source_is_present_for():
    assert derived_fields({"email": "a@Acme.io", "job_title": "CEO"}) == {"email_domain": "acme.io"}
    assert derived_fields({"job_title": "CEO"}) == {}
    assert derived_fields({"email": "not an address"}) == {}
    assert derived_fields({"email": "a@acme.io", "email_domain": "acme-group.com"}) == {}  # the CRM's value wins


def test_a_contact_carries_its_derived_fields_whoever_built_it():
    given = {"email": "a@Acme.io", "job_title": "CEO"}

    contact = Contact(id="1", updated_at=NOW, fields=given)

    assert contact.fields == {"email": "a@Acme.io", "job_title": "CEO", "email_domain": "acme.io"}
    assert contact.get("email_domain") == "acme.io"
    assert given == {"email": "a@Acme.io", "job_title": "CEO"}  # the caller's mapping is left alone
    assert dataclasses.replace(contact, fields={"email": "b@uni.edu"}).get("email_domain") == "uni.edu"


def test_a_contact_keeps_a_crm_value_under_a_derived_name_and_adds_nothing_without_a_source():
    assert Contact(id="1", updated_at=NOW, fields={"email": "a@acme.io", "email_domain": "acme-group.com"}).fields == {
        "email": "a@acme.io",
        "email_domain": "acme-group.com",
    }
    assert Contact(id="1", updated_at=NOW, fields={"job_title": "CEO"}).fields == {"job_title": "CEO"}
    assert Contact(id="1", updated_at=NOW, fields={"email": "not an address"}).fields == {"email": "not an address"}
    assert Contact(id="1", updated_at=NOW, fields={"email": "a@acme.io"}) == Contact(
        id="1", updated_at=NOW, fields={"email": "a@acme.io", "email_domain": "acme.io"}
    )


def _fit(email: str, title: str = "Engineer") -> dict[str, tuple[str | None, float, str | None]]:
    model = next(iter(load_settings(EXAMPLE).portals.values())).model
    contact = Contact(id="1", updated_at=NOW, fields={"email": email, "job_title": title})
    result = evaluate(contact, [], None, model, NOW)
    return {rule.rule: (rule.value, rule.points, rule.detail) for rule in result.score.fit_rules}


@pytest.mark.parametrize(
    ("email", "rule"),
    [
        ("jane@gmail.com", "Free-mail address"),
        ("Jane@Outlook.co.uk", "Free-mail address"),
        ("spy@Competitor.io", "Competitor"),
    ],
)
def test_the_shipped_email_rules_fire_on_the_domain_and_show_only_the_domain(email, rule):
    fired = _fit(email)

    assert fired[rule][0] == email_domain(email)
    assert all(value is None or "@" not in value for value, _, _ in fired.values())  # the address never appears


@pytest.mark.parametrize("email", ["j.smith@cs.stanford.edu", "j.smith@ox.ac.uk"])
def test_a_university_address_counts_as_a_student_through_its_domain_and_shows_only_the_domain(email):
    fired = _fit(email)

    _, points, detail = fired["Student"]
    assert points == -30
    assert detail is not None and repr(email_domain(email)) in detail and "@" not in detail


def test_a_university_address_with_a_directors_title_is_not_a_student():
    assert "Student" not in _fit("j.smith@ox.ac.uk", title="Director of IT")


@pytest.mark.parametrize("email", ["jane@acme.com", "gmail@acme.com", "jane@mygmail.com", "jane@edu.acme.com"])
def test_the_shipped_email_rules_leave_business_addresses_alone(email):
    fired = _fit(email)

    assert not {"Free-mail address", "Student", "Competitor"} & set(fired)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # no company values: the contact's own stand in, each for itself
        ({"industry": "Software"}, {"company.industry": "Software"}),
        (
            {"employees": "100-500", "country": "Germany"},
            {"company.employees": "100-500", "company.country": "Germany"},
        ),
        ({"company": "Acme", "city": "Berlin"}, {"company.name": "Acme", "company.city": "Berlin"}),
        ({"annual_revenue": "20000000"}, {"company.annual_revenue": "20000000"}),
        # the company's value wins where it has one; the others still fall back
        ({"industry": "Software", "company.industry": "RETAIL"}, {}),
        (
            {"industry": "Software", "employees": "100-500", "company.employees": "12"},
            {"company.industry": "Software"},
        ),
        # nothing to fall back on, and no fallback for fields without a person-level twin
        ({"job_title": "CEO"}, {}),
        ({"company.domain": "acme.io"}, {}),
    ],
)
def test_company_fields_fall_back_on_the_contacts_own_only_where_the_company_has_none(fields, expected):
    assert {k: v for k, v in derived_fields(fields).items() if k.startswith("company.")} == expected


def test_a_contact_knows_which_of_its_fields_were_derived():
    contact = Contact(
        id="1", updated_at=NOW, fields={"email": "a@acme.io", "industry": "Software", "company.employees": "9"}
    )

    assert contact.derived == {"email_domain", "company.industry"}
    assert contact.get("company.industry") == "Software"
    replaced = dataclasses.replace(contact, fields={"industry": "Software", "company.industry": "RETAIL"})
    assert replaced.derived == frozenset() and replaced.get("company.industry") == "RETAIL"
