"""The funnel report: entries, conversion rates, time in stage and the hand-over SLA, from the stage history.

Pure functions over history rows (``HistoryRow``); ``load_history`` streams a portal's rows from the state store
in id order, ``load_field`` reads the grouping field. The definitions below are the report's contract; the
README ("Funnel report") and the HTML page's footnotes say the same.

- Period: ``[since, until)`` in UTC. Rows at or after ``until`` are ignored altogether, so a report for a past
  period reads the same whenever it is run.
- First sight: the row written when leadstage reads a contact for the first time (``from_stage`` NULL). When the
  CRM keeps the date the contact entered that stage (HubSpot's lifecycle stage dates, Salesforce's ConvertedDate
  or a date field the config names), the row carries that date and is an entry like any other. Otherwise its
  time is the CRM's last modification of the record, not the moment the contact reached that stage, and the
  first sync sees the whole existing portal at once: such an undated first sight is never an entry, never starts
  a measured stay, and never counts in conversions or the SLA. It does say where the contact stood: the
  contact's next row is a real entry, and a contact still at its first-sight stage counts as open there.
- Entry: any other row; it enters its ``to_stage`` at ``at``. A contact re-MQL'd after a recycle enters MQL
  a second time (two MQL entries, two hand-overs).
- Episode of an entry into stage A: the contact's later rows (id order), up to and including the first one into
  a side state (recycled, disqualified), stopping before the next entry into A.
- Conversion A -> B (mql -> sal, sal -> sql, sql -> opportunity, opportunity -> customer): of the entries into A
  in the period, the share whose episode reached B or any later funnel stage before ``until``. A skipped stage
  counts as passed: MQL -> SQL without SAL counts as accepted.
- Recycle / disqualification rate: of the MQL entries in the period, the share whose episode ended recycled /
  disqualified before ``until``.
- Time in stage: a stay runs from an entry to the contact's next row. Stays that ended in the period give the
  median and the 90th percentile (linear interpolation between the closest ranks), in days. Open stays: the
  contacts whose last row before ``until`` is in the stage (``open``); their age at ``until`` (median, p90)
  counts those whose stay began with an entry.
- Hand-over SLA: an MQL entry in the period is answered by the contact's next row (accepted: SAL or beyond;
  rejected: recycled, disqualified; or any other move). It is breached when the answer came more than
  ``handover_sla_hours`` after the entry, or when there is no answer before ``until`` and the deadline passed
  before ``until``; ``pending`` when there is no answer and the deadline is still ahead.
- Groups: ``source`` = the contact's ``lead_source`` field, ``owner`` = ``owner_id`` (their values now, as the
  state store holds them), ``cohort`` = the UTC month of the contact's first MQL entry (first sights excluded,
  so the first sync does not put the whole portal into the month leadstage was installed); "(none)" when missing.
  Every figure of a contact goes to its group. Groups without a row in the period are left out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from leadstage.mapping.model import Stage

NONE = "(none)"
TOTAL = "(all)"
GROUP_BY_FIELDS = {"source": "lead_source", "owner": "owner_id"}
GROUP_BY_CHOICES = ("source", "owner", "cohort")
STEPS: tuple[tuple[Stage, Stage], ...] = (
    (Stage.MQL, Stage.SAL),
    (Stage.SAL, Stage.SQL),
    (Stage.SQL, Stage.OPPORTUNITY),
    (Stage.OPPORTUNITY, Stage.CUSTOMER),
)
NEXT_STEP = dict(STEPS)
SIDE_STATES = frozenset({Stage.RECYCLED, Stage.DISQUALIFIED})
LOAD_BATCH = 5_000  # history rows per query while streaming
DAY = timedelta(days=1)

GroupOf = Callable[[str, Sequence["HistoryRow"]], str]


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One row of the stage history."""

    id: int
    contact_id: str
    from_stage: Stage | None
    to_stage: Stage
    at: datetime
    source: str = "crm"
    dated: bool = False  # ``at`` is a stage date the CRM keeps, not a record's last modification

    @property
    def first_sight(self) -> bool:
        """An undated first sight (see the module docstring): where the contact stood, not an entry."""
        return self.from_stage is None and not self.dated


@dataclass(frozen=True, slots=True)
class Period:
    """``[since, until)``: aware datetimes."""

    since: datetime
    until: datetime

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.since <= moment < self.until


@dataclass(frozen=True, slots=True)
class Conversion:
    """Of ``entered`` entries into ``from_stage``, ``converted`` reached ``to_stage`` or beyond."""

    from_stage: Stage
    to_stage: Stage
    entered: int
    converted: int

    @property
    def key(self) -> str:
        return f"{self.from_stage.value}_to_{self.to_stage.value}"

    @property
    def rate(self) -> float | None:
        return self.converted / self.entered if self.entered else None


