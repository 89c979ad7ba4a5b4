"""Fixtures shared by the state-store tests: each runs on SQLite and on a real PostgreSQL (its own schema)."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy

from leadstage.sync.state import safe_url

POSTGRES_URL = os.environ.get("LEADSTAGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("LEADSTAGE_REQUIRE_POSTGRES") == "1"


def _postgres_schema_url() -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    except sqlalchemy.exc.OperationalError as error:
        admin.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required here but unreachable at {safe_url(POSTGRES_URL)}: {error}")
        pytest.skip(f"no PostgreSQL at {safe_url(POSTGRES_URL)} (set LEADSTAGE_TEST_POSTGRES_URL)")
    admin.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", schema


def _drop_schema(schema: str) -> None:
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def state_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    url, schema = _postgres_schema_url()
    yield url
    _drop_schema(schema)
