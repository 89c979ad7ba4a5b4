"""Building a connector for a configured portal: secrets, limits, retry policy and timeouts wired together."""

from __future__ import annotations

from leadstage.connectors.base import Connector
from leadstage.connectors.clock import TimeSource
from leadstage.connectors.hubspot.client import HubSpotCalls
from leadstage.connectors.hubspot.connector import HubSpotConnector
from leadstage.connectors.hubspot.settings import HubSpotSettings
from leadstage.connectors.resilience import RateLimiter, RetryPolicy, RetrySettings, Timeouts
from leadstage.connectors.salesforce.client import SalesforceAuth, SalesforceCalls
from leadstage.connectors.salesforce.connector import SalesforceConnector
from leadstage.connectors.salesforce.settings import QUERY_PAGE_LIMIT, SalesforceSettings
from leadstage.sync.config import PortalSettings, Settings
from leadstage.sync.config.errors import ConfigError
from leadstage.sync.config.portals import (
    company_field_map,
    hubspot_field_map,
    hubspot_web_events,
    read_salesforce_secrets,
    read_token,
    salesforce_campaign_kinds,
    salesforce_field_map,
)
from leadstage.sync.logsetup import register_secret
from leadstage.sync.state import StateStore, StateStoreError


def retry_settings(settings: Settings) -> RetrySettings:
    retry = settings.sync.retry
    return RetrySettings(
        attempts=retry.attempts,
        max_total_s=retry.max_total_seconds,
        backoff_initial_s=retry.backoff_initial_seconds,
        backoff_max_s=retry.backoff_max_seconds,
    )


def open_store(settings: Settings) -> StateStore:
    """The configured state store, opened (created or migrated if need be); ConfigError naming the key when it
    cannot be: not a URL, an unsupported database, no driver, unreachable, or written by a newer leadstage."""
    try:
        return StateStore(settings.state_url)
    except StateStoreError as error:
        raise ConfigError([f"{settings.path}:{settings.state_key}: the state store cannot be used: {error}"]) from None


def build_connector(
    settings: Settings,
    portal: PortalSettings,
    clock: TimeSource,
    rate_share: float | None = None,
) -> Connector:
    """A ready connector for the portal; ConfigError (before any request) if a secret is missing."""
    section = portal.section
    share = section.rate_share if rate_share is None else rate_share
    timeouts = Timeouts(settings.sync.timeouts.connect_seconds, settings.sync.timeouts.read_seconds)
    policy = RetryPolicy(retry_settings(settings), sleep=clock.sleep, clock=clock.monotonic)
    limiter = RateLimiter(section.rate_limit, section.rate_interval_seconds, clock.monotonic, clock.sleep, share)
    if portal.crm == "salesforce":
        secrets = read_salesforce_secrets(settings.path, portal.name, section)
        assert section.auth is not None
        auth = SalesforceAuth(
            mode=section.auth, login_url=section.login_url, instance_url=section.instance_url, **secrets
        )
        sf_settings = SalesforceSettings(
            object_name=section.object,
            api_version=section.api_version,
            field_prefix=section.field_prefix,
            field_map=salesforce_field_map(section),
            campaign_kinds=salesforce_campaign_kinds(section),
            quota_share=section.quota_share,
            bulk_threshold=section.bulk_threshold,
            page_limit=min(section.page_size, QUERY_PAGE_LIMIT)
            if "page_size" in section.model_fields_set
            else QUERY_PAGE_LIMIT,
            stage_dates=portal.stage_dates,
            company_fields=company_field_map(section),
        )
        calls = SalesforceCalls(
            auth, section.api_version, limiter, policy, timeouts, section.quota_share, on_secret=register_secret
        )
        return SalesforceConnector(sf_settings, calls, clock.now, clock.sleep, clock.monotonic)
    token = read_token(settings.path, portal.name, section)
    search_limiter = RateLimiter(max(1, int(section.search_rate_per_second)), 1.0, clock.monotonic, clock.sleep)
    hub = HubSpotSettings(
        base_url=section.base_url,
        rate_limit=section.rate_limit,
        rate_interval_s=section.rate_interval_seconds,
        rate_share=share,
        search_rate_per_second=section.search_rate_per_second,
        property_group=section.property_group,
        property_prefix=section.property_prefix,
        field_map=hubspot_field_map(section),
        engagement_types=tuple(section.engagement_types)
        if section.engagement_types is not None
        else HubSpotSettings().engagement_types,
        web_events=hubspot_web_events(section),
        page_size=section.page_size,
        stage_dates=portal.stage_dates,
        company_fields=company_field_map(section),
    )
    calls_hs = HubSpotCalls(token, section.base_url, limiter, search_limiter, policy, timeouts, clock.monotonic)
    return HubSpotConnector(hub, calls_hs)
