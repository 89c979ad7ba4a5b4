"""HubSpot- and Salesforce-compatible CRM APIs on loopback, with realistic seeded data, for tests and demos.

It speaks the real HubSpot v3 paths, JSON shapes, status codes and limits, so the real
`hubspot-api-client` talks to it unchanged::

    import urllib3
    from hubspot import HubSpot
    from leadstage.sandbox import Sandbox, SandboxConfig, RateLimit

    cfg = SandboxConfig(tokens=("test-token",), rate_limit=RateLimit(190, 10_000), search_rate_per_second=5)
    with Sandbox(cfg) as sb:                       # starts on 127.0.0.1, free port
        sb.seed(n_contacts=2000, seed=7)           # deterministic contacts + 6 months of activities
        client = HubSpot(access_token="test-token", host=sb.url,
                         retry=urllib3.Retry(0, respect_retry_after_header=False))
        page = client.crm.contacts.basic_api.get_page(limit=100, properties=["email", "lifecyclestage"])
        sb.counts()                                # {"contacts.list": 1}

Served endpoints (names as counted by `Sandbox.counts()`):
    contacts.list      GET  /crm/v3/objects/contacts
    contacts.get       GET  /crm/v3/objects/contacts/{id}
    contacts.search    POST /crm/v3/objects/contacts/search
    contacts.batch_read / contacts.batch_update   POST /crm/v3/objects/contacts/batch/{read,update}
    companies.list / companies.get / companies.search / companies.batch_read / companies.batch_update
                              the same paths under /crm/v3/objects/companies (search on hs_lastmodifieddate)
    properties.list / properties.create           GET/POST /crm/v3/properties/contacts
    properties.get / properties.update            GET/PATCH /crm/v3/properties/contacts/{name}
    properties.groups.list / properties.groups.create   GET/POST /crm/v3/properties/contacts/groups
    companies.properties.*    the same for /crm/v3/properties/companies
    <type>.list / <type>.get / <type>.batch_read  for type in emails, calls, meetings, notes, tasks
    associations.batch_read   POST /crm/v4/associations/{from}/{to}/batch/read: contacts -> engagement types,
                              contacts -> companies, companies -> contacts
    events.list / events.types   GET /events/v3/events, /events/v3/events/event-types
    unknown                   any other path (answers 404)

Seeded contacts work for seeded companies (several contacts each; `associatedcompanyid` names the primary one);
`sb.seed(..., contact_firmographics=False)` leaves industry, size and revenue on the companies only.

Test controls: `sb.hubspot` (the portal: add/update/archive/merge contacts, add/update companies and associate
contacts with them, add activities and web events, reject writes, change property options), `sb.inject(...)` for
scripted faults, `FaultRates` for seeded random faults, `SandboxConfig.clock` for a fake clock that drives every
timestamp and rate-limit window, `sb.dump(path)` / `sb.load(path)` for data files (format in
`hubspot/datafile.py`). Run it standalone with `python -m leadstage.sandbox --contacts 2000 --port 8765`.

Salesforce (same object, same port, paths under /services/), for the real simple-salesforce::

    from simple_salesforce import Salesforce
    from leadstage.sandbox import salesforce_session

    sb.seed_salesforce(n_leads=2000, seed=7)       # Leads (15% converted, with Contacts on Accounts), Campaigns,
                                                   # activities
    sf = Salesforce(username="admin@example.com", password="password", security_token="TOKEN",
                    session=salesforce_session(sb.url))   # https://... rewritten to the sandbox
    sf.query_all("SELECT Id, Email FROM Lead WHERE IsConverted = false")
    sf.query_all("SELECT Id, Account.Industry, Account.NumberOfEmployees FROM Contact")   # parent fields, nested

    sf.login / sf.oauth         POST /services/Soap/u/{v} (SOAP login), POST /services/oauth2/token
    sf.query / sf.query_all / sf.query_more   GET /services/data/vXX.X/query?q=, /queryAll?q=, /query/{locator}-{n}
    sf.describe / sf.describe_global          GET .../sobjects/{Object}/describe, .../sobjects
    sf.sobject                  GET/PATCH .../sobjects/{Object}/{id}
    sf.collections              PATCH .../composite/sobjects (up to 200 updates)
    sf.updated / sf.deleted     GET .../sobjects/{Object}/updated|deleted?start=&end=
    sf.bulk.query.{create,status,results,abort,delete}   .../jobs/query[/{id}[/results]]
    sf.bulk.ingest.{create,upload,close,status,results,delete}   .../jobs/ingest[/{id}[/batches|/<results>]]
    sf.limits / sf.versions     GET .../limits, GET /services/data

`sb.salesforce_instance_url` ("https://127.0.0.1:PORT") with `sb.salesforce.issue_session()` makes a direct
(session id + instance URL) client. Objects: Lead, Contact, Account, Task, Event, Campaign, CampaignMember,
LeadStatus. Test controls: `sb.salesforce` (add/update/delete records of any of them, convert_lead,
add_custom_fields, lock_rows, expire_sessions, set_api_usage, lead_statuses, issue_session); `inject()` and
`FaultRates(endpoints=...)` take the sf.* names too.
"""

from leadstage.sandbox.config import FaultRates, RateLimit, SandboxConfig
from leadstage.sandbox.core import Sandbox
from leadstage.sandbox.hubspot.portal import HubSpotPortal
from leadstage.sandbox.salesforce.client import salesforce_session
from leadstage.sandbox.salesforce.org import LeadStatusValue, SalesforceOrg
from leadstage.sandbox.server import RequestRecord

__all__ = [
    "FaultRates",
    "HubSpotPortal",
    "LeadStatusValue",
    "RateLimit",
    "RequestRecord",
    "SalesforceOrg",
    "Sandbox",
    "SandboxConfig",
    "salesforce_session",
]
