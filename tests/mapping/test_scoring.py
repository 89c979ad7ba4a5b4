"""The score, rule kind by rule kind (README, "What it is"): fit, decayed engagement, caps, weights."""

from __future__ import annotations

import dataclasses
import json

import pytest

from leadstage.mapping.conditions import Absent, Contains, Equals, OneOf, Present, Range, Regex
from leadstage.mapping.model import Activity
from leadstage.mapping.scoring import (
    Clamp,
    EngagementContribution,
    EngagementRule,
    FitContribution,
    FitRule,
    ScoringModel,
    score,
)
from tests.mapping.scoring_support import NOW, did, person

SENIOR_TITLE = FitRule("Senior title", "job_title", Regex.compile(r"(?i)\b(vp|director|chief)\b"), 25)
FREE_MAIL = FitRule("Free-mail address", "email", Regex.compile(r"@(gmail|yahoo)\."), -15)
PRICING = EngagementRule("Pricing page", frozenset({"page_view"}), 10, where=(("url", Contains("/pricing")),))
MEETING = EngagementRule("Meeting", frozenset({"meeting"}), 10)


def fit_only(*rules: FitRule) -> ScoringModel:
    return ScoringModel(fit_rules=rules, fit_weight=1, engagement_weight=0)


def engagement_only(*rules: EngagementRule, half_life_days: float = 30, **options: float) -> ScoringModel:
    return ScoringModel(
        engagement_rules=rules, fit_weight=0, engagement_weight=1, half_life_days=half_life_days, **options
    )


# -- fit ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "fields", "fit"),
    [
        (FitRule("Target industry", "industry", Equals("Software"), 15), {"industry": "software"}, 15),
        (FitRule("Target industry", "industry", Equals("Software"), 15), {"industry": "Retail"}, 0),
        (
            FitRule("Industries", "industry", OneOf(("Software", "Healthcare")), 15),
            {"industry": "Healthcare"},
            15,
        ),
        (SENIOR_TITLE, {"job_title": "VP Marketing"}, 25),
        (SENIOR_TITLE, {"job_title": "Marketing Intern"}, 0),
        (FitRule("Mid-size", "employees", Range(50, 5000), 15), {"employees": "100-500"}, 15),
        (FitRule("Mid-size", "employees", Range(50, 5000), 15), {"employees": "1,200"}, 15),
        (FitRule("Mid-size", "employees", Range(50, 5000), 15), {"employees": "10,001+"}, 0),
        (FitRule("Mid-size", "employees", Range(50, 5000), 15), {"employees": "unknown"}, 0),
        (FitRule("Has a phone", "phone", Present(), 5), {"phone": "+1 555 0100"}, 5),
        (FitRule("Has a phone", "phone", Present(), 5), {}, 0),
        (FitRule("No phone", "phone", Absent(), 5), {}, 5),
        (FitRule("Works in IT", "job_title", Contains("IT"), 10), {"job_title": "Head of it"}, 10),
    ],
)
def test_fit_rule_gives_its_points_when_its_condition_holds(rule: FitRule, fields: dict[str, str], fit: float) -> None:
    result = score(person(**fields), [], fit_only(rule), NOW)

    assert result.fit == fit
    assert result.score == fit


def test_negative_fit_points_take_points_away() -> None:
    contact = person(job_title="VP Sales", email="ann@gmail.com")

    result = score(contact, [], fit_only(SENIOR_TITLE, FREE_MAIL), NOW)

    assert result.fit == 10
    assert [(c.rule, c.points) for c in result.fit_rules] == [
        ("Senior title", 25),
        ("Free-mail address", -15),
    ]


def test_fit_explanation_names_the_rule_field_value_seen_and_points() -> None:
    result = score(person(job_title="Director of IT"), [], fit_only(SENIOR_TITLE, FREE_MAIL), NOW)

    assert result.fit_rules == (FitContribution("Senior title", "job_title", "Director of IT", 25),)


