"""Seeded activities: Tasks (emails, calls, to-dos), Events (meetings) and CampaignMembers (form fills,
downloads, webinars, email campaigns, events) over the six months before `now`.

Counts are heavy-tailed (lognormal, median by Lead status); timestamps lean towards now. Each Lead's
activities come from an RNG keyed by (seed, lead number), so they do not depend on how many Leads were
seeded. Activities of converted Leads belong to their Contact (WhoId), as after a real conversion, and
their campaign memberships carry both LeadId and ContactId.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from typing import Any

from leadstage.sandbox import seed_data as data
from leadstage.sandbox.salesforce.ids import KEY_PREFIXES, make_id
from leadstage.sandbox.salesforce.schema import RESPONDED_STATUSES
from leadstage.sandbox.salesforce.values import sf_date, sf_datetime
from leadstage.sandbox.seed import Weighted
from leadstage.sandbox.timeutil import MS_PER_DAY, MS_PER_MINUTE

Table = dict[str, dict[str, Any]]
ACTIVITY_WINDOW_DAYS = 183
ITEMS_SIGMA = 1.0
MAX_ITEMS = 300
RECENCY_SKEW = 0.75
CAMPAIGN_HISTORY_DAYS = 240
EMAIL_OUT, EMAIL_IN, CALL, TODO, MEETING, CAMPAIGN = range(6)
MEDIAN_ITEMS = {
    "Open - Not Contacted": 1.0,
    "Working - Contacted": 4.0,
    "Nurturing": 3.0,
    "Closed - Not Converted": 2.0,
    "Closed - Converted": 6.0,
}
_MIXES = {
    "Open - Not Contacted": ((CAMPAIGN, 70), (TODO, 15), (EMAIL_OUT, 10), (CALL, 5)),
    "Working - Contacted": ((CAMPAIGN, 25), (EMAIL_OUT, 30), (CALL, 20), (EMAIL_IN, 8), (TODO, 10), (MEETING, 7)),
    "Nurturing": ((CAMPAIGN, 55), (EMAIL_OUT, 20), (CALL, 8), (EMAIL_IN, 5), (TODO, 10), (MEETING, 2)),
    "Closed - Not Converted": ((CAMPAIGN, 35), (EMAIL_OUT, 30), (CALL, 20), (EMAIL_IN, 5), (TODO, 8), (MEETING, 2)),
    "Closed - Converted": ((CAMPAIGN, 20), (EMAIL_OUT, 25), (CALL, 20), (EMAIL_IN, 12), (TODO, 8), (MEETING, 15)),
}
MIXES = {status: Weighted([(kind, float(weight)) for kind, weight in mix]) for status, mix in _MIXES.items()}
DEFAULT_MIX = MIXES["Nurturing"]
CALL_DONE_SHARE = 0.7
TODO_DONE_SHARE = 0.8
MEETING_MINUTES = (30, 45, 60)
# (campaign type, member status when the lead only received/registered, share that responded, response status)
MEMBER_STATUS = {
    "Web Form": (None, 1.0, "Submitted"),
    "Content": (None, 1.0, "Downloaded"),
    "Webinar": ("Registered", 0.45, "Attended"),
    "Email": ("Sent", 0.25, "Responded"),
    "Event": ("Registered", 0.55, "Attended"),
}
EVENT_NAMES = ("RevOps Summit 2026", "SaaS Connect Roadshow")


@dataclass(frozen=True)
class LeadProfile:
    """What a Lead's activities are generated from."""

    number: int
    lead_id: str
    contact_id: str | None
    owner: str
    created_ms: int
    status: str
    converted_ms: int

    def converted_to(self, contact_id: str) -> LeadProfile:
        """The same profile, its activities now belonging to a Contact."""
        return replace(self, contact_id=contact_id)


def campaign_definitions() -> list[tuple[str, str]]:
    """(Name, Type) of the seeded campaigns, named like the HubSpot seed's forms and content."""
    out = [(data.FORM_DEMO, "Web Form"), (data.FORM_CONTACT, "Web Form"), (data.FORM_NEWSLETTER, "Web Form")]
    out += [(f"Whitepaper: {title}", "Content") for title in data.CONTENT_TITLES]
    out += [(f"Webinar: {title}", "Webinar") for title in data.WEBINAR_TITLES]
    out += [(f"Email: {name}", "Email") for name in data.EMAIL_CAMPAIGNS]
    out += [(f"Event: {name}", "Event") for name in EVENT_NAMES]
    return out


def campaigns(now_ms: int, owner: str) -> Table:
    """The Campaign table (the same for every seed)."""
    table: Table = {}
    created = now_ms - CAMPAIGN_HISTORY_DAYS * MS_PER_DAY
    for number, (name, kind) in enumerate(campaign_definitions(), 1):
        campaign_id = make_id(KEY_PREFIXES["Campaign"], number)
        start = created + number * 7 * MS_PER_DAY
        ongoing = kind in ("Web Form", "Content", "Email")
        table[campaign_id] = {
            "Id": campaign_id,
            "IsDeleted": False,
            "Name": name,
            "Type": kind,
            "Status": "In Progress" if ongoing else "Completed",
            "StartDate": sf_date(start),
            "EndDate": sf_date(now_ms + 90 * MS_PER_DAY if ongoing else start + MS_PER_DAY),
            "IsActive": ongoing,
            "CreatedById": owner,
            "CreatedDate": sf_datetime(created),
            "LastModifiedDate": sf_datetime(start),
            "SystemModstamp": sf_datetime(start),
        }
    return table


