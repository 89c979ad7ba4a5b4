"""The boundary every CRM connector implements, and the small types that cross it.

A connector pulls canonical Contacts and Activities (mapping.model) and pushes Updates back. CRM-specific
shapes (HubSpot property names, Salesforce sObjects) never leave the connector.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from leadstage.mapping.model import Activity, Contact
from leadstage.mapping.values import OUTPUT_SPECS


class SweepKind(StrEnum):
    """How a sweep walks the CRM: every record (list endpoint) or the ones changed in a time window."""

    FULL = "full"
    INCREMENTAL = "incremental"


@dataclass(frozen=True, slots=True)
class SweepPosition:
    """Where a sweep stands, durable after each committed page so an interrupted run resumes there.

    An incremental sweep covers records modified in ``[since, until)``, walked in id order, ``after`` being
    the last id done; ``until`` is fixed when the sweep starts, so the sweep ends even while records keep
    changing (our own writes included). A full sweep walks everything; ``after`` is the CRM's paging token.
    """

    kind: SweepKind
    until: datetime
    since: datetime | None = None
    after: str | None = None
    done: bool = False


# The longest text a CRM field may hold to be read: longer is a broken record, not a value to score.
MAX_FIELD_CHARS = 10_000


class RecordError(ValueError):
    """One CRM record cannot be read; it goes to the dead-letter table with this reason."""

    def __init__(self, record_id: str, reason: str) -> None:
        super().__init__(f"record {record_id}: {reason}")
        self.record_id = record_id
        self.reason = reason


def unusable_text(text: str) -> str | None:
    """Why a CRM string cannot be stored and compared safely (NUL bytes, lone surrogates), or None.

    Any other Unicode (emoji, right-to-left marks, combining accents) is fine and passes through unchanged.
    """
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains invalid Unicode (a lone surrogate)"
    return None


def clean_field(record_id: str, what: str, value: object) -> str | None:
    """A CRM value as the canonical string (None when missing or blank); RecordError naming ``what`` (``property
    jobtitle``, ``field Title``) when it is too long or holds text that cannot be stored."""
    if value is None:
        return None
    text = str(value)
    if not text.strip():
        return None
    if len(text) > MAX_FIELD_CHARS:
        raise RecordError(record_id, f"{what} is {len(text):,} characters long (limit {MAX_FIELD_CHARS:,})")
    unusable = unusable_text(text)
    if unusable:
        raise RecordError(record_id, f"{what} {unusable}")
    return text


def required_time(record_id: str, raw: object, what: str, parse: Callable[[object], datetime | None]) -> datetime:
    """A date a record must have, read by the CRM's ``parse``; RecordError when it is missing or no date at all
    (OverflowError and OSError too: a timestamp beyond any calendar, such as 99999999999999999999)."""
    try:
        moment = parse(raw)
    except (ValueError, OverflowError, OSError, TypeError):
        raise RecordError(record_id, f"{what} is not a valid date: {str(raw)[:40]!r}") from None
    if moment is None:
        raise RecordError(record_id, f"{what} is missing")
    return moment


T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size`` (batch requests, IN lists)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class RecordFailure:
    """Why the CRM refused (or we could not read) one record; ``retryable`` ones may succeed later."""

    contact_id: str
    reason: str
    retryable: bool = False


def describe(error: BaseException) -> str:
    """An unexpected error in a few words for a dead letter or a log line: its type and first line."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:300]}" if text else type(error).__name__


def record_id_of(record: object, key: str) -> str:
    """The id of a raw CRM record, as far as it can be read at all ("?" when it cannot)."""
    value = record.get(key) if isinstance(record, Mapping) else None
    return str(value)[:40] if value not in (None, "") else "?"


def unreadable(record_id: str, error: BaseException) -> RecordFailure:
    """A record that failed to convert for an unexpected reason: that record alone goes to the dead letters."""
    return RecordFailure(record_id, f"cannot be read: {describe(error)}")


@dataclass(frozen=True, slots=True)
class ContactPage:
    """One page of pulled contacts, and the position to store once the page's outcome is durable.

    ``rejected`` are records of the page that could not be read (they go to the dead-letter table);
    ``missing_ids`` are ids asked for by a batch read that the CRM does not have (deleted or merged);
    ``deleted_ids`` are records the CRM reports deleted in the sweep's window.
    """

    contacts: Sequence[Contact]
    position: SweepPosition | None
    rejected: Sequence[RecordFailure] = ()
    missing_ids: Sequence[str] = ()
    deleted_ids: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class ActivityPage:
    """One page of activities from a portal-wide stream (web events, campaign responses)."""

    activities: Sequence[Activity]
    position: SweepPosition


# A person's company (HubSpot's primary associated company, a Salesforce Contact's Account) is named in the
# contact's fields by its CRM id, and its own fields are canonical fields under this prefix: company.industry...
COMPANY_ID = "company_id"
COMPANY_PREFIX = "company."


