"""Loading and validating the config file: every mistake is reported as ``file:key: what to do``, before any
request is sent. Secrets never live in the config: it names the environment variables (or files) holding them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator

from leadstage.mapping.evaluate import QualificationModel
from leadstage.mapping.model import Stage
from leadstage.mapping.validate import FieldRules
from leadstage.sync.config.base import Section
from leadstage.sync.config.checks import event_lookback, field_problems, reference_problems, sync_field_problems
from leadstage.sync.config.errors import ConfigError
from leadstage.sync.config.portals import PortalSection, hubspot_field_map, salesforce_field_map
from leadstage.sync.config.scoring import (
    BantSection,
    ScoringSection,
    TemperatureSection,
    build_bant_model,
    build_scoring_model,
    build_temperature_model,
)
from leadstage.sync.config.stages import StagesSection, build_promotion, build_stage_rules, stage_date_fields

DEFAULT_CONFIG_NAME = "leadstage.toml"
CONFIG_ENV = "LEADSTAGE_CONFIG"


class StateSection(Section):
    """``[state]``: where leadstage keeps its own state."""

    url: str | None = None
    url_env: str | None = None

    @field_validator("url")
    @classmethod
    def _no_password(cls, url: str | None) -> str | None:
        if url and "@" in url and ":" in url.split("@", 1)[0].split("//", 1)[-1]:
            raise ValueError(
                "the URL holds a password; put the whole URL in an environment variable and name it in url_env"
            )
        return url


class TimeoutsSection(Section):
    connect_seconds: Annotated[float, Field(gt=0, le=120)] = 5.0
    read_seconds: Annotated[float, Field(gt=0, le=600)] = 30.0


class RetrySection(Section):
    attempts: Annotated[int, Field(ge=1, le=20)] = 6
    max_total_seconds: Annotated[float, Field(gt=0)] = 300.0
    backoff_initial_seconds: Annotated[float, Field(gt=0)] = 0.5
    backoff_max_seconds: Annotated[float, Field(gt=0)] = 30.0


class SyncSection(Section):
    """``[sync]``: how runs behave."""

    overlap_minutes: Annotated[float, Field(ge=0, le=24 * 60)] = 10.0
    # A contact lacking a required field, or with a non-number in a numeric one, is quarantined (dead-letter
    # table, with the reason) instead of being scored on bad data.
    required_fields: list[str] = ["email"]
    numeric_fields: list[str] = ["employees", "annual_revenue"]
    # None: as far back as the model's rules look (at least 180 days); see config_checks.event_lookback.
    first_run_lookback_days: Annotated[float, Field(gt=0, le=3650)] | None = None
    timeouts: TimeoutsSection = TimeoutsSection()
    retry: RetrySection = RetrySection()


class DaemonSection(Section):
    """``[daemon]``: the long-running worker."""

    metrics_host: str = "127.0.0.1"
    metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9464  # /metrics and /healthz; 0 turns them off
    lease_seconds: Annotated[float, Field(ge=30, le=86_400)] = 600.0
    misfire_grace_seconds: Annotated[float, Field(ge=1, le=86_400)] = 300.0


class BackfillSection(Section):
    """``[backfill]``: one-off recomputations."""

    rate_share: Annotated[float, Field(gt=0, le=1)] = 0.3  # of the portal's rate limit, leaving the rest to the daemon


class ProfileSection(Section):
    """A named qualification profile (``[profiles.<name>]``); the top-level sections are profile "default"."""

    stages: StagesSection = StagesSection()
    scoring: ScoringSection = ScoringSection()
    bant: BantSection = BantSection()
    temperature: TemperatureSection = TemperatureSection()


class RootSection(Section):
    state: StateSection = StateSection()
    sync: SyncSection = SyncSection()
    daemon: DaemonSection = DaemonSection()
    backfill: BackfillSection = BackfillSection()
    portals: dict[str, PortalSection]
    stages: StagesSection = StagesSection()
    scoring: ScoringSection = ScoringSection()
    bant: BantSection = BantSection()
    temperature: TemperatureSection = TemperatureSection()
    profiles: dict[str, ProfileSection] = {}

    @field_validator("portals")
    @classmethod
    def _at_least_one(cls, portals: dict[str, PortalSection]) -> dict[str, PortalSection]:
        if not portals:
            raise ValueError('configure at least one portal, e.g. [portals.main] with crm = "hubspot"')
        return portals


@dataclass(frozen=True)
class PortalSettings:
    """One portal, ready to connect: CRM settings, where its secret is, and its qualification model.

    ``stage_dates`` names, per stage, the CRM date fields that say when a record entered it; ``notes`` are
    things about the config that are not errors but deserve a look (``leadstage check`` prints them).
    """

    name: str
    crm: str
    section: PortalSection
    model: QualificationModel
    stage_dates: Mapping[Stage, tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """The whole validated configuration."""

    path: Path
    state_url: str
    sync: SyncSection
    portals: Mapping[str, PortalSettings] = field(default_factory=dict)
    daemon: DaemonSection = field(default_factory=DaemonSection)
    backfill: BackfillSection = field(default_factory=BackfillSection)
    # The key the state store's URL came from (state.url, state.url_env, or the default), for error messages.
    state_key: str = "state.url"
    # How far back the first run reads web events (the configured value, or what the models need).
    event_lookback_days: float = 180.0

    def portal(self, name: str | None) -> PortalSettings:
        """The named portal, or the only one when no name is given."""
        if name is None:
            if len(self.portals) != 1:
                raise ConfigError(
                    [f"{self.path}: several portals configured; choose one with --portal ({', '.join(self.portals)})"]
                )
            return next(iter(self.portals.values()))
        if name not in self.portals:
            raise ConfigError([f"{self.path}:portals: no portal named {name!r} (have {', '.join(self.portals)})"])
        return self.portals[name]


def _loc(parts: tuple[int | str, ...]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; config.example.toml lists every key)"
    if kind == "missing":
        return "required key is missing"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def format_errors(path: Path, error: ValidationError) -> list[str]:
    """pydantic's errors as ``file:key: message`` lines, never echoing the offending value."""
    return [f"{path}:{_loc(tuple(e['loc']))}: {_message(e)}" for e in error.errors(include_input=False)]


