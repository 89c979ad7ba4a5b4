"""Weeks of sales and marketing work on the sandbox CRM, played in seconds, so the demo has a stage history.

Each simulated day, people act in the CRM as they would in HubSpot or Salesforce: reps accept, qualify, recycle
or disqualify leads and open deals (lead status, lifecycle stage); marketing brings a few raw and recycled
leads back (a demo request and pricing-page visits, HubSpot only). The real sync runs every few simulated days.
What a rep does depends on the stage leadstage last stored for the contact; how quickly, on the rep (owner) and
how good the lead is, on its source. Everything is drawn from one seeded random generator on a movable clock,
so a run is reproducible.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from leadstage.mapping.model import Stage
from leadstage.sandbox import Sandbox
from leadstage.sync.run.engine import RunSummary
from leadstage.sync.state import StateStore

DAY = timedelta(days=1)
WORKDAY = (timedelta(hours=7), timedelta(hours=19))  # reps and visitors act between these hours of the day

# Per day: the chance a rep acts on a contact in this stage, and what they do (weights).
SALES_MOVES: dict[Stage, tuple[float, tuple[tuple[Stage, int], ...]]] = {
    Stage.MQL: (0.45, ((Stage.SAL, 72), (Stage.SQL, 8), (Stage.RECYCLED, 8), (Stage.DISQUALIFIED, 12))),
    Stage.SAL: (0.12, ((Stage.SQL, 55), (Stage.RECYCLED, 30), (Stage.DISQUALIFIED, 15))),
    Stage.SQL: (0.08, ((Stage.OPPORTUNITY, 65), (Stage.RECYCLED, 20), (Stage.DISQUALIFIED, 15))),
    Stage.OPPORTUNITY: (0.05, ((Stage.CUSTOMER, 45), (Stage.RECYCLED, 35), (Stage.DISQUALIFIED, 20))),
}
# Per day: the chance marketing re-engages a lead in this stage (raw ones only when they already fit well).
MARKETING_CHANCE = {Stage.RAW: 0.03, Stage.RECYCLED: 0.04}
MARKETING_MIN_SCORE = 40
# How the lead source changes the chance a rep takes the lead on (accepts or qualifies it) rather than dropping it.
SOURCE_QUALITY = {"REFERRALS": 1.6, "ORGANIC_SEARCH": 1.2, "PAID_SOCIAL": 0.45, "SOCIAL_MEDIA": 0.7, "OFFLINE": 0.8}
OWNER_PACE = (1.3, 1.0, 0.75, 0.45)  # reps differ in how quickly they act; each owner id gets one of these
SYNC_EVERY_DAYS = 7  # the real sync would run every few minutes; every few simulated days keeps the demo quick


class DemoClock:
    """Wall time moved into the past: it starts ``behind`` ago and only jumps forward (``jump_to``)."""

    def __init__(self, behind: timedelta) -> None:
        self.behind = behind

    def now(self) -> datetime:
        return datetime.now(UTC) - self.behind

    def time(self) -> float:
        return self.now().timestamp()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def jump_to(self, moment: datetime) -> None:
        self.behind = min(self.behind, max(timedelta(0), datetime.now(UTC) - moment))


class JumpingClock(Protocol):
    """A clock the simulation can move forward."""

    def now(self) -> datetime: ...

    def jump_to(self, moment: datetime) -> None: ...


class SalesDesk(Protocol):
    """How people change a contact's stage in one CRM."""

    def move(self, contact_id: str, stage: Stage) -> bool: ...

    def engage(self, contact_id: str, when: datetime) -> bool: ...


class HubSpotDesk:
    """Stage changes through lead status and lifecycle stage, as reps make them in HubSpot's UI."""

    EDITS: Mapping[Stage, dict[str, str]] = {
        Stage.SAL: {"hs_lead_status": "ATTEMPTED_TO_CONTACT"},
        Stage.SQL: {"lifecyclestage": "salesqualifiedlead"},
        Stage.OPPORTUNITY: {"hs_lead_status": "OPEN_DEAL"},
        Stage.CUSTOMER: {"lifecyclestage": "customer"},
        Stage.RECYCLED: {"hs_lead_status": "BAD_TIMING"},
        Stage.DISQUALIFIED: {"hs_lead_status": "UNQUALIFIED"},
    }

    def __init__(self, box: Sandbox) -> None:
        self.portal = box.hubspot

    def move(self, contact_id: str, stage: Stage) -> bool:
        self.portal.update_contact(contact_id, dict(self.EDITS[stage]))
        return True

    def engage(self, contact_id: str, when: datetime) -> bool:
        website = "https://www.example.com"
        form = {"hs_form_title": "Request a demo", "hs_url": f"{website}/demo"}
        self.portal.add_web_event(contact_id, "e_submitted_form", when, form)
        for minute in range(3):
            page = {"hs_url": f"{website}/pricing", "hs_title": "Pricing"}
            self.portal.add_web_event(contact_id, "e_visited_page", when - timedelta(minutes=5 - minute), page)
        return True