# -- engagement --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rules", "activities", "engagement"),
    [
        pytest.param((MEETING,), [did("meeting")], 10, id="today: full points"),
        pytest.param((MEETING,), [did("meeting", 30)], 5, id="one half-life ago: exactly half"),
        pytest.param((MEETING,), [did("meeting", 60)], 2.5, id="two half-lives ago: a quarter"),
        pytest.param((MEETING,), [did("meeting", -3)], 10, id="future-dated counts as today"),
        pytest.param(
            (dataclasses.replace(MEETING, half_life_days=7),),
            [did("meeting", 7)],
            5,
            id="rule's own half-life",
        ),
        pytest.param((MEETING,), [did("email_open")], 0, id="other kinds do not match"),
        pytest.param((PRICING,), [did("page_view", url="https://x.io/pricing")], 10, id="attribute matches"),
        pytest.param((PRICING,), [did("page_view", url="https://x.io/blog")], 0, id="attribute does not match"),
        pytest.param((PRICING,), [did("page_view")], 0, id="attribute missing"),
        pytest.param((MEETING,), [did("meeting"), did("meeting")], 20, id="each activity counts"),
        pytest.param(
            (dataclasses.replace(MEETING, cap=15),),
            [did("meeting")] * 3,
            15,
            id="cap bounds the rule's total",
        ),
        pytest.param(
            (EngagementRule("Calls or meetings", frozenset({"call", "meeting"}), 4),),
            [did("call"), did("meeting"), did("note")],
            8,
            id="a rule may match several kinds",
        ),
        pytest.param(
            (MEETING, EngagementRule("Any sales touch", frozenset({"meeting", "call"}), 3)),
            [did("meeting")],
            13,
            id="an activity counts for every rule it matches",
        ),
        pytest.param(
            (EngagementRule("Unsubscribed", frozenset({"email_open"}), -20, cap=30), MEETING),
            [did("meeting"), did("email_open"), did("email_open")],
            0,
            id="negative points, capped in size, clamp at 0",
        ),
    ],
)
def test_engagement_points_per_matching_activity_decay_with_the_half_life(
    rules: tuple[EngagementRule, ...], activities: list[Activity], engagement: float
) -> None:
    result = score(person(), activities, engagement_only(*rules), NOW)

    assert result.engagement == engagement


@pytest.mark.parametrize(("days_ago", "factor"), [(14, 0.5), (0, 1.0), (-5, 1.0)])
def test_decay_factor_is_exactly_half_after_one_half_life(days_ago: float, factor: float) -> None:
    result = score(person(), [did("meeting", days_ago)], engagement_only(MEETING, half_life_days=14), NOW)

    (contribution,) = result.engagement_rules
    assert contribution.min_factor == contribution.max_factor == factor
    assert contribution.decayed_points == MEETING.points * factor


def test_activities_older_than_max_age_are_ignored_and_the_boundary_counts() -> None:
    model = engagement_only(MEETING, half_life_days=1_000_000, max_age_days=90)

    at_boundary = score(person(), [did("meeting", 90)], model, NOW)
    past_it = score(person(), [did("meeting", 90.001)], model, NOW)

    assert at_boundary.engagement_rules[0].activities == 1
    assert past_it.engagement == 0
    assert past_it.engagement_rules == ()


def test_a_meeting_booked_ahead_counts_as_today_but_a_date_years_ahead_counts_for_nothing() -> None:
    model = engagement_only(MEETING, max_future_days=90)

    booked = score(person(), [did("meeting", days_ago=-10)], model, NOW)
    far_ahead = score(person(), [did("meeting", days_ago=-91)], model, NOW)
    year_9999 = dataclasses.replace(did("meeting"), occurred_at=NOW.replace(year=9999, month=12, day=31))
    forever = score(person(), [year_9999], model, NOW)
    # Ten years on, a 9999-dated activity must not still be "recent": it never counted at all.
    ten_years_on = score(person(), [year_9999], model, NOW.replace(year=2036))

    assert booked.engagement == 10.0  # age 0: full points
    assert far_ahead.engagement == forever.engagement == ten_years_on.engagement == 0.0


def test_engagement_explanation_has_counts_raw_and_decayed_points_factors_and_cap() -> None:
    rule = dataclasses.replace(PRICING, cap=12)
    activities = [did("page_view", days, url="/pricing") for days in (0, 30, 60)]

    result = score(person(), activities, engagement_only(rule), NOW)

    assert result.engagement_rules == (
        EngagementContribution(
            rule="Pricing page",
            activities=3,
            raw_points=30,
            decayed_points=17.5,
            points=12,
            min_factor=0.25,
            max_factor=1.0,
            cap=12,
            capped=True,
        ),
    )


def test_engagement_explanation_says_when_the_cap_did_not_apply() -> None:
    rule = dataclasses.replace(MEETING, cap=50)

    result = score(person(), [did("meeting")], engagement_only(rule), NOW)

    assert result.engagement_rules[0].capped is False
    assert result.engagement_rules[0].points == 10


