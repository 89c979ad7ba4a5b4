"""HTTP handlers for companies: list, get, search, batch read, batch update.

Endpoint names (as counted by `Sandbox.counts()`): companies.list, companies.get, companies.search,
companies.batch_read, companies.batch_update. The paths, shapes, limits and errors are the contacts' (routes.py);
the search is the contacts' search machinery (search_views.ObjectSearch) over companies, whose modification
property is `hs_lastmodifieddate`: filters on it and `hs_object_id`, one sort, 200 a page, 10,000 per query.
Archiving companies is not modelled: `archived=true` lists none.
"""

from __future__ import annotations

import bisect
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
from leadstage.sandbox.hubspot.company_properties import (
    COMPANY_MODIFIED,
    COMPANY_QUERY_PROPERTIES,
    DEFAULT_COMPANY_PROPERTIES,
)
from leadstage.sandbox.hubspot.portal import HubSpotPortal
from leadstage.sandbox.hubspot.properties import normalise_value
from leadstage.sandbox.hubspot.routes import (
    check_inputs,
    check_limit,
    duplicate_ids,
    paging_next,
    validation_error,
)
from leadstage.sandbox.hubspot.search_views import ObjectSearch, search_payload
from leadstage.sandbox.timeutil import iso_ms

COMPANIES = "/crm/v3/objects/companies"
NOT_FOUND_MESSAGE = "Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid."
FAULT_207_MESSAGE = "Company {id} was being modified by another process; retry the update."
NO_ARCHIVED: set[str] = set()


