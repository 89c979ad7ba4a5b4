"""The [scoring], [bant] and [temperature] config sections: mistakes point at their key and say what to do."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from leadstage.mapping.bant import ActivityRule, BantRef, ClauseRule, Cutoffs, FieldRule
from leadstage.mapping.conditions import Absent, Contains, Equals, OneOf, Present, Range, Regex
from leadstage.mapping.evaluate import QualificationModel
from leadstage.mapping.groups import AllOf, AnyOf, FieldTest, Not, RuleRef
from leadstage.mapping.scoring import EngagementRule, FitGroup, FitRule, FitTiers, ScoringModel, Tier
from leadstage.mapping.temperature import TemperatureModel, Window
from leadstage.sync.config.scoring import (
    BantSection,
    ScoringSection,
    TemperatureSection,
    build_bant_model,
    build_scoring_model,
    build_temperature_model,
)

EXAMPLE = r"""
[scoring]
fit_weight = 0.5
engagement_weight = 0.5
half_life_days = 30
max_age_days = 365

[[scoring.fit]]
name = "Senior title"
field = "job_title"
regex = "(?i)\\b(vp|vice president|head of|director|chief|c[eiot]o)\\b"
points = 25

[[scoring.fit]]
name = "Mid-size company"
field = "employees"
min = 50
max = 5000
points = 15

[[scoring.fit]]
name = "Target industry"
field = "industry"
one_of = ["Software", "Financial Services", "Healthcare"]
points = 15

[[scoring.fit]]
name = "Has a phone number"
field = "phone"
present = true
points = 5

[[scoring.fit]]
name = "Free-mail address"
field = "email"
regex = "@(gmail|yahoo|hotmail|outlook)\\."
points = -15

[[scoring.engagement]]
name = "Pricing page visit"
kind = "page_view"
where = { url = { contains = "/pricing" } }
points = 10
cap = 30
half_life_days = 14

[bant]
cutoffs = { A = 4, B = 3, C = 2 }
[[bant.budget]]
field = "annual_revenue"
min = 5000000
[[bant.authority]]
field = "job_title"
regex = "(?i)(vp|head of|director|chief)"
[[bant.need]]
kind = "form_submission"
where = { form = { regex = "(?i)demo|contact" } }
within_days = 90
[[bant.timeline]]
kind = "meeting"
within_days = 30
min_count = 1

