"""Seeded activity timelines: a pure function of (seed, contact id, profile, now).

A timeline is generated in two steps so that 100k contacts seed quickly:
1. `skeleton()` draws a compact list of (timestamp, kind, variant) items from an RNG keyed by seed and id;
2. `render()` turns items into API-shaped engagements (emails, calls, meetings, notes, tasks) and web events,
   deriving every detail arithmetically from the item's 32-bit variant (no further random draws).
`summarize()` computes the contact rollups from the skeleton alone, with the same derivations, so the
rollups always agree with what the activity endpoints later serve.

Rollup rules (as HubSpot keeps them): page views and sessions from visits; form submissions as
conversions; marketing email opens/clicks; "times contacted" = outgoing emails, calls and meetings;
"last engagement" (hs_last_sales_activity_timestamp) = latest reply, call, meeting or form submission;
"last activity" (notes_last_updated) = latest engagement of any kind.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass

from leadstage.sandbox import seed_data as data
from leadstage.sandbox.timeutil import MS_PER_DAY, MS_PER_MINUTE, MS_PER_SECOND, iso_ms

EMAIL_OUT, EMAIL_IN, CALL, MEETING, NOTE, TASK = 0, 1, 2, 3, 4, 5
VISIT, FORM, EMAIL_OPEN, EMAIL_CLICK, WEBINAR, DOWNLOAD = 6, 7, 8, 9, 10, 11
ENGAGEMENT_TYPE = {
    EMAIL_OUT: "emails",
    EMAIL_IN: "emails",
    CALL: "calls",
    MEETING: "meetings",
    NOTE: "notes",
    TASK: "tasks",
}
CONTACTED_KINDS = frozenset({EMAIL_OUT, CALL, MEETING})
LAST_ENGAGEMENT_KINDS = frozenset({EMAIL_IN, CALL, MEETING, FORM})

ACTIVITY_WINDOW_DAYS = 183
MEDIAN_ITEMS = 8.0
ITEMS_SIGMA = 1.12  # lognormal: median 8 -> mean ~15, about 1% above 100
MAX_ITEMS_PER_CONTACT = 600
RECENCY_SKEW = 0.75  # u ** 0.75 leans timestamps towards now
FORCED_NEWSLETTER_VARIANT_BAND = 40  # variant % 100 in the newsletter band of `form_title`
VARIANT_BITS = 32
STAGE_ENGAGEMENT = {
    "subscriber": -0.5,
    "lead": -0.15,
    "marketingqualifiedlead": 0.3,
    "salesqualifiedlead": 0.55,
    "opportunity": 0.7,
    "customer": 0.7,
    "evangelist": 0.6,
    "other": -0.6,
}
_MARKETING_MIX = (
    (VISIT, 40),
    (EMAIL_OPEN, 20),
    (EMAIL_CLICK, 6),
    (FORM, 5),
    (DOWNLOAD, 4),
    (WEBINAR, 2),
    (EMAIL_OUT, 10),
    (EMAIL_IN, 2),
    (CALL, 5),
    (NOTE, 2),
    (TASK, 3),
    (MEETING, 1),
)
_SUBSCRIBER_MIX = (
    (VISIT, 45),
    (EMAIL_OPEN, 30),
    (EMAIL_CLICK, 10),
    (FORM, 3),
    (DOWNLOAD, 5),
    (WEBINAR, 2),
    (EMAIL_OUT, 1),
)
_SALES_MIX = (
    (VISIT, 25),
    (EMAIL_OPEN, 8),
    (EMAIL_CLICK, 3),
    (FORM, 3),
    (DOWNLOAD, 2),
    (WEBINAR, 2),
    (EMAIL_OUT, 18),
    (EMAIL_IN, 8),
    (CALL, 12),
    (MEETING, 6),
    (NOTE, 6),
    (TASK, 6),
)
MIX_BY_STAGE = {
    "subscriber": _SUBSCRIBER_MIX,
    "lead": _MARKETING_MIX,
    "other": _MARKETING_MIX,
    "marketingqualifiedlead": _MARKETING_MIX,
}
_EVENT_NAMESPACE = uuid.UUID("6f1c1d2e-8f7a-4a53-9a57-1e0d7c0a5b11")

Item = tuple[int, int, int]  # (timestamp ms, kind, variant)


@dataclass(frozen=True)
class Profile:
    """What a contact's seeded timeline depends on (fixed at seed time; later edits don't change it)."""

    created_ms: int
    stage: str


def skeleton(seed: int, contact_id: str, profile: Profile, now_ms: int) -> list[Item]:
    """The contact's activity items, sorted by time (deterministic)."""
    rng = random.Random(f"{seed}/timeline/{contact_id}")
    start = max(profile.created_ms, now_ms - ACTIVITY_WINDOW_DAYS * MS_PER_DAY)
    span = max(1, now_ms - MS_PER_MINUTE - start)
    window_share = min(1.0, span / (ACTIVITY_WINDOW_DAYS * MS_PER_DAY))
    mu = math.log(MEDIAN_ITEMS) + STAGE_ENGAGEMENT.get(profile.stage, 0.0)
    count = int(rng.lognormvariate(mu, ITEMS_SIGMA) * window_share**0.5)
    count = max(1, min(MAX_ITEMS_PER_CONTACT, count))
    mix = MIX_BY_STAGE.get(profile.stage, _SALES_MIX)
    kinds = rng.choices([k for k, _ in mix], weights=[w for _, w in mix], k=count)
    bits = rng.getrandbits
    rand = rng.random
    items = [(start + int(span * rand() ** RECENCY_SKEW), kind, bits(VARIANT_BITS)) for kind in kinds]
    if profile.created_ms >= start:  # the form submission that created the contact
        variant = bits(VARIANT_BITS)
        if profile.stage == "subscriber":
            variant = variant - variant % 100 + FORCED_NEWSLETTER_VARIANT_BAND
        items[0] = (profile.created_ms + rng.randrange(MS_PER_SECOND, 2 * MS_PER_MINUTE), FORM, variant)
    items.sort()
    return items


