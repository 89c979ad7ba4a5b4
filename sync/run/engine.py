"""One sync run for one portal (the data flow of docs/architecture.md, "A run").

1. Read the sweep positions. 2. Stream web events since the last run into the activity store. 3. Pull changed
contacts page by page; for each page fetch the activities of contacts whose activity marker moved, evaluate,
diff against what the CRM holds, and write only real changes in batches. 4. Evaluate contacts that only got new
web events. Each page commits in one transaction (decisions first, then the write's outcome together with the
position), so a crash replays at most one page, and a replay is idempotent because of the diff.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from leadstage.connectors.base import (
    COMPANY_ID,
    CompanyPage,
    Connector,
    ConnectorError,
    QuotaExhausted,
    RecordFailure,
    SweepKind,
    SweepPosition,
    Update,
    describe,
)
from leadstage.mapping.evaluate import Evaluation, QualificationModel, evaluate
from leadstage.mapping.model import Activity, Contact, Transition
from leadstage.mapping.stages import UnknownSignal
from leadstage.mapping.validate import problems
from leadstage.sync.run.companies import CompanyRows, attach_companies, with_company
from leadstage.sync.run.diff import diff
from leadstage.sync.run.failpoints import failpoint
from leadstage.sync.run.types import (
    BACKFILL_STREAM,
    COMPANIES_STREAM,
    CONTACTS_STREAM,
    DIRTY_BATCH,
    ENGAGEMENTS_SETTLE,
    EVENTS_STREAM,
    RESCORE_BATCH,
    SCORE_RESOLUTION,
    RunCounts,
    RunOptions,
    RunSummary,
    scoring_time,
)
from leadstage.sync.state import CRASHED, DeadLetter, StateStore, StoredContact

log = logging.getLogger(__name__)


class SyncRun:
    """Runs one sync of one portal: construct, then ``execute()``."""

    def __init__(
        self,
        portal: str,
        model: QualificationModel,
        connector: Connector,
        store: StateStore,
        now: Callable[[], datetime],
        options: RunOptions | None = None,
        on_page: Callable[[RunCounts], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_planned: Callable[[Update], None] | None = None,
        may_write: Callable[[], bool] | None = None,
        holder: str | None = None,
    ) -> None:
        """``should_stop`` is asked after every page (a stop signal, a lost lease); ``may_write`` before every write
        to the CRM (the portal's lease is still ours); ``holder`` names the process in the runs table."""
        self.portal = portal
        self.model = model
        self.connector = connector
        self.store = store
        self.now = now
        self.options = options or RunOptions()
        self.counts = RunCounts()
        self.run_id = 0
        self._on_page = on_page
        self._should_stop = should_stop or (lambda: False)
        self._on_planned = on_planned
        self._may_write = may_write or (lambda: True)
        self._holder = holder
        self.lease_lost = False
        self._dry_stream: dict[str, list[Activity]] = defaultdict(list)
        # Companies modified since the last run, read at its start (see _read_changed_companies).
        self._company_pages: list[CompanyPage] = []
        self._fresh_companies: dict[str, Mapping[str, str]] = {}
        self.stopped = False
        self._planned: list[dict[str, Any]] = []
        self._pending: list[Update] = []
        self._pending_position: SweepPosition | None = None
        self._calls_at_start = 0

    def execute(self) -> RunSummary:
        """Run to the end (or to a stop request); a run that crashes is recorded as crashed, then re-raised."""
        started = self.now()
        kind = self.options.kind
        self.run_id = self.store.start_run(self.portal, kind, started, self._holder)
        failpoint("run_started")
        self._calls_at_start = self.connector.api_calls()
        limited_at_start = self.connector.rate_limited()
        status, error, quota = "ok", None, False
        try:
            self._work()
        except ConnectorError as failure:
            status, error, quota = "failed", str(failure), isinstance(failure, QuotaExhausted)
            log.error("run %d for portal %s stopped: %s", self.run_id, self.portal, failure)
        except Exception as crash:
            self._record_crash(crash)
            raise
        if status == "ok" and self.counts.failed:
            status = "partial"
        if status == "ok" and self.stopped:
            status = "stopped"
        if self.lease_lost and error is None:
            error = "the portal's lease was taken over by another worker: the page in hand was not written"
        self.counts.api_calls = self.connector.api_calls() - self._calls_at_start
        self.counts.rate_limited = self.connector.rate_limited() - limited_at_start
        ended = self.now()
        failpoint("before_finish")
        self.store.finish_run(self.run_id, status, self.counts.as_dict(), ended, error)
        return RunSummary(
            self.run_id, self.portal, kind, status, self.counts, started, ended, error, self._planned, quota
        )

    def _work(self) -> None:
        if self.options.rescore:
            self._rescore_stored()
        elif self.options.replay:
            self._read_and_evaluate(list(self.options.replay))
        else:
            self._ingest_events()
            # The companies changed since the last run are read first, so the contacts swept next are evaluated
            # with their new values; their other contacts are evaluated last, from the state store.
            if not self.stopped and self.options.backfill is None:
                self._read_changed_companies()
            if not self.stopped:
                self._sweep_contacts()
            if not self.stopped:
                self._evaluate_dirty()
            if not self.stopped and self.options.backfill is None:
                self._evaluate_company_changes()

    def _record_crash(self, crash: Exception) -> None:
        """A bug or a lost state store: record the run as crashed (if the store still answers), with why."""
        try:
            self.counts.api_calls = self.connector.api_calls() - self._calls_at_start
            self.store.finish_run(self.run_id, CRASHED, self.counts.as_dict(), self.now(), describe(crash))
        except Exception:
            log.exception("run %d for portal %s: could not record the crash", self.run_id, self.portal)

    # -- positions ------------------------------------------------------------------------------------------
    def _next_position(self, stream: str, full: bool) -> SweepPosition:
        now = self.now()
        stored = self.store.load_position(self.portal, stream)
        if stored is not None and not stored.done and (stored.kind is SweepKind.FULL or not full):
            return stored  # resume the interrupted sweep exactly where it stopped
        if stream == EVENTS_STREAM:
            since = now - self.options.first_run_lookback if stored is None else stored.until - self.options.overlap
            return SweepPosition(SweepKind.INCREMENTAL, until=now, since=since)
        if full or stored is None:
            return SweepPosition(SweepKind.FULL, until=now)
        return SweepPosition(SweepKind.INCREMENTAL, until=now, since=stored.until - self.options.overlap)

    # -- web events -----------------------------------------------------------------------------------------
    def _ingest_events(self) -> None:
        position = self._next_position(EVENTS_STREAM, full=False)
        for page in self.connector.pull_activity_stream(position):
            self.counts.events += len(page.activities)
            if self.options.dry_run:
                # Nothing is stored in a dry run; keep the events at hand so it evaluates as a real run would.
                for activity in page.activities:
                    self._dry_stream[activity.contact_id].append(activity)
            else:
                with self.store.transaction() as conn:
                    self.store.add_activities(conn, self.portal, page.activities, "stream", self.run_id)
                    self.store.save_position(conn, self.portal, EVENTS_STREAM, page.position, self.now())
                failpoint("events_committed")
            self._report()
            if self._stop_requested():
                return

    # -- contacts -------------------------------------------------------------------------------------------
    def _sweep_contacts(self) -> None:
        position = self.options.backfill or self._next_position(CONTACTS_STREAM, full=self.options.full)
        log.info("portal %s: %s sweep from %s", self.portal, position.kind.value, position.since or "the start")
        for page in self.connector.pull_contacts(position):
            contacts, rejected, at = page.contacts, page.rejected, page.position
            limit = self.options.limit
            if limit is not None and at is not None and at.kind is SweepKind.INCREMENTAL:
                room = limit - self.counts.pulled
                if len(contacts) + len(rejected) > room:
                    # Keyset paging by id lets the position stop right after the last contact taken.
                    contacts, rejected = contacts[: max(room, 0)], ()
                    at = replace(at, after=contacts[-1].id if contacts else position.after, done=False)
                    self.stopped = True
            self._process_read(contacts, rejected, at, deleted=page.deleted_ids)
            if self._stop_requested():
                break
        self._flush()

    def _process_read(
        self,
        contacts: Sequence[Contact],
        rejected: Sequence[RecordFailure],
        position: SweepPosition | None,
        deleted: Sequence[str] = (),
    ) -> None:
        """A page read from the CRM: the contacts get their companies' fields, then the page is processed."""
        joined = attach_companies(self.portal, contacts, self.connector, self.store, self._fresh_companies)
        failures = [*rejected, *joined.failures]
        self._process(joined.contacts, failures, position, deleted=deleted, companies=joined.companies)

    # -- companies ------------------------------------------------------------------------------------------
    def _read_changed_companies(self) -> None:
        """Read the companies modified since the last run (their new values serve every contact evaluated from
        now on). The first run only notes where to start: it reads every company it meets anyway."""
        stored = self.store.load_position(self.portal, COMPANIES_STREAM)
        now = self.now()
        if stored is None:
            if not self.options.dry_run:
                with self.store.transaction() as conn:
                    start = SweepPosition(SweepKind.INCREMENTAL, until=now, since=now, done=True)
                    self.store.save_position(conn, self.portal, COMPANIES_STREAM, start, now)
            return
        position = stored if not stored.done else self._next_position(COMPANIES_STREAM, full=False)
        self._company_pages = list(self.connector.pull_companies(position))
        for page in self._company_pages:
            self._fresh_companies.update(page.companies)

    def _evaluate_company_changes(self) -> None:
        """The contacts of the changed companies that this run has not evaluated yet: again, from the state store,
        with the company's new values. The companies and their position are committed once that is done, so a
        crash before it reads them again."""
        now = self.now()
        for page in self._company_pages:
            ids = [*page.companies, *page.unreadable]
            members = self.store.load_contacts(self.portal, self.store.contacts_of_companies(self.portal, ids))
            contacts: list[Contact] = []
            failures: list[RecordFailure] = []
            for member in members.values():
                if member.last_run_id == self.run_id:
                    continue  # evaluated by this run already, with the new values
                company_id = str(member.fields.get(COMPANY_ID))
                if company_id in page.unreadable:
                    reason = f"its company {company_id} cannot be read: {page.unreadable[company_id]}"
                    failures.append(RecordFailure(member.contact_id, reason))
                else:
                    contacts.append(with_company(member.as_contact(now), page.companies[company_id]))
            self._process(contacts, failures, None, fetch=False, companies=dict(page.companies))
            self._flush()
            if not self.options.dry_run:
                with self.store.transaction() as conn:
                    self.store.save_position(conn, self.portal, COMPANIES_STREAM, page.position, self.now())
            if self._stop_requested():
                return

    def _rescore_stored(self) -> None:
        """Evaluate every stored contact again from the state store alone: no reads from the CRM.

        Decay and the hand-over SLA change results with time; the stored fields and activities are what the
        last sync saw, and the values we last wrote stand for what the CRM holds.
        """
        for batch in self.store.iter_contacts(self.portal, batch=RESCORE_BATCH):
            contacts = [stored.as_contact(self.now()) for stored in batch]
            self._process(contacts, (), None, fetch=False)
            if self._stop_requested():
                break
        self._flush()

    def _evaluate_dirty(self) -> None:
        if self.options.dry_run:
            return
        self._read_and_evaluate(self.store.contacts_with_new_activity(self.portal, self.run_id))

    def _read_and_evaluate(self, ids: Sequence[str]) -> None:
        """Read these contacts from the CRM in batches and evaluate them (no sweep position moves)."""
        for start in range(0, len(ids), DIRTY_BATCH):
            page = self.connector.read_contacts(ids[start : start + DIRTY_BATCH])
            self._process_read(page.contacts, page.rejected, None)
            if self._stop_requested():
                break
        self._flush()

    def _process(
        self,
        contacts: Sequence[Contact],
        rejected: Sequence[RecordFailure],
        position: SweepPosition | None,
        fetch: bool = True,
        deleted: Sequence[str] = (),
        companies: CompanyRows | None = None,
    ) -> None:
        """Evaluate one page, write its real changes, and commit it (see the module docstring); ``companies`` are
        the companies read with it, remembered in the same transaction."""
        now = self.now()
        letters = [DeadLetter(f.contact_id, "read", f.reason, {}, f.retryable) for f in rejected]
        self.counts.pulled += len(contacts) + len(rejected)
        self.counts.failed += len(rejected)
        stored = self.store.load_contacts(self.portal, [c.id for c in contacts])
        fresh = self._drop_duplicates(contacts, stored)
        refresh = [c.id for c in fresh if fetch and _activities_changed(c, stored.get(c.id))]
        by_contact, fetched = self._stored_and_fetched([c.id for c in fresh], refresh, now)
        self.counts.activities += len(fetched)
        activities = self._activities_for(fresh, by_contact, fetched)

        records: list[StoredContact] = []
        updates: list[Update] = []
        transitions: list[Transition] = []
        for contact in fresh:
            decided = self._decide(contact, stored.get(contact.id), activities.get(contact.id, ()), now)
            if isinstance(decided, DeadLetter):
                letters.append(decided)
                self.counts.failed += 1
                continue
            update, record, evaluation = decided
            self.counts.evaluated += 1
            records.append(record)
            transitions.extend(evaluation.decision.transitions)
            if update is None:
                self.counts.unchanged += 1
            else:
                updates.append(update)

        if self.options.dry_run:
            for update in updates:
                if self._on_planned is not None:
                    self._on_planned(update)
                else:
                    self._planned.append({"contact_id": update.contact_id, "values": dict(update.values)})
            self.counts.updated += len(updates)
            self._report()
            return

        with self.store.transaction() as conn:
            self.store.replace_engagements(conn, self.portal, refresh, fetched, self.run_id)
            self.store.save_contacts(conn, self.portal, records, self.run_id, now)
            self.store.add_transitions(conn, self.portal, transitions, self.run_id)
            self.store.add_dead_letters(conn, self.portal, letters, self.run_id, now)
            self.store.forget_contacts(conn, self.portal, deleted)
            if companies:
                self.store.save_companies(conn, self.portal, companies, self.run_id, now)
            if not updates and not self._pending and position is not None:
                self.store.save_position(conn, self.portal, self.options.stream, position, now)
        self.counts.transitions += len(transitions)
        self.counts.deleted += len(deleted)
        failpoint("after_decisions")
        self._pending.extend(updates)
        if self._pending and position is not None:
            self._pending_position = position
        if len(self._pending) >= self.connector.write_batch:
            self._flush()
        self._report()

    def _decide(
        self, contact: Contact, previous: StoredContact | None, activities: Sequence[Activity], now: datetime
    ) -> tuple[Update | None, StoredContact, Evaluation] | DeadLetter:
        """Validate, evaluate and diff one contact; whatever goes wrong with it becomes its dead letter.

        One record's trouble (a value no rule expected, a bug) never stops the page: only the CRM or the state
        store failing as a whole fails a run.
        """
        phase = "validate"
        try:
            invalid = problems(contact, self.model.validation)
            if invalid:
                return DeadLetter(contact.id, phase, "; ".join(invalid), {"fields": dict(contact.fields)})
            phase = "evaluate"
            previous_stage = previous.stage if previous else None
            evaluation = evaluate(contact, activities, previous_stage, self.model, now, scoring_time(now))
            phase = "diff"
            update, record = diff(contact, previous, evaluation, self.model.promotion)
        except UnknownSignal as problem:
            return DeadLetter(contact.id, phase, str(problem), {"fields": dict(contact.fields)})
        except Exception as error:
            log.warning("contact %s: %s failed: %s", contact.id, phase, describe(error), exc_info=error)
            reason = f"{phase} failed: {describe(error)}"
            return DeadLetter(contact.id, phase, reason, {"fields": dict(contact.fields)})
        return update, record, evaluation

    def _flush(self) -> None:
        """Write the updates gathered so far, then commit their outcome with the position they lead up to.

        HubSpot flushes every page; Salesforce gathers pages up to its Bulk API threshold, so a backfill writes
        through one ingest job per threshold's worth of records instead of many collection calls.
        """
        if self._pending:
            updates, position = self._pending, self._pending_position
            self._pending, self._pending_position = [], None
            self._write(updates, position)

    def _stored_and_fetched(
        self, ids: list[str], refresh: list[str], now: datetime
    ) -> tuple[dict[str, list[Activity]], list[Activity]]:
        """The page's stored activities (without the engagements of ``refresh``), and ``refresh``'s engagements
        fetched from the CRM.

        The two overlap: the state store is read in a thread of its own while the fetch waits on the CRM (and on
        the rate limit), so a page's database reading costs no time at the rate limit.
        """
        if not refresh:
            return self.store.load_activities(self.portal, ids), []
        settled = now - ENGAGEMENTS_SETTLE
        reuse = [a for a in self.store.load_engagements(self.portal, refresh) if a.occurred_at < settled]
        if not self.store.reads_in_threads:
            fetched = self.connector.fetch_activities(refresh, reuse)
            return self.store.load_activities(self.portal, ids, set(refresh)), fetched
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadstage-load") as pool:
            stored = pool.submit(self.store.load_activities, self.portal, ids, set(refresh))
            fetched = self.connector.fetch_activities(refresh, reuse)
            return stored.result(), fetched

    def _drop_duplicates(self, contacts: Sequence[Contact], stored: Mapping[str, StoredContact]) -> list[Contact]:
        """Drop records seen twice: in this page, or already evaluated by this run at the same version."""
        fresh: list[Contact] = []
        seen: set[str] = set()
        for contact in contacts:
            previous = stored.get(contact.id)
            again = (
                previous is not None
                and previous.last_run_id == self.run_id
                and previous.crm_updated_at is not None
                and contact.updated_at <= previous.crm_updated_at
            )
            if contact.id in seen or again:
                self.counts.duplicates += 1
                continue
            seen.add(contact.id)
            fresh.append(contact)
        return fresh

    def _activities_for(
        self, contacts: Sequence[Contact], by_contact: dict[str, list[Activity]], fetched: Iterable[Activity]
    ) -> dict[str, list[Activity]]:
        """The activities to evaluate each contact with: stored ones (``by_contact``, without the engagements of
        contacts fetched again), and the just-fetched ones in their place.

        An activity can arrive both ways (a stream page and a fetch); it counts once, as the state store will
        keep it once.
        """
        fresh: dict[str, dict[str, Activity]] = defaultdict(dict)
        for contact in contacts:
            for activity in self._dry_stream.get(contact.id, ()):
                fresh[contact.id][activity.id] = activity
        for activity in fetched:
            fresh[activity.contact_id][activity.id] = activity
        for contact_id, items in fresh.items():
            kept = [a for a in by_contact.get(contact_id, ()) if a.id not in items]
            by_contact[contact_id] = kept + list(items.values())
        return by_contact

    def _write(self, updates: Sequence[Update], position: SweepPosition | None) -> None:
        if not self._may_write():
            # Another worker holds the portal now: write nothing more. The decisions are committed and the position
            # not moved, so whoever works the portal next writes what these updates carried.
            self.lease_lost = self.stopped = True
            return
        failpoint("before_write")
        result = self.connector.write(updates)
        failpoint("after_write")
        by_id = {u.contact_id: u for u in updates}
        now = self.now()
        letters = [
            DeadLetter(
                f.contact_id,
                "write",
                f.reason,
                {
                    "values": dict(by_id[f.contact_id].values) if f.contact_id in by_id else {},
                    "clear_first": sorted(by_id[f.contact_id].clear_first) if f.contact_id in by_id else [],
                },
                f.retryable,
            )
            for f in result.failures
        ]
        written = {cid: (by_id[cid].values, at) for cid, at in result.written.items() if cid in by_id}
        with self.store.transaction() as conn:
            self.store.mark_written(conn, self.portal, written, now)
            self.store.add_dead_letters(conn, self.portal, letters, self.run_id, now)
            if position is not None:
                self.store.save_position(conn, self.portal, self.options.stream, position, now)
        failpoint("outcome_committed")
        self.counts.updated += len(written)
        self.counts.failed += len(letters)
        for letter in letters:
            log.warning("contact %s not written: %s", letter.contact_id, letter.reason)

    def _stop_requested(self) -> bool:
        """Asked to stop (SIGTERM in the daemon): the page in hand is done and committed; stop cleanly."""
        if self.stopped or self._should_stop():
            self.stopped = True
        return self.stopped

    def _report(self) -> None:
        if self._on_page is not None:
            self.counts.api_calls = self.connector.api_calls() - self._calls_at_start
            self._on_page(self.counts)


def _activities_changed(contact: Contact, previous: StoredContact | None) -> bool:
    return previous is None or contact.activity_marker is None or contact.activity_marker != previous.activity_marker


__all__ = [
    "BACKFILL_STREAM",
    "CONTACTS_STREAM",
    "EVENTS_STREAM",
    "SCORE_RESOLUTION",
    "RunCounts",
    "RunOptions",
    "RunSummary",
    "SyncRun",
    "scoring_time",
]
