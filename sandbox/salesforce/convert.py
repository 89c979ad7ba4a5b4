"""Lead conversion, as Salesforce does it when a rep clicks Convert.

The Lead gets IsConverted, ConvertedContactId, ConvertedAccountId, ConvertedDate and the converted
LeadStatus; a Contact is created from the Lead's fields (custom fields with the same API name on both
objects are carried over, as if the admin had mapped them) on the Account of the Lead's company: the one
named like it, or a new one made from the Lead's Company, Industry, NumberOfEmployees, AnnualRevenue, Phone and
address (the standard lead field mapping); the Lead's Tasks and Events move to the Contact, and its campaign
memberships gain the ContactId.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadstage.sandbox.salesforce.org import SalesforceOrg

# Contact field <- Lead field
LEAD_TO_CONTACT = (
    ("FirstName", "FirstName"),
    ("LastName", "LastName"),
    ("Email", "Email"),
    ("Title", "Title"),
    ("Phone", "Phone"),
    ("LeadSource", "LeadSource"),
    ("HasOptedOutOfEmail", "HasOptedOutOfEmail"),
    ("MailingStreet", "Street"),
    ("MailingCity", "City"),
    ("MailingState", "State"),
    ("MailingPostalCode", "PostalCode"),
    ("MailingCountry", "Country"),
    ("OwnerId", "OwnerId"),
)
# Account field <- Lead field, when a conversion creates the Account
LEAD_TO_ACCOUNT = (
    ("Name", "Company"),
    ("Industry", "Industry"),
    ("NumberOfEmployees", "NumberOfEmployees"),
    ("AnnualRevenue", "AnnualRevenue"),
    ("Phone", "Phone"),
    ("BillingStreet", "Street"),
    ("BillingCity", "City"),
    ("BillingState", "State"),
    ("BillingPostalCode", "PostalCode"),
    ("BillingCountry", "Country"),
    ("OwnerId", "OwnerId"),
)


def account_id(org: SalesforceOrg, lead: dict[str, Any]) -> str:
    """The Account of the Lead's company: the live one with its name (case-insensitive), else a new one."""
    wanted = (lead.get("Company") or "").lower()
    for record_id, record in org.table("Account").items():
        if not record.get("IsDeleted") and (record.get("Name") or "").lower() == wanted:
            return record_id
    values = {account: lead[source] for account, source in LEAD_TO_ACCOUNT if lead.get(source) is not None}
    return org.add("Account", values)


def contact_values_from_lead(org: SalesforceOrg, lead: dict[str, Any]) -> dict[str, Any]:
    """The stored values a conversion gives the new Contact."""
    values = {contact: lead[source] for contact, source in LEAD_TO_CONTACT if lead.get(source) is not None}
    contact_fields = org.objects["Contact"].fields
    for name, definition in org.objects["Lead"].fields.items():
        if definition.custom and name in contact_fields and lead.get(name) is not None:
            values[name] = lead[name]
    return values


def convert_lead(org: SalesforceOrg, lead_id: str, contact_fields: dict[str, Any]) -> str:
    """Convert one Lead (the caller holds `org.lock`); returns the new Contact's id."""
    lead = org.table("Lead")[lead_id]
    if lead.get("IsConverted"):
        raise ValueError(f"Lead {lead_id} is already converted (to Contact {lead.get('ConvertedContactId')})")
    if lead.get("IsDeleted"):
        raise ValueError(f"Lead {lead_id} is deleted")
    status = next((s.api_name for s in org.lead_statuses if s.is_converted), None)
    if status is None:
        raise ValueError("no LeadStatus has is_converted=True: add one to org.lead_statuses first")
    account = account_id(org, lead)
    values = contact_values_from_lead(org, lead)
    values["AccountId"] = account
    values.update(contact_fields)
    contact_id = org.add("Contact", values)
    org.apply(
        "Lead",
        lead_id,
        {
            "IsConverted": True,
            "ConvertedContactId": contact_id,
            "ConvertedAccountId": account,
            "ConvertedDate": org.today(),
            "Status": status,
        },
    )
    for activity in ("Task", "Event"):
        for activity_id in list(org.index(activity, "WhoId").get(lead_id, ())):
            org.apply(activity, activity_id, {"WhoId": contact_id})
    for member_id in list(org.index("CampaignMember", "LeadId").get(lead_id, ())):
        org.apply("CampaignMember", member_id, {"ContactId": contact_id})
    return contact_id