# -- totals ------------------------------------------------------------------------------------------------
def forty_fit_twenty_engagement(fit_weight: float, engagement_weight: float) -> ScoringModel:
    return ScoringModel(
        fit_rules=(FitRule("Forty", "industry", Present(), 40),),
        engagement_rules=(EngagementRule("Twenty", frozenset({"meeting"}), 20),),
        fit_weight=fit_weight,
        engagement_weight=engagement_weight,
    )


@pytest.mark.parametrize(
    ("fit_weight", "engagement_weight", "expected"),
    [(0.5, 0.5, 30), (0.8, 0.2, 36), (1, 0, 40), (0, 1, 20), (1, 1, 60)],
)
def test_score_weighs_fit_and_engagement(fit_weight: float, engagement_weight: float, expected: int) -> None:
    model = forty_fit_twenty_engagement(fit_weight, engagement_weight)

    result = score(person(industry="Software"), [did("meeting")], model, NOW)

    assert result.score == expected
    assert (result.fit, result.engagement) == (40, 20)


def test_fit_above_100_is_clamped_and_the_clamp_explained() -> None:
    rules = tuple(FitRule(f"Rule {n}", "industry", Present(), 30) for n in range(4))

    result = score(person(industry="Software"), [], fit_only(*rules), NOW)

    assert result.fit == 100
    assert result.clamps == (Clamp("fit", 120, 100),)


def test_negative_fit_is_clamped_to_zero() -> None:
    result = score(person(email="ann@gmail.com"), [], fit_only(FREE_MAIL), NOW)

    assert result.fit == 0
    assert result.score == 0
    assert result.clamps == (Clamp("fit", -15, 0),)


def test_engagement_above_100_is_clamped() -> None:
    rule = EngagementRule("Meeting", frozenset({"meeting"}), 40)

    result = score(person(), [did("meeting")] * 3, engagement_only(rule), NOW)

    assert result.engagement == 100
    assert result.clamps == (Clamp("engagement", 120, 100),)


def test_weighted_score_above_100_is_clamped() -> None:
    model = forty_fit_twenty_engagement(2, 2)

    result = score(person(industry="Software"), [did("meeting")], model, NOW)

    assert result.score == 100
    assert result.clamps == (Clamp("score", 120, 100),)


def test_score_rounds_half_up() -> None:
    model = ScoringModel(fit_rules=(FitRule("Twenty-five", "industry", Present(), 25),))

    result = score(person(industry="Software"), [], model, NOW)

    assert result.score == 13  # 0.5 * 25 = 12.5


def test_an_empty_model_scores_zero() -> None:
    result = score(person(industry="Software"), [did("meeting")], ScoringModel(), NOW)

    assert (result.score, result.fit, result.engagement) == (0, 0, 0)
    assert (result.fit_rules, result.engagement_rules, result.clamps) == ((), (), ())


def test_the_explanation_is_plain_data_for_json() -> None:
    model = ScoringModel(fit_rules=(SENIOR_TITLE,), engagement_rules=(PRICING,))
    activities = [did("page_view", 3, url="/pricing")]

    dumped = json.loads(json.dumps(dataclasses.asdict(score(person(job_title="VP"), activities, model, NOW))))

    assert dumped["fit_rules"] == [
        {"rule": "Senior title", "field": "job_title", "value": "VP", "points": 25, "tier": None, "detail": None}
    ]
    assert (dumped["combine"], dumped["fit_raw"]) == ("clamped", 25)
    assert dumped["engagement_rules"][0]["rule"] == "Pricing page"
    assert dumped["engagement_rules"][0]["activities"] == 1


