"""REST resources besides query: describe, single records, sObject Collections, updated/deleted, limits.

Endpoint names: sf.versions, sf.describe_global, sf.describe, sf.sobject (GET/PATCH one record),
sf.collections (PATCH composite/sobjects), sf.updated, sf.deleted, sf.limits.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from leadstage.sandbox.http import Request, Response, Router
from leadstage.sandbox.salesforce.describe import describe_object, global_entry
from leadstage.sandbox.salesforce.http import SalesforceError, api_version, not_found, sf_json
from leadstage.sandbox.salesforce.ids import to_id18
from leadstage.sandbox.salesforce.org import SalesforceOrg
from leadstage.sandbox.salesforce.query import attributes
from leadstage.sandbox.salesforce.schema import ObjectDef
from leadstage.sandbox.salesforce.values import json_value, parse_datetime_text, sf_datetime
from leadstage.sandbox.salesforce.writes import (
    PreparedWrite,
    SaveError,
    prepare,
    rolled_back,
    save_all,
    save_result,
    unknown_fields,
)
from leadstage.sandbox.timeutil import MS_PER_DAY, MS_PER_MINUTE

DATA = "/services/data/{version}"
SOBJECT = f"{DATA}/sobjects/{{sobject}}"
COLLECTIONS_MAX_RECORDS = 200
UPDATED_MAX_DAYS = 30
DELETED_MAX_DAYS = 15
VERSION_LABEL = "Winter '24"
# Static allocations reported next to the API request quota (a Developer Edition org's values).
STATIC_LIMITS = {
    "DailyBulkApiBatches": 15_000,
    "DailyBulkV2QueryFileStorageMB": 976_562,
    "DailyBulkV2QueryJobs": 10_000,
    "DataStorageMB": 5,
    "FileStorageMB": 20,
}


class RecordRoutes:
    """Describe, records, collections, replication and limits."""

    def __init__(self, org: SalesforceOrg) -> None:
        self.org = org

    def register(self, router: Router) -> None:
        """Add the routes (literal paths before patterns)."""
        router.add("GET", "/services/data", "sf.versions", self.versions)
        router.add("GET", f"{DATA}/limits", "sf.limits", self.limits)
        router.add("GET", f"{DATA}/sobjects", "sf.describe_global", self.describe_global)
        router.add("PATCH", f"{DATA}/composite/sobjects", "sf.collections", self.collections)
        router.add("GET", f"{SOBJECT}/describe", "sf.describe", self.describe)
        router.add("GET", f"{SOBJECT}/updated", "sf.updated", self.updated)
        router.add("GET", f"{SOBJECT}/deleted", "sf.deleted", self.deleted)
        router.add("GET", f"{SOBJECT}/{{recordId}}", "sf.sobject", self.get_record)
        router.add("PATCH", f"{SOBJECT}/{{recordId}}", "sf.sobject", self.patch_record)

    def _object(self, request: Request) -> ObjectDef:
        obj = self.org.sobject(request.params["sobject"])
        if obj is None:
            raise not_found()
        return obj

    def versions(self, request: Request) -> Response:
        """GET /services/data: the API versions the org serves."""
        version = self.org.config.salesforce_api_version
        return sf_json(200, [{"label": VERSION_LABEL, "url": f"/services/data/v{version}", "version": version}])

    def limits(self, request: Request) -> Response:
        """GET /limits: the rolling 24 h API request quota (after counting this request)."""
        api_version(request)
        used, limit = self.org.api_usage()
        payload: dict[str, Any] = {"DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - used)}}
        payload.update({name: {"Max": value, "Remaining": value} for name, value in STATIC_LIMITS.items()})
        return sf_json(200, payload)

    def describe_global(self, request: Request) -> Response:
        """GET /sobjects."""
        version = api_version(request)
        with self.org.lock:
            objects = [global_entry(obj, version) for obj in self.org.objects.values()]
        return sf_json(200, {"encoding": "UTF-8", "maxBatchSize": COLLECTIONS_MAX_RECORDS, "sobjects": objects})

    def describe(self, request: Request) -> Response:
        """GET /sobjects/{Object}/describe."""
        version = api_version(request)
        with self.org.lock:
            return sf_json(200, describe_object(self.org, self._object(request), version))

    # ----- one record ------------
    def get_record(self, request: Request) -> Response:
        """GET /sobjects/{Object}/{id}[?fields=a,b]."""
        version = api_version(request)
        with self.org.lock:
            obj = self._object(request)
            record_id = to_id18(request.params["recordId"])
            record = self.org.table(obj.name).get(record_id) if record_id else None
            if record is None or record_id is None:
                raise not_found()
            if record.get("IsDeleted"):
                raise SalesforceError(404, "ENTITY_IS_DELETED", "entity is deleted")
            names = request.query_list("fields") or list(obj.fields)
            bad = unknown_fields(obj, names)
            if bad:
                raise SalesforceError(400, "INVALID_FIELD", f"No such column '{bad[0]}' on sobject of type {obj.name}")
            out: dict[str, Any] = {"attributes": attributes(obj.name, record_id, version)}
            for name in names:
                definition = obj.field(name)
                assert definition is not None
                value = record.get(definition.name)
                if definition.computed:
                    value = " ".join(record[n] for n in ("FirstName", "LastName") if record.get(n)) or None
                out[definition.name] = json_value(definition, value)
            return sf_json(200, out)

    def patch_record(self, request: Request) -> Response:
        """PATCH /sobjects/{Object}/{id}: 204, or 400 with the record's errors."""
        api_version(request)
        body = self._json_object(request)
        with self.org.lock:
            obj = self._object(request)
            self._refuse_unknown(obj, list(body))
            raw_id = request.params["recordId"]
            record_id = to_id18(raw_id)
            if record_id is None or record_id[:3] != obj.prefix or record_id not in self.org.table(obj.name):
                raise not_found()
            outcome = prepare(self.org, obj, raw_id, body)
            if not isinstance(outcome, PreparedWrite):
                return sf_json(400, [self._error_entry(error) for error in outcome])
            save_all(self.org, [outcome], all_or_none=True)
        return Response(204)

    @staticmethod
    def _error_entry(error: SaveError) -> dict[str, Any]:
        return {"message": error.message, "errorCode": error.code, "fields": list(error.fields)}

    # ----- collections ------------
    def collections(self, request: Request) -> Response:
        """PATCH /composite/sobjects: up to 200 updates, one SaveResult each, in input order."""
        api_version(request)
        body = self._json_object(request)
        records = body.get("records")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise SalesforceError(400, "JSON_PARSER_ERROR", "records: expected a list of sObjects")
        if len(records) > COLLECTIONS_MAX_RECORDS:
            message = f"record limit reached. cannot submit more than {COLLECTIONS_MAX_RECORDS} records into this call"
            raise SalesforceError(400, "EXCEEDED_ID_LIMIT", message)
        all_or_none = bool(body.get("allOrNone", False))
        fault_at = int(request.fail_one_input * len(records)) if request.fail_one_input is not None else None
        with self.org.lock:
            targets = [self._record_object(record) for record in records]
            for obj, record in zip(targets, records, strict=True):
                self._refuse_unknown(obj, [name for name in record if name not in ("attributes", "id", "Id")])
            outcomes: list[PreparedWrite | list[SaveError]] = []
            for position, (obj, record) in enumerate(zip(targets, records, strict=True)):
                fields = {k: v for k, v in record.items() if k not in ("attributes", "id", "Id")}
                raw_id = record.get("id", record.get("Id"))
                outcomes.append(prepare(self.org, obj, raw_id, fields, fail_lock=position == fault_at))
            saved = save_all(self.org, outcomes, all_or_none)
        results = []
        for record, outcome, was_saved in zip(records, outcomes, saved, strict=True):
            raw_id = record.get("id", record.get("Id"))
            if all_or_none and not was_saved and isinstance(outcome, PreparedWrite):
                outcome = rolled_back()
            results.append(save_result(raw_id, outcome))
        return sf_json(200, results)

    def _record_object(self, record: dict[str, Any]) -> ObjectDef:
        meta = record.get("attributes")
        type_name = meta.get("type") if isinstance(meta, dict) else None
        if not isinstance(type_name, str):
            raise SalesforceError(400, "INVALID_TYPE", "Must specify a type in the attributes map of each record")
        obj = self.org.sobject(type_name)
        if obj is None or not obj.updateable:
            raise SalesforceError(400, "INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
        return obj

    @staticmethod
    def _refuse_unknown(obj: ObjectDef, names: list[str]) -> None:
        bad = unknown_fields(obj, names)
        if bad:
            raise SalesforceError(400, "INVALID_FIELD", f"No such column '{bad[0]}' on sobject of type {obj.name}")

    @staticmethod
    def _json_object(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError) as exc:
            raise SalesforceError(400, "JSON_PARSER_ERROR", f"Unexpected character in the request body: {exc}") from exc
        if not isinstance(body, dict):
            raise SalesforceError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from the body")
        return body

    # ----- replication ------------
    def _window(self, request: Request, max_days: int) -> tuple[str, str]:
        start = parse_datetime_text(request.query_one("start") or "")
        end = parse_datetime_text(request.query_one("end") or "")
        if start is None or end is None:
            raise SalesforceError(400, "MALFORMED_QUERY", "start and end must be ISO 8601 date-times")
        earliest = sf_datetime(self.org.now_ms() - max_days * MS_PER_DAY)
        if start < earliest:
            raise SalesforceError(400, "INVALID_REPLICATION_DATE", f"startDate cannot be more than {max_days} days ago")
        if end <= start:
            raise SalesforceError(400, "INVALID_REPLICATION_DATE", "endDate must chronologically follow the startDate")
        return start, end

    def updated(self, request: Request) -> Response:
        """GET /sobjects/{Object}/updated?start&end: ids changed in the window (30 days back at most)."""
        api_version(request)
        with self.org.lock:
            obj = self._object(request)
            start, end = self._window(request, UPDATED_MAX_DAYS)
            ids = [
                record_id
                for record_id, record in self.org.table(obj.name).items()
                if not record.get("IsDeleted") and start <= record["SystemModstamp"] < end
            ]
        return sf_json(200, {"ids": ids, "latestDateCovered": _minute(end)})

    def deleted(self, request: Request) -> Response:
        """GET /sobjects/{Object}/deleted?start&end: records deleted in the window (15 days back at most)."""
        api_version(request)
        with self.org.lock:
            obj = self._object(request)
            start, end = self._window(request, DELETED_MAX_DAYS)
            found = [
                {"deletedDate": record["SystemModstamp"], "id": record_id}
                for record_id, record in self.org.table(obj.name).items()
                if record.get("IsDeleted") and start <= record["SystemModstamp"] < end
            ]
            earliest = sf_datetime(self.org.now_ms() - DELETED_MAX_DAYS * MS_PER_DAY)
        return sf_json(
            200, {"deletedRecords": found, "earliestDateAvailable": earliest, "latestDateCovered": _minute(end)}
        )


def _minute(stored: str) -> str:
    """A stored datetime truncated to the minute (how far the replication answers are guaranteed)."""
    parsed = datetime.fromisoformat(stored).astimezone(UTC)
    ms = int(parsed.timestamp() * 1000)
    return sf_datetime(ms - ms % MS_PER_MINUTE)
