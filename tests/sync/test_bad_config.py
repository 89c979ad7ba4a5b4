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


def tier(index, **change):
    """A change to a tier of the shipped "Seniority" rule (scoring.fit[4])."""
    return lambda d: d["scoring"]["fit"][4]["tiers"][index].update(change)


def student_part(*path, **change):
    """A change to a table inside the shipped "Student" group (scoring.fit[5]): path of keys and indexes."""

    def edit(data):
        node = data["scoring"]["fit"][5]
        for key in path:
            node = node[key]
        node.update(change)

    return edit


def edit(path, value):
    """Set the value at ``path`` (keys and indexes) of the config data."""

    def apply(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return apply


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
    ("two operators in one rule", fit(0, equals="Software"), "scoring.fit[0]", "exactly one"),
    ("unknown operator", fit(2, matches="x"), "scoring.fit[2]", ""),
    ("points as text", fit(3, points="25"), "scoring.fit[3].points", ""),
    ("duplicate rule name", fit(6, name="Seniority"), "scoring.fit", "Seniority"),
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
        fit(6, field="jobtitle"),
        "scoring.fit[6].field",
        "'jobtitle' is HubSpot's name for the canonical field 'job_title'",
    ),
    (
        "HubSpot's property name in a tier",
        tier(1, field="jobtitle"),
        "scoring.fit[4].tiers[1].field",
        "'jobtitle' is HubSpot's name for the canonical field 'job_title'",
    ),
    (
        "Salesforce's field name in a rule",
        fit(3, field="Industry"),
        "scoring.fit[3].field",
        "'Industry' is Salesforce's name for the canonical field 'industry'",
    ),
    ("a field that does not exist", fit(2, field="employes"), "scoring.fit[2].field", "did you mean 'employees'?"),
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
    # Groups, tiers and rule references (the "Student" group is any = [title, all = [domain, not = { rule }]]).
    ("an empty group", fit(5, any=[]), "scoring.fit[5].any", "an empty group"),
    ("a group and a field on one rule", fit(5, field="job_title"), "scoring.fit[5]", "not several (found: field, any)"),
    (
        "an unknown key deep in a group",
        student_part("any", 1, "all", 1, "not", regexp="x"),
        "scoring.fit[5].any[1].all[1].not.regexp",
        "unknown key",
    ),
    (
        "a lookbehind deep in a group",
        student_part("any", 1, "all", 0, regex="(?<=@)edu"),
        "scoring.fit[5].any[1].all[0].regex",
        "RE2",
    ),
    (
        "a group naming a rule that does not exist",
        student_part("any", 1, "all", 1, "not", rule="Senority"),
        "scoring.fit[5].any[1].all[1].not.rule",
        "no fit or engagement rule is named 'Senority'; did you mean 'Seniority'?",
    ),
    (
        "a rule referring to itself",
        lambda d: d["scoring"]["fit"][5]["any"].append({"rule": "Student"}),
        "scoring.fit[5].any[2].rule",
        "rule 'Student' refers to itself: 'Student' -> 'Student'",
    ),
    (
        "two rules referring to each other",
        edit(
            ("scoring", "fit", 4, "tiers", 3),
            {
                "name": "Manager",
                "all": [{"field": "job_title", "regex": "(?i)manager"}, {"not": {"rule": "Student"}}],
                "points": 10,
            },
        ),
        "scoring.fit[4].tiers[3].all[1].not.rule",
        "rule 'Seniority' refers to itself: 'Seniority' -> 'Student' -> 'Seniority'",
    ),
    ("a rule at the top of a fit rule", fit(2, rule="Seniority"), "scoring.fit[2]", "inside a group"),
    ("tiers without a tier", fit(4, tiers=[]), "scoring.fit[4].tiers", "at least one tier"),
    ("points beside tiers", fit(4, points=10), "scoring.fit[4]", "per tier"),
    ("two tiers of one name", tier(1, name="C-level"), "scoring.fit[4].tiers", "'C-level'"),
    ("a tier without points", drop("scoring", "fit", 4, "tiers", 2, "points"), "scoring.fit[4].tiers[2].points", ""),
    (
        "BANT naming a rule that does not exist",
        lambda d: d["bant"]["need"][0].update(rule="Demo requests"),
        "bant.need[0].rule",
        "did you mean 'Demo request'?",
    ),
    (
        "BANT choosing a tier the rule does not have",
        lambda d: d["bant"]["authority"][0].update(tiers=["C-level", "VPs"]),
        "bant.authority[0].tiers[1]",
        "rule 'Seniority' has no tier 'VPs'; did you mean 'VP'?",
    ),
    (
        "BANT choosing tiers of an engagement rule",
        lambda d: d["bant"]["need"][0].update(tiers=["VP"]),
        "bant.need[0].tiers",
        "'Demo request' is an engagement rule: it has no tiers",
    ),
    (
        "a time window on a fit rule named by BANT",
        lambda d: d["bant"]["authority"][0].update(within_days=30),
        "bant.authority[0].within_days",
        "'Seniority' is a fit rule",
    ),
    (
        "a name both a fit and an engagement rule have",
        engagement(0, name="Seniority"),
        "bant.authority[0].rule",
        "'Seniority' names both scoring.fit[4] and scoring.engagement[0]",
    ),
    (
        "a temperature window counting a fit rule",
        lambda d: d["temperature"]["hot"]["rules"].append("Seniority"),
        "temperature.hot.rules[8]",
        "'Seniority' is a fit rule",
    ),
    (
        "a temperature window counting an unknown rule",
        edit(("temperature", "hot", "rules", 0), "Pricing page visits"),
        "temperature.hot.rules[0]",
        "no engagement rule is named 'Pricing page visits'; did you mean 'Pricing page visit'?",
    ),
    ("a temperature window counting no rule", edit(("temperature", "hot", "rules"), []), "temperature.hot.rules", ""),
    (
        "a hand-raiser rule that does not exist",
        lambda d: d["stages"].update(mql_rules=["Demo requests"]),
        "stages.mql_rules[0]",
        "did you mean 'Demo request'?",
    ),
    (
        "a hand-raiser fit minimum of infinity",
        lambda d: d["stages"].update(mql_rules_min_fit=float("inf")),
        "stages.mql_rules_min_fit",
        "-inf for no minimum",
    ),
    ("an unknown way to combine", lambda d: d["scoring"].update(combine="sum"), "scoring.combine", "'clamped'"),
    ("an unknown band reading", fit(1, band="middle"), "scoring.fit[1].band", "'midpoint'"),
    ("a band reading without a range", fit(0, band="overlap"), "scoring.fit[0]", "band says how a number band"),
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
