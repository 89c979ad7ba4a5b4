"""The config mistakes an admin makes: each stops with exit 2 and a message naming file and key, before any request.

Secrets written inline never echo back.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from leadstage.sync.cli import app
from tests.conftest import TOKEN, TOKEN_ENV, config_data, write_config

runner = CliRunner()


def fit(index, **change):
    return lambda d: d["scoring"]["fit"][index].update(change)


def engagement(index, **change):
    return lambda d: d["scoring"]["engagement"][index].update(change)


def portal(**change):
    return lambda d: d["portals"]["main"].update(change)


def drop(*path):
    def edit(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node.pop(path[-1])

    return edit


MISTAKES = [
    ("bad regex", fit(0, regex="(unclosed"), "scoring.fit[0].regex", "regex"),
    ("two operators in one rule", fit(1, equals="Manager"), "scoring.fit[1]", "exactly one"),
    ("unknown operator", fit(2, matches="x"), "scoring.fit[2]", ""),
    ("points as text", fit(3, points="25"), "scoring.fit[3].points", ""),
    ("duplicate rule name", fit(4, name="Senior title"), "scoring.fit", "Senior title"),
    ("negative half-life", lambda d: d["scoring"].update(half_life_days=-3), "scoring.half_life_days", "above 0"),
    ("both weights zero", lambda d: d["scoring"].update(fit_weight=0, engagement_weight=0), "scoring", "weight"),
    ("unknown activity kind", engagement(0, kind="pageview"), "scoring.engagement[0].kind", "page_view"),
    ("zero cap", engagement(1, cap=0), "scoring.engagement[1].cap", ""),
    ("threshold out of range", lambda d: d["stages"].update(mql_threshold=140), "stages.mql_threshold", "100"),
    ("grade that does not exist", lambda d: d["stages"].update(mql_min_grade="E"), "stages.mql_min_grade", ""),
    (
        "unknown stage in the mapping",
        lambda d: d["stages"]["hubspot"]["signals"]["lead_status"].update(NEW="hot"),
        "stages.hubspot.signals.lead_status.NEW",
        "",
    ),
    ("BANT cut-offs upside down", lambda d: d["bant"].update(cutoffs={"A": 2, "B": 3, "C": 1}), "bant.cutoffs", ""),
    (
        "temperature window of 0 days",
        lambda d: d["temperature"].update(hot={"within_days": 0, "min_points": 20}),
        "temperature.hot.within_days",
        "",
    ),
    ("misspelt key", lambda d: d["sync"].update(overlap_minuts=5), "sync.overlap_minuts", "unknown key"),
    ("unknown CRM", portal(crm="pipedrive"), "portals.main.crm", "hubspot"),
    ("token written inline", portal(token="pat-na1-inline-secret-77"), "portals.main", "environment variable"),
    ("token env and file both", portal(token_file="/run/token"), "portals.main", "not both"),
    ("no secret source", drop("portals", "main", "token_env"), "portals.main", "token_env"),
    ("unknown profile", portal(profile="enterprise"), "portals.main.profile", "no profile named"),
    ("rate share above 1", portal(rate_share=1.5), "portals.main.rate_share", ""),
    ("bad cron", portal(sync_cron="every morning"), "portals.main.sync_cron", "cron"),
    (
        "web event to an unknown kind",
        lambda d: d["portals"]["main"]["web_events"].update(e_visited_page="visit"),
        "portals.main.web_events",
        "unknown activity kind",
    ),
    ("Salesforce key on a HubSpot portal", portal(object="Lead"), "portals.main", "do not apply"),
    (
        "state URL with a password",
        lambda d: d["state"].update(url="postgresql://u:hunter2@db/leadstage"),
        "state.url",
        "url_env",
    ),
    ("no portals", lambda d: d.update(portals={}), "portals", "at least one portal"),
    # A typo in a field name would silently disable the rule: each is an error with a suggestion.
    (
        "HubSpot's property name in a rule",
        fit(0, field="jobtitle"),
        "scoring.fit[0].field",
        "'jobtitle' is HubSpot's name for the canonical field 'job_title'",
    ),
    (
        "Salesforce's field name in a rule",
        fit(3, field="Industry"),
        "scoring.fit[3].field",
        "'Industry' is Salesforce's name for the canonical field 'industry'",
    ),
    ("a field that does not exist", fit(4, field="employes"), "scoring.fit[4].field", "did you mean 'employees'?"),
    (
        "an activity attribute in the wrong case",
        engagement(0, where={"URL": {"contains": "/pricing"}}),
        "scoring.engagement[0].where.URL",
        "did you mean 'url'?",
    ),
    (
        "a BANT rule on an unknown field",
        lambda d: d["bant"]["budget"][0].update(field="revenue"),
        "bant.budget[0].field",
        "did you mean 'annual_revenue'?",
    ),
    (
        "a stage signal on an unknown field",
        lambda d: d["stages"]["hubspot"]["signals"].update(lifecyle_stage={"lead": "raw"}),
        "stages.hubspot.signals.lifecyle_stage",
        "did you mean 'lifecycle_stage'?",
    ),
    (
        "a required field nobody has",
        lambda d: d["sync"].update(required_fields=["email", "shoe_size"]),
        "sync.required_fields[1]",
        "unknown field 'shoe_size'",
    ),
    ("a regex with lookahead", fit(1, regex="(?i)manager(?!.*director)"), "scoring.fit[1].regex", "RE2"),
    ("a cron that never fires", portal(sync_cron="0 0 31 2 *"), "portals.main.sync_cron", "never fires"),
    ("an ftp base URL", portal(base_url="ftp://api.hubapi.com"), "portals.main.base_url", "not an https URL"),
    (
        "a token in the base URL",
        portal(base_url="https://pat-na1-inline-secret-77@api.hubapi.com"),
        "portals.main.base_url",
        "credentials",
    ),
    ("plain http to another host", portal(base_url="http://api.hubapi.com"), "portals.main.base_url", "only allowed"),
    (
        "an event look-back shorter than the rules look",
        lambda d: d["sync"].update(first_run_lookback_days=180),
        "sync.first_run_lookback_days",
        "scoring.max_age_days looks back 365 days",
    ),
    (
        "a state store of an unsupported database",
        lambda d: d["state"].update(url="oracle://db.internal/leadstage"),
        "state.url",
        "the state store cannot be used",
    ),
    (
        "a state store that is not a URL",
        lambda d: d["state"].update(url="leadstage.db"),
        "state.url",
        "not a database URL",
    ),
    (
        "a state store nobody answers at",
        lambda d: d["state"].update(url="postgresql+psycopg://postgres@127.0.0.1:1/leadstage"),
        "state.url",
        "cannot open postgresql+psycopg://postgres@127.0.0.1:1/leadstage",
    ),
]


@pytest.mark.parametrize(("edit", "key", "says"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_config_mistake_stops_before_any_request_naming_the_key(tmp_path, sandbox, monkeypatch, edit, key, says):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    data = config_data(tmp_path, sandbox.url)
    edit(data)
    path = write_config(tmp_path / "leadstage.toml", data)

    result = runner.invoke(app, ["sync", "-c", str(path)])

    assert result.exit_code == 2, result.output
    assert f"{path}:{key}" in result.output
    assert says in result.output
    assert sandbox.total_requests() == 0
    assert "hunter2" not in result.output and "pat-na1-inline-secret-77" not in result.output


@pytest.mark.parametrize(
    ("setup", "says"),
    [
        (lambda env, path: env.delenv(TOKEN_ENV), "portals.main.token_env: environment variable"),
        (lambda env, path: None, "TOML syntax error"),
        (lambda env, path: None, "not UTF-8 text"),
    ],
    ids=["token variable not set", "TOML syntax error", "not UTF-8"],
)
def test_an_unusable_environment_or_file_stops_before_any_request(tmp_path, sandbox, monkeypatch, setup, says):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    path = write_config(tmp_path / "leadstage.toml", config_data(tmp_path, sandbox.url))
    if says == "TOML syntax error":
        path.write_text(path.read_text() + "\n[scoring\n")
    if says.startswith("not UTF-8"):
        path.write_bytes(path.read_bytes() + "\n# Société Générale\n".encode("latin-1"))
    setup(monkeypatch, path)

    result = runner.invoke(app, ["sync", "-c", str(path)])

    assert result.exit_code == 2 and str(path) in result.output and says in result.output
    assert sandbox.total_requests() == 0


def test_a_token_file_that_cannot_be_read_is_named(tmp_path, sandbox, monkeypatch):
    data = config_data(tmp_path, sandbox.url)
    data["portals"]["main"].pop("token_env")
    data["portals"]["main"]["token_file"] = "secrets/missing-token"
    path = write_config(tmp_path / "leadstage.toml", data)

    result = runner.invoke(app, ["sync", "-c", str(path)])

    assert result.exit_code == 2 and f"{path}:portals.main.token_file: cannot read" in result.output
    assert sandbox.total_requests() == 0