# -- the model's own checks ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"half_life_days": 0}, "half_life_days must be above 0"),
        ({"max_age_days": -1}, "max_age_days must be above 0"),
        ({"fit_weight": -0.5}, "must be 0 or more"),
        ({"combine": "sum"}, "combine must be one of clamped, net"),
    ],
)
def test_scoring_model_rejects_impossible_settings(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ScoringModel(**options)


def test_engagement_rule_rejects_a_cap_or_half_life_of_zero() -> None:
    with pytest.raises(ValueError, match="cap must be above 0"):
        EngagementRule("Meeting", frozenset({"meeting"}), 10, cap=0)
    with pytest.raises(ValueError, match="half_life_days must be above 0"):
        EngagementRule("Meeting", frozenset({"meeting"}), 10, half_life_days=0)


# -- how fit and engagement combine ------------------------------------------------------------------------------
STUDENT = FitRule("Student", "job_title", Regex.compile(r"(?i)\bstudent\b"), -30)
FREE_MAIL_DOMAIN = FitRule("Free-mail address", "email_domain", Regex.compile(r"^(gmail|yahoo)\."), -20)
DEMO_FORM = EngagementRule("Demo request", frozenset({"form_submission"}), 35, where=(("form", Contains("demo")),))
DEMO_PAGE = EngagementRule("Demo page", frozenset({"page_view"}), 6, where=(("url", Contains("/demo")),))
VP = FitRule("VP", "job_title", Regex.compile(r"(?i)\bvp\b"), 60)
PAGES = EngagementRule("Pages", frozenset({"page_view"}), 30, where=(("url", Contains("/x")),))


def combined(combine: str, *fit: FitRule, fit_weight: float = 0.5, engagement_weight: float = 0.5) -> ScoringModel:
    return ScoringModel(
        fit_rules=fit,
        engagement_rules=(DEMO_FORM, DEMO_PAGE, PAGES),
        fit_weight=fit_weight,
        engagement_weight=engagement_weight,
        combine=combine,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("combine", "fields", "activities", "expected", "parts"),
    [
        # the free-mail student who fills the demo form: fit -50, engagement 41
        pytest.param(
            "clamped",
            {"job_title": "Student", "email": "kim@gmail.com"},
            [did("form_submission", 0, form="demo"), did("page_view", 0, url="/demo")],
            21,
            (0, 41),
            id="clamped: a bad fit cannot cancel engagement",
        ),
        pytest.param(
            "net",
            {"job_title": "Student", "email": "kim@gmail.com"},
            [did("form_submission", 0, form="demo"), did("page_view", 0, url="/demo")],
            0,
            (0, 41),
            id="net: negative fit points subtract from engagement",
        ),
        pytest.param(
            "net",
            {"job_title": "Student"},
            [did("form_submission", 0, form="demo"), did("page_view", 0, url="/demo")],
            6,
            (0, 41),
            id="net: what is left after the fit is subtracted",
        ),
        # when both parts are within 0..100 the two modes agree
        pytest.param(
            "clamped",
            {"job_title": "VP Sales"},
            [did("form_submission", 0, form="demo")],
            48,
            (60, 35),
            id="clamped, in range",
        ),
        pytest.param(
            "net", {"job_title": "VP Sales"}, [did("form_submission", 0, form="demo")], 48, (60, 35), id="net, in range"
        ),
        # engagement above 100: clamped caps it before weighting, net lets it count, and clamps only the total
        pytest.param(
            "clamped", {}, [did("page_view", 0, url="/x")] * 5, 50, (0, 100), id="clamped: engagement capped at 100"
        ),
        pytest.param("net", {}, [did("page_view", 0, url="/x")] * 5, 75, (0, 100), id="net: engagement 150 counts"),
        pytest.param(
            "net", {"job_title": "VP"}, [did("page_view", 0, url="/x")] * 10, 100, (60, 100), id="net: total clamped"
        ),
    ],
)
def test_combine_mode_decides_how_fit_and_engagement_make_the_score(
    combine: str, fields: dict[str, str], activities: list[Activity], expected: int, parts: tuple[float, float]
) -> None:
    result = score(person(**fields), activities, combined(combine, STUDENT, FREE_MAIL_DOMAIN, VP), NOW)

    assert result.score == expected
    assert (round(result.fit), round(result.engagement)) == parts  # the written parts stay 0..100 either way
    assert result.combine == combine


def test_net_records_only_the_clamp_of_the_total_and_keeps_the_raw_sums() -> None:
    activities = [did("form_submission", 0, form="demo")]

    result = score(
        person(job_title="Student", email="kim@gmail.com"), activities, combined("net", STUDENT, FREE_MAIL_DOMAIN), NOW
    )

    assert (result.fit_raw, result.engagement_raw) == (-50, 35)
    assert result.clamps == (Clamp("score", -7.5, 0),)


def test_clamped_is_the_default_and_scores_as_before() -> None:
    result = score(person(job_title="Student"), [did("page_view", 0, url="/x")] * 5, combined("clamped", STUDENT), NOW)

    assert ScoringModel().combine == "clamped"
    assert [c.total for c in result.clamps] == ["fit", "engagement"]
    assert result.score == 50
