"""``[portals.<name>]``: one CRM account, its limits, field mapping, and where its secrets are.

Secrets are never in the file: a HubSpot portal names the environment variable (``token_env``) or file
(``token_file``) holding its token; a Salesforce org names the environment variables of its auth mode.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from leadstage.connectors.hubspot.settings import DEFAULT_BASE_URL, DEFAULT_FIELD_MAP, DEFAULT_WEB_EVENTS
from leadstage.connectors.hubspot.settings import DEFAULT_COMPANY_FIELDS as DEFAULT_COMPANY_PROPERTIES
from leadstage.connectors.salesforce.settings import (
    DEFAULT_API_VERSION,
    DEFAULT_BULK_THRESHOLD,
    DEFAULT_CAMPAIGN_KINDS,
    DEFAULT_COMPANY_FIELDS,
    DEFAULT_FIELDS,
    DEFAULT_LOGIN_URL,
)
from leadstage.mapping.model import ActivityKind
from leadstage.sync.config.base import Section
from leadstage.sync.config.errors import ConfigError
from leadstage.sync.logsetup import register_secret

SECRET_KEYS = frozenset(
    {
        "token",
        "access_token",
        "api_key",
        "apikey",
        "password",
        "secret",
        "client_secret",
        "consumer_secret",
        "security_token",
        "private_key",
        "session_id",
    }
)
# The environment variables each Salesforce auth mode needs (optional ones in the second set).
SALESFORCE_AUTH_ENV: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "password": (("username_env", "password_env"), ("security_token_env",)),
    "jwt": (("username_env", "consumer_key_env", "private_key_file_env"), ()),
    "client_credentials": (("consumer_key_env", "consumer_secret_env"), ()),
    "session": (("session_id_env",), ()),
}
HUBSPOT_ONLY = frozenset(
    {
        "token_env",
        "token_file",
        "base_url",
        "search_rate_per_second",
        "property_group",
        "property_prefix",
        "web_events",
        "engagement_types",
    }
)
SALESFORCE_ONLY = frozenset(
    {
        "object",
        "auth",
        "login_url",
        "instance_url",
        "api_version",
        "quota_share",
        "bulk_threshold",
        "field_prefix",
        "campaign_kinds",
        "username_env",
        "password_env",
        "security_token_env",
        "consumer_key_env",
        "consumer_secret_env",
        "private_key_file_env",
        "session_id_env",
    }
)
_KINDS = frozenset(kind.value for kind in ActivityKind)


def _check_kinds(mapping: dict[str, str] | None) -> dict[str, str] | None:
    for key, kind in (mapping or {}).items():
        if kind not in _KINDS:
            raise ValueError(f"{key} maps to unknown activity kind {kind!r}; known: {sorted(_KINDS)}")
    return mapping


class PortalSection(Section):
    """``[portals.<name>]``: one CRM account."""

    crm: Literal["hubspot", "salesforce"]
    profile: str = "default"
    rate_limit: Annotated[int, Field(ge=1, le=100_000)] = 100
    rate_interval_seconds: Annotated[float, Field(gt=0, le=86_400)] = 10.0
    rate_share: Annotated[float, Field(gt=0, le=1)] = 0.9
    page_size: Annotated[int, Field(ge=1, le=10_000)] = 1_000  # contacts evaluated and committed together
    fields: dict[str, str] = {}
    # More company (Salesforce: Account) fields, as canonical name = CRM field: rules name them company.<name>.
    company_fields: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], str] = {}
    # Schedule (leadstage daemon): an incremental sync every N minutes, or on a cron expression (UTC); a
    # rescore (decay, SLA) every N hours, 0 for never.
    sync_every_minutes: Annotated[float, Field(gt=0, le=7 * 24 * 60)] = 5.0
    sync_cron: str | None = None
    rescore_every_hours: Annotated[float, Field(ge=0, le=24 * 31)] = 6.0
    # HubSpot
    token_env: str | None = None
    token_file: str | None = None
    base_url: str = DEFAULT_BASE_URL
    search_rate_per_second: Annotated[float, Field(gt=0, le=1000)] = 4.0
    property_group: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] = "leadstage"
    property_prefix: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] = "leadstage_"
    web_events: dict[str, str] | None = None
    engagement_types: list[Literal["emails", "calls", "meetings", "notes", "tasks"]] | None = None
    # Salesforce
    object: Literal["Lead", "Contact"] = "Lead"
    auth: Literal["password", "jwt", "client_credentials", "session"] | None = None
    login_url: str = DEFAULT_LOGIN_URL
    instance_url: str | None = None
    api_version: Annotated[str, Field(pattern=r"^\d{2}\.0$")] = DEFAULT_API_VERSION
    quota_share: Annotated[float, Field(gt=0, le=1)] = 0.8
    bulk_threshold: Annotated[int, Field(ge=1)] = DEFAULT_BULK_THRESHOLD
    field_prefix: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")] = "LeadStage_"
    campaign_kinds: dict[str, str] | None = None
    username_env: str | None = None
    password_env: str | None = None
    security_token_env: str | None = None
    consumer_key_env: str | None = None
    consumer_secret_env: str | None = None
    private_key_file_env: str | None = None
    session_id_env: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secrets(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key in data:
                if str(key).lower() in SECRET_KEYS:
                    raise ValueError(
                        f"{key!r} must not be written in the config file: put the secret in an environment "
                        "variable and name that variable here (token_env, password_env, ...)"
                    )
        return data

    @model_validator(mode="after")
    def _secrets_for_the_crm(self) -> PortalSection:
        given = self.model_fields_set
        wrong = sorted(given & (SALESFORCE_ONLY if self.crm == "hubspot" else HUBSPOT_ONLY))
        if wrong:
            raise ValueError(f"{', '.join(wrong)} do not apply to a {self.crm} portal")
        if self.crm == "hubspot":
            if not self.token_env and not self.token_file:
                raise ValueError("set token_env (the environment variable holding the API token) or token_file")
            if self.token_env and self.token_file:
                raise ValueError("set token_env or token_file, not both")
            return self
        if self.auth is None:
            raise ValueError(f"set auth to one of {', '.join(SALESFORCE_AUTH_ENV)}")
        required, _ = SALESFORCE_AUTH_ENV[self.auth]
        missing = [key for key in required if not getattr(self, key)]
        if self.auth == "session" and not self.instance_url:
            missing.append("instance_url")
        if missing:
            raise ValueError(f"auth = {self.auth!r} needs {', '.join(missing)}")
        return self

    @field_validator("sync_cron")
    @classmethod
    def _valid_cron(cls, expression: str | None) -> str | None:
        if expression is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                trigger = CronTrigger.from_crontab(expression, timezone="UTC")
            except ValueError as error:
                raise ValueError(f'not a cron expression ({error}); e.g. "*/5 * * * *"') from None
            if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
                raise ValueError(f"{expression!r} never fires (no such date, e.g. 31 February); check day and month")
        return expression

    @field_validator("base_url", "login_url", "instance_url")
    @classmethod
    def _crm_url(cls, url: str | None) -> str | None:
        return None if url is None else check_crm_url(url)

    @field_validator("web_events", "campaign_kinds")
    @classmethod
    def _known_kinds(cls, mapping: dict[str, str] | None) -> dict[str, str] | None:
        return _check_kinds(mapping)


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def check_crm_url(url: str) -> str:
    """A CRM address: https (plain http only to this machine, for the sandbox), a host, and no credentials or
    query in it (a token in the URL would be a secret written in the config file)."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "the URL holds credentials (user:secret@); secrets never go in the config file: remove them and name "
            "the environment variable that holds the secret (token_env, password_env, ...)"
        )
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"not an https URL: {url[:80]!r} (e.g. https://api.hubapi.com)")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError("plain http is only allowed to this machine (the sandbox); use https")
    if parts.query or parts.fragment:
        raise ValueError("give the bare address, without ?query or #fragment (tokens never go in the URL)")
    return url


