"""REST query: /query, /queryAll and their next pages (query locators).

Endpoint names: sf.query, sf.query_all, sf.query_more.

A query that matches more than one page keeps its ordered result ids behind a query locator; the next
page is `nextRecordsUrl` = /services/data/vXX.X/query/<locator>-<offset>. As in Salesforce, a locator
expires after 15 minutes without use and a user keeps at most 10 open (the oldest is dropped).
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from leadstage.sandbox.http import Request, Response, Router
from leadstage.sandbox.salesforce.http import SalesforceError, api_version, sf_json
from leadstage.sandbox.salesforce.ids import KEY_PREFIXES, make_id
from leadstage.sandbox.salesforce.org import SalesforceOrg
from leadstage.sandbox.salesforce.query import CompiledQuery, compile_query, render_json, require_selection, select_ids
from leadstage.sandbox.salesforce.soql import SoqlError

DATA = "/services/data/{version}"
CURSOR_IDLE_S = 15 * 60
MAX_OPEN_CURSORS = 10
MIN_BATCH_SIZE = 200
QUERY_OPTIONS_HEADER = "sforce-query-options"
_BATCH_OPTION = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class Cursor:
    """The rest of a query's result, behind a query locator."""

    query: CompiledQuery
    ids: list[str]
    batch: int
    include_deleted: bool
    owner: str
    last_used: float


def soql_error(error: SoqlError, text: str) -> SalesforceError:
    """A SOQL error as the REST 400 answer."""
    return SalesforceError(400, error.code, error.render(text))


class QueryRoutes:
    """Query, queryAll and query-more."""

    def __init__(self, org: SalesforceOrg) -> None:
        self.org = org
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._numbers = itertools.count(1)

    def register(self, router: Router) -> None:
        """Add the routes."""
        router.add("GET", f"{DATA}/query", "sf.query", lambda r: self.query(r, include_deleted=False))
        router.add("GET", f"{DATA}/queryAll", "sf.query_all", lambda r: self.query(r, include_deleted=True))
        router.add("GET", f"{DATA}/query/{{locator}}", "sf.query_more", self.more)
        router.add("GET", f"{DATA}/queryAll/{{locator}}", "sf.query_more", self.more)

    def _batch_size(self, request: Request) -> int:
        batch = self.org.config.salesforce_query_batch
        found = _BATCH_OPTION.search(request.header(QUERY_OPTIONS_HEADER) or "")
        if found:
            batch = min(batch, max(MIN_BATCH_SIZE, int(found.group(1))))
        return batch

    def query(self, request: Request, include_deleted: bool) -> Response:
        """GET /query?q= and /queryAll?q=."""
        version = api_version(request)
        text = request.query_one("q") or ""
        if not text.strip():
            raise SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified")
        owner = self._owner(request)
        with self.org.lock:
            try:
                compiled = compile_query(self.org, text)
                require_selection(compiled)
            except SoqlError as error:
                raise soql_error(error, text) from None
            ids = select_ids(self.org, compiled, include_deleted)
            if compiled.count:  # COUNT(): the total, no records
                return sf_json(200, {"totalSize": len(ids), "done": True, "records": []})
            cursor = Cursor(compiled, ids, self._batch_size(request), include_deleted, owner, self.org.config.clock())
            return sf_json(200, self._page(cursor, 0, version, None))

    def more(self, request: Request) -> Response:
        """GET /query/<locator>-<offset>: the next page."""
        version = api_version(request)
        locator, _, offset_text = request.params["locator"].rpartition("-")
        with self.org.lock:
            self._expire()
            cursor = self._cursors.get(locator)
            if cursor is None or not offset_text.isdigit() or int(offset_text) > len(cursor.ids):
                raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            cursor.last_used = self.org.config.clock()
            self._cursors.move_to_end(locator)
            return sf_json(200, self._page(cursor, int(offset_text), version, locator))

    def _page(self, cursor: Cursor, offset: int, version: str, locator: str | None) -> dict[str, Any]:
        page_ids = cursor.ids[offset : offset + cursor.batch]
        end = offset + len(page_ids)
        payload: dict[str, Any] = {"totalSize": len(cursor.ids), "done": end >= len(cursor.ids)}
        if end < len(cursor.ids):
            locator = locator or self._open(cursor)
            resource = "queryAll" if cursor.include_deleted else "query"
            payload["nextRecordsUrl"] = f"/services/data/{version}/{resource}/{locator}-{end}"
        elif locator is not None:
            self._cursors.pop(locator, None)
        payload["records"] = [render_json(self.org, cursor.query, record_id, version) for record_id in page_ids]
        return payload

    def _open(self, cursor: Cursor) -> str:
        self._expire()
        mine = [key for key, open_cursor in self._cursors.items() if open_cursor.owner == cursor.owner]
        while len(mine) >= MAX_OPEN_CURSORS:
            del self._cursors[mine.pop(0)]
        locator = make_id(KEY_PREFIXES["QueryLocator"], next(self._numbers))
        self._cursors[locator] = cursor
        return locator

    def _expire(self) -> None:
        now = self.org.config.clock()
        for key in [k for k, c in self._cursors.items() if now - c.last_used >= CURSOR_IDLE_S]:
            del self._cursors[key]

    def _owner(self, request: Request) -> str:
        session = self.org.session(request.token)
        return session.username if session is not None else ""