@dataclass(frozen=True, slots=True)
class CompanyFields:
    """Companies read: canonical fields (``company.industry``...) by CRM id, and the ones that could not be read,
    with why (their contacts go to the dead-letter table rather than being scored without their company)."""

    found: dict[str, Mapping[str, str]] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)

    def add(self, other: CompanyFields) -> None:
        self.found.update(other.found)
        self.unreadable.update(other.unreadable)


@dataclass(frozen=True, slots=True)
class CompanyPage:
    """Companies (accounts) changed in a window, and the position to store once they are processed."""

    companies: Mapping[str, Mapping[str, str]]
    position: SweepPosition
    unreadable: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Update:
    """Values to write to one contact, under canonical output names.

    ``clear_first`` names outputs that must be cleared in a separate, earlier request (HubSpot's lifecycle
    stage only moves forward unless cleared first).
    """

    contact_id: str
    values: Mapping[str, str]
    clear_first: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The outcome of writing a list of Updates: which succeeded (with the CRM's new modification time)."""

    written: Mapping[str, datetime | None] = field(default_factory=dict)
    failures: Sequence[RecordFailure] = ()


@dataclass(frozen=True, slots=True)
class OutputField:
    """One field leadstage writes: canonical name, the CRM's name for it, and its type."""

    name: str
    crm_name: str
    kind: str
    label: str
    options: Sequence[str] = ()
    description: str = ""


def output_fields(crm_name: Callable[[str], str]) -> list[OutputField]:
    """leadstage's output fields, each under the name ``crm_name`` gives it in one CRM."""
    return [
        OutputField(
            name=spec.name,
            crm_name=crm_name(spec.name),
            kind=spec.kind.value,
            label=f"{spec.label} (leadstage)",
            options=spec.options,
            description=spec.description,
        )
        for spec in OUTPUT_SPECS
    ]


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `leadstage check` found about a portal."""

    reachable: bool
    missing_fields: Sequence[OutputField] = ()
    notes: Sequence[str] = ()
    signal_values: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # CRM fields the portal's mapping reads (or a stage date field it names) that the CRM does not have.
    missing_inputs: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class SetupReport:
    """What `leadstage setup` created (or would create, in a dry run)."""

    created: Sequence[str] = ()
    existing: Sequence[str] = ()
    instructions: Sequence[str] = ()


class Connector(Protocol):
    """What the sync engine needs from a CRM."""

    crm: str
    write_batch: int
    """Updates a run may gather before writing them (1: write each page as it comes)."""
    companies_with_contacts: bool
    """True when each contact arrives with its company's fields (Salesforce reads an Account's fields in the same
    query); False when they are read apart (HubSpot: ``read_companies``)."""

    def check(self) -> CheckReport:
        """Reach the CRM and report which of our output fields are missing."""
        ...

    def setup(self, dry_run: bool = False) -> SetupReport:
        """Create our output fields where the CRM allows it (idempotent)."""
        ...

    def pull_contacts(self, position: SweepPosition) -> Iterator[ContactPage]:
        """Pages of contacts from ``position`` on, each carrying the position after it."""
        ...

    def count_contacts(self, position: SweepPosition) -> int | None:
        """How many contacts a sweep from ``position`` will visit (one call; None if the CRM cannot say)."""
        ...

    def read_contacts(self, ids: Sequence[str]) -> ContactPage:
        """The current state of the given contacts, in batches; unknown ids in ``missing_ids``."""
        ...

    def fetch_activities(self, contact_ids: Sequence[str], reuse: Collection[Activity] = ()) -> list[Activity]:
        """All engagement activities (emails, calls, meetings...) of these contacts, in batched calls.

        ``reuse`` are engagements read before that have settled: a connector may return them as they are, without
        reading them again, when the CRM still links them to the same contact.
        """
        ...

    def pull_activity_stream(self, position: SweepPosition) -> Iterator[ActivityPage]:
        """Portal-wide activities that occurred in ``[since, until)`` (web events and the like)."""
        ...

    def read_companies(self, ids: Sequence[str]) -> CompanyFields:
        """The canonical fields (``company.industry``...) of these companies, in batched calls; unknown ids left out."""
        ...

    def pull_companies(self, position: SweepPosition) -> Iterator[CompanyPage]:
        """Pages of the companies modified in ``[since, until)`` (their contacts are evaluated again)."""
        ...

    def write(self, updates: Sequence[Update]) -> WriteResult:
        """Write updates in the largest batches the API allows; per-record failures are reported, not raised."""
        ...

    def api_calls(self) -> int:
        """Requests sent so far (retries included)."""
        ...

    def rate_limited(self) -> int:
        """Rate-limit answers so far: HubSpot 429s, Salesforce quota refusals and quota-share stops."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class ConnectorError(Exception):
    """A CRM call failed for good (after the retries the policy allows)."""


class QuotaExhausted(ConnectorError):
    """The CRM's daily quota (or our configured share of it) is used up: stop the run, try again later."""


class AuthenticationFailed(ConnectorError):
    """The CRM refused the credentials."""
