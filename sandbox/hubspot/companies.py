"""The portal's companies and the associations between contacts and companies.

Companies are stored like contacts: property dicts of strings (an empty value is absent), ids strings of
increasing integers (from FIRST_COMPANY_ID, a range apart from contact ids), and every write noted in `changes`
for the search views. The modification property is `hs_lastmodifieddate`.

Associations: every contact-company pair that is associated at all is "unlabeled" (typeId 279 contact to
company, 280 company to contact); at most one company per contact is also its primary company (typeId 1 and 2).
The contact's read-only `associatedcompanyid` mirrors the primary one; the portal keeps the two in step
(portal.py). Nothing here takes a lock: the portal's lock guards it all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from leadstage.sandbox.hubspot.company_properties import (
    COMPANY_CORE_PROPERTIES,
    COMPANY_MODIFIED,
    standard_company_definitions,
    standard_company_groups,
)
from leadstage.sandbox.hubspot.properties import PropertyDefinition
from leadstage.sandbox.hubspot.search_views import ChangeJournal

FIRST_COMPANY_ID = 5_000_000_001
# v4 association types (category HUBSPOT_DEFINED): (unlabeled, primary) per direction
CONTACT_TO_COMPANY = 279
CONTACT_TO_PRIMARY_COMPANY = 1
COMPANY_TO_CONTACT = 280
COMPANY_TO_PRIMARY_CONTACT = 2
# HubSpot renamed the primary label in February 2024 ("Primary" before); integrations are told to use typeId only.
PRIMARY_LABEL = "Contact with Primary Company"


class CompanyLinks:
    """Contact-company associations in both directions: {contact: {company: primary}} and its mirror."""

    def __init__(self) -> None:
        self.by_contact: dict[str, dict[str, bool]] = {}
        self.by_company: dict[str, dict[str, bool]] = {}

    def link(self, contact_id: str, company_id: str, primary: bool) -> None:
        """Associate the pair (once); `primary` makes the company the contact's primary one, demoting the last."""
        mine = self.by_contact.setdefault(contact_id, {})
        if primary:
            for other, was_primary in mine.items():
                if was_primary and other != company_id:
                    mine[other] = False
                    self.by_company[other][contact_id] = False
        mine[company_id] = primary or mine.get(company_id, False)
        self.by_company.setdefault(company_id, {})[contact_id] = mine[company_id]

    def unlink(self, contact_id: str, company_id: str) -> bool:
        """Remove the association; whether the pair was associated at all."""
        mine = self.by_contact.get(contact_id, {})
        if company_id not in mine:
            return False
        del mine[company_id]
        del self.by_company[company_id][contact_id]
        for table, key in ((self.by_contact, contact_id), (self.by_company, company_id)):
            if not table[key]:
                del table[key]
        return True

    def primary_of(self, contact_id: str) -> str | None:
        """The contact's primary company id."""
        return next((cid for cid, primary in self.by_contact.get(contact_id, {}).items() if primary), None)

    def companies_of(self, contact_id: str) -> list[tuple[str, bool]]:
        """(company id, primary) of one contact, by ascending id."""
        return sorted(self.by_contact.get(contact_id, {}).items(), key=lambda item: int(item[0]))

    def contacts_of(self, company_id: str) -> list[tuple[str, bool]]:
        """(contact id, primary) of one company, by ascending id."""
        return sorted(self.by_company.get(company_id, {}).items(), key=lambda item: int(item[0]))

    def merge(self, merged_id: str, primary_id: str) -> None:
        """A contact merge: the merged contact's companies move to the primary one, whose primary company stays."""
        keep_primary = self.primary_of(primary_id) is not None
        for company_id, primary in self.companies_of(merged_id):
            self.unlink(merged_id, company_id)
            self.link(primary_id, company_id, primary and not keep_primary)

    def rows(self) -> list[tuple[str, str, bool]]:
        """Every association as (contact id, company id, primary), by contact then company id."""
        return [
            (contact_id, company_id, primary)
            for contact_id in sorted(self.by_contact, key=int)
            for company_id, primary in self.companies_of(contact_id)
        ]


class CompanyStore:
    """The companies of a portal, their property definitions and groups, and their associations with contacts."""

    def __init__(self, created_at: str) -> None:
        self.definitions: dict[str, PropertyDefinition] = standard_company_definitions(created_at)
        self.groups: dict[str, dict[str, Any]] = standard_company_groups()
        self.records: dict[str, dict[str, str]] = {}
        self.changes = ChangeJournal()
        self.links = CompanyLinks()
        self.next_id = FIRST_COMPANY_ID

    def install(self, records: dict[str, dict[str, str]], links: Iterable[tuple[str, str, bool]]) -> None:
        """Replace every company and association (records in ascending id order)."""
        self.records = records
        self.changes = ChangeJournal()
        self.links = CompanyLinks()
        for contact_id, company_id, primary in links:
            self.links.link(contact_id, company_id, primary)
        self.next_id = max([FIRST_COMPANY_ID, *(int(cid) + 1 for cid in records)])

    def company_object(self, company_id: str, properties: Iterable[str] | None) -> dict[str, Any]:
        """The API shape of one company with the requested properties (None: every stored one)."""
        props = self.records[company_id]
        if properties is None:
            names = set(props) | set(COMPANY_CORE_PROPERTIES)
        else:
            names = {name for name in properties if name in self.definitions} | set(COMPANY_CORE_PROPERTIES)
        return {
            "id": company_id,
            "properties": {name: props.get(name) for name in sorted(names)},
            "createdAt": props["createdate"],
            "updatedAt": props[COMPANY_MODIFIED],
            "archived": False,
        }
