"""The Salesforce side of the sandbox: an org's state and the REST, SOAP login, OAuth and Bulk API 2.0 paths
under /services/, as simple-salesforce calls them.

    org.py            the org's state (records per object, schema, lead statuses, sessions) and its test hooks
    schema.py         the objects and fields served; custom_fields.py: fields an admin adds
    ids.py            15/18-character record ids; values.py: stored, written and validated field values
    gate.py           the Salesforce side of the request pipeline (session auth, API quota, faults)
    http.py           Salesforce's error shape and path helpers; client.py: `salesforce_session` for tests
    auth.py           SOAP login and OAuth token; usage.py: sessions and the rolling 24 h API count
    routes.py         describe (describe.py), single records, sObject Collections, updated/deleted, limits
    writes.py         per-record checks of updates; convert.py: lead conversion
    query_routes.py   /query, /queryAll and query locators; bulk.py: Bulk API 2.0 query and ingest jobs
    soql_lexer.py     SOQL tokens and SoqlError; soql.py: the parser
    query_bind.py     field paths bound to the schema; query_where.py: WHERE as a predicate;
                      query.py: compile, plan, order and render a query
    seed.py           seeded Leads, Contacts, Accounts and Campaigns; seed_activity.py: Tasks, Events, members

What both CRMs share (server, config, faults, limits, time) lives one level up, in leadstage.sandbox.
"""