[temperature]
hot = { within_days = 7, min_points = 20 }
warm = { within_days = 30, min_points = 5 }
"""

FIT = {"name": "Senior title", "field": "job_title", "regex": "(?i)vp", "points": 25}
ENGAGEMENT = {"name": "Pricing", "kind": "page_view", "points": 10}


def only_error(section: type[BaseModel], data: dict[str, Any]) -> tuple[tuple[str | int, ...], str]:
    """The (loc, message) of the one validation error ``data`` causes."""
    with pytest.raises(ValidationError) as caught:
        section.model_validate(data)
    errors = caught.value.errors()
    assert len(errors) == 1, errors
    return errors[0]["loc"], errors[0]["msg"]


# -- the documented example --------------------------------------------------------------------------------
def test_the_documented_example_builds_all_three_models() -> None:
    config = tomllib.loads(EXAMPLE)

    scoring = build_scoring_model(ScoringSection.model_validate(config["scoring"]))
    bant = build_bant_model(BantSection.model_validate(config["bant"]))
    temperature = build_temperature_model(TemperatureSection.model_validate(config["temperature"]))

    assert [rule.name for rule in scoring.fit_rules] == [
        "Senior title",
        "Mid-size company",
        "Target industry",
        "Has a phone number",
        "Free-mail address",
    ]
    assert [type(rule.condition) for rule in scoring.fit_rules] == [Regex, Range, OneOf, Present, Regex]
    assert scoring.fit_rules[1].condition == Range(50, 5000)
    assert scoring.fit_rules[4].points == -15
    assert scoring.engagement_rules == (
        EngagementRule(
            "Pricing page visit",
            frozenset({"page_view"}),
            10,
            where=(("url", Contains("/pricing")),),
            cap=30,
            half_life_days=14,
        ),
    )
    assert (scoring.half_life_days, scoring.max_age_days) == (30, 365)
    assert bant.budget == (FieldRule("annual_revenue", Range(min=5_000_000)),)
    assert bant.need == (
        ActivityRule(
            frozenset({"form_submission"}),
            where=(("form", Regex.compile("(?i)demo|contact")),),
            within_days=90,
        ),
    )
    assert bant.timeline == (ActivityRule(frozenset({"meeting"}), within_days=30, min_count=1),)
    assert bant.cutoffs == Cutoffs(4, 3, 2)
    assert temperature == TemperatureModel(hot=Window(7, 20), warm=Window(30, 5))


def test_absent_sections_are_valid_and_build_empty_models() -> None:
    scoring = build_scoring_model(ScoringSection.model_validate({}))
    bant = build_bant_model(BantSection.model_validate({}))
    temperature = build_temperature_model(TemperatureSection.model_validate({}))

    assert scoring == ScoringModel(fit_weight=0.5, engagement_weight=0.5, half_life_days=30, max_age_days=None)
    assert (bant.budget, bant.authority, bant.need, bant.timeline) == ((), (), (), ())
    assert bant.cutoffs == Cutoffs(4, 3, 2)
    assert temperature == TemperatureModel(hot=Window(7, 20), warm=Window(30, 5))


@pytest.mark.parametrize(
    ("keys", "condition"),
    [
        ({"equals": "Software"}, Equals("Software")),
        ({"equals": True}, Equals("true")),
        ({"equals": 42}, Equals("42")),
        ({"one_of": ["a", "b"]}, OneOf(("a", "b"))),
        ({"range": {"min": 1}}, Range(min=1)),
        ({"max": 9.5}, Range(max=9.5)),
        ({"present": True}, Present()),
        ({"present": False}, Absent()),
        ({"absent": True}, Absent()),
        ({"contains": "/pricing"}, Contains("/pricing")),
    ],
)
def test_each_operator_key_builds_its_condition(keys: dict[str, Any], condition: object) -> None:
    section = ScoringSection.model_validate({"fit": [{"name": "R", "field": "f", "points": 1, **keys}]})

    assert build_scoring_model(section).fit_rules[0].condition == condition


def test_kinds_lists_several_activity_kinds() -> None:
    section = ScoringSection.model_validate({"engagement": [{**ENGAGEMENT, "kind": None} | {"kinds": ["call"]}]})

    assert build_scoring_model(section).engagement_rules[0].kinds == frozenset({"call"})


# -- mistakes, each pointing at its key --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "loc", "message"),
    [
        pytest.param(
            {"fit": [{**FIT, "equals": "VP"}]},
            ("fit", 0),
            "give exactly one of equals, one_of, regex, range/min/max, present, absent, contains "
            "(found: equals, regex)",
            id="two operators",
        ),
        pytest.param(
            {"fit": [FIT, {"name": "No operator", "field": "phone", "points": 5}]},
            ("fit", 1),
            "give exactly one of equals, one_of, regex, range/min/max, present, absent, contains (found: none)",
            id="no operator",
        ),
        pytest.param(
            {"fit": [FIT, FIT | {"name": "Other"}, FIT | {"name": "Bad", "regex": "(?i)(vp|head"}]},
            ("fit", 2, "regex"),
            "invalid regex '(?i)(vp|head': missing ): (?i)(vp|head. Patterns run on RE2",
            id="bad regex",
        ),
        pytest.param(
            {"fit": [FIT | {"regex": None, "min": 5000, "max": 50}]},
            ("fit", 0),
            "range min (5000.0) is above max (50.0); swap them",
            id="range ends swapped",
        ),
        pytest.param(
            {"fit": [FIT | {"regex": None, "min": 5, "range": {"max": 50}}]},
            ("fit", 0),
            "give the range either as range = { min, max } or as min/max keys, not both",
            id="range given twice",
        ),
        pytest.param(
            {"fit": [FIT | {"regex": None, "range": {}}]},
            ("fit", 0),
            "range needs min, max or both",
            id="empty range",
        ),
        pytest.param({"fit": [FIT | {"pionts": 5}]}, ("fit", 0, "pionts"), "Extra inputs", id="typo in a key"),
        pytest.param({"fit": [FIT | {"points": float("inf")}]}, ("fit", 0, "points"), "finite", id="points inf"),
        pytest.param({"fit": [FIT | {"points": float("nan")}]}, ("fit", 0, "points"), "finite", id="points nan"),
        pytest.param(
            {"fit": [FIT, FIT]},
            ("fit",),
            "rule name 'Senior title' is used by fit[0] and fit[1]",
            id="same name",
        ),
        pytest.param({"half_life_days": 0}, ("half_life_days",), "must be a number above 0", id="half-life 0"),
        pytest.param({"max_age_days": -5}, ("max_age_days",), "must be a number above 0", id="max age negative"),
        pytest.param({"fit_weight": -0.1}, ("fit_weight",), "must be 0 or more", id="negative weight"),
        pytest.param(
            {"fit_weight": 0, "engagement_weight": 0},
            (),
            "fit_weight and engagement_weight are both 0, so every score would be 0; give at least one",
            id="both weights 0",
        ),
        pytest.param(
            {"engagement": [ENGAGEMENT | {"kind": "pageview"}]},
            ("engagement", 0, "kind"),
            "unknown activity kind 'pageview'; did you mean 'page_view'? known kinds: page_view, form_submission",
            id="unknown kind",
        ),
        pytest.param(
            {"engagement": [ENGAGEMENT | {"kind": None, "kinds": ["call", "phone_call"]}]},
            ("engagement", 0, "kinds", 1),
            "unknown activity kind 'phone_call'",
            id="unknown kind in kinds",
        ),
        pytest.param(
            {"engagement": [ENGAGEMENT | {"kinds": ["call"]}]},
            ("engagement", 0),
            'give either kind = "..." or kinds = ["...", ...]',
            id="kind and kinds",
        ),
        pytest.param({"engagement": [ENGAGEMENT | {"cap": 0}]}, ("engagement", 0, "cap"), "above 0", id="cap 0"),
        pytest.param(
            {"engagement": [ENGAGEMENT | {"half_life_days": -1}]},
            ("engagement", 0, "half_life_days"),
            "above 0",
            id="rule half-life negative",
        ),
        pytest.param(
            {"engagement": [ENGAGEMENT | {"where": {"url": {"contain": "/pricing"}}}]},
            ("engagement", 0, "where", "url", "contain"),
            "Extra inputs",
            id="typo in a where operator",
        ),
        pytest.param(
            {"engagement": [ENGAGEMENT | {"where": {"url": {}}}]},
            ("engagement", 0, "where", "url"),
            "give exactly one of equals",
            id="where without operator",
        ),
        pytest.param(
            {"engagement": [ENGAGEMENT | {"where": {"url": {"regex": "[pricing"}}}]},
            ("engagement", 0, "where", "url", "regex"),
            "invalid regex '[pricing'",
            id="bad regex in where",
        ),
    ],
)
def test_scoring_mistakes_point_at_the_key_and_say_what_to_do(
    data: dict[str, Any], loc: tuple[str | int, ...], message: str
) -> None:
    error_loc, error_message = only_error(ScoringSection, data)

    assert error_loc == loc
    assert message in error_message


@pytest.mark.parametrize(
    ("data", "loc", "message"),
    [
        pytest.param(
            {"cutoffs": {"A": 2, "B": 3, "C": 1}},
            ("cutoffs",),
            "cutoffs must descend, A >= B >= C (got A = 2, B = 3, C = 1)",
            id="cutoffs ascending",
        ),
        pytest.param({"cutoffs": {"A": 5}}, ("cutoffs", "A"), "must be between 1 and 4", id="cutoff above 4"),
        pytest.param({"cutoffs": {"C": 0}}, ("cutoffs", "C"), "must be between 1 and 4", id="cutoff 0"),
        pytest.param({"cutoffs": {"D": 1}}, ("cutoffs", "D"), "Extra inputs", id="no cutoff for D"),
        pytest.param(
            {"budget": [{"field": "annual_revenue", "min": 1, "kind": "meeting"}]},
            ("budget", 0),
            'give either field = "..." with one condition, or kind/kinds',
            id="field and kind",
        ),
        pytest.param(
            {"authority": [{"field": "job_title"}]},
            ("authority", 0),
            "give exactly one of",
            id="field, no condition",
        ),
        pytest.param(
            {"need": [{"kind": "form_submission", "contains": "demo"}]},
            ("need", 0),
            "condition keys on an activity rule go under where",
            id="operator on activity rule",
        ),
        pytest.param(
            {"budget": [{"field": "annual_revenue", "min": 1, "within_days": 30}]},
            ("budget", 0),
            "where, within_days and min_count apply to activity rules",
            id="activity keys on a field rule",
        ),
        pytest.param(
            {"timeline": [{"kind": "meeting", "min_count": 0}]},
            ("timeline", 0, "min_count"),
            "min_count must be 1 or more",
            id="min_count 0",
        ),
        pytest.param(
            {"need": [{"kind": "form_submission", "within_days": 0}]},
            ("need", 0, "within_days"),
            "above 0",
            id="within_days 0",
        ),
        pytest.param(
            {"timeline": [{"kind": "meting"}]},
            ("timeline", 0, "kind"),
            "did you mean 'meeting'?",
            id="unknown kind",
        ),
        pytest.param({"bugdet": []}, ("bugdet",), "Extra inputs", id="typo in a criterion"),
    ],
)
def test_bant_mistakes_point_at_the_key_and_say_what_to_do(
    data: dict[str, Any], loc: tuple[str | int, ...], message: str
) -> None:
    error_loc, error_message = only_error(BantSection, data)

    assert error_loc == loc
    assert message in error_message


@pytest.mark.parametrize(
    ("data", "loc", "message"),
    [
        ({"hot": {"within_days": 0, "min_points": 20}}, ("hot", "within_days"), "above 0"),
        ({"warm": {"within_days": 30, "min_points": -1}}, ("warm", "min_points"), "above 0"),
        ({"warm": {"within_days": 30}}, ("warm", "min_points"), "Field required"),
        ({"cold": {"within_days": 90, "min_points": 1}}, ("cold",), "Extra inputs"),
    ],
)
def test_temperature_mistakes_point_at_the_key(data: dict[str, Any], loc: tuple[str | int, ...], message: str) -> None:
    error_loc, error_message = only_error(TemperatureSection, data)

    assert error_loc == loc
    assert message in error_message


# -- groups, tiers, references, bands, combine, windows ----------------------------------------------------------
GROUPS = r"""
[scoring]
combine = "net"

