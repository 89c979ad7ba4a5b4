"""API calls a HubSpot portal of N contacts costs, against the lower bound its page and batch sizes allow.

A plain script, not a test. One process: the sandbox (seeded with N contacts and six months of their activities:
emails, calls, meetings, notes, tasks and web events) and the worker with the shipped example config, both on
one fake clock, so the runs are exactly reproducible. Four runs:

1. first full sync: every contact walked, every activity read, every contact written;
2. the next incremental sync, which meets our own writes of run 1 (their modification time moved): it reads them
   and writes nothing;
3. an incremental sync after a simulated working day: some contacts visit the website, submit forms, get and
   answer e-mails, calls and meetings, reps change some lead statuses, and some companies are enriched;
4. a no-op incremental sync: nothing changed in its window.

For each run the bound is what any correct client must spend with HubSpot's documented page sizes (list 100,
search 200, batch read and update 100, associations 1,000 inputs, events 100 per page), counted from the data the
sandbox actually holds (see the formulas printed and in docs/benchmarks.md): the first sync reads each company its
contacts name once; every incremental sync searches the companies modified in its window.

    .venv/bin/python bench/bench_api_calls.py [--contacts 10000] [--json OUT]
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from benchlib import START, TOKEN, Worker, worker, write_json

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox, SandboxConfig
from leadstage.sandbox.timeutil import datetime_to_ms, parse_instant

RATIO_TARGET = 1.25
NOOP_CALLS_PER_TYPE = 2
LIST_PAGE = 100
SEARCH_PAGE = 200
BATCH = 100
ASSOCIATION_INPUTS = 1_000
EVENTS_PAGE = 100
# A working day in a portal (shares of all contacts, per day), loosely after HubSpot's own benchmarks: a few
# percent visit the website, fewer submit a form; reps e-mail, call and meet a few of their leads.
DAY_VISITORS = 0.05
DAY_FORM_SHARE_OF_VISITORS = 0.1
DAY_EMAILED = 0.03
DAY_REPLIED_SHARE = 0.25
DAY_CALLED = 0.01
DAY_MET = 0.003
DAY_NOTES = 0.005
DAY_STATUS_CHANGES = 0.005
DAY_STATUSES = ("ATTEMPTED_TO_CONTACT", "CONNECTED", "IN_PROGRESS", "BAD_TIMING", "UNQUALIFIED")
DAY_COMPANY_UPDATES = 0.01  # companies enriched or edited in a day (their contacts are evaluated again)


def ceil_div(count: int, size: int) -> int:
    return math.ceil(count / size)


class Portal:
    """What the sandbox holds, counted for the bounds."""

    def __init__(self, box: Sandbox, web_event_types: set[str]) -> None:
        self.box = box
        self.portal = box.hubspot
        self.web_event_types = web_event_types

    def contacts(self) -> int:
        return len(self.portal.active_ids())

    def engagements_by_type(self, contact_ids: list[str] | None = None) -> Counter[str]:
        ids = self.portal.active_ids() if contact_ids is None else contact_ids
        return Counter(item["type"] for cid in ids for item in self.portal.activities_of(cid))

    def events_between(self, since_ms: int | None, until_ms: int) -> int:
        events = self.portal.timelines.iter_all_events(False, None, since_ms, until_ms)
        return sum(1 for event in events if event.event_type in self.web_event_types)

    def companies_of(self, contact_ids: list[str]) -> set[str]:
        """The primary companies these contacts name."""
        ids = (self.portal.contacts[cid].get("associatedcompanyid") for cid in contact_ids)
        return {company_id for company_id in ids if company_id}

    def companies_modified_between(self, since_ms: int, until_ms: int) -> list[str]:
        found = []
        for company_id, props in self.portal.companies.records.items():
            modified = parse_instant(props.get("hs_lastmodifieddate") or "")
            if modified is not None and since_ms <= modified < until_ms:
                found.append(company_id)
        return found

    def modified_between(self, since_ms: int, until_ms: int) -> list[str]:
        found = []
        for cid in self.portal.active_ids():
            modified = parse_instant(self.portal.contacts[cid]["lastmodifieddate"])
            if modified is not None and since_ms <= modified < until_ms:
                found.append(cid)
        return found


def play_a_working_day(box: Sandbox, clock: FixedClock, seed: int) -> dict[str, Any]:
    """A day of website visits, forms, e-mails, calls, meetings, notes and lead status changes; returns what
    was added, per kind, and the ids of contacts whose engagements changed."""
    rng = random.Random(seed)
    portal = box.hubspot
    ids = portal.active_ids()
    added: Counter[str] = Counter()
    engaged: set[str] = set()
    site = "https://www.example.com"
    for _hour in range(12):  # people act through the working day
        clock.advance(hours=1)
        now = clock.now()
        for cid in rng.sample(ids, int(len(ids) * DAY_VISITORS / 12)):
            for minute in range(rng.randint(1, 5)):
                page = rng.choice(("/", "/pricing", "/product", "/blog/lead-scoring", "/docs"))
                when = now - timedelta(minutes=30 - minute)
                portal.add_web_event(cid, "e_visited_page", when, {"hs_url": site + page, "hs_title": page})
                added["web events"] += 1
            if rng.random() < DAY_FORM_SHARE_OF_VISITORS:
                form = {"hs_form_title": "Request a demo", "hs_url": f"{site}/demo"}
                portal.add_web_event(cid, "e_submitted_form", now - timedelta(minutes=20), form)
                added["web events"] += 1
        for share, kind in (
            (DAY_EMAILED, "emails"),
            (DAY_CALLED, "calls"),
            (DAY_MET, "meetings"),
            (DAY_NOTES, "notes"),
        ):
            for cid in rng.sample(ids, max(1, int(len(ids) * share / 12))):
                portal.add_activity(kind[:-1], cid, _engagement(kind, now))
                added[kind] += 1
                engaged.add(cid)
                if kind == "emails" and rng.random() < DAY_REPLIED_SHARE:
                    reply = {"hs_email_direction": "INCOMING_EMAIL", "hs_email_subject": "Re: your question"}
                    portal.add_activity("email", cid, {**reply, "hs_timestamp": now.isoformat()})
                    added["emails"] += 1
        for cid in rng.sample(ids, max(1, int(len(ids) * DAY_STATUS_CHANGES / 12))):
            portal.update_contact(cid, {"hs_lead_status": rng.choice(DAY_STATUSES)})
            added["lead status changes"] += 1
        companies = sorted(portal.companies.records)
        for company_id in rng.sample(companies, max(1, int(len(companies) * DAY_COMPANY_UPDATES / 12))):
            portal.update_company(company_id, {"numberofemployees": str(rng.randint(5, 20_000))})
            added["company updates"] += 1
    return {"added": dict(added), "engaged": sorted(engaged)}


def _engagement(kind: str, now: Any) -> dict[str, Any]:
    stamp = now.isoformat()
    if kind == "emails":
        return {"hs_email_direction": "EMAIL", "hs_email_subject": "Following up", "hs_timestamp": stamp}
    if kind == "calls":
        return {"hs_call_direction": "OUTBOUND", "hs_call_status": "COMPLETED", "hs_timestamp": stamp}
    if kind == "meetings":
        return {"hs_meeting_title": "Discovery call", "hs_meeting_outcome": "COMPLETED", "hs_timestamp": stamp}
    return {"hs_note_body": "Spoke with them at the event", "hs_timestamp": stamp}


def measure_run(
    label: str, work: Worker, box: Sandbox, clock: FixedClock, bound: dict[str, int], **options: Any
) -> dict[str, Any]:
    box.reset_counts()
    started = time.perf_counter()
    summary = work.run(clock.now, **options)
    seconds = time.perf_counter() - started
    calls = dict(sorted(box.counts().items()))
    total = sum(calls.values())
    assert summary.status == "ok", summary.error
    assert total == summary.counts.api_calls, (total, summary.counts.api_calls)
    written = summary.counts.updated
    if written:  # any correct client writes the contacts whose values changed, 100 a call
        bound = {**bound, "contacts.batch_update": ceil_div(written, BATCH)}
    lower = sum(bound.values())
    print(f"\n{label}: {total:,} calls, bound {lower:,} (x{total / max(lower, 1):.3f}), {seconds:.1f} s")
    print(f"  pulled {summary.counts.pulled:,}, written {written:,}, events {summary.counts.events:,}")
    print(f"  calls by endpoint: {calls}")
    print(f"  bound by part:     {bound}")
    return {
        "calls": total,
        "bound": lower,
        "ratio": round(total / max(lower, 1), 3),
        "by_endpoint": calls,
        "bound_parts": bound,
        "pulled": summary.counts.pulled,
        "written": written,
        "events": summary.counts.events,
        "seconds": round(seconds, 1),
    }


def engagement_bound(counts: Counter[str], types: tuple[str, ...]) -> int:
    return sum(ceil_div(counts.get(kind, 0), BATCH) for kind in types)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the figures to this file (for run_all.py)")
    args = parser.parse_args()
    clock = FixedClock(START)
    box = Sandbox(SandboxConfig(tokens=(TOKEN,), clock=clock.time))
    started = time.perf_counter()
    box.seed(n_contacts=args.contacts, seed=args.seed, now=clock.now())
    box.start()
    print(f"seeded {args.contacts:,} contacts in {time.perf_counter() - started:.1f} s")
    results: dict[str, Any] = {"contacts": args.contacts}
    try:
        with worker("hubspot", box.url, clock, page_size=1_000) as work:
            work.connector.setup()
            section = work.portal.section
            types = tuple(section.engagement_types or ("emails", "calls", "meetings", "notes", "tasks"))
            data = Portal(box, set((section.web_events or {}).keys()))
            lookback = timedelta(days=work.settings.event_lookback_days)
            overlap = timedelta(minutes=work.settings.sync.overlap_minutes)
            results["setup"] = data_summary(data, types, clock, lookback)
            print(f"portal: {results['setup']}")

            # 1. First full sync.
            n = data.contacts()
            engagements = data.engagements_by_type()
            now_ms = datetime_to_ms(clock.now())
            events = data.events_between(datetime_to_ms(clock.now() - lookback), now_ms)
            first = measure_run(
                "first full sync",
                work,
                box,
                clock,
                {
                    "contacts.list": ceil_div(n, LIST_PAGE),
                    "events.list": max(1, ceil_div(events, EVENTS_PAGE)),
                    "engagements": engagement_bound(engagements, types),
                    "companies.batch_read": ceil_div(len(data.companies_of(data.portal.active_ids())), BATCH),
                },
            )
            results["first_full"] = first
            until_1 = clock.now()

            # 2. The next incremental sync meets our own writes. It runs once the overlap has passed, so that it is
            # the only one that meets them (with runs every few minutes, each within the overlap meets them again).
            clock.advance(minutes=overlap.total_seconds() / 60 + 5)
            results["echo"] = incremental("incremental after the first sync", work, box, clock, data, until_1, overlap)
            until_2 = clock.now()

            # 3. A working day later.
            day = play_a_working_day(box, clock, args.seed)
            print(f"\na working day: {day['added']} ({len(day['engaged'])} contacts with new engagements)")
            clock.advance(minutes=1)
            results["day"] = incremental(
                "incremental after a working day", work, box, clock, data, until_2, overlap, types
            )
            results["day"]["activity"] = day["added"]
            until_3 = clock.now()

            # 4. No-op: the next runs meet our run-3 writes until the window has moved past them.
            clock.advance(minutes=overlap.total_seconds() / 60 + 5)
            results["echo_day"] = incremental("incremental after that", work, box, clock, data, until_3, overlap, types)
            until_4 = clock.now()
            clock.advance(minutes=5)
            results["noop"] = incremental("no-op incremental", work, box, clock, data, until_4, overlap)
            results["noop"]["calls_per_type"] = max(results["noop"]["by_endpoint"].values(), default=0)
    finally:
        box.stop()
    report(results)
    write_json(args.json, results)


def incremental(
    label: str,
    work: Worker,
    box: Sandbox,
    clock: FixedClock,
    data: Portal,
    previous_until: Any,
    overlap: timedelta,
    types: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An incremental run, with its bound from the contacts and events in its window (counted before it runs)."""
    since_ms = datetime_to_ms(previous_until - overlap)
    until_ms = datetime_to_ms(clock.now())
    changed = data.modified_between(since_ms, until_ms)
    bound = {
        "contacts.search": max(1, ceil_div(len(changed), SEARCH_PAGE)),
        "events.list": max(1, ceil_div(data.events_between(since_ms, until_ms), EVENTS_PAGE)),
        # Companies modified in the window: one search page per 200 (their contacts are evaluated from the store).
        "companies.search": max(1, ceil_div(len(data.companies_modified_between(since_ms, until_ms)), SEARCH_PAGE)),
    }
    # Contacts with engagements logged since the previous run: one association call per type per 1,000 of them
    # finds the new engagements, then each new one is read once (batch read, 100 a call). (Engagements logged in
    # the overlap before it were read by the previous run.)
    new: Counter[str] = Counter()
    engaged = 0
    previous_ms = datetime_to_ms(previous_until)
    for cid in changed:
        fresh = [
            item["type"]
            for item in data.portal.activities_of(cid)
            if previous_ms <= (parse_instant(item["properties"].get("hs_createdate") or "") or 0) < until_ms
        ]
        new.update(fresh)
        engaged += bool(fresh)
    if engaged:
        bound["associations.batch_read"] = len(types) * ceil_div(engaged, ASSOCIATION_INPUTS)
        bound["engagements"] = engagement_bound(new, types)
    result = measure_run(label, work, box, clock, bound)
    result["changed_in_window"] = len(changed)
    return result