class ActivityPlan:
    """Generates every seeded activity in one pass (ids in Lead order, then time order)."""

    def __init__(
        self, seed: int, now_ms: int, profiles: list[LeadProfile], campaign_rows: list[dict[str, Any]]
    ) -> None:
        self.seed = seed
        self.now_ms = now_ms
        self.profiles = profiles
        self.campaigns = [(row["Id"], row["Type"]) for row in campaign_rows]

    def generate(self) -> dict[str, Table]:
        """{"Task": ..., "Event": ..., "CampaignMember": ...}."""
        tables: dict[str, Table] = {"Task": {}, "Event": {}, "CampaignMember": {}}
        for profile in self.profiles:
            self._lead(profile, tables)
        return tables

    def _items(self, rng: random.Random, profile: LeadProfile) -> list[tuple[int, int]]:
        start = max(profile.created_ms, self.now_ms - ACTIVITY_WINDOW_DAYS * MS_PER_DAY)
        if start >= self.now_ms:
            return []
        median = MEDIAN_ITEMS.get(profile.status, 2.0)
        count = min(MAX_ITEMS, int(median * math.exp(ITEMS_SIGMA * rng.gauss(0.0, 1.0)) + 0.5))
        mix = MIXES.get(profile.status, DEFAULT_MIX)
        span = self.now_ms - start
        items = [(start + int(span * rng.random() ** RECENCY_SKEW), mix.pick(rng)) for _ in range(count)]
        items.sort()
        return items

    def _lead(self, profile: LeadProfile, tables: dict[str, Table]) -> None:
        rng = random.Random(self.seed * 9_000_011 + profile.number)
        who = profile.contact_id or profile.lead_id
        joined: set[str] = set()
        for ts, kind in self._items(rng, profile):
            if kind == CAMPAIGN:
                self._member(rng, profile, ts, joined, tables["CampaignMember"])
            elif kind == MEETING:
                self._event(rng, profile, who, ts, tables["Event"])
            else:
                self._task(rng, profile, who, ts, kind, tables["Task"])

    @staticmethod
    def _stamped(record: dict[str, Any], owner: str, ts: int) -> dict[str, Any]:
        stamp = sf_datetime(ts)
        record.update(OwnerId=owner, CreatedById=owner, CreatedDate=stamp, LastModifiedDate=stamp, SystemModstamp=stamp)
        return record

    def _task(self, rng: random.Random, p: LeadProfile, who: str, ts: int, kind: int, table: Table) -> None:
        task_id = make_id(KEY_PREFIXES["Task"], len(table) + 1)
        task: dict[str, Any] = {"Id": task_id, "IsDeleted": False, "WhoId": who, "Priority": "Normal"}
        due = ts
        if kind == EMAIL_OUT:
            task.update(Subject=f"Email: {rng.choice(data.SALES_EMAIL_SUBJECTS)}", Type="Email", TaskSubtype="Email")
            task["Status"] = "Completed"
        elif kind == EMAIL_IN:
            task.update(Subject=f"Re: {rng.choice(data.SALES_EMAIL_SUBJECTS)}", Type="Email", TaskSubtype="Email")
            task["Status"] = "Completed"
        elif kind == CALL:
            connected = rng.random() < CALL_DONE_SHARE
            task.update(Subject="Call", Type="Call", TaskSubtype="Call", Status="Completed")
            task["CallType"] = "Inbound" if rng.random() < 0.15 else "Outbound"
            task["CallDurationInSeconds"] = rng.randint(60, 2400) if connected else rng.randint(0, 30)
        else:
            done = ts < self.now_ms - 7 * MS_PER_DAY and rng.random() < TODO_DONE_SHARE
            task.update(Subject=rng.choice(data.TASK_SUBJECTS), Type="Other", TaskSubtype="Task")
            task["Status"] = "Completed" if done else "Not Started"
            due = ts + rng.randint(1, 14) * MS_PER_DAY
        task["ActivityDate"] = sf_date(due)
        task["IsClosed"] = task["Status"] == "Completed"
        table[task_id] = self._stamped(task, p.owner, ts)

    def _event(self, rng: random.Random, p: LeadProfile, who: str, ts: int, table: Table) -> None:
        event_id = make_id(KEY_PREFIXES["Event"], len(table) + 1)
        minutes = rng.choice(MEETING_MINUTES)
        start = sf_datetime(ts)
        event: dict[str, Any] = {"Id": event_id, "IsDeleted": False, "WhoId": who}
        event.update(Subject=rng.choice(data.MEETING_TITLES), Type="Meeting", StartDateTime=start)
        event.update(EndDateTime=sf_datetime(ts + minutes * MS_PER_MINUTE), ActivityDateTime=start)
        event.update(ActivityDate=start[:10], DurationInMinutes=minutes)
        table[event_id] = self._stamped(event, p.owner, ts)

    def _member(self, rng: random.Random, p: LeadProfile, ts: int, joined: set[str], table: Table) -> None:
        campaign_id, kind = self.campaigns[rng.randrange(len(self.campaigns))]
        if campaign_id in joined:
            return  # a Lead is a member of a campaign once
        joined.add(campaign_id)
        base_status, respond_share, response_status = MEMBER_STATUS[kind]
        responded = rng.random() < respond_share
        member_id = make_id(KEY_PREFIXES["CampaignMember"], len(table) + 1)
        member: dict[str, Any] = {"Id": member_id, "IsDeleted": False, "CampaignId": campaign_id}
        member["LeadId"] = p.lead_id
        if p.contact_id is not None:
            member["ContactId"] = p.contact_id
        member["Status"] = response_status if responded else base_status
        member["HasResponded"] = member["Status"] in RESPONDED_STATUSES
        if member["HasResponded"]:
            member["FirstRespondedDate"] = sf_date(ts)
        self._stamped(member, p.owner, ts)
        del member["OwnerId"]
        table[member_id] = member