[[scoring.fit]]
name = "Seniority"
[[scoring.fit.tiers]]
name = "VP"
field = "job_title"
regex = "(?i)\\bvp\\b"
points = 20
[[scoring.fit.tiers]]
name = "Manager"
all = [{ field = "job_title", contains = "manager" }, { not = { field = "job_title", contains = "assistant" } }]
points = 10

[[scoring.fit]]
name = "Student"
any = [
  { field = "job_title", contains = "student" },
  { all = [{ field = "email_domain", regex = "\\.edu$" }, { not = { rule = "Seniority", tiers = ["VP"] } }] },
]
points = -30

[[scoring.fit]]
name = "Size"
field = "employees"
min = 50
band = "overlap"
points = 5

[[scoring.engagement]]
name = "Demo request"
kind = "form_submission"
where = { form = { contains = "demo" } }
points = 35

[bant]
[[bant.authority]]
rule = "Seniority"
tiers = ["VP"]
[[bant.need]]
rule = "Demo request"
within_days = 30
min_count = 2
[[bant.budget]]
any = [{ field = "employees", min = 200 }, { field = "annual_revenue", min = 10000000 }]

[temperature]
hot = { within_days = 7, min_points = 20, rules = ["Demo request"] }
warm = { within_days = 30, min_points = 5, decayed = true }
"""


def test_groups_tiers_references_bands_and_windows_build_their_domain_objects() -> None:
    config = tomllib.loads(GROUPS)

    scoring = build_scoring_model(ScoringSection.model_validate(config["scoring"]))
    bant = build_bant_model(BantSection.model_validate(config["bant"]))
    temperature = build_temperature_model(TemperatureSection.model_validate(config["temperature"]))

    manager = Tier(
        "Manager",
        AllOf((FieldTest("job_title", Contains("manager")), Not(FieldTest("job_title", Contains("assistant"))))),
        10,
    )
    assert scoring.fit_rules[0] == FitTiers(
        "Seniority", (Tier("VP", FieldTest("job_title", Regex.compile(r"(?i)\bvp\b")), 20), manager)
    )
    assert scoring.fit_rules[1] == FitGroup(
        "Student",
        AnyOf(
            (
                FieldTest("job_title", Contains("student")),
                AllOf((FieldTest("email_domain", Regex.compile(r"\.edu$")), Not(RuleRef("Seniority", ("VP",))))),
            )
        ),
        -30,
    )
    assert scoring.fit_rules[2] == FitRule("Size", "employees", Range(min=50, band="overlap"), 5)
    assert scoring.combine == "net"
    assert bant.authority == (BantRef("Seniority", ("VP",)),)
    assert bant.need == (BantRef("Demo request", within_days=30, min_count=2),)
    assert bant.budget == (
        ClauseRule(AnyOf((FieldTest("employees", Range(min=200)), FieldTest("annual_revenue", Range(min=10_000_000))))),
    )
    assert temperature == TemperatureModel(hot=Window(7, 20, rules=("Demo request",)), warm=Window(30, 5, decayed=True))
    QualificationModel(scoring=scoring, bant=bant, temperature=temperature)  # every reference resolves


FIELD = {"field": "job_title", "contains": "manager"}


@pytest.mark.parametrize(
    ("data", "loc", "message"),
    [
        pytest.param(
            {"fit": [{"name": "G", "all": [], "points": 1}]}, ("fit", 0, "all"), "an empty group", id="empty all"
        ),
        pytest.param(
            {"fit": [{"name": "G", "any": [FIELD, {"not": {"any": []}}], "points": 1}]},
            ("fit", 0, "any", 1, "not", "any"),
            "an empty group",
            id="empty group deep down",
        ),
        pytest.param(
            {"fit": [{"name": "G", "all": [FIELD], **FIELD, "points": 1}]},
            ("fit", 0),
            "not several (found: field, all)",
            id="a group and a field",
        ),
        pytest.param(
            {"fit": [{"name": "G", "all": [FIELD], "any": [FIELD], "points": 1}]},
            ("fit", 0),
            "not several (found: all, any)",
            id="two groups",
        ),
        pytest.param(
            {"fit": [{"name": "G", "all": [{"contains": "x"}], "points": 1}]},
            ("fit", 0, "all", 0),
            'contains needs field = "..."',
            id="an operator without its field",
        ),
        pytest.param(
            {"fit": [{"name": "G", "all": [{"field": "job_title"}], "points": 1}]},
            ("fit", 0, "all", 0),
            "give exactly one of equals",
            id="a field without an operator",
        ),
        pytest.param(
            {"fit": [{"name": "G", "all": [{"not": FIELD, "extra": 1}], "points": 1}]},
            ("fit", 0, "all", 0, "extra"),
            "Extra inputs",
            id="an unknown key in a group",
        ),
        pytest.param(
            {"fit": [{"name": "G", "all": [{"tiers": ["VP"], **FIELD}], "points": 1}]},
            ("fit", 0, "all", 0),
            "tiers chooses among the tiers of a rule named",
            id="tiers without a rule",
        ),
        pytest.param(
            {"fit": [{"name": "G", "all": [{"rule": "X", "tiers": []}], "points": 1}]},
            ("fit", 0, "all", 0),
            "tiers needs at least one tier name",
            id="no tier chosen",
        ),
        pytest.param(
            {"fit": [{"name": "G", "all": [{"rule": "X", **FIELD}], "points": 1}]},
            ("fit", 0, "all", 0),
            "not several (found: field, rule)",
            id="a rule and a field",
        ),
        pytest.param({"fit": [{"name": "G", "all": [FIELD]}]}, ("fit", 0), "points is missing", id="no points"),
        pytest.param(
            {"fit": [{"name": "T", "tiers": [{"name": "a", **FIELD, "points": 1}], **FIELD}]},
            ("fit", 0),
            "a tiered rule gives its condition and points per tier (found field beside tiers)",
            id="a condition beside tiers",
        ),
        pytest.param(
            {"fit": [{"name": "T", "tiers": [{"name": "a", "rule": "X", "points": 1}]}]},
            ("fit", 0, "tiers", 0),
            "inside a group",
            id="a tier that is only a reference",
        ),
        pytest.param(
            {"fit": [{"name": "T", "tiers": [{"name": "a", "points": 1}]}]},
            ("fit", 0, "tiers", 0),
            "give a condition",
            id="a tier without a condition",
        ),
        pytest.param(
            {
                "fit": [
                    {"name": "T", "tiers": [{"name": "a", **FIELD, "points": 1}, {"name": "a", **FIELD, "points": 2}]}
                ]
            },
            ("fit", 0, "tiers"),
            "tier name 'a' is used by tiers[0] and tiers[1]",
            id="tiers named alike",
        ),
        pytest.param(
            {"fit": [FIT | {"regex": None, "min": 1, "band": "middle"}]},
            ("fit", 0, "band"),
            "'midpoint', 'overlap', 'within' or 'lower'",
            id="an unknown band mode",
        ),
        pytest.param(
            {"fit": [FIT | {"band": "overlap"}]}, ("fit", 0), "band says how a number band", id="band, no range"
        ),
        pytest.param({"combine": "sum"}, ("combine",), "'clamped' or 'net'", id="an unknown combine mode"),
    ],
)
def test_group_and_tier_mistakes_point_at_their_key(
    data: dict[str, Any], loc: tuple[str | int, ...], message: str
) -> None:
    error_loc, error_message = only_error(ScoringSection, data)

    assert error_loc == loc
    assert message in error_message


@pytest.mark.parametrize(
    ("data", "loc", "message"),
    [
        pytest.param(
            {"need": [{"rule": "Demo", "where": {"form": {"contains": "demo"}}}]},
            ("need", 0),
            "a rule named brings its own",
            id="where on a rule named",
        ),
        pytest.param(
            {"need": [{"rule": "Demo", "kind": "form_submission"}]},
            ("need", 0),
            "not several (found: kind/kinds, rule)",
            id="a rule and a kind",
        ),
        pytest.param(
            {"authority": [{"any": [FIELD], "within_days": 30}]},
            ("authority", 0),
            "where, within_days and min_count apply to activity rules",
            id="within_days on a group",
        ),
        pytest.param(
            {"authority": [{"tiers": ["VP"], **FIELD}]},
            ("authority", 0),
            "tiers chooses among the tiers of a rule named",
            id="tiers without a rule",
        ),
        pytest.param({"authority": [{}]}, ("authority", 0), "give one of: field", id="nothing"),
    ],
)
def test_bant_reference_and_group_mistakes_point_at_their_key(
    data: dict[str, Any], loc: tuple[str | int, ...], message: str
) -> None:
    error_loc, error_message = only_error(BantSection, data)

    assert error_loc == loc
    assert message in error_message


@pytest.mark.parametrize(
    ("data", "loc", "message"),
    [
        ({"hot": {"within_days": 7, "min_points": 20, "rules": []}}, ("hot", "rules"), "at least one engagement rule"),
        ({"hot": {"within_days": 7, "min_points": 20, "decayed": "yes"}}, ("hot", "decayed"), "valid boolean"),
    ],
)
def test_window_mistakes_point_at_their_key(data: dict[str, Any], loc: tuple[str | int, ...], message: str) -> None:
    error_loc, error_message = only_error(TemperatureSection, data)

    assert error_loc == loc
    assert message in error_message