@dataclass(frozen=True, slots=True)
class StageVelocity:
    """Time in one stage: stays that ended in the period, and the stays still open at its end."""

    stage: Stage
    stays: int
    median_days: float | None
    p90_days: float | None
    open: int
    open_median_days: float | None
    open_p90_days: float | None


@dataclass(frozen=True, slots=True)
class Handover:
    """The MQL -> SAL hand-over SLA over the MQL entries of the period."""

    sla_hours: float | None
    mql_entries: int
    within: int
    breached: int
    pending: int

    @property
    def breach_rate(self) -> float | None:
        judged = self.within + self.breached
        return self.breached / judged if judged else None


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """Every figure of the report for one group of contacts (or for all of them)."""

    name: str
    contacts: int
    first_seen: int
    entered: Mapping[Stage, int]
    conversions: tuple[Conversion, ...]
    recycled: int
    disqualified: int
    velocity: tuple[StageVelocity, ...]
    handover: Handover

    @property
    def recycle_rate(self) -> float | None:
        mql = self.entered[Stage.MQL]
        return self.recycled / mql if mql else None

    @property
    def disqualification_rate(self) -> float | None:
        mql = self.entered[Stage.MQL]
        return self.disqualified / mql if mql else None

    def conversion(self, from_stage: Stage) -> Conversion:
        return next(c for c in self.conversions if c.from_stage is from_stage)

    def stage_velocity(self, stage: Stage) -> StageVelocity:
        return next(v for v in self.velocity if v.stage is stage)


