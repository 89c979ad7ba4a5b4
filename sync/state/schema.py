"""The state store's tables (SQLAlchemy 2 Core), identical on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

# The version of the tables below; ``state_migrate`` creates them or brings an older store up to it.
SCHEMA_VERSION = 3
ID = String(64)
PORTAL = String(100)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store; pass an aware UTC datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


metadata = MetaData()

meta = Table(
    "leadstage_meta",
    metadata,
    Column("key", String(50), primary_key=True),
    Column("value", Text, nullable=False),
)

positions = Table(
    "sweep_positions",
    metadata,
    Column("portal", PORTAL, primary_key=True),
    Column("stream", String(50), primary_key=True),
    Column("position", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

contacts = Table(
    "contact_state",
    metadata,
    Column("portal", PORTAL, primary_key=True),
    Column("contact_id", ID, primary_key=True),
    Column("fields", JSON, nullable=False),
    Column("activity_marker", Text),
    Column("crm_updated_at", UTCDateTime),
    Column("stage", String(20), nullable=False),
    Column("observed", String(20)),
    Column("entered", JSON, nullable=False),
    Column("recycled_at", UTCDateTime),
    Column("written", JSON, nullable=False),
    Column("written_at", UTCDateTime),
    Column("score", Integer),
    Column("grade", String(1)),
    Column("temperature", String(8)),
    Column("last_run_id", Integer),
    Column("evaluated_at", UTCDateTime),
    # The contact's company (HubSpot company, Salesforce Account): its contacts are evaluated again when it changes.
    # v3.
    Column("company_id", ID),
    Index("ix_contact_state_company", "portal", "company_id"),
)

# The companies (accounts) contacts belong to, as last read: canonical fields (company.industry...). v3.
companies = Table(
    "companies",
    metadata,
    Column("portal", PORTAL, primary_key=True),
    Column("company_id", ID, primary_key=True),
    Column("fields", JSON, nullable=False),
    Column("read_at", UTCDateTime, nullable=False),
    Column("run_id", Integer),
)

activities = Table(
    "activities",
    metadata,
    Column("portal", PORTAL, primary_key=True),
    Column("contact_id", ID, primary_key=True),
    Column("activity_id", String(120), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("source", String(12), nullable=False),
    Column("run_id", Integer),
    Index("ix_activities_run", "portal", "run_id"),
)

stage_history = Table(
    "stage_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", PORTAL, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("from_stage", String(20)),
    Column("to_stage", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", String(10), nullable=False),
    Column("run_id", Integer),
    # Where ``at`` came from: "computed" (leadstage's own promotion), "crm:<field>" (a stage date the CRM keeps),
    # or "crm:modified" (the record's last modification, when the CRM keeps no date for the stage). v2.
    Column("at_source", String(160)),
    # The transition's identity: from which stage entered when, to which stage (see ``transition_key``). Two runs
    # deciding the same move from the same state agree on it, whatever moment each calls now. v2.
    Column("transition_key", String(200)),
    UniqueConstraint("portal", "contact_id", "to_stage", "at", name="uq_stage_history_once"),
    Index("uq_stage_history_transition", "portal", "contact_id", "transition_key", unique=True),
    Index("ix_stage_history_at", "portal", "at"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", PORTAL, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("status", String(12), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("error", Text),
    Column("duration_s", Float),
    # The process that runs it (``role:host:pid:tag``, as in the leases table): a run left "running" by a process
    # that is gone is marked crashed by the next run or by ``leadstage runs``. v2.
    Column("holder", String(200)),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", PORTAL, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("run_id", Integer),
    Column("phase", String(12), nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("retryable", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("resolution", String(20)),  # replayed or dropped
    Index("ix_dead_letters_open", "portal", "resolved_at"),
)

leases = Table(
    "leases",
    metadata,
    Column("portal", PORTAL, primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