def data_summary(data: Portal, types: tuple[str, ...], clock: FixedClock, lookback: timedelta) -> dict[str, Any]:
    engagements = data.engagements_by_type()
    now_ms = datetime_to_ms(clock.now())
    return {
        "contacts": data.contacts(),
        "engagements": {kind: engagements.get(kind, 0) for kind in types},
        "web_events_in_lookback": data.events_between(datetime_to_ms(clock.now() - lookback), now_ms),
    }


def report(results: dict[str, Any]) -> None:
    first, noop = results["first_full"], results["noop"]
    print("\nsummary")
    for key in ("first_full", "echo", "day", "echo_day", "noop"):
        run = results[key]
        print(f"  {key:<10} {run['calls']:>6,} calls  bound {run['bound']:>6,}  x{run['ratio']:.3f}")
    verdict = "meets" if first["ratio"] <= RATIO_TARGET and results["day"]["ratio"] <= RATIO_TARGET else "misses"
    print(f"target at most x{RATIO_TARGET} of the bound: {verdict}")
    quiet = noop["calls_per_type"] <= NOOP_CALLS_PER_TYPE and noop["written"] == 0
    print(
        f"target no-op <= {NOOP_CALLS_PER_TYPE} calls per object type, writes nothing: {'meets' if quiet else 'misses'}"
    )


if __name__ == "__main__":
    main()
