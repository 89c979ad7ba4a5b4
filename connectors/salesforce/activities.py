"""The Salesforce connector's activities: Tasks, Events and responded campaign members of its Leads or Contacts.

Fetched for a page of new contacts with IN lists of 200 ids, and kept current afterwards by a stream of the
ones changed since the last run (keyset-paged by Id, object by object).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from leadstage.connectors.base import (
    ActivityPage,
    RecordError,
    SweepKind,
    SweepPosition,
    chunked,
    describe,
    record_id_of,
)
from leadstage.connectors.salesforce import soql
from leadstage.connectors.salesforce.convert import to_campaign_response, to_event, to_task
from leadstage.connectors.salesforce.paging import Keyset
from leadstage.connectors.salesforce.settings import IN_LIST_CHUNK, SalesforceSettings
from leadstage.mapping.model import Activity

log = logging.getLogger(__name__)

Json = dict[str, Any]
STREAM_OBJECTS = ("Task", "Event", "CampaignMember")


class SalesforceActivities:
    """Mixed into SalesforceConnector, which provides the settings, the clock and the query helpers."""

    settings: SalesforceSettings
    _now: Callable[[], datetime]

    def _query(self, statement: str, include_deleted: bool = False) -> list[Json]:
        raise NotImplementedError

    def _window(self, position: SweepPosition) -> list[str]:
        raise NotImplementedError

    def _member_field(self) -> str:
        return "LeadId" if self.settings.object_name == "Lead" else "ContactId"

    _ACTIVITY_FIELDS: Mapping[str, tuple[str, ...]] = {
        "Task": (
            "Id",
            "WhoId",
            "Subject",
            "Type",
            "TaskSubtype",
            "Status",
            "ActivityDate",
            "CallDurationInSeconds",
            "CreatedDate",
            "SystemModstamp",
        ),
        "Event": ("Id", "WhoId", "Subject", "StartDateTime", "EndDateTime", "ActivityDateTime", "SystemModstamp"),
        "CampaignMember": (
            "Id",
            "Status",
            "HasResponded",
            "FirstRespondedDate",
            "CreatedDate",
            "Campaign.Name",
            "Campaign.Type",
            "SystemModstamp",
        ),
    }

    def _owner_field(self, object_name: str) -> str:
        return self._member_field() if object_name == "CampaignMember" else "WhoId"

    def _activity_statement(self, object_name: str, where: str, order_by: str = "", limit: int | None = None) -> str:
        fields = list(self._ACTIVITY_FIELDS[object_name])
        if object_name == "CampaignMember":
            fields.append(self._member_field())
        return soql.select(fields, object_name, where, order_by, limit)

    def _to_activity(self, object_name: str, record: Json) -> Activity | None:
        owner = str(record.get(self._owner_field(object_name)) or "")
        if not owner:
            return None
        if object_name == "Task":
            return to_task(record, owner)
        if object_name == "Event":
            return to_event(record, owner, self._now())
        return to_campaign_response(record, owner, self.settings.campaign_kinds)

    def fetch_activities(self, contact_ids: Sequence[str], reuse: Collection[Activity] = ()) -> list[Activity]:
        # One IN-list query per object returns every activity of 200 contacts: reusing stored ones saves no call.
        activities: list[Activity] = []
        for chunk in chunked([i for i in contact_ids if soql.ID_PATTERN.match(i)], IN_LIST_CHUNK):
            ids = soql.id_list(chunk)
            for object_name in STREAM_OBJECTS:
                statement = self._activity_statement(object_name, f"{self._owner_field(object_name)} IN {ids}")
                for record in self._query(statement):
                    activities.extend(self._safe_activity(object_name, record))
        return activities

    def _safe_activity(self, object_name: str, record: Json) -> list[Activity]:
        try:
            activity = self._to_activity(object_name, record)
        except RecordError as error:
            log.warning("skipping %s: %s", object_name, error)
            return []
        except Exception as error:  # one unreadable activity never costs the contact its others
            log.warning("skipping %s %s: %s", object_name, record_id_of(record, "Id"), describe(error))
            return []
        return [activity] if activity is not None else []

    def pull_activity_stream(self, position: SweepPosition) -> Iterator[ActivityPage]:
        """Tasks, Events and campaign members changed in the window, object by object, keyset-paged by Id."""
        start_object, _, start_id = (position.after or "").partition("|")
        objects = list(STREAM_OBJECTS)
        if start_object in objects:
            objects = objects[objects.index(start_object) :]
        window = " AND ".join(self._window(position))
        limit = self.settings.page_limit
        for object_name in objects:
            pages = Keyset(start_id if object_name == start_object and start_id else None)
            while not pages.done:
                where = " AND ".join([window, *pages.condition()])
                records = self._query(self._activity_statement(object_name, where, "Id", limit))
                pages.advance(records, limit)
                activities = [a for r in records for a in self._safe_activity(object_name, r)]
                last = object_name == STREAM_OBJECTS[-1] and pages.done
                at = f"{object_name}|{pages.after or ''}"
                yield ActivityPage(
                    activities, SweepPosition(SweepKind.INCREMENTAL, position.until, position.since, at, last)
                )