@dataclass(frozen=True, slots=True)
class FunnelReport:
    """The figures of a period: for all contacts (``total``) and per group when grouped."""

    portal: str
    period: Period
    group_by: str | None
    sla_hours: float | None
    total: GroupFigures
    groups: tuple[GroupFigures, ...]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile by linear interpolation between the closest ranks (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _days(delta: timedelta) -> float:
    return max(delta, timedelta(0)) / DAY


@dataclass
class _Tally:
    """Mutable counters of one group while the contacts are walked."""

    name: str
    contacts: int = 0
    first_seen: int = 0
    active: bool = False
    entered: dict[Stage, int] = field(default_factory=lambda: dict.fromkeys(Stage, 0))
    converted: dict[Stage, int] = field(default_factory=lambda: defaultdict(int))
    recycled: int = 0
    disqualified: int = 0
    stays: dict[Stage, list[float]] = field(default_factory=lambda: defaultdict(list))
    open: dict[Stage, int] = field(default_factory=lambda: defaultdict(int))
    open_ages: dict[Stage, list[float]] = field(default_factory=lambda: defaultdict(list))
    within: int = 0
    breached: int = 0
    pending: int = 0

    def freeze(self, sla_hours: float | None) -> GroupFigures:
        conversions = tuple(Conversion(a, b, self.entered[a], self.converted[a]) for a, b in STEPS)
        velocity = tuple(self._velocity(stage) for stage in Stage)
        handover = Handover(sla_hours, self.entered[Stage.MQL], self.within, self.breached, self.pending)
        return GroupFigures(
            self.name, self.contacts, self.first_seen, dict(self.entered), conversions, self.recycled,
            self.disqualified, velocity, handover,
        )  # fmt: skip

    def _velocity(self, stage: Stage) -> StageVelocity:
        stays, ages = self.stays[stage], self.open_ages[stage]
        return StageVelocity(
            stage, len(stays), percentile(stays, 0.5), percentile(stays, 0.9), self.open[stage],
            percentile(ages, 0.5), percentile(ages, 0.9),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Episode:
    reached: int  # the furthest funnel rank reached
    ended: Stage | None  # the side state that ended it, if any


def _episode(rows: Sequence[HistoryRow], start: int) -> _Episode:
    entered = rows[start].to_stage
    reached = entered.rank or 0
    for row in rows[start + 1 :]:
        if row.to_stage is entered:
            break
        if row.to_stage in SIDE_STATES:
            return _Episode(reached, row.to_stage)
        reached = max(reached, row.to_stage.rank or 0)
    return _Episode(reached, None)


class _Walker:
    """Walks one contact's rows (before ``until``, id order) and adds its figures to its tallies."""

    def __init__(self, period: Period, sla: timedelta | None) -> None:
        self.period = period
        self.sla = sla

    def walk(self, rows: Sequence[HistoryRow], tallies: Sequence[_Tally]) -> None:
        for tally in tallies:
            tally.contacts += 1
        for index, row in enumerate(rows):
            following = rows[index + 1] if index + 1 < len(rows) else None
            if following is None:
                self._open(row, tallies)
            if row.first_sight:
                if row.at in self.period:
                    for tally in tallies:
                        tally.first_seen += 1
                        tally.active = True
                continue
            if following is not None and following.at in self.period:
                for tally in tallies:
                    tally.stays[row.to_stage].append(_days(following.at - row.at))
                    tally.active = True
            if row.at in self.period:
                self._entry(rows, index, following, tallies)

    def _open(self, row: HistoryRow, tallies: Sequence[_Tally]) -> None:
        for tally in tallies:
            tally.open[row.to_stage] += 1
            if not row.first_sight:
                tally.open_ages[row.to_stage].append(_days(self.period.until - row.at))

    def _entry(
        self, rows: Sequence[HistoryRow], index: int, following: HistoryRow | None, tallies: Sequence[_Tally]
    ) -> None:
        row = rows[index]
        stage = row.to_stage
        episode = _episode(rows, index) if stage.rank is not None else None
        for tally in tallies:
            tally.active = True
            tally.entered[stage] += 1
            if episode is None:
                continue
            target = NEXT_STEP.get(stage)
            if target is not None:
                tally.converted[stage] += episode.reached >= (target.rank or 0)
            if stage is Stage.MQL:
                tally.recycled += episode.ended is Stage.RECYCLED
                tally.disqualified += episode.ended is Stage.DISQUALIFIED
        if stage is Stage.MQL and self.sla is not None:
            self._handover(row, following, tallies)

    def _handover(self, row: HistoryRow, following: HistoryRow | None, tallies: Sequence[_Tally]) -> None:
        assert self.sla is not None
        deadline = row.at + self.sla
        answered = following is not None
        breached = following.at > deadline if following is not None else deadline < self.period.until
        for tally in tallies:
            tally.breached += breached
            tally.within += answered and not breached
            tally.pending += not answered and not breached


def by_contact(rows: Iterable[HistoryRow], until: datetime) -> dict[str, list[HistoryRow]]:
    """The rows before ``until``, per contact, in id order."""
    contacts: dict[str, list[HistoryRow]] = defaultdict(list)
    for row in rows:
        if row.at < until:
            contacts[row.contact_id].append(row)
    for timeline in contacts.values():
        timeline.sort(key=lambda row: row.id)
    return contacts


def cohort_of(contact_id: str, rows: Sequence[HistoryRow]) -> str:
    """The UTC month (YYYY-MM) of the contact's first MQL entry, or "(none)"."""
    for row in rows:
        if row.to_stage is Stage.MQL and not row.first_sight:
            return f"{row.at:%Y-%m}"
    return NONE


def field_group(values: Mapping[str, str | None]) -> GroupOf:
    """Group contacts by a field's value (``values``: contact id -> value); "(none)" when missing or blank."""

    def group_of(contact_id: str, _rows: Sequence[HistoryRow]) -> str:
        value = values.get(contact_id)
        return value.strip() if value and value.strip() else NONE

    return group_of


def funnel_report(
    portal: str,
    rows: Iterable[HistoryRow],
    period: Period,
    sla_hours: float | None,
    group_by: str | None = None,
    group_of: GroupOf | None = None,
) -> FunnelReport:
    """The report for ``period`` over ``rows`` (any order), grouped by ``group_of`` when given."""
    if group_by == "cohort" and group_of is None:
        group_of = cohort_of
    walker = _Walker(period, timedelta(hours=sla_hours) if sla_hours is not None else None)
    total = _Tally(TOTAL)
    tallies: dict[str, _Tally] = {}
    for contact_id, timeline in by_contact(rows, period.until).items():
        chosen = [total]
        if group_of is not None:
            name = group_of(contact_id, timeline)
            chosen.append(tallies.setdefault(name, _Tally(name)))
        walker.walk(timeline, chosen)
    groups = sorted((tally for tally in tallies.values() if tally.active), key=_group_order(group_by))
    return FunnelReport(
        portal,
        period,
        group_by if group_of is not None else None,
        sla_hours,
        total.freeze(sla_hours),
        tuple(tally.freeze(sla_hours) for tally in groups),
    )


def _group_order(group_by: str | None) -> Callable[[_Tally], tuple[object, ...]]:
    """Cohorts by month; other groups by MQL entries (most first), then name; "(none)" last."""
    if group_by == "cohort":
        return lambda tally: (tally.name == NONE, tally.name)
    return lambda tally: (tally.name == NONE, -tally.entered[Stage.MQL], -tally.contacts, tally.name)