def read_env(path: Path, key: str, variable: str) -> str:
    """A secret from the environment variable the config names at ``key``; ConfigError naming the key."""
    value = os.environ.get(variable, "").strip()
    if not value:
        raise ConfigError([f"{path}:{key}: environment variable {variable} is not set or empty"])
    register_secret(value)
    return value


def read_token(path: Path, name: str, section: PortalSection) -> str:
    """A HubSpot portal's token, from its environment variable or file."""
    if section.token_env:
        return read_env(path, f"portals.{name}.token_env", section.token_env)
    assert section.token_file is not None
    where = f"{path}:portals.{name}.token_file"
    file_path = Path(section.token_file)
    if not file_path.is_absolute():
        file_path = path.parent / file_path
    try:
        value = file_path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError([f"{where}: cannot read {file_path}: {error.strerror}"]) from None
    if not value:
        raise ConfigError([f"{where}: {file_path} is empty"])
    register_secret(value)
    return value


def read_salesforce_secrets(path: Path, name: str, section: PortalSection) -> dict[str, str]:
    """The secrets of a Salesforce org's auth mode, by env key without ``_env`` (``username``, ``password``...)."""
    assert section.auth is not None
    required, optional = SALESFORCE_AUTH_ENV[section.auth]
    secrets: dict[str, str] = {}
    for key in (*required, *optional):
        variable = getattr(section, key)
        if variable is None or (key in optional and not os.environ.get(variable)):
            continue
        secrets[key.removesuffix("_env")] = read_env(path, f"portals.{name}.{key}", variable)
    if "private_key_file" in secrets:
        key_path = Path(secrets.pop("private_key_file"))
        try:
            secrets["private_key"] = key_path.read_text(encoding="utf-8")
        except OSError as error:
            where = f"{path}:portals.{name}.private_key_file_env"
            raise ConfigError([f"{where}: cannot read the key file it names: {error.strerror}"]) from None
        register_secret(secrets["private_key"])
    return secrets


