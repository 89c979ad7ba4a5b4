"""The HubSpot connector: contacts, their activities and our properties, over hubspot-api-client.

Reads: a full sweep walks the list endpoint; an incremental sweep searches ``lastmodifieddate`` in
``[since, until)``, keyset-paged by id (see ``paging``), so it never meets the 10,000-result cap and never skips
records that leave the window while it runs (our own writes move them out). Activities come in batches:
associations v4 for a page of contacts, then batch reads of the activity objects. Writes go in batches of 100;
a 207 names the records that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput, PublicObjectSearchRequest

from leadstage.connectors.base import (
    ActivityPage,
    CheckReport,
    CompanyFields,
    CompanyPage,
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
from leadstage.connectors.hubspot import settings as hs
from leadstage.connectors.hubspot.client import HubSpotCalls, HubSpotRequestError, Json
from leadstage.connectors.hubspot.companies import Companies
from leadstage.connectors.hubspot.convert import (
    epoch_ms,
    format_time,
    merged_ids,
    parse_time,
    to_contact,
    to_engagement,
    to_web_event,
)
from leadstage.connectors.hubspot.paging import Cursor, Keyset, next_cursor
from leadstage.mapping.model import Activity, Contact

log = logging.getLogger(__name__)


class HubSpotConnector:
    """Connector for one HubSpot portal (see connectors.base.Connector)."""

    crm = "hubspot"
    write_batch = 1  # batch updates take 100 records: every page is written as it comes
    companies_with_contacts = False  # read apart, in batches, only those the state store lacks (companies.py)

    def __init__(self, settings: hs.HubSpotSettings, calls: HubSpotCalls) -> None:
        self.settings = settings
        self._calls = calls
        self._companies = Companies(settings, calls)
        self.outputs = output_fields(lambda name: f"{settings.property_prefix}{name}")
        self.output_map = {field.name: field.crm_name for field in self.outputs}
        # Our outputs, plus the canonical input fields a profile may promote (lifecycle_stage -> lifecyclestage).
        self.write_map = {**{name: crm for crm, name in settings.field_map.items()}, **self.output_map}
        self.read_properties = sorted(
            {
                *settings.field_map,
                *self.output_map.values(),
                *hs.ACTIVITY_ROLLUPS,
                *(name for names in settings.stage_dates.values() for name in names),
                hs.MODIFIED_PROPERTY,
                hs.MERGED_PROPERTY,
            }
        )

    # -- checks and setup -------------------------------------------------------------------------------------
    def check(self) -> CheckReport:
        existing = self._existing_properties()
        missing = [field for field in self.outputs if field.crm_name not in existing]
        notes = []
        for field in self.outputs:
            options = existing.get(field.crm_name)
            if field.options and options is not None and not set(field.options) <= options:
                notes.append(f"property {field.crm_name} lacks options {sorted(set(field.options) - options)}")
        # The values the portal allows in its enumeration fields, for checking the stage mapping against them.
        signals = {
            name: sorted(existing[crm_name])
            for crm_name, name in self.settings.field_map.items()
            if existing.get(crm_name)
        }
        # HubSpot's own stage dates are read where the portal has them (older portals lack the v2 ones).
        standard = {name for stage in self.settings.stage_dates.values() for name in stage if hs.is_standard(name)}
        wanted = [*self.settings.field_map, *(n for names in self.settings.stage_dates.values() for n in names)]
        absent = sorted({name for name in wanted if name not in existing and name not in standard})
        return CheckReport(
            reachable=True, missing_fields=missing, notes=notes, signal_values=signals, missing_inputs=absent
        )

    def setup(self, dry_run: bool = False) -> SetupReport:
        existing = self._existing_properties()
        created: list[str] = []
        present: list[str] = []
        if not dry_run:
            self._create_group()
        for field in self.outputs:
            if field.crm_name in existing:
                present.append(field.crm_name)
                continue
            if not dry_run:
                self._create_property(field)
            created.append(field.crm_name)
        return SetupReport(created=created, existing=present)

    def _existing_properties(self) -> dict[str, set[str]]:
        _, body = self._calls.request("properties.list", self._calls.properties.get_all, "contacts")
        return {
            prop["name"]: {option.get("value") for option in prop.get("options") or []}
            for prop in body.get("results", [])
        }

    def _create_group(self) -> None:
        group = {"name": self.settings.property_group, "label": "leadstage", "displayOrder": -1}
        try:
            self._calls.request("properties.groups.create", self._calls.property_groups.create, "contacts", group)
        except HubSpotRequestError as error:
            if error.status != 409:
                raise

    def _create_property(self, field: OutputField) -> None:
        type_name, field_type = hs.PROPERTY_TYPES[field.kind]
        body: Json = {
            "name": field.crm_name,
            "label": field.label,
            "type": type_name,
            "fieldType": field_type,
            "groupName": self.settings.property_group,
            "description": field.description,
        }
        if field.options:
            body["options"] = [
                {"label": option, "value": option, "displayOrder": index, "hidden": False}
                for index, option in enumerate(field.options)
            ]
        try:
            self._calls.request("properties.create", self._calls.properties.create, "contacts", body)
        except HubSpotRequestError as error:
            if error.status != 409:  # created meanwhile by someone else: that is what we wanted
                raise

    # -- contacts ---------------------------------------------------------------------------------------------
    def pull_contacts(self, position: SweepPosition) -> Iterator[ContactPage]:
        if position.kind is SweepKind.FULL:
            yield from self._pull_full(position)
        else:
            yield from self._pull_changed(position)

    def _pull_full(self, position: SweepPosition) -> Iterator[ContactPage]:
        pages = Cursor(position.after)
        while not pages.done:
            found: list[Json] = []
            while not pages.done and len(found) < self.settings.page_size:
                kwargs: dict[str, Any] = {"limit": self.settings.list_page_limit, "properties": self.read_properties}
                if pages.after:
                    kwargs["after"] = pages.after
                _, body = self._calls.request("contacts.list", self._calls.contacts_basic.get_page, **kwargs)
                found.extend(pages.advance(body))
            at = SweepPosition(SweepKind.FULL, position.until, position.since, pages.after, pages.done)
            yield self._page(found, at)

    def _pull_changed(self, position: SweepPosition) -> Iterator[ContactPage]:
        assert position.since is not None, "an incremental sweep needs a start time"
        pages = Keyset(position.after)
        while not pages.done:
            found: list[Json] = []
            while not pages.done and len(found) < self.settings.page_size:
                request = self._search_request(position.since, position.until, pages.last_id)
                _, body = self._calls.request("contacts.search", self._calls.contacts_search.do_search, request)
                found.extend(pages.advance(body))
            at = SweepPosition(SweepKind.INCREMENTAL, position.until, position.since, pages.last_id, pages.done)
            yield self._page(found, at)

    def _page(self, results: Sequence[Json], position: SweepPosition) -> ContactPage:
        """A page of contacts: a few API pages gathered, so activities are then fetched for many at once."""
        contacts, rejected, merged = self._convert(results)
        return ContactPage(contacts=contacts, position=position, rejected=rejected, deleted_ids=merged)

    def _search_request(self, since: datetime, until: datetime, after_id: str | None) -> PublicObjectSearchRequest:
        filters = [
            {"propertyName": hs.MODIFIED_PROPERTY, "operator": "GTE", "value": epoch_ms(since)},
            {"propertyName": hs.MODIFIED_PROPERTY, "operator": "LT", "value": epoch_ms(until)},
        ]
        if after_id:
            filters.append({"propertyName": hs.ID_PROPERTY, "operator": "GT", "value": after_id})
        return PublicObjectSearchRequest(
            filter_groups=[{"filters": filters}],
            sorts=[{"propertyName": hs.ID_PROPERTY, "direction": "ASCENDING"}],
            properties=self.read_properties,
            limit=self.settings.search_page_limit,
        )

    def count_contacts(self, position: SweepPosition) -> int | None:
        if position.kind is SweepKind.FULL:
            return None  # the list endpoint has no total; an incremental window does
        assert position.since is not None
        request = self._search_request(position.since, position.until, position.after)
        request.limit = 1
        _, body = self._calls.request("contacts.search", self._calls.contacts_search.do_search, request)
        total = body.get("total")
        return int(total) if total is not None else None

    def read_contacts(self, ids: Sequence[str]) -> ContactPage:
        contacts: list[Contact] = []
        rejected: list[RecordFailure] = []
        missing: list[str] = []
        for chunk in chunked(list(ids), hs.BATCH_READ_LIMIT):
            body_in = {"properties": self.read_properties, "inputs": [{"id": cid} for cid in chunk]}
            _, body = self._calls.request("contacts.batch_read", self._calls.contacts_batch.read, body_in)
            found, bad, _ = self._convert(body.get("results", []))
            contacts.extend(found)
            rejected.extend(bad)
            seen = {c.id for c in found} | {f.contact_id for f in bad}
            missing.extend(cid for cid in chunk if cid not in seen)
        return ContactPage(contacts=contacts, position=None, missing_ids=missing, rejected=rejected)

    def _convert(self, results: Sequence[Json]) -> tuple[list[Contact], list[RecordFailure], list[str]]:
        """Contacts, records that cannot be read (with why), and ids merged into the contacts (gone now).

        Whatever goes wrong with one record (a value of an unexpected shape, a bug) fails that record alone.
        """
        contacts: list[Contact] = []
        rejected: list[RecordFailure] = []
        merged: list[str] = []
        for obj in results:
            try:
                contact = to_contact(obj, self.settings.field_map, self.output_map, self.settings.stage_dates)
                merged.extend(merged_ids(obj))
            except RecordError as error:
                rejected.append(RecordFailure(error.record_id, error.reason))
                continue
            except Exception as error:
                rejected.append(unreadable(record_id_of(obj, "id"), error))
                continue
            contacts.append(contact)
        return contacts, rejected, merged

    # -- companies --------------------------------------------------------------------------------------------
    def read_companies(self, ids: Sequence[str]) -> CompanyFields:
        return self._companies.read(ids)

    def pull_companies(self, position: SweepPosition) -> Iterator[CompanyPage]:
        return self._companies.pull_changed(position)

    # -- activities -------------------------------------------------------------------------------------------
    def fetch_activities(self, contact_ids: Sequence[str], reuse: Collection[Activity] = ()) -> list[Activity]:
        """Every engagement of these contacts: associations v4 say which, batch reads fetch them. An engagement in
        ``reuse`` that the CRM still associates with the same contact is taken as it is, not read again."""
        kept = {(activity.contact_id, activity.id): activity for activity in reuse}
        activities: list[Activity] = []
        for object_type in self.settings.engagement_types:
            owners = self._associated(object_type, contact_ids)
            if not owners:
                continue
            unread: list[str] = []
            for object_id, contacts in owners.items():
                held = [kept.get((contact_id, f"{object_type}:{object_id}")) for contact_id in contacts]
                if all(held):
                    activities.extend(a for a in held if a is not None)
                else:
                    unread.append(object_id)
            activities.extend(self._read_engagements(object_type, unread, owners))
        return activities

    def _read_engagements(self, object_type: str, ids: list[str], owners: Mapping[str, list[str]]) -> list[Activity]:
        activities: list[Activity] = []
        properties = list(hs.ENGAGEMENT_PROPERTIES.get(object_type, ("hs_timestamp",)))
        for chunk in chunked(sorted(ids, key=int), hs.BATCH_READ_LIMIT):
            body_in = {"properties": properties, "inputs": [{"id": oid} for oid in chunk]}
            _, body = self._calls.request(
                f"{object_type}.batch_read", self._calls.objects_batch.read, object_type, body_in
            )
            for obj in body.get("results", []):
                for contact_id in owners.get(str(obj.get("id")), ()):
                    try:
                        activities.append(to_engagement(object_type, obj, contact_id))
                    except Exception as error:  # one unreadable engagement never costs the contact its others
                        log.warning("skipping %s %s: %s", object_type, record_id_of(obj, "id"), describe(error))
        return activities

    def _associated(self, object_type: str, contact_ids: Sequence[str]) -> dict[str, list[str]]:
        """Activity id -> the contacts (of ``contact_ids``) it is associated with."""
        owners: dict[str, list[str]] = {}
        pending: list[Json] = [{"id": cid} for cid in contact_ids]
        while pending:
            batch, pending = pending[: hs.ASSOCIATION_BATCH_LIMIT], pending[hs.ASSOCIATION_BATCH_LIMIT :]
            _, body = self._calls.request(
                "associations.batch_read",
                self._calls.associations.get_page,
                "contacts",
                object_type,
                {"inputs": batch},
            )
            for result in body.get("results", []):
                contact_id = str((result.get("from") or {}).get("id"))
                for target in result.get("to", []):
                    owners.setdefault(str(target.get("toObjectId")), []).append(contact_id)
                after = next_cursor(result)  # this contact has more associations than one answer holds
                if after:
                    pending.append({"id": contact_id, "after": after})
        return owners

    def pull_activity_stream(self, position: SweepPosition) -> Iterator[ActivityPage]:
        if not self.settings.web_events:  # the portal scores no web events: nothing to read
            yield ActivityPage(activities=(), position=replace(position, done=True))
            return
        pages = Cursor(position.after)
        since = position.since
        while not pages.done:
            kwargs: dict[str, Any] = {
                "object_type": "contact",
                "limit": hs.EVENTS_PAGE_LIMIT,
                "sort": ["ASCENDING"],
                "occurred_before": format_time(position.until),
            }
            if since is not None:
                kwargs["occurred_after"] = format_time(since)
            if pages.after:
                kwargs["after"] = pages.after
            _, body = self._calls.request("events.list", self._calls.events.get_page, **kwargs)
            activities = []
            for event in pages.advance(body):
                try:
                    activity = to_web_event(event, self.settings.web_events)
                except Exception as error:  # one unreadable event never stops the stream
                    log.warning("skipping web event %s: %s", record_id_of(event, "id"), describe(error))
                    continue
                if activity is not None:
                    activities.append(activity)
            yield ActivityPage(
                activities=activities,
                position=SweepPosition(SweepKind.INCREMENTAL, position.until, since, pages.after, pages.done),
            )

    # -- writes -----------------------------------------------------------------------------------------------
    def write(self, updates: Sequence[Update]) -> WriteResult:
        failures: list[RecordFailure] = []
        ready: list[tuple[Update, Json]] = []
        for update in updates:
            try:  # one update that cannot be put into HubSpot's shape fails alone
                properties = {self.write_map[name]: value for name, value in update.values.items()}
                cleared = {self.write_map[name]: "" for name in update.clear_first}
            except Exception as error:
                failures.append(RecordFailure(update.contact_id, f"cannot be written: {describe(error)}"))
                continue
            ready.append((update, {"properties": properties, "clear": cleared}))
        clears = [{"id": u.contact_id, "properties": p["clear"]} for u, p in ready if p["clear"]]
        for chunk in chunked(clears, hs.BATCH_UPDATE_LIMIT):
            _, bad = self._update_batch(list(chunk))
            failures.extend(bad)
        failed = {f.contact_id for f in failures}
        main = [{"id": u.contact_id, "properties": p["properties"]} for u, p in ready if u.contact_id not in failed]
        written: dict[str, datetime | None] = {}
        for chunk in chunked(main, hs.BATCH_UPDATE_LIMIT):
            ok, bad = self._update_batch(list(chunk))
            written.update(ok)
            failures.extend(bad)
        return WriteResult(written=written, failures=failures)

    def _update_batch(self, inputs: list[Json]) -> tuple[dict[str, datetime | None], list[RecordFailure]]:
        """One batch update; a whole-batch 400 is split in halves until the bad records stand alone."""
        try:
            _, body = self._calls.request(
                "contacts.batch_update",
                self._calls.contacts_batch.update,
                BatchInputSimplePublicObjectBatchInput(inputs=inputs),
            )
        except HubSpotRequestError as error:
            if error.status != 400:
                raise
            if len(inputs) == 1:
                return {}, [RecordFailure(str(inputs[0]["id"]), str(error))]
            middle = len(inputs) // 2
            ok_a, bad_a = self._update_batch(inputs[:middle])
            ok_b, bad_b = self._update_batch(inputs[middle:])
            return {**ok_a, **ok_b}, bad_a + bad_b
        return self._sort_results(inputs, body)

    @staticmethod
    def _sort_results(inputs: list[Json], body: Json) -> tuple[dict[str, datetime | None], list[RecordFailure]]:
        ok: dict[str, datetime | None] = {}
        for result in body.get("results", []):
            ok[str(result.get("id"))] = parse_time(result.get("updatedAt"))
        failures: list[RecordFailure] = []
        failed: set[str] = set()
        for error in body.get("errors", []):
            context: Mapping[str, Any] = error.get("context") or {}
            ids = list(context.get("ids") or context.get("id") or [])
            details = "; ".join(f"{d.get('message')}" for d in error.get("errors") or [] if d.get("message"))
            reason = f"{error.get('category', 'ERROR')}: {error.get('message', 'no message')}"
            if details and details not in reason:
                reason += f" ({details})"
            for record_id in ids:
                failed.add(str(record_id))
                failures.append(RecordFailure(str(record_id), reason))
        for item in inputs:
            record_id = str(item["id"])
            if record_id not in ok and record_id not in failed:
                failures.append(RecordFailure(record_id, "HubSpot returned no result for this record", True))
        return ok, failures

    def api_calls(self) -> int:
        return self._calls.total_calls()

    def rate_limited(self) -> int:
        return self._calls.rate_limited

    def close(self) -> None:
        for api in (self._calls.contacts_basic, self._calls.contacts_search, self._calls.contacts_batch):
            api.api_client.rest_client.pool_manager.clear()
