"""HTTP handlers for contacts: list, get, search, batch read, batch update.

Endpoint names (as counted by `Sandbox.counts()`): contacts.list, contacts.get, contacts.search,
contacts.batch_read, contacts.batch_update.
"""

from __future__ import annotations

import bisect
import json
from typing import Any

from leadstage.sandbox.config import (
    BATCH_MAX_INPUTS,
    BATCH_VALIDATION_ALL_OR_NOTHING,
    LIST_LIMIT_DEFAULT,
    LIST_LIMIT_MAX,
    SandboxConfig,
)
from leadstage.sandbox.http import (
    CATEGORY_NOT_FOUND,
    CATEGORY_VALIDATION,
    ApiError,
    Request,
    Response,
    Router,
    batch_error,
)
from leadstage.sandbox.hubspot.portal import DEFAULT_CONTACT_PROPERTIES, HubSpotPortal
from leadstage.sandbox.hubspot.properties import (
    ValueError_,
    normalise_value,
)
from leadstage.sandbox.hubspot.search import SearchRequest
from leadstage.sandbox.hubspot.search_views import ObjectSearch, search_payload
from leadstage.sandbox.timeutil import iso_ms

CONTACTS = "/crm/v3/objects/contacts"
PROPERTIES = "/crm/v3/properties/contacts"
PORTAL_ID = 4_200_042
NOT_FOUND_MESSAGE = "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid."
FAULT_207_MESSAGE = "Contact {id} was being modified by another process; retry the update."


def paging_next(after: str, path: str) -> dict[str, Any]:
    """HubSpot's forward paging block."""
    return {"next": {"after": after, "link": f"{path}?after={after}"}}


def check_inputs(body: dict[str, Any], maximum: int) -> list[dict[str, Any]]:
    """The `inputs` list of a batch body, validated for shape and size."""
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise ApiError(400, "Invalid input JSON: 'inputs' must be a list of objects")
    if len(inputs) > maximum:
        raise ApiError(400, f"Batch input size limit exceeded: {len(inputs)} inputs, the maximum is {maximum}")
    return inputs


def check_limit(request: Request, default: int, maximum: int) -> int:
    """The `limit` query parameter, 1..maximum."""
    limit = request.query_int("limit", default)
    if limit < 1 or limit > maximum:
        raise ApiError(400, f"limit must be between 1 and {maximum}, got {limit}")
    return limit