def hubspot_field_map(section: PortalSection) -> dict[str, str]:
    """HubSpot property -> canonical field: the defaults, with the portal's ``fields`` table on top."""
    mapping = {crm: name for crm, name in DEFAULT_FIELD_MAP.items() if name not in section.fields}
    mapping.update({crm: name for name, crm in section.fields.items()})
    return mapping


def hubspot_web_events(section: PortalSection) -> dict[str, str]:
    return dict(section.web_events) if section.web_events is not None else dict(DEFAULT_WEB_EVENTS)


def salesforce_field_map(section: PortalSection) -> dict[str, str]:
    """Salesforce field -> canonical field, for the portal's object, with its ``fields`` table on top."""
    defaults = DEFAULT_FIELDS[section.object]
    mapping = {sf: name for sf, name in defaults.items() if name not in section.fields}
    mapping.update({sf: name for name, sf in section.fields.items()})
    return mapping


def company_field_map(section: PortalSection) -> dict[str, str]:
    """CRM company field -> canonical company field name (without ``company.``): the CRM's standard ones (HubSpot
    company properties; a Salesforce Contact's Account fields, or a Lead's own), with ``company_fields`` on top."""
    defaults = DEFAULT_COMPANY_PROPERTIES if section.crm == "hubspot" else DEFAULT_COMPANY_FIELDS[section.object]
    mapping = {crm: name for crm, name in defaults.items() if name not in section.company_fields}
    mapping.update({crm: name for name, crm in section.company_fields.items()})
    return mapping


def salesforce_campaign_kinds(section: PortalSection) -> dict[str, str]:
    return dict(section.campaign_kinds) if section.campaign_kinds is not None else dict(DEFAULT_CAMPAIGN_KINDS)
