"""The Salesforce connector: Leads or Contacts, their Tasks, Events and campaign responses, over simple-salesforce.

Reads are keyset-paged SOQL (``Id > last ORDER BY Id``, see ``paging``); an incremental sweep adds ``SystemModstamp`` in
``[since, until)`` and asks queryAll for the records deleted in that window. Activities are fetched for a page of
new contacts with IN lists of 200 ids, and kept current afterwards by a stream of Tasks, Events and campaign
members changed since the last run. Writes go through sObject Collections, 200 records a call, allOrNone false;
a converted lead is written through its Contact; UNABLE_TO_LOCK_ROW is retried.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from simple_salesforce import Salesforce

from leadstage.connectors.base import (
    CheckReport,
    ContactPage,
    OutputField,
    RecordError,
    RecordFailure,
    SetupReport,
    SweepKind,
    SweepPosition,
    Update,
    WriteResult,
    chunked,
    describe,
    output_fields,
    record_id_of,
    unreadable,
)
from leadstage.connectors.salesforce import soql
from leadstage.connectors.salesforce.activities import SalesforceActivities
from leadstage.connectors.salesforce.bulk import BulkJobs
from leadstage.connectors.salesforce.client import SalesforceCalls
from leadstage.connectors.salesforce.companies import SalesforceCompanies
from leadstage.connectors.salesforce.convert import text_value, to_contact, typed_value
from leadstage.connectors.salesforce.paging import BulkCursor, Keyset, all_records
from leadstage.connectors.salesforce.settings import (
    ACCOUNT_OBJECT,
    ACCOUNT_RELATIONSHIP,
    COLLECTION_LIMIT,
    IN_LIST_CHUNK,
    LOCK_RETRIES,
    SalesforceSettings,
    custom_field_name,
)
from leadstage.mapping.model import Contact

log = logging.getLogger(__name__)

Json = dict[str, Any]
_FIELD_TYPES = {
    "number": "Number(18, 0)",
    "enumeration": "Text(20)",
    "datetime": "Date/Time",
    "bool": "Checkbox",
    "string": "Text Area(500)",
}


class SalesforceConnector(SalesforceActivities, SalesforceCompanies):
    """Connector for one Salesforce org (see connectors.base.Connector)."""

    crm = "salesforce"
    # A Lead carries its company's fields itself; a Contact's Account fields come in the same query.
    companies_with_contacts = True

    def __init__(
        self,
        settings: SalesforceSettings,
        calls: SalesforceCalls,
        now: Callable[[], datetime],
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
    ) -> None:
        self.settings = settings
        self._calls = calls
        self._now = now
        self._sleep = sleep
        self.bulk = BulkJobs(calls, sleep, monotonic)
        # Gather updates up to the Bulk API threshold: a large run then writes through ingest jobs.
        self.write_batch = settings.bulk_threshold
        self.outputs = output_fields(lambda name: custom_field_name(settings.field_prefix, name))
        self.output_map = {f.name: f.crm_name for f in self.outputs}
        self.write_map = {**{name: sf for sf, name in settings.field_map.items()}, **self.output_map}
        extra = ["Id", "SystemModstamp", "CreatedDate"]
        if settings.object_name == "Lead":
            extra.append("ConvertedContactId")
        dated = [name for names in settings.stage_dates.values() for name in names]
        self.via_account = settings.object_name == "Contact"
        company = [f"{ACCOUNT_RELATIONSHIP}.{name}" for name in settings.company_fields] if self.via_account else []
        if not self.via_account:
            company = list(settings.company_fields)
        self.read_fields = sorted({*settings.field_map, *self.output_map.values(), *extra, *dated, *company})

    # -- the query helpers ----------------------------------------------------------------------------------
    def _query(self, statement: str, include_deleted: bool = False) -> list[Json]:
        """Every record a SOQL statement returns, following nextRecordsUrl page by page (each page retried)."""
        endpoint = "query_all" if include_deleted else "query"
        first = self._calls.request(endpoint, lambda sf: sf.query(statement, include_deleted=include_deleted))

        def more(url: str) -> Json:
            answer: Json = self._calls.request(
                "query_more", lambda sf: sf.query_more(url, identifier_is_url=True, include_deleted=include_deleted)
            )
            return answer

        return all_records(first, more)

    def _window(self, position: SweepPosition) -> list[str]:
        conditions = [f"SystemModstamp < {soql.datetime_literal(position.until)}"]
        if position.since is not None:
            conditions.insert(0, f"SystemModstamp >= {soql.datetime_literal(position.since)}")
        return conditions

    # -- checks and setup -----------------------------------------------------------------------------------
    def _describe(self, object_name: str) -> dict[str, Json]:
        described = self._calls.request("describe", lambda sf: getattr(sf, object_name).describe())
        return {f["name"]: f for f in described.get("fields", [])}

    def _targets(self) -> list[str]:
        # Converted leads are written through their Contact: it needs the fields too.
        return ["Lead", "Contact"] if self.settings.object_name == "Lead" else [self.settings.object_name]

    def check(self) -> CheckReport:
        missing: list[OutputField] = []
        notes: list[str] = []
        absent: list[str] = []
        for object_name in self._targets():
            present = self._describe(object_name)
            for output in self.outputs:
                if output.crm_name not in present:
                    missing.append(output)
                    notes.append(f"{object_name}.{output.crm_name} is missing")
            if object_name == self.settings.object_name:
                # A field the query names that the object lacks fails every query: list them all.
                outputs = set(self.output_map.values())
                own = [name for name in self.read_fields if "." not in name]
                absent = [name for name in own if name not in present and name not in outputs]
                if self.via_account:
                    account = self._describe(ACCOUNT_OBJECT)
                    absent += [f"Account.{name}" for name in self.settings.company_fields if name not in account]
        signals: dict[str, list[str]] = {}
        if self.settings.object_name == "Lead":
            statuses = self._query("SELECT ApiName, IsConverted, IsDefault FROM LeadStatus")
            signals["lead_status"] = [str(row.get("ApiName")) for row in statuses]
            converted = [str(row.get("ApiName")) for row in statuses if row.get("IsConverted")]
            notes.append(f"converted lead statuses: {', '.join(converted) or 'none'}")
        unique = list({f.crm_name: f for f in missing}.values())
        return CheckReport(
            reachable=True, missing_fields=unique, notes=notes, signal_values=signals, missing_inputs=absent
        )

    def setup(self, dry_run: bool = False) -> SetupReport:
        """Custom fields are created by an admin (Setup or the Metadata API); this lists exactly which."""
        existing: list[str] = []
        instructions: list[str] = []
        for object_name in self._targets():
            present = self._describe(object_name)
            for output in self.outputs:
                if output.crm_name in present:
                    existing.append(f"{object_name}.{output.crm_name}")
                else:
                    instructions.append(
                        f"Setup > Object Manager > {object_name} > Fields & Relationships > New: "
                        f"{_FIELD_TYPES[output.kind]}, label {output.label!r}, API name {output.crm_name}; "
                        "then grant the integration user edit access (field-level security)"
                    )
        return SetupReport(created=[], existing=existing, instructions=instructions)

    # -- contacts -------------------------------------------------------------------------------------------
    def pull_contacts(self, position: SweepPosition) -> Iterator[ContactPage]:
        if position.kind is SweepKind.FULL and self._bulk_read(position):
            yield from self._pull_bulk(position)
            return
        window = self._window(position) if position.kind is SweepKind.INCREMENTAL else []
        pages = Keyset(position.after)
        limit = self.settings.page_limit
        while not pages.done:
            where = " AND ".join([*window, *pages.condition()])
            records = self._query(soql.select(self.read_fields, self.settings.object_name, where, "Id", limit))
            pages.advance(records, limit)
            contacts, rejected = self._convert(records)
            incremental_end = pages.done and position.kind is SweepKind.INCREMENTAL
            deleted: list[str] = self._deleted(position) if incremental_end else []
            yield ContactPage(
                contacts=contacts,
                position=SweepPosition(position.kind, position.until, position.since, pages.after, pages.done),
                rejected=rejected,
                deleted_ids=deleted,
            )

    def count_contacts(self, position: SweepPosition) -> int | None:
        conditions = self._window(position) if position.kind is SweepKind.INCREMENTAL else []
        if BulkCursor.from_position(position.after) is None:
            conditions.extend(Keyset(position.after).condition())
        statement = f"SELECT COUNT() FROM {soql.field_name(self.settings.object_name)}"
        if conditions:
            statement += " WHERE " + " AND ".join(conditions)
        result = self._calls.request("query", lambda sf: sf.query(statement))
        return int(result.get("totalSize", 0))

    def _bulk_read(self, position: SweepPosition) -> bool:
        """A full sweep of an object above the bulk threshold reads through a Bulk API 2.0 query job."""
        if position.after is not None:
            return BulkCursor.from_position(position.after) is not None
        count = self._calls.request(
            "query", lambda sf: sf.query(f"SELECT COUNT() FROM {soql.field_name(self.settings.object_name)}")
        )
        return int(count.get("totalSize", 0)) >= self.settings.bulk_threshold

    def _pull_bulk(self, position: SweepPosition) -> Iterator[ContactPage]:
        resumed = BulkCursor.from_position(position.after)
        job_id, locator = (resumed.job_id, resumed.locator) if resumed else (None, "")
        statement = soql.select(self.read_fields, self.settings.object_name)
        for records, job, next_locator in self.bulk.query(self.settings.object_name, statement, job_id, locator):
            contacts, rejected = self._convert(records)
            done = not next_locator
            after = None if done else BulkCursor(job, next_locator).position()
            yield ContactPage(
                contacts, SweepPosition(position.kind, position.until, position.since, after, done), rejected
            )

    def _deleted(self, position: SweepPosition) -> list[str]:
        statement = soql.select(
            ["Id"], self.settings.object_name, " AND ".join(["IsDeleted = true", *self._window(position)])
        )
        return [str(row["Id"]) for row in self._query(statement, include_deleted=True)]

    def read_contacts(self, ids: Sequence[str]) -> ContactPage:
        contacts: list[Contact] = []
        rejected: list[RecordFailure] = []
        valid = [i for i in ids if soql.ID_PATTERN.match(i)]
        for chunk in chunked(valid, IN_LIST_CHUNK):
            statement = soql.select(self.read_fields, self.settings.object_name, f"Id IN {soql.id_list(chunk)}")
            found, bad = self._convert(self._query(statement))
            contacts.extend(found)
            rejected.extend(bad)
        seen = {c.id for c in contacts} | {f.contact_id for f in rejected}
        return ContactPage(contacts, None, rejected, missing_ids=[i for i in ids if i not in seen])

    def _convert(self, records: Sequence[Json]) -> tuple[list[Contact], list[RecordFailure]]:
        contacts: list[Contact] = []
        rejected: list[RecordFailure] = []
        for record in records:
            try:
                contacts.append(
                    to_contact(
                        record,
                        self.settings.field_map,
                        self.output_map,
                        self.settings.stage_dates,
                        self.settings.company_fields,
                        self.via_account,
                    )
                )
            except RecordError as error:
                rejected.append(RecordFailure(error.record_id, error.reason))
            except Exception as error:  # whatever else is wrong with one record fails that record alone
                rejected.append(unreadable(record_id_of(record, "Id"), error))
        return self._with_contact_outputs(contacts), rejected

    def _with_contact_outputs(self, contacts: list[Contact]) -> list[Contact]:
        """Converted leads are written through their Contact, so what the CRM holds is on the Contact."""
        converted = {c.fields["converted_contact_id"]: c.id for c in contacts if c.get("converted_contact_id")}
        if not converted:
            return contacts
        held: dict[str, dict[str, str]] = {}
        fields = ["Id", *self.output_map.values()]
        for chunk in chunked(sorted(converted), IN_LIST_CHUNK):
            for record in self._query(soql.select(fields, "Contact", f"Id IN {soql.id_list(chunk)}")):
                values = {name: text_value(record.get(sf)) for name, sf in self.output_map.items()}
                held[converted[str(record["Id"])]] = {k: v for k, v in values.items() if v is not None}
        return [dataclasses.replace(c, written=held[c.id]) if c.id in held else c for c in contacts]

    # -- writes ---------------------------------------------------------------------------------------------
    def write(self, updates: Sequence[Update]) -> WriteResult:
        updates, unwritable = self._writable(updates)
        if len(updates) >= self.settings.bulk_threshold:
            result = self._write_bulk(updates)
            return WriteResult(result.written, [*unwritable, *result.failures])
        written: dict[str, datetime | None] = {}
        failures: list[RecordFailure] = list(unwritable)
        for chunk in chunked(list(updates), COLLECTION_LIMIT):
            ok, bad, converted = self._write_records(self.settings.object_name, {u.contact_id: u for u in chunk})
            written.update(ok)
            failures.extend(bad)
            if converted:
                ok, bad = self._write_converted(converted)
                written.update(ok)
                failures.extend(bad)
        return WriteResult(written=written, failures=failures)

    def _write_bulk(self, updates: Sequence[Update]) -> WriteResult:
        """One ingest job; converted leads and locked rows are then written through sObject Collections."""
        by_id = {u.contact_id: u for u in updates}
        rows = [{k: v for k, v in self._payload("", u.contact_id, u).items() if k != "attributes"} for u in updates]
        for row in rows:
            row["Id"] = row.pop("id")
        ok_ids, failed = self.bulk.update(self.settings.object_name, rows)
        now = self._now()
        written: dict[str, datetime | None] = {record_id: now for record_id in ok_ids}
        failures: list[RecordFailure] = []
        again: list[Update] = []
        for record_id, error in failed:
            code = error.split(":", 1)[0]
            if code in ("CANNOT_UPDATE_CONVERTED_LEAD", "UNABLE_TO_LOCK_ROW") and record_id in by_id:
                again.append(by_id[record_id])
            else:
                failures.append(RecordFailure(record_id, error))
        if again:
            retried = self.write(again)
            written.update(retried.written)
            failures.extend(retried.failures)
        return WriteResult(written=written, failures=failures)

    def _writable(self, updates: Sequence[Update]) -> tuple[list[Update], list[RecordFailure]]:
        """The updates that can be put into Salesforce's shape; one that cannot fails alone."""
        ready: list[Update] = []
        failures: list[RecordFailure] = []
        for update in updates:
            try:
                self._payload(self.settings.object_name, update.contact_id, update)
            except Exception as error:
                failures.append(RecordFailure(update.contact_id, f"cannot be written: {describe(error)}"))
                continue
            ready.append(update)
        return ready, failures

    def _payload(self, object_name: str, record_id: str, update: Update) -> Json:
        record: Json = {"attributes": {"type": object_name}, "id": record_id}
        for name, value in update.values.items():
            record[self.write_map[name]] = typed_value(name, value)
        return record

    def _write_records(
        self, object_name: str, updates: Mapping[str, Update], targets: Mapping[str, str] | None = None
    ) -> tuple[dict[str, datetime | None], list[RecordFailure], list[Update]]:
        """Write one collection (``targets`` maps our contact id to the record written, for converted leads)."""
        pending = dict(updates)
        ok: dict[str, datetime | None] = {}
        failures: list[RecordFailure] = []
        converted: list[Update] = []
        for attempt in range(LOCK_RETRIES + 1):
            ids = list(pending)
            body = {
                "allOrNone": False,
                "records": [self._payload(object_name, (targets or {}).get(i, i), pending[i]) for i in ids],
            }

            def patch(sf: Salesforce, payload: Json = body) -> Any:
                return sf.restful("composite/sobjects", method="PATCH", json=payload)

            results = self._calls.request("collections", patch)
            locked: dict[str, Update] = {}
            now = self._now()
            for contact_id, result in zip(ids, results, strict=True):
                if result.get("success"):
                    ok[contact_id] = now
                    continue
                errors = result.get("errors") or [{}]
                code = str(errors[0].get("statusCode") or "")
                if code == "UNABLE_TO_LOCK_ROW" and attempt < LOCK_RETRIES:
                    locked[contact_id] = pending[contact_id]
                elif code == "CANNOT_UPDATE_CONVERTED_LEAD" and targets is None:
                    converted.append(pending[contact_id])
                else:
                    message = "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in errors)
                    failures.append(RecordFailure(contact_id, message, retryable=code == "UNABLE_TO_LOCK_ROW"))
            if not locked:
                break
            self._sleep(0.5 * (attempt + 1))  # the row lock is usually released within a second
            pending = locked
        return ok, failures, converted

    def _write_converted(self, updates: Sequence[Update]) -> tuple[dict[str, datetime | None], list[RecordFailure]]:
        """Converted leads are read-only: write the same fields to the Contact each was converted into."""
        statement = soql.select(
            ["Id", "ConvertedContactId"], "Lead", f"Id IN {soql.id_list([u.contact_id for u in updates])}"
        )
        targets = {
            str(r["Id"]): str(r["ConvertedContactId"]) for r in self._query(statement) if r.get("ConvertedContactId")
        }
        failures = [
            RecordFailure(u.contact_id, "the lead is converted but names no contact")
            for u in updates
            if u.contact_id not in targets
        ]
        ok, bad, _ = self._write_records(
            "Contact", {u.contact_id: u for u in updates if u.contact_id in targets}, targets
        )
        return ok, failures + bad

    def api_calls(self) -> int:
        return self._calls.total_calls()

    def rate_limited(self) -> int:
        return self._calls.rate_limited

    def close(self) -> None:
        self._calls.session.close()
