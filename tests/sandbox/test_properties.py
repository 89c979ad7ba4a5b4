"""Contact property definitions and groups."""

from __future__ import annotations

import pytest
from hubspot.crm.properties import ApiException, PropertyCreate, PropertyGroupCreate

from leadstage.sandbox import Sandbox
from tests.sandbox.conftest import call

SCORE = {
    "name": "leadstage_score",
    "label": "Lead score",
    "type": "number",
    "fieldType": "number",
    "groupName": "sales_properties",
}


def test_lifecyclestage_lists_the_eight_standard_options(client) -> None:
    definition = client.crm.properties.core_api.get_by_name("contacts", "lifecyclestage")

    assert [o.value for o in definition.options] == [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    ]
    assert definition.type == "enumeration"


def test_list_contains_the_standard_definitions_with_types(sb: Sandbox) -> None:
    _, _, body = call(sb, "GET", "/crm/v3/properties/contacts")

    by_name = {p["name"]: p for p in body["results"]}
    assert by_name["annualrevenue"]["type"] == "number"
    assert by_name["lastmodifieddate"]["type"] == "datetime"
    assert by_name["hs_object_id"]["modificationMetadata"]["readOnlyValue"] is True
    assert by_name["hs_lifecyclestage_customer_date"]["modificationMetadata"]["readOnlyValue"] is True
    assert [o["value"] for o in by_name["numemployees"]["options"]][-1] == "1000+"
    assert {p["groupName"] for p in body["results"]} <= {
        "contactinformation",
        "analyticsinformation",
        "sales_properties",
    }


def test_unknown_property_is_404(client) -> None:
    with pytest.raises(ApiException) as caught:
        client.crm.properties.core_api.get_by_name("contacts", "nope")

    assert caught.value.status == 404


def test_create_is_201_then_409_for_the_same_name(sb: Sandbox, client) -> None:
    created = client.crm.properties.core_api.create(
        "contacts",
        property_create=PropertyCreate(
            **{
                "name": SCORE["name"],
                "label": SCORE["label"],
                "type": "number",
                "field_type": "number",
                "group_name": "sales_properties",
            }
        ),
    )
    status, _, again = call(sb, "POST", "/crm/v3/properties/contacts", SCORE)

    assert created.name == "leadstage_score"
    assert status == 409
    assert again["category"] == "OBJECT_ALREADY_EXISTS"
    assert again["message"] == "Property named 'leadstage_score' already exists."


@pytest.mark.parametrize(
    "change",
    [
        {"groupName": "no_such_group"},
        {"name": "Bad-Name"},
        {"type": "enumeration", "fieldType": "select"},
        {"type": "money"},
    ],
)
def test_invalid_definitions_are_400(sb: Sandbox, change: dict) -> None:
    status, _, body = call(sb, "POST", "/crm/v3/properties/contacts", {**SCORE, **change})

    assert status == 400
    assert body["category"] == "VALIDATION_ERROR"


def test_created_enumeration_validates_writes(sb: Sandbox) -> None:
    grade = {
        "name": "leadstage_grade",
        "label": "Grade",
        "type": "enumeration",
        "fieldType": "select",
        "groupName": "sales_properties",
        "options": [{"label": "A", "value": "A"}, {"label": "B", "value": "B"}],
    }
    assert call(sb, "POST", "/crm/v3/properties/contacts", grade)[0] == 201

    ok = call(
        sb,
        "POST",
        "/crm/v3/objects/contacts/batch/update",
        {"inputs": [{"id": "101", "properties": {"leadstage_grade": "A"}}]},
    )
    bad = call(
        sb,
        "POST",
        "/crm/v3/objects/contacts/batch/update",
        {"inputs": [{"id": "101", "properties": {"leadstage_grade": "Z"}}]},
    )

    assert ok[0] == 200 and bad[0] == 207
    assert sb.hubspot.contacts["101"]["leadstage_grade"] == "A"


def test_patch_replaces_options(sb: Sandbox) -> None:
    status, _, body = call(
        sb,
        "PATCH",
        "/crm/v3/properties/contacts/hs_lead_status",
        {"options": [{"label": "New", "value": "NEW"}, {"label": "Recycled", "value": "RECYCLED"}]},
    )

    assert status == 200
    assert [o["value"] for o in body["options"]] == ["NEW", "RECYCLED"]
    assert sb.hubspot.property("hs_lead_status")["options"][1]["value"] == "RECYCLED"


def test_groups_create_is_201_then_409(sb: Sandbox, client) -> None:
    group = client.crm.properties.groups_api.create(
        "contacts", property_group_create=PropertyGroupCreate(name="leadstage", label="Leadstage")
    )
    status, _, again = call(sb, "POST", "/crm/v3/properties/contacts/groups", {"name": "leadstage", "label": "L"})
    listed = client.crm.properties.groups_api.get_all("contacts")

    assert group.name == "leadstage"
    assert status == 409 and again["category"] == "OBJECT_ALREADY_EXISTS"
    assert "leadstage" in [g.name for g in listed.results]


def test_custom_lifecycle_options_change_the_forward_order(sb: Sandbox) -> None:
    stages = [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesacceptedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    ]
    sb.hubspot.set_property_options("lifecyclestage", stages)
    sb.hubspot.update_contact("101", {"lifecyclestage": "salesqualifiedlead"})

    call(
        sb,
        "POST",
        "/crm/v3/objects/contacts/batch/update",
        {"inputs": [{"id": "101", "properties": {"lifecyclestage": "salesacceptedlead"}}]},
    )

    assert sb.hubspot.contacts["101"]["lifecyclestage"] == "salesqualifiedlead"
    assert [o["value"] for o in sb.hubspot.property("lifecyclestage")["options"]] == stages
