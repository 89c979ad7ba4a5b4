"""Company data for a run: each contact gets its company's fields (``company.industry``...) before it is evaluated.

Where the CRM sends them with the contact (Salesforce: a Lead's own fields, a Contact's Account read in the same
query), they are kept as they come, and the company is remembered in the state store. Where it does not (HubSpot),
a contact names its company's id and the company's fields come from the state store, read from the CRM (in batches)
only for companies the store does not hold yet. Companies modified between runs are found by their own sweep, and
their contacts are evaluated again with the new values (see ``SyncRun._sweep_companies``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from leadstage.connectors.base import COMPANY_ID, COMPANY_PREFIX, Connector, RecordFailure
from leadstage.mapping.model import Contact
from leadstage.sync.state import StateStore

CompanyRows = dict[str, Mapping[str, str]]


@dataclass
class WithCompanies:
    """Contacts with their companies' fields, the companies to remember, and the contacts that cannot be evaluated
    because their company cannot be read."""

    contacts: list[Contact]
    companies: CompanyRows = field(default_factory=dict)
    failures: list[RecordFailure] = field(default_factory=list)


def own_company(contact: Contact) -> dict[str, str]:
    """The company fields a contact carries itself (not the ones copied from its own fields for want of them)."""
    return {
        name: value
        for name, value in contact.fields.items()
        if name.startswith(COMPANY_PREFIX) and name not in contact.derived
    }


def with_company(contact: Contact, company: Mapping[str, str]) -> Contact:
    """The contact with exactly ``company``'s fields as its company fields (none of the ones it had before); where
    the company has none, the contact's own fields stand in (``mapping.derived``)."""
    fields = {name: value for name, value in contact.fields.items() if not name.startswith(COMPANY_PREFIX)}
    return dataclasses.replace(contact, fields={**fields, **company})


def attach_companies(
    portal: str,
    contacts: Sequence[Contact],
    connector: Connector,
    store: StateStore,
    fresh: Mapping[str, Mapping[str, str]] | None = None,
) -> WithCompanies:
    """Contacts read from the CRM, each with its company's fields (``fresh``: companies just read as changed, which
    take the place of the stored ones)."""
    if connector.companies_with_contacts:
        companies: CompanyRows = {
            str(c.fields[COMPANY_ID]): own_company(c) for c in contacts if c.fields.get(COMPANY_ID)
        }
        return WithCompanies(list(contacts), companies)
    ids = sorted({str(c.fields[COMPANY_ID]) for c in contacts if c.fields.get(COMPANY_ID)})
    known: CompanyRows = dict(store.load_companies(portal, ids)) if ids else {}
    known.update({company_id: fields for company_id, fields in (fresh or {}).items() if company_id in ids})
    missing = [company_id for company_id in ids if company_id not in known]
    read = connector.read_companies(missing) if missing else None
    new: CompanyRows = dict(read.found) if read else {}
    unreadable = read.unreadable if read else {}
    result = WithCompanies([], new)
    for contact in contacts:
        company_id = contact.fields.get(COMPANY_ID)
        if company_id in unreadable:
            reason = f"its company {company_id} cannot be read: {unreadable[company_id]}"
            result.failures.append(RecordFailure(contact.id, reason))
            continue
        company = new.get(company_id) or known.get(company_id) if company_id else None
        # A company the CRM no longer has (an association not updated yet) leaves the contact without company fields.
        result.contacts.append(with_company(contact, company or {}))
    return result
