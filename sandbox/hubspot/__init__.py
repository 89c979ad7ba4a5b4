"""The HubSpot side of the sandbox: a portal's state and the v3 CRM, v4 associations and v3 events APIs.

    portal.py           the portal's state (contacts, property definitions, activities, companies) and its test hooks
    properties.py       contact property definitions and value validation
    companies.py        companies and the contact-company associations; company_properties.py: their definitions
    routes.py           contacts: list, get, search, batch read, batch update
    company_routes.py   companies: the same routes
    property_routes.py  property definitions and property groups (of contacts, and of companies)
    activity_routes.py  engagements (emails, calls, ...), v4 associations (also contacts <-> companies), web events
    search.py           CRM search: request validation, filters, sorting, paging
    search_views.py     a search's hits kept in order between pages; one object type's search endpoint
    activities.py       the timeline store: seeded engagements and web events, plus added ones
    seed.py             seeded contacts and companies
    seed_timeline.py    seeded activity timelines (a pure function of seed, contact, now)
    datafile.py         the data file format (`Sandbox.dump` / `Sandbox.load`)

What both CRMs share (server, config, faults, limits, time) lives one level up, in leadstage.sandbox.
"""
