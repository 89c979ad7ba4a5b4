"""The HubSpot side of the sandbox: a portal's state and the v3 CRM, v4 associations and v3 events APIs.

    portal.py           the portal's state (contacts, property definitions, activities) and its test hooks
    properties.py       contact property definitions and value validation
    routes.py           contacts: list, get, search, batch read, batch update
    property_routes.py  property definitions and property groups
    activity_routes.py  engagements (emails, calls, ...), v4 associations, web events
    search.py           CRM search: request validation, filters, sorting, paging
    search_views.py     a search's hits kept in order between pages
    activities.py       the timeline store: seeded engagements and web events, plus added ones
    seed.py             seeded contacts
    seed_timeline.py    seeded activity timelines (a pure function of seed, contact, now)
    datafile.py         the data file format (`Sandbox.dump` / `Sandbox.load`)

What both CRMs share (server, config, faults, limits, time) lives one level up, in leadstage.sandbox.
"""