class CompanyRoutes:
    """Companies."""

    def __init__(self, portal: HubSpotPortal, config: SandboxConfig) -> None:
        self.portal = portal
        self.config = config
        self.searcher = ObjectSearch(config, COMPANY_MODIFIED, COMPANY_QUERY_PROPERTIES)

    def register(self, router: Router) -> None:
        """Add the routes (literal paths before patterns)."""
        router.add("GET", COMPANIES, "companies.list", self.list_companies)
        router.add("POST", f"{COMPANIES}/search", "companies.search", self.search)
        router.add("POST", f"{COMPANIES}/batch/read", "companies.batch_read", self.batch_read)
        router.add("POST", f"{COMPANIES}/batch/update", "companies.batch_update", self.batch_update)
        router.add("GET", f"{COMPANIES}/{{companyId}}", "companies.get", self.get_company)

    def _now_iso(self) -> str:
        return iso_ms(self.portal.now_ms())

    def list_companies(self, request: Request) -> Response:
        """GET /crm/v3/objects/companies: ascending ids; `after` is the next id to return."""
        limit = check_limit(request, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX)
        after = request.query_one("after") or ""
        if after and not after.isdigit():
            raise ApiError(400, f"Invalid 'after' value {after!r}: use paging.next.after from the previous page")
        archived = (request.query_one("archived") or "false").lower() == "true"
        properties = request.query_list("properties") or list(DEFAULT_COMPANY_PROPERTIES)
        store = self.portal.companies
        with self.portal.lock:
            ids = [] if archived else list(store.records)
            start = bisect.bisect_left(ids, int(after), key=int) if after else 0
            page = ids[start : start + limit]
            payload: dict[str, Any] = {"results": [store.company_object(cid, properties) for cid in page]}
            if start + limit < len(ids):
                payload["paging"] = paging_next(ids[start + limit], COMPANIES)
        return Response.json(200, payload)

    def get_company(self, request: Request) -> Response:
        """GET /crm/v3/objects/companies/{id}."""
        properties = request.query_list("properties") or list(DEFAULT_COMPANY_PROPERTIES)
        store = self.portal.companies
        with self.portal.lock:
            company_id = request.params["companyId"]
            if company_id not in store.records:
                raise ApiError(404, "resource not found", CATEGORY_NOT_FOUND)
            return Response.json(200, store.company_object(company_id, properties))

    def search(self, request: Request) -> Response:
        """POST /crm/v3/objects/companies/search."""
        text = request.body.decode("utf-8", errors="replace")
        store = self.portal.companies
        with self.portal.lock:
            search = self.searcher.parse(text, store.definitions)
            args = (store.definitions, store.changes, store.records, NO_ARCHIVED, self.portal.now_ms())
            total, page = self.searcher.page(search, *args)
            properties = search.properties or list(DEFAULT_COMPANY_PROPERTIES)
            results = [store.company_object(cid, properties) for cid in page]
        return Response.json(200, search_payload(search, total, results))

    def batch_read(self, request: Request) -> Response:
        """POST /crm/v3/objects/companies/batch/read (207 when some ids don't exist)."""
        body = request.json_object()
        inputs = check_inputs(body, BATCH_MAX_INPUTS)
        properties = body.get("properties") or list(DEFAULT_COMPANY_PROPERTIES)
        id_property = body.get("idProperty")
        store = self.portal.companies
        with self.portal.lock:
            started = self._now_iso()
            results, missing, seen = [], [], set()
            for item in inputs:
                raw = str(item.get("id", ""))
                company_id = self._find(raw, id_property)
                if company_id is None:
                    missing.append(raw)
                elif company_id not in seen:
                    seen.add(company_id)
                    results.append(store.company_object(company_id, properties))
            payload: dict[str, Any] = {"status": "COMPLETE", "results": results}
            if missing:
                payload["numErrors"] = 1
                payload["errors"] = [batch_error(CATEGORY_NOT_FOUND, NOT_FOUND_MESSAGE, {"ids": missing})]
            payload.update(startedAt=started, completedAt=self._now_iso())
        return Response.json(207 if missing else 200, payload)

    def _find(self, raw: str, id_property: Any) -> str | None:
        records = self.portal.companies.records
        if id_property and id_property != "hs_object_id":
            wanted = raw.lower()
            return next((cid for cid, p in records.items() if p.get(str(id_property), "").lower() == wanted), None)
        return raw if raw in records else None

    def batch_update(self, request: Request) -> Response:
        """POST /crm/v3/objects/companies/batch/update: per-input validation, 207 naming the failed ids."""
        inputs = check_inputs(request.json_object(), BATCH_MAX_INPUTS)
        ids = [str(item.get("id", "")) for item in inputs]
        duplicate_ids(ids)
        fault_at = int(request.fail_one_input * len(inputs)) if request.fail_one_input is not None else None
        store = self.portal.companies
        with self.portal.lock:
            started_ms = self.portal.now_ms()
            errors, accepted = [], []
            for position, (raw, item) in enumerate(zip(ids, inputs, strict=True)):
                error, values = self._check_input(raw, item, fault=position == fault_at)
                if error is not None:
                    errors.append(error)
                else:
                    accepted.append((raw, values))
            if errors and self.config.batch_validation == BATCH_VALIDATION_ALL_OR_NOTHING:
                first = errors[0]
                raise ApiError(400, first["message"], first["category"], context=first["context"])
            results = []
            for company_id, values in accepted:
                props = store.records[company_id]
                for name, value in values.items():
                    if value:
                        props[name] = value
                    else:
                        props.pop(name, None)
                props[COMPANY_MODIFIED] = iso_ms(started_ms)
                store.changes.note(company_id)
                results.append(store.company_object(company_id, list(values)))
            payload: dict[str, Any] = {"status": "COMPLETE", "results": results}
            if errors:
                payload.update(numErrors=len(errors), errors=errors)
            payload.update(startedAt=iso_ms(started_ms), completedAt=self._now_iso())
        return Response.json(207 if errors else 200, payload)

    def _check_input(self, raw: str, item: dict[str, Any], fault: bool) -> tuple[dict[str, Any] | None, dict[str, str]]:
        if raw not in self.portal.companies.records:
            message = f"Object not found. objectId {raw} does not exist or was deleted."
            return batch_error(CATEGORY_NOT_FOUND, message, {"ids": [raw]}), {}
        if fault:
            return batch_error("CONFLICT", FAULT_207_MESSAGE.format(id=raw), {"ids": [raw]}), {}
        properties = item.get("properties")
        if not isinstance(properties, dict):
            return batch_error(CATEGORY_VALIDATION, "'properties' must be an object", {"ids": [raw]}), {}
        definitions = self.portal.companies.definitions
        values, problems = {}, []
        for name, value in properties.items():
            normalised, problem = normalise_value(definitions.get(name), name, value)
            if problem is not None:
                problems.append(problem)
            else:
                values[name] = normalised
        if problems:
            return validation_error(raw, problems), {}
        return None, values