def find_config(explicit: str | None) -> Path:
    """The config file to use: --config, else $LEADSTAGE_CONFIG, else ./leadstage.toml."""
    candidate = explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME
    path = Path(candidate)
    if not path.is_file():
        raise ConfigError([f"{path}: config file not found (copy config.example.toml to {DEFAULT_CONFIG_NAME})"])
    return path


def load_settings(path: Path, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read and validate the config file (plus programmatic overrides, deep-merged); raise ConfigError."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{path}: TOML syntax error: {error}"]) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            [f"{path}: not UTF-8 text (byte {error.start} cannot be read): save the file as UTF-8"]
        ) from None
    except OSError as error:
        raise ConfigError([f"{path}: cannot read the config file: {error.strerror}"]) from None
    if overrides:
        raw = _merge(raw, overrides)
    return settings_from_data(path, raw)


def settings_from_data(path: Path, data: Mapping[str, Any]) -> Settings:
    """Validate already-parsed config data; ``path`` is where it came from (for messages and relative paths)."""
    try:
        root = RootSection.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_errors(path, error)) from None
    return _build(path, root)


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _build(path: Path, root: RootSection) -> Settings:
    profiles: dict[str, ProfileSection] = {
        "default": ProfileSection(
            stages=root.stages, scoring=root.scoring, bant=root.bant, temperature=root.temperature
        ),
        **root.profiles,
    }
    problems: list[str] = []
    portals: dict[str, PortalSettings] = {}
    in_use: dict[str, ProfileSection] = {}
    for name, section in root.portals.items():
        profile = profiles.get(section.profile)
        if profile is None:
            problems.append(
                f"{path}:portals.{name}.profile: no profile named {section.profile!r} (have {', '.join(profiles)})"
            )
            continue
        prefix = "" if section.profile == "default" else f"profiles.{section.profile}."
        in_use[prefix] = profile
        wrong, notes = field_problems(path, prefix, name, section, (profile.stages, profile.scoring, profile.bant))
        # A model whose references do not resolve cannot be built: those problems are reported instead.
        wrong += reference_problems(path, prefix, profile.stages, profile.scoring, profile.bant, profile.temperature)
        problems.extend(problem for problem in wrong if problem not in problems)
        if problems:
            continue
        try:
            portals[name] = _portal(name, section, profile, root.sync, tuple(notes))
        except ValueError as error:  # what the checks above let through and the model refuses
            problems.append(f"{path}:{prefix or ''}scoring: {error}")
    for key in ("required_fields", "numeric_fields"):
        names = getattr(root.sync, key)
        problems.extend(sync_field_problems(path, f"sync.{key}", names, root.portals, key == "required_fields"))
    lookback, too_short = event_lookback(
        path,
        root.sync.first_run_lookback_days,
        {prefix: (p.scoring, p.bant, p.temperature) for prefix, p in in_use.items()},
    )
    problems.extend(too_short)
    if problems:
        raise ConfigError(problems)
    state_url, state_key = _state_url(path, root.state)
    return Settings(
        path=path,
        state_url=state_url,
        sync=root.sync,
        portals=portals,
        daemon=root.daemon,
        backfill=root.backfill,
        state_key=state_key,
        event_lookback_days=lookback,
    )


def _portal(
    name: str, section: PortalSection, profile: ProfileSection, sync: SyncSection, notes: tuple[str, ...]
) -> PortalSettings:
    stages = profile.stages.for_crm(section.crm)
    stage_rules = build_stage_rules(profile.stages, stages, section.crm)
    model = QualificationModel(
        scoring=build_scoring_model(profile.scoring),
        bant=build_bant_model(profile.bant),
        temperature=build_temperature_model(profile.temperature),
        stages=stage_rules,
        promotion=build_promotion(stages),
        validation=FieldRules(tuple(sync.required_fields), tuple(sync.numeric_fields)),
    )
    crm_map = hubspot_field_map(section) if section.crm == "hubspot" else salesforce_field_map(section)
    crm_names = {canonical: crm for crm, canonical in crm_map.items()}
    dates = stage_date_fields(section.crm, stages, stage_rules, crm_names, section.object)
    return PortalSettings(name, section.crm, section, model, dates, notes)


def _state_url(path: Path, state: StateSection) -> tuple[str, str]:
    """The state store's URL, and the key it came from."""
    if state.url_env:
        value = os.environ.get(state.url_env)
        if not value:
            raise ConfigError([f"{path}:state.url_env: environment variable {state.url_env} is not set"])
        return value, "state.url_env"
    url = state.url or "sqlite:///leadstage.db"
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        # Relative SQLite paths live next to the config file, wherever the command runs from.
        url = prefix + str((path.parent / url[len(prefix) :]).resolve())
    return url, "state.url"