class ContactRoutes:
    """Contacts."""

    def __init__(self, portal: HubSpotPortal, config: SandboxConfig) -> None:
        self.portal = portal
        self.config = config
        self.searcher = ObjectSearch(config, "lastmodifieddate")

    def register(self, router: Router) -> None:
        """Add the routes (literal paths before patterns)."""
        router.add("GET", CONTACTS, "contacts.list", self.list_contacts)
        router.add("POST", f"{CONTACTS}/search", "contacts.search", self.search)
        router.add("POST", f"{CONTACTS}/batch/read", "contacts.batch_read", self.batch_read)
        router.add("POST", f"{CONTACTS}/batch/update", "contacts.batch_update", self.batch_update)
        router.add("GET", f"{CONTACTS}/{{contactId}}", "contacts.get", self.get_contact)

    def _now_iso(self) -> str:
        return iso_ms(self.portal.now_ms())

    # ----- contacts ------------
    def list_contacts(self, request: Request) -> Response:
        """GET /crm/v3/objects/contacts: ascending ids; `after` is the next id to return."""
        limit = check_limit(request, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX)
        after = request.query_one("after") or ""
        if after and not after.isdigit():
            raise ApiError(400, f"Invalid 'after' value {after!r}: use paging.next.after from the previous page")
        archived = (request.query_one("archived") or "false").lower() == "true"
        properties = request.query_list("properties") or list(DEFAULT_CONTACT_PROPERTIES)
        with self.portal.lock:
            ids = [cid for cid in self.portal.contacts if (cid in self.portal.archived) == archived]
            start = bisect.bisect_left(ids, int(after), key=int) if after else 0
            page = ids[start : start + limit]
            payload: dict[str, Any] = {"results": [self.portal.contact_object(cid, properties) for cid in page]}
            if start + limit < len(ids):
                payload["paging"] = paging_next(ids[start + limit], CONTACTS)
        return Response.json(200, payload)

    def get_contact(self, request: Request) -> Response:
        """GET /crm/v3/objects/contacts/{id} (a merged-away id answers with the surviving contact)."""
        properties = request.query_list("properties") or list(DEFAULT_CONTACT_PROPERTIES)
        with self.portal.lock:
            cid = self.portal.resolve(request.params["contactId"])
            if cid not in self.portal.contacts or cid in self.portal.archived:
                raise ApiError(404, "resource not found", CATEGORY_NOT_FOUND)
            return Response.json(200, self.portal.contact_object(cid, properties))

    def search(self, request: Request) -> Response:
        """POST /crm/v3/objects/contacts/search."""
        text = request.body.decode("utf-8", errors="replace")
        portal = self.portal
        with portal.lock:
            search = self.searcher.parse(text, portal.definitions)
            args = (portal.definitions, portal.changes, portal.contacts, portal.archived, portal.now_ms())
            total, page = self.searcher.page(search, *args)
            properties = search.properties or list(DEFAULT_CONTACT_PROPERTIES)
            results = [portal.contact_object(cid, properties) for cid in page]
        return Response.json(200, search_payload(search, total, results))

    def scan(self, search: SearchRequest) -> tuple[int, list[str]]:
        """(total, the page's ids) from every contact: searches the views cannot answer (an index lag, for one)."""
        portal = self.portal
        return self.searcher.scan(search, portal.definitions, portal.contacts, portal.archived, portal.now_ms())

    def batch_read(self, request: Request) -> Response:
        """POST /crm/v3/objects/contacts/batch/read (207 when some ids don't exist)."""
        body = request.json_object()
        inputs = check_inputs(body, BATCH_MAX_INPUTS)
        properties = body.get("properties") or list(DEFAULT_CONTACT_PROPERTIES)
        with_history = body.get("propertiesWithHistory") or []
        id_property = body.get("idProperty")
        with self.portal.lock:
            started = self._now_iso()
            results, missing, seen = [], [], set()
            for item in inputs:
                raw = str(item.get("id", ""))
                cid = self._find(raw, id_property)
                if cid is None:
                    missing.append(raw)
                elif cid not in seen:
                    seen.add(cid)
                    results.append(self._with_history(self.portal.contact_object(cid, properties), with_history))
            payload: dict[str, Any] = {"status": "COMPLETE", "results": results}
            if missing:
                payload["numErrors"] = 1
                payload["errors"] = [batch_error(CATEGORY_NOT_FOUND, NOT_FOUND_MESSAGE, {"ids": missing})]
            payload.update(startedAt=started, completedAt=self._now_iso())
        return Response.json(207 if missing else 200, payload)

    def _find(self, raw: str, id_property: Any) -> str | None:
        if id_property and id_property != "hs_object_id":
            wanted = raw.lower()
            for cid in self.portal.active_ids():
                if self.portal.contacts[cid].get(str(id_property), "").lower() == wanted:
                    return cid
            return None
        cid = self.portal.resolve(raw)
        if cid not in self.portal.contacts or cid in self.portal.archived:
            return None
        return cid

    def _with_history(self, obj: dict[str, Any], names: list[str]) -> dict[str, Any]:
        if names:
            history = {}
            for name in names:
                value = self.portal.contacts[obj["id"]].get(name)
                entry = {"value": value, "timestamp": obj["updatedAt"], "sourceType": "API", "sourceId": None}
                history[name] = [entry] if value else []
            obj["propertiesWithHistory"] = history
        return obj

    def batch_update(self, request: Request) -> Response:
        """POST /crm/v3/objects/contacts/batch/update: per-input validation, 207 naming the failed ids."""
        inputs = check_inputs(request.json_object(), BATCH_MAX_INPUTS)
        ids = [str(item.get("id", "")) for item in inputs]
        duplicate_ids(ids)
        fault_at = int(request.fail_one_input * len(inputs)) if request.fail_one_input is not None else None
        with self.portal.lock:
            started_ms = self.portal.now_ms()
            errors, accepted = [], []
            for position, (raw, item) in enumerate(zip(ids, inputs, strict=True)):
                error, values = self._check_input(raw, item, fault=position == fault_at)
                if error is not None:
                    errors.append(error)
                else:
                    accepted.append((self.portal.resolve(raw), values))
            if errors and self.config.batch_validation == BATCH_VALIDATION_ALL_OR_NOTHING:
                first = errors[0]
                raise ApiError(400, first["message"], first["category"], context=first["context"])
            results = []
            for cid, values in accepted:
                self.portal.apply_api_write(cid, values, started_ms)
                results.append(self.portal.contact_object(cid, list(values)))
            payload: dict[str, Any] = {"status": "COMPLETE", "results": results}
            if errors:
                payload.update(numErrors=len(errors), errors=errors)
            payload.update(startedAt=iso_ms(started_ms), completedAt=self._now_iso())
        return Response.json(207 if errors else 200, payload)

    def _check_input(self, raw: str, item: dict[str, Any], fault: bool) -> tuple[dict[str, Any] | None, dict[str, str]]:
        cid = self.portal.resolve(raw)
        if cid not in self.portal.contacts or cid in self.portal.archived:
            message = f"Object not found. objectId {raw} does not exist or was deleted."
            return batch_error(CATEGORY_NOT_FOUND, message, {"ids": [raw]}), {}
        rejected = self.portal.rejected_writes.get(raw) or self.portal.rejected_writes.get(cid)
        if rejected is not None:
            return batch_error(CATEGORY_VALIDATION, rejected, {"ids": [raw]}), {}
        if fault:
            return batch_error("CONFLICT", FAULT_207_MESSAGE.format(id=raw), {"ids": [raw]}), {}
        properties = item.get("properties")
        if not isinstance(properties, dict):
            return batch_error(CATEGORY_VALIDATION, "'properties' must be an object", {"ids": [raw]}), {}
        values, problems = {}, []
        for name, value in properties.items():
            normalised, problem = normalise_value(self.portal.definitions.get(name), name, value)
            if problem is not None:
                problems.append(problem)
            else:
                values[name] = normalised
        if problems:
            return self._validation_error(raw, problems), {}
        return None, values

    @staticmethod
    def _validation_error(raw: str, problems: list[ValueError_]) -> dict[str, Any]:
        return validation_error(raw, problems)


def duplicate_ids(ids: list[str]) -> None:
    """A batch update naming an id twice is refused whole (400)."""
    duplicates = sorted({i for i in ids if ids.count(i) > 1}, key=lambda i: (len(i), i))
    if duplicates:
        raise ApiError(400, f"Duplicate IDs found in batch input: [{', '.join(duplicates)}]. IDs must be unique")


def validation_error(raw: str, problems: list[ValueError_]) -> dict[str, Any]:
    """A batch update input's 207 error for invalid property values (HubSpot's nested JSON message)."""
    detail = [
        {
            "isValid": False,
            "message": p.message,
            "error": p.code,
            "name": p.name,
            "localizedErrorMessage": p.message,
            "portalId": PORTAL_ID,
        }
        for p in problems
    ]
    message = "Property values were not valid: " + json.dumps(detail, separators=(",", ":"))
    errors = [{"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}} for p in problems]
    return batch_error(CATEGORY_VALIDATION, message, {"ids": [raw]}, errors=errors)
