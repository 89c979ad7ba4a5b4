"""`Sandbox`: the HubSpot portal, the Salesforce org, the HTTP server and the test controls behind one object."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from leadstage.sandbox.config import SandboxConfig
from leadstage.sandbox.faults import Injector, InjectRule
from leadstage.sandbox.http import Router
from leadstage.sandbox.hubspot import datafile
from leadstage.sandbox.hubspot.activity_routes import ActivityRoutes
from leadstage.sandbox.hubspot.company_routes import CompanyRoutes
from leadstage.sandbox.hubspot.portal import FIRST_CONTACT_ID, HubSpotPortal
from leadstage.sandbox.hubspot.property_routes import PropertyRoutes
from leadstage.sandbox.hubspot.routes import ContactRoutes
from leadstage.sandbox.hubspot.seed import generate
from leadstage.sandbox.limits import RateLimiter
from leadstage.sandbox.salesforce.auth import AuthRoutes
from leadstage.sandbox.salesforce.bulk import BulkRoutes
from leadstage.sandbox.salesforce.custom_fields import LEADSTAGE_FIELDS
from leadstage.sandbox.salesforce.gate import SalesforceGate, SalesforceRandomFaults
from leadstage.sandbox.salesforce.org import SalesforceOrg
from leadstage.sandbox.salesforce.query_routes import QueryRoutes
from leadstage.sandbox.salesforce.routes import RecordRoutes
from leadstage.sandbox.salesforce.seed import seed_org
from leadstage.sandbox.server import Pipeline, RequestRecord, RequestStats, ServerThread
from leadstage.sandbox.timeutil import clock_ms, datetime_to_ms

DEFAULT_SEED_CONTACTS = 2_000
DEFAULT_SEED = 7
DEFAULT_SEED_LEADS = 2_000


class Sandbox:
    """HubSpot- and Salesforce-compatible APIs on one loopback port, with seeded data, limits, faults and counting."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.hubspot = HubSpotPortal(clock=self.config.clock)
        self.salesforce = SalesforceOrg(self.config)
        self._stats = RequestStats()
        self._injector = Injector()
        faults = self.config.faults
        self._random_faults = SalesforceRandomFaults(faults, self.config.retry_after) if faults else None
        router = Router()
        ContactRoutes(self.hubspot, self.config).register(router)
        CompanyRoutes(self.hubspot, self.config).register(router)
        PropertyRoutes(self.hubspot).register(router)
        PropertyRoutes(self.hubspot, "companies").register(router)
        ActivityRoutes(self.hubspot, self.config).register(router)
        AuthRoutes(self.salesforce, self._authority).register(router)
        QueryRoutes(self.salesforce).register(router)
        RecordRoutes(self.salesforce).register(router)
        BulkRoutes(self.salesforce).register(router)
        gate = SalesforceGate(self.salesforce, self.config, router, self._injector, self._random_faults)
        self._pipeline = Pipeline(
            self.config,
            router,
            self._stats,
            self._injector,
            RateLimiter(self.config, self.config.clock),
            self._random_faults,
            gate.answer,
        )
        self._server: ServerThread | None = None

    # ----- data ------------
    def seed(
        self,
        n_contacts: int = DEFAULT_SEED_CONTACTS,
        seed: int = DEFAULT_SEED,
        now: datetime | None = None,
        contact_firmographics: bool = True,
    ) -> None:
        """Replace all data with `n_contacts` deterministic contacts, 6 months of their activities, and the
        companies they work for (several contacts each, associated as their primary company).

        `contact_firmographics` (the default) keeps the copies of their company's industry, size band
        (`numemployees`) and revenue on the contacts, as the seed always had them; False leaves those on the
        companies only (`industry`, `numberofemployees`, `annualrevenue`), as in most real portals.
        """
        now_ms = datetime_to_ms(now) if now is not None else clock_ms(self.config.clock)
        seeded = generate(seed, n_contacts, now_ms, FIRST_CONTACT_ID, contact_firmographics)
        portal = self.hubspot
        with portal.lock:
            portal.clear()
            portal.contacts = seeded.contacts
            portal.next_contact_id = FIRST_CONTACT_ID + n_contacts
            portal.timelines.reset(seed, now_ms, seeded.profiles)
            portal.companies.install(seeded.companies, seeded.links)

    def seed_salesforce(
        self,
        n_leads: int = DEFAULT_SEED_LEADS,
        seed: int = DEFAULT_SEED,
        now: datetime | None = None,
        with_leadstage_fields: bool = True,
    ) -> None:
        """Replace the Salesforce org's data with `n_leads` deterministic Leads (about 15% converted, with their
        Contacts on the Accounts of their companies), Campaigns and 6 months of activities; `with_leadstage_fields`
        adds the LeadStage_*__c fields."""
        now_ms = datetime_to_ms(now) if now is not None else clock_ms(self.config.clock)
        org = self.salesforce
        with org.lock:
            org.clear()
            seeded = seed_org(seed, n_leads, now_ms, org.owner_ids)
            org.install(seeded.tables, seeded.activities)
            org.created_ms = seeded.created_ms
            if with_leadstage_fields:
                for object_name in ("Lead", "Contact"):
                    org.add_custom_fields(object_name, LEADSTAGE_FIELDS)

    def load(self, path: str | Path) -> None:
        """Replace all data with a data file's (see hubspot/datafile.py for the format)."""
        datafile.load(self.hubspot, path)

    def dump(self, path: str | Path) -> None:
        """Write all data to a data file."""
        datafile.dump(self.hubspot, path)

    # ----- server ------------
    def start(self) -> str:
        """Serve on 127.0.0.1 (a free port unless `config.port`) in daemon threads; returns the base URL."""
        if self._server is None:
            self._server = ServerThread(self.config.host, self.config.port, self._pipeline)
            self._server.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and close open connections."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until Ctrl-C (returns cleanly on KeyboardInterrupt)."""
        self._server = ServerThread(self.config.host, self.config.port, self._pipeline)
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server.close_connections()
            self._server.server.server_close()
            self._server = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (RuntimeError when not started)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running: call start() first")
        return self._server.port

    @property
    def url(self) -> str:
        """The base URL to pass as the HubSpot client's host (and to `salesforce_session`)."""
        return f"http://{self.config.host}:{self.port}"

    @property
    def salesforce_instance_url(self) -> str:
        """The Salesforce instance URL logins report ("https://127.0.0.1:PORT"; `salesforce_session` maps it)."""
        return f"https://{self._authority()}"

    def _authority(self) -> str:
        return f"{self.config.host}:{self.port}"

    # ----- observation ------------
    def counts(self) -> dict[str, int]:
        """Requests per endpoint name, whatever their answer (unknown paths count as "unknown")."""
        return self._stats.counts()

    def total_requests(self) -> int:
        """All requests received."""
        return sum(self._stats.counts().values())

    def reset_counts(self) -> None:
        """Forget the counts and the request log."""
        self._stats.reset()

    @property
    def request_log(self) -> list[RequestRecord]:
        """Every request so far, in arrival order of their answers."""
        return self._stats.log()

    # ----- faults ------------
    def inject(
        self,
        endpoint: str | None = None,
        status: int = 500,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
        reset: bool = False,
        delay_s: float | None = None,
        stall_body_s: float | None = None,
    ) -> None:
        """Answer the next `times` requests to `endpoint` (None: any) with this fault instead of serving them.

        `reset=True` closes the connection without an answer; `delay_s` sleeps, then serves normally;
        `stall_body_s` serves normally but pauses halfway through the body (the headers already sent).
        Without `body`, the status gets HubSpot's usual error body (429: the ten-secondly rate-limit body),
        or on Salesforce endpoints (sf.*) Salesforce's `[{"message", "errorCode"}]` (500 UNKNOWN_EXCEPTION,
        503 SERVER_UNAVAILABLE, ...).
        """
        if times < 1:
            raise ValueError("inject(times=...) must be at least 1")
        self._injector.add(InjectRule(endpoint, times, status, dict(headers or {}), body, reset, delay_s, stall_body_s))

    def clear_injections(self) -> None:
        """Drop scripted faults that have not fired yet."""
        self._injector.clear()
