"""BANT grade (README, "What it is"): a criterion holds when any of its rules holds; cut-offs give A-D."""

from __future__ import annotations

import pytest

from leadstage.mapping.bant import ActivityRule, BantModel, CriterionResult, Cutoffs, FieldRule, grade
from leadstage.mapping.conditions import Contains, Range, Regex
from leadstage.mapping.model import Activity, Grade
from tests.mapping.scoring_support import NOW, did, person

BIG_REVENUE = FieldRule("annual_revenue", Range(min=5_000_000))
MANY_EMPLOYEES = FieldRule("employees", Range(min=500))
SENIOR = FieldRule("job_title", Regex.compile("(?i)(vp|head of|director|chief)"))
DEMO_FORM = ActivityRule(
    frozenset({"form_submission"}), where=(("form", Regex.compile("(?i)demo|contact")),), within_days=90
)
PRICING_TWICE = ActivityRule(
    frozenset({"page_view"}), where=(("url", Contains("/pricing")),), within_days=30, min_count=2
)
RECENT_MEETING = ActivityRule(frozenset({"meeting"}), within_days=30)
MODEL = BantModel(
    budget=(BIG_REVENUE, MANY_EMPLOYEES),
    authority=(SENIOR,),
    need=(DEMO_FORM, PRICING_TWICE),
    timeline=(RECENT_MEETING,),
)


def criterion(name: str, fields: dict[str, str], activities: list[Activity]) -> CriterionResult:
    result = grade(person(**fields), activities, MODEL, NOW)
    return next(c for c in result.criteria if c.name == name)


@pytest.mark.parametrize(
    ("name", "fields", "activities", "holds"),
    [
        pytest.param("budget", {"annual_revenue": "$8,000,000"}, [], True, id="field rule holds"),
        pytest.param("budget", {"annual_revenue": "250000"}, [], False, id="field rule fails"),
        pytest.param("budget", {}, [], False, id="field missing"),
        pytest.param("budget", {"employees": "1000+"}, [], True, id="any rule of the criterion is enough"),
        pytest.param("authority", {"job_title": "Head of Growth"}, [], True, id="regex rule"),
        pytest.param("need", {}, [did("form_submission", 10, form="Demo")], True, id="activity rule"),
        pytest.param("need", {}, [did("form_submission", 10, form="Newsletter")], False, id="where fails"),
        pytest.param("need", {}, [did("meeting", 1, form="Request a demo")], False, id="other kind"),
        pytest.param("need", {}, [did("form_submission", 90, form="Demo")], True, id="within_days inclusive"),
        pytest.param("need", {}, [did("form_submission", 90.001, form="Demo")], False, id="just too old"),
        pytest.param("need", {}, [did("form_submission", -2, form="Demo")], True, id="future counts"),
        pytest.param("need", {}, [did("page_view", 3, url="/pricing")], False, id="min_count not reached"),
        pytest.param(
            "need",
            {},
            [did("page_view", 3, url="/pricing"), did("page_view", 4, url="/pricing")],
            True,
            id="min_count reached",
        ),
        pytest.param("timeline", {}, [did("meeting", 30)], True, id="meeting on the window's last day"),
        pytest.param("timeline", {}, [did("meeting", 31)], False, id="meeting too long ago"),
    ],
)
def test_criterion_holds_when_any_of_its_rules_holds(
    name: str, fields: dict[str, str], activities: list[Activity], holds: bool
) -> None:
    assert criterion(name, fields, activities).holds is holds


def test_an_activity_rule_without_within_days_looks_at_any_age() -> None:
    model = BantModel(need=(ActivityRule(frozenset({"webinar"})),))

    result = grade(person(), [did("webinar", 2000)], model, NOW)

    assert result.criteria[2].holds


ALL_FOUR = (
    {"annual_revenue": "9000000", "job_title": "VP Sales"},
    [did("form_submission", 5, form="Contact us"), did("meeting", 2)],
)


@pytest.mark.parametrize(
    ("fields", "activities", "expected"),
    [
        pytest.param(*ALL_FOUR, Grade.A, id="4 hold: A"),
        pytest.param({"annual_revenue": "9e6", "job_title": "VP"}, [did("meeting", 2)], Grade.B, id="3: B"),
        pytest.param({"job_title": "VP Sales"}, [did("meeting", 2)], Grade.C, id="2: C"),
        pytest.param({"job_title": "VP Sales"}, [], Grade.D, id="1: D"),
        pytest.param({}, [], Grade.D, id="none: D"),
    ],
)
def test_grade_follows_how_many_criteria_hold(
    fields: dict[str, str], activities: list[Activity], expected: Grade
) -> None:
    result = grade(person(**fields), activities, MODEL, NOW)

    assert result.grade is expected


@pytest.mark.parametrize(("held", "expected"), [(4, Grade.A), (3, Grade.A), (2, Grade.B), (1, Grade.C), (0, Grade.D)])
def test_cutoffs_come_from_the_config(held: int, expected: Grade) -> None:
    assert Cutoffs(a=3, b=2, c=1).grade_for(held) is expected


def test_the_result_counts_the_criteria_that_hold_in_bant_order() -> None:
    result = grade(person(annual_revenue="9000000"), [did("meeting", 1)], MODEL, NOW)

    assert [c.name for c in result.criteria] == ["budget", "authority", "need", "timeline"]
    assert [c.holds for c in result.criteria] == [True, False, False, True]
    assert result.held == 2


def test_reasons_name_the_rule_that_held_and_the_value_seen() -> None:
    fields, activities = ALL_FOUR

    reasons = [c.reason for c in grade(person(**fields), activities, MODEL, NOW).criteria]

    assert reasons == [
        "annual_revenue is at least 5,000,000: saw '9000000'",
        "job_title matches regex '(?i)(vp|head of|director|chief)': saw 'VP Sales'",
        "1 form_submission where form matches regex '(?i)demo|contact' in the last 90 days",
        "1 meeting in the last 30 days",
    ]


def test_reasons_say_why_no_rule_held() -> None:
    result = grade(person(employees="12"), [did("page_view", 1, url="/pricing")], MODEL, NOW)

    budget, _, need, _ = result.criteria
    assert budget.reason == (
        "none held: annual_revenue is at least 5,000,000: saw no value; employees is at least 500: saw '12'"
    )
    assert need.reason == (
        "none held: 0 form_submission where form matches regex '(?i)demo|contact' in the last 90 days, "
        "needs 1; 1 page_view where url contains '/pricing' in the last 30 days, needs 2"
    )


def test_a_criterion_without_rules_never_holds() -> None:
    result = grade(person(job_title="VP"), [], BantModel(authority=(SENIOR,)), NOW)

    assert result.criteria[0] == CriterionResult("budget", False, "no rules configured")
    assert result.grade is Grade.D


@pytest.mark.parametrize(("a", "b", "c"), [(3, 4, 2), (4, 2, 3), (5, 3, 2), (4, 3, 0)])
def test_cutoffs_must_descend_within_one_to_four(a: int, b: int, c: int) -> None:
    with pytest.raises(ValueError, match="cutoffs must descend"):
        Cutoffs(a, b, c)


def test_an_activity_rule_needs_a_kind_and_a_count_of_one_or_more() -> None:
    with pytest.raises(ValueError, match="at least one kind"):
        ActivityRule(frozenset())
    with pytest.raises(ValueError, match="min_count must be 1 or more"):
        ActivityRule(frozenset({"meeting"}), min_count=0)
