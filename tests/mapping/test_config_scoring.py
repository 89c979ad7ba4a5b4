"""The [scoring], [bant] and [temperature] config sections: mistakes point at their key and say what to do."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from leadstage.mapping.bant import ActivityRule, Cutoffs, FieldRule
from leadstage.mapping.conditions import Absent, Contains, Equals, OneOf, Present, Range, Regex
from leadstage.mapping.scoring import EngagementRule, ScoringModel
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