class SalesforceDesk:
    """Stage changes through the Lead Status picklist (the example config maps nothing past SQL for Salesforce)."""

    STATUS: Mapping[Stage, str] = {
        Stage.SAL: "Working - Contacted",
        Stage.SQL: "Closed - Converted",
        Stage.RECYCLED: "Nurturing",
        Stage.DISQUALIFIED: "Closed - Not Converted",
    }

    def __init__(self, box: Sandbox) -> None:
        self.org = box.salesforce

    def move(self, contact_id: str, stage: Stage) -> bool:
        found = self.org.find(contact_id)
        if stage not in self.STATUS or found is None or found[0] != "Lead":
            return False
        self.org.update("Lead", contact_id, {"Status": self.STATUS[stage]})
        return True

    def engage(self, contact_id: str, when: datetime) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class SalesWeeks:
    """What the simulated weeks did."""

    since: datetime
    until: datetime
    days: int
    crm_edits: int
    engagements: int
    transitions: int


@dataclass(slots=True)
class _Lead:
    """What the simulated people know of a contact: its stage, owner, source and score."""

    stage: Stage
    owner: str | None
    source: str | None
    score: int
    acted: bool = False  # someone changed it since the last sync: the next move waits for the sync to see this one


def _leads(store: StateStore, portal: str) -> dict[str, _Lead]:
    """The stages leadstage stored at the last sync (reps see them in the CRM)."""
    return {
        contact.contact_id: _Lead(
            contact.stage.stage,
            contact.fields.get("owner_id"),
            contact.fields.get("lead_source"),
            int(contact.written.get("score") or 0),
        )
        for batch in store.iter_contacts(portal)
        for contact in batch
    }


def _pace(owner: str | None) -> float:
    return OWNER_PACE[zlib.crc32((owner or "").encode()) % len(OWNER_PACE)]


def _next_move(lead: _Lead, rng: random.Random) -> Stage | None:
    if lead.acted or lead.stage not in SALES_MOVES:
        return None
    chance, moves = SALES_MOVES[lead.stage]
    if rng.random() >= min(1.0, chance * _pace(lead.owner)):
        return None
    quality = SOURCE_QUALITY.get(lead.source or "", 1.0)
    weights = [weight * (quality if (to.rank or 0) > (lead.stage.rank or 0) else 1.0) for to, weight in moves]
    return rng.choices([to for to, _ in moves], weights)[0]


def _re_engages(lead: _Lead, rng: random.Random) -> bool:
    if lead.acted or (lead.stage is Stage.RAW and lead.score < MARKETING_MIN_SCORE):
        return False
    return rng.random() < MARKETING_CHANCE.get(lead.stage, 0.0)


Step = tuple[datetime, str, Stage | None]


def _plan_day(leads: Mapping[str, _Lead], start: datetime, rng: random.Random) -> list[Step]:
    """Who acts on which contact when, in time order: a stage to move to, or None for marketing's re-engagement."""
    plan: list[Step] = []
    first, last = (start + hours for hours in WORKDAY)
    for contact_id, lead in leads.items():
        move = _next_move(lead, rng)
        if move is not None or _re_engages(lead, rng):
            plan.append((first + (last - first) * rng.random(), contact_id, move))
    plan.sort(key=lambda step: (step[0], step[1]))
    return plan


def play_sales_weeks(
    store: StateStore,
    portal: str,
    desk: SalesDesk,
    clock: JumpingClock,
    sync: Callable[[], RunSummary],
    days: int,
    seed: int = 7,
    sync_every_days: int = SYNC_EVERY_DAYS,
) -> SalesWeeks:
    """Play ``days`` days of CRM edits, with a sync every ``sync_every_days`` days and at the end."""
    rng = random.Random(seed)
    since = clock.now()
    edits = engagements = transitions = 0
    leads = _leads(store, portal)
    for day in range(days):
        start = since + day * DAY
        for when, contact_id, move in _plan_day(leads, start, rng):
            clock.jump_to(when)
            lead = leads[contact_id]
            if move is None:
                lead.acted = desk.engage(contact_id, when)
                engagements += lead.acted
            elif desk.move(contact_id, move):
                lead.stage, lead.acted = move, True
                edits += 1
        if (day + 1) % sync_every_days == 0 or day + 1 == days:
            clock.jump_to(start + DAY)
            transitions += sync().counts.transitions
            leads = _leads(store, portal)
    return SalesWeeks(since, clock.now(), days, edits, engagements, transitions)