# ----- deterministic details from a variant ------------
def _lcg(x: int) -> int:
    return (x * 1103515245 + 12345) & 0x7FFFFFFF


def _pick(seq: tuple[object, ...], variant: int, shift: int) -> object:
    return seq[(variant >> shift) % len(seq)]


_PAGE_TABLE = [i for i, w in enumerate(data.PAGE_WEIGHTS) for _ in range(w)]
_PAGES_PER_VISIT = (1, 1, 1, 2, 2, 2, 3, 3, 4, 5)


def visit_pages(variant: int) -> list[tuple[int, int]]:
    """A visit's page views as (page index, seconds after the visit started)."""
    n = _PAGES_PER_VISIT[variant % len(_PAGES_PER_VISIT)]
    out, x, offset = [], variant, 0
    for _ in range(n):
        x = _lcg(x)
        out.append((_PAGE_TABLE[x % len(_PAGE_TABLE)], offset))
        offset += 20 + (x >> 8) % 130
    return out


def _slug(title: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")


def form_title(variant: int) -> str:
    """The form a FORM item submitted."""
    band = variant % 100
    if band < 15:
        return data.FORM_CONTACT
    if band < 35:
        return data.FORM_DEMO
    if band < 55:
        return data.FORM_NEWSLETTER
    if band < 80:
        return f"Whitepaper: {_pick(data.CONTENT_TITLES, variant, 8)}"
    return f"Webinar registration: {_pick(data.WEBINAR_TITLES, variant, 8)}"


def _form_url(title: str) -> str:
    if title == data.FORM_DEMO:
        return f"{data.WEBSITE}/demo"
    if title == data.FORM_CONTACT:
        return f"{data.WEBSITE}/contact"
    if title == data.FORM_NEWSLETTER:
        return f"{data.WEBSITE}/blog"
    kind, _, rest = title.partition(": ")
    folder = "resources" if kind == "Whitepaper" else "webinars"
    return f"{data.WEBSITE}/{folder}/{_slug(rest)}"


def call_status(variant: int) -> str:
    """COMPLETED, NO_ANSWER, BUSY or FAILED (inbound calls are always completed)."""
    if variant % 10 >= 8:
        return "COMPLETED"
    band = (variant >> 4) % 20
    return "COMPLETED" if band < 12 else "NO_ANSWER" if band < 16 else "BUSY" if band < 18 else "FAILED"


# ----- rollups ------------
@dataclass
class Rollups:
    """Contact properties HubSpot derives from activities."""

    page_views: int = 0
    visits: int = 0
    last_visit_ms: int | None = None
    forms: int = 0
    last_form_ms: int | None = None
    last_form_title: str | None = None
    opens: int = 0
    clicks: int = 0
    last_open_ms: int | None = None
    contacted: int = 0
    last_contacted_ms: int | None = None
    last_engagement_ms: int | None = None
    last_activity_ms: int | None = None
    last_any_ms: int | None = None

    def to_properties(self) -> dict[str, str | None]:
        """The rollups as contact property values (counts as strings, instants as ISO)."""

        def iso(ms: int | None) -> str | None:
            return None if ms is None else iso_ms(ms)

        return {
            "hs_analytics_num_page_views": str(self.page_views),
            "hs_analytics_num_visits": str(self.visits),
            "hs_analytics_last_visit_timestamp": iso(self.last_visit_ms),
            "num_conversion_events": str(self.forms),
            "recent_conversion_event_name": self.last_form_title,
            "recent_conversion_date": iso(self.last_form_ms),
            "hs_email_open": str(self.opens),
            "hs_email_click": str(self.clicks),
            "hs_email_last_open_date": iso(self.last_open_ms),
            "num_contacted_notes": str(self.contacted),
            "notes_last_contacted": iso(self.last_contacted_ms),
            "hs_last_sales_activity_timestamp": iso(self.last_engagement_ms),
            "notes_last_updated": iso(self.last_activity_ms),
        }


def summarize(items: list[Item]) -> Rollups:
    """Rollups of a skeleton (items are sorted, so the last one seen of a kind is the latest)."""
    r = Rollups()
    for ts, kind, variant in items:
        if kind == VISIT:
            pages = visit_pages(variant)
            r.page_views += len(pages)
            r.visits += 1
            r.last_visit_ms = ts + pages[-1][1] * MS_PER_SECOND
            end = r.last_visit_ms
        elif kind == FORM:
            r.forms += 1
            r.last_form_ms, r.last_form_title = ts, form_title(variant)
            end = ts
        elif kind in (EMAIL_OPEN, EMAIL_CLICK):
            r.opens += 1
            r.clicks += kind == EMAIL_CLICK
            r.last_open_ms = _open_ms(ts, kind, variant)
            end = ts
        else:
            end = ts
            r.last_activity_ms = ts if kind in ENGAGEMENT_TYPE else r.last_activity_ms
            if kind in CONTACTED_KINDS:
                r.contacted += 1
                r.last_contacted_ms = ts
        if kind in LAST_ENGAGEMENT_KINDS and (kind != CALL or call_status(variant) == "COMPLETED"):
            r.last_engagement_ms = ts
        r.last_any_ms = end if r.last_any_ms is None else max(r.last_any_ms, end)
    return r


def _open_ms(ts: int, kind: int, variant: int) -> int:
    """A click is preceded by its open (1-30 minutes earlier)."""
    return ts - (1 + (variant >> 12) % 30) * MS_PER_MINUTE if kind == EMAIL_CLICK else ts


# ----- rendering ------------
def engagement_properties(kind: int, ts: int, variant: int, now_ms: int) -> dict[str, str]:
    """The type-specific properties of an engagement item (without ids and dates)."""
    if kind == EMAIL_OUT:
        subject = str(_pick(data.SALES_EMAIL_SUBJECTS, variant, 0))
        direction = "FORWARDED_EMAIL" if (variant >> 14) % 40 == 0 else "EMAIL"
        status = "BOUNCED" if (variant >> 8) % 50 == 0 else "SENT"
        return {"hs_email_direction": direction, "hs_email_subject": subject, "hs_email_status": status}
    if kind == EMAIL_IN:
        subject = "Re: " + str(_pick(data.SALES_EMAIL_SUBJECTS, variant, 0))
        return {
            "hs_email_direction": "INCOMING_EMAIL",
            "hs_email_subject": subject,
            "hs_email_status": "SENT",
        }
    if kind == CALL:
        status = call_status(variant)
        seconds = 60 + (variant >> 9) % 2400 if status == "COMPLETED" else (variant >> 9) % 30
        return {
            "hs_call_direction": "INBOUND" if variant % 10 >= 8 else "OUTBOUND",
            "hs_call_status": status,
            "hs_call_duration": str(seconds * MS_PER_SECOND),
            "hs_call_title": str(_pick(data.CALL_TITLES, variant, 20)),
        }
    if kind == MEETING:
        minutes = (30, 45, 60)[(variant >> 3) % 3]
        band = (variant >> 6) % 20
        outcome = "COMPLETED" if band < 15 else "NO_SHOW" if band < 17 else "RESCHEDULED" if band < 19 else "CANCELED"
        return {
            "hs_meeting_title": str(_pick(data.MEETING_TITLES, variant, 11)),
            "hs_meeting_start_time": iso_ms(ts),
            "hs_meeting_end_time": iso_ms(ts + minutes * MS_PER_MINUTE),
            "hs_meeting_outcome": outcome,
        }
    if kind == NOTE:
        return {"hs_note_body": str(_pick(data.NOTE_BODIES, variant, 0))}
    done = ts < now_ms - 7 * MS_PER_DAY and (variant >> 8) % 10 < 8
    return {
        "hs_task_subject": str(_pick(data.TASK_SUBJECTS, variant, 0)),
        "hs_task_status": "COMPLETED" if done else "NOT_STARTED",
        "hs_task_type": ("CALL", "EMAIL", "TODO")[(variant >> 5) % 3],
    }


def web_events(kind: int, ts: int, variant: int) -> list[tuple[str, int, dict[str, str]]]:
    """A web item's events as (eventType, occurred ms, properties)."""
    if kind == VISIT:
        out = []
        for page, offset in visit_pages(variant):
            path, title = data.PAGES[page]
            props = {"hs_url": data.WEBSITE + path, "hs_title": title, "hs_referrer": _referrer(variant)}
            out.append(("e_visited_page", ts + offset * MS_PER_SECOND, props))
        return out
    if kind == FORM:
        title = form_title(variant)
        form_id = str(uuid.uuid5(_EVENT_NAMESPACE, "form:" + title))
        return [
            (
                "e_submitted_form",
                ts,
                {"hs_form_id": form_id, "hs_form_title": title, "hs_url": _form_url(title)},
            )
        ]
    if kind in (EMAIL_OPEN, EMAIL_CLICK):
        campaign = str(_pick(data.EMAIL_CAMPAIGNS, variant, 4))
        opened = ("e_opened_email", _open_ms(ts, kind, variant), {"hs_email_campaign_name": campaign})
        if kind == EMAIL_OPEN:
            return [opened]
        path = data.PAGES[_PAGE_TABLE[_lcg(variant) % len(_PAGE_TABLE)]][0]
        click_props = {"hs_email_campaign_name": campaign, "hs_url": data.WEBSITE + path}
        return [opened, ("e_clicked_email", ts, click_props)]
    if kind == WEBINAR:
        return [("e_attended_webinar", ts, {"hs_webinar_title": str(_pick(data.WEBINAR_TITLES, variant, 2))})]
    title = str(_pick(data.CONTENT_TITLES, variant, 2))
    url = f"{data.WEBSITE}/resources/{_slug(title)}"
    return [("e_downloaded_content", ts, {"hs_content_title": title, "hs_url": url})]


def _referrer(variant: int) -> str:
    band = (variant >> 27) % 4
    return ("", "https://www.google.com/", "https://www.linkedin.com/", data.WEBSITE + "/")[band]


def web_event_times(kind: int, ts: int, variant: int) -> list[tuple[str, int]]:
    """A web item's events as (eventType, occurred ms) only: the cheap form `web_events` agrees with."""
    if kind == VISIT:
        return [("e_visited_page", ts + offset * MS_PER_SECOND) for _, offset in visit_pages(variant)]
    if kind == EMAIL_CLICK:
        return [("e_opened_email", _open_ms(ts, kind, variant)), ("e_clicked_email", ts)]
    return [(_SINGLE_EVENT_TYPE[kind], ts)]


_SINGLE_EVENT_TYPE = {
    FORM: "e_submitted_form",
    EMAIL_OPEN: "e_opened_email",
    WEBINAR: "e_attended_webinar",
    DOWNLOAD: "e_downloaded_content",
}
EVENT_ID_CONTACT_DIGITS = 10
EVENT_ID_INDEX_DIGITS = 4


def event_id(contact_id: int, index: int, part: int) -> str:
    """The id of a seeded web event: fixed-width digits, so ids sort like (contact, item, part)."""
    return f"{contact_id:0{EVENT_ID_CONTACT_DIGITS}d}{index:0{EVENT_ID_INDEX_DIGITS}d}{part}"
