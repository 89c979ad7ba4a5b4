"""The canonical types of the domain: what a contact, an activity, a stage and an evaluation are.

These are CRM-neutral. Connectors translate HubSpot and Salesforce shapes into them (field names included:
``job_title``, not ``jobtitle`` or ``Title``), so the same scoring configuration works for both CRMs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from .derived import derived_fields

MICROSECONDS_PER_SECOND = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


class Stage(StrEnum):
    """Where a person stands in the funnel.

    raw < mql < sal < sql < opportunity < customer is the funnel order; recycled and disqualified are side
    states outside it.
    """

    RAW = "raw"
    MQL = "mql"
    SAL = "sal"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    RECYCLED = "recycled"
    DISQUALIFIED = "disqualified"

    @property
    def rank(self) -> int | None:
        """Position in the funnel order, or None for the side states."""
        return _FUNNEL_RANK.get(self)

    @property
    def is_side_state(self) -> bool:
        return self.rank is None


FUNNEL_ORDER: tuple[Stage, ...] = (
    Stage.RAW,
    Stage.MQL,
    Stage.SAL,
    Stage.SQL,
    Stage.OPPORTUNITY,
    Stage.CUSTOMER,
)
_FUNNEL_RANK: dict[Stage, int] = {stage: rank for rank, stage in enumerate(FUNNEL_ORDER)}


class Grade(StrEnum):
    """Fit by BANT (Budget, Authority, Need, Timeline): A is best."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    def at_least(self, other: Grade) -> bool:
        """True when this grade is as good as ``other`` or better (A beats B)."""
        return self.value <= other.value


class Temperature(StrEnum):
    """How recently and strongly a person engaged."""

    COLD = "cold"
    WARM = "warm"
    HOT = "hot"


class ActivityKind(StrEnum):
    """The kinds of activity engagement rules can score."""

    PAGE_VIEW = "page_view"
    FORM_SUBMISSION = "form_submission"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    EMAIL_REPLY = "email_reply"
    EMAIL_SENT = "email_sent"
    MEETING = "meeting"
    CALL = "call"
    NOTE = "note"
    TASK = "task"
    WEBINAR = "webinar"
    CONTENT_DOWNLOAD = "content_download"
    CAMPAIGN_RESPONSE = "campaign_response"


# The attributes an activity may carry (every connector names them so), for ``where`` conditions to read.
ACTIVITY_ATTRIBUTES: frozenset[str] = frozenset(
    {"url", "title", "form", "form_id", "campaign", "subject", "status", "direction", "duration_ms", "outcome", "type"}
)


class TransitionSource(StrEnum):
    """Who moved a person: our computation, or a person (or process) in the CRM."""

    COMPUTED = "computed"
    CRM = "crm"


# Where a transition's time came from (``Transition.at_source``): leadstage's own decision, or the record's last
# modification when the CRM keeps no date for the stage; a date the CRM keeps reads "crm:<its field>".
AT_COMPUTED = "computed"
AT_MODIFIED = "crm:modified"


@dataclass(frozen=True, slots=True)
class StageDate:
    """When the CRM says a person entered a stage, and the CRM field that says so (``ConvertedDate``...)."""

    at: datetime
    field: str

    @property
    def source(self) -> str:
        return f"crm:{self.field}"


@dataclass(frozen=True, slots=True)
class Contact:
    """A person (HubSpot contact, Salesforce lead or contact) in canonical form.

    ``fields`` holds the CRM values under canonical names (``email``, ``job_title``, ``employees``,
    ``lifecycle_stage``, ``lead_status`` ...), as strings, missing or empty values left out.
    ``written`` holds the CRM's current values of the fields leadstage writes (canonical output names),
    so a run can tell what really needs writing. ``activity_marker`` is an opaque value that changes whenever
    the CRM records new activity for the person (HubSpot's rollup properties, for example); while it stays the
    same, the activities already stored need not be fetched again. None means "unknown: fetch".
    ``stage_dates`` are the dates the CRM keeps of the person entering stages (HubSpot's lifecycle stage dates,
    Salesforce's ConvertedDate...): a stage seen for the first time is dated by them, not by ``updated_at``.

    ``fields`` also holds the derived fields (``derived.DERIVED``: ``email_domain`` from ``email``), whoever
    built the contact: where a derived field's source is present and the field itself is not, the contact keeps
    a copy of the given fields with it added (the given mapping is left alone). A CRM value under the derived
    field's name wins. ``derived`` names the fields that were added so (``explain`` tells them from the CRM's).
    """

    id: str
    updated_at: datetime
    fields: Mapping[str, str] = field(default_factory=dict)
    written: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    activity_marker: str | None = None
    stage_dates: Mapping[Stage, StageDate] = field(default_factory=dict)
    derived: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        derived = derived_fields(self.fields)
        if derived:
            object.__setattr__(self, "fields", {**self.fields, **derived})
        object.__setattr__(self, "derived", frozenset(derived))

    def get(self, name: str) -> str | None:
        """The value of a canonical field, or None when the CRM holds none."""
        return self.fields.get(name)

    def given_fields(self) -> dict[str, str]:
        """``fields`` without the derived ones: what to keep, so a contact built from them again derives afresh."""
        return {name: value for name, value in self.fields.items() if name not in self.derived}


def epoch_microseconds(moment: datetime) -> int:
    """Whole microseconds since 1970-01-01 UTC; a naive ``moment`` is read as UTC.

    Differences of these, divided by a million, equal ``(a - b).total_seconds()`` to the last bit, for one
    integer subtraction instead of a timedelta.
    """
    return (moment - (_NAIVE_EPOCH if moment.tzinfo is None else _EPOCH)) // _MICROSECOND


@dataclass(frozen=True, slots=True)
class Activity:
    """One thing a person did (or sales did with them): a page view, a form, an email reply, a meeting..."""

    id: str
    contact_id: str
    kind: str
    occurred_at: datetime
    attributes: Mapping[str, str] = field(default_factory=dict)
    # ``occurred_at`` as ``epoch_microseconds``: the one pass over activities takes ages by integer subtraction.
    epoch_us: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "epoch_us", epoch_microseconds(self.occurred_at))


@dataclass(frozen=True, slots=True)
class Transition:
    """A stage change, recorded once in the stage history.

    ``at_source`` says where ``at`` came from (``AT_COMPUTED``, ``AT_MODIFIED`` or a CRM stage date's source);
    ``from_at`` is when the person entered ``from_stage``: (contact, from_stage, from_at, to_stage) identifies the
    move, so two runs deciding it from the same state record it once, whatever moment each calls now.
    """

    contact_id: str
    from_stage: Stage | None
    to_stage: Stage
    at: datetime
    reason: str
    source: TransitionSource
    at_source: str = AT_MODIFIED
    from_at: datetime | None = None

    @property
    def key(self) -> str:
        """The move's identity: "raw@2026-05-01T10:00:00+00:00>mql"; a first sight: "@<its time>>mql"."""
        start = self.from_at if self.from_stage is not None else self.at
        moment = start.isoformat() if start is not None else ""
        return f"{self.from_stage.value if self.from_stage else ''}@{moment}>{self.to_stage.value}"


@dataclass(frozen=True, slots=True)
class StageState:
    """What leadstage remembers of a person's funnel position between runs."""

    stage: Stage
    entered: Mapping[Stage, datetime] = field(default_factory=dict)
    recycled_at: datetime | None = None
    observed: Stage | None = None

    def entered_at(self, stage: Stage) -> datetime | None:
        return self.entered.get(stage)
