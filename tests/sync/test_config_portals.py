"""Several portals in one config: their own CRM, secrets, profile (shared or not), schedule and quota share."""

from __future__ import annotations

import pytest

from leadstage.sync.config import settings_from_data
from leadstage.sync.config.errors import ConfigError
from tests.conftest import config_data


@pytest.fixture
def agency(tmp_path):
    data = config_data(tmp_path, "http://127.0.0.1:1")
    data["profiles"] = {
        "enterprise": {
            "stages": {"mql_threshold": 75, "mql_min_grade": "B"},
            "scoring": {"fit": [{"name": "Big company", "field": "employees", "min": 1000, "points": 60}]},
        }
    }
    data["portals"]["acme"] = {
        "crm": "hubspot",
        "token_env": "ACME_TOKEN",
        "profile": "enterprise",
        "sync_cron": "*/15 * * * *",
        "rate_share": 0.5,
    }
    data["portals"]["globex"] = {
        "crm": "salesforce",
        "auth": "password",
        "username_env": "GLOBEX_USER",
        "password_env": "GLOBEX_PASSWORD",
        "object": "Contact",
        "profile": "enterprise",
        "quota_share": 0.4,
    }
    return tmp_path / "leadstage.toml", data


def test_each_portal_gets_its_crm_and_profile_and_profiles_can_be_shared(agency):
    path, data = agency

    settings = settings_from_data(path, data)

    main, acme, globex = (settings.portal(name) for name in ("main", "acme", "globex"))
    assert main.model.stages.mql_threshold == 55  # the top-level (default) profile
    assert acme.model.stages.mql_threshold == globex.model.stages.mql_threshold == 75
    assert [r.name for r in acme.model.scoring.fit_rules] == ["Big company"]
    assert {s.field for s in globex.model.stages.signals} == {"lead_status", "converted"}  # Salesforce's mapping
    assert acme.section.sync_cron == "*/15 * * * *" and globex.section.quota_share == 0.4


def test_with_several_portals_a_command_must_name_one(agency):
    path, data = agency
    settings = settings_from_data(path, data)

    with pytest.raises(ConfigError, match="several portals configured; choose one with --portal"):
        settings.portal(None)
    with pytest.raises(ConfigError, match="no portal named 'initech'"):
        settings.portal("initech")


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (lambda d: d["portals"]["acme"].update(profile="smb"), "portals.acme.profile", "no profile named 'smb'"),
        (
            lambda d: d["portals"]["acme"].update(sync_cron="every day"),
            "portals.acme.sync_cron",
            "not a cron expression",
        ),
        (lambda d: d["portals"]["globex"].pop("password_env"), "portals.globex", "needs password_env"),
        (
            lambda d: d["portals"]["globex"].update(token_env="X"),
            "portals.globex",
            "token_env do not apply to a salesforce portal",
        ),
        (lambda d: d["portals"]["acme"].update(object="Lead"), "portals.acme", "object do not apply to a hubspot"),
        (lambda d: d["portals"]["globex"].update(auth="session"), "portals.globex", "needs session_id_env"),
        (
            lambda d: d["portals"]["globex"].update(password="hunter2"),
            "portals.globex",
            "must not be written in the config file",
        ),
        (
            lambda d: d["profiles"]["enterprise"]["stages"].update(mql_min_grade="E"),
            "profiles.enterprise.stages.mql_min_grade",
            "'A', 'B', 'C' or 'D'",
        ),
    ],
)
def test_portal_mistakes_name_their_key(agency, edit, key, message):
    path, data = agency
    edit(data)

    with pytest.raises(ConfigError) as raised:
        settings_from_data(path, data)

    text = "\n".join(raised.value.problems)
    assert f"{path}:{key}" in text and message in text
    assert "hunter2" not in text
