"""Rule groups (all, any, not), tiers, and rules named by other rules: table by table."""

from __future__ import annotations

import pytest

from leadstage.mapping.bant import BantModel, BantRef, ClauseRule, grade
from leadstage.mapping.conditions import Contains, Equals, Present, Range, Regex
from leadstage.mapping.evaluate import QualificationModel, evaluate
from leadstage.mapping.groups import AllOf, AnyOf, Clause, FieldTest, Not, RuleRef
from leadstage.mapping.scoring import (
    EngagementRule,
    FitContribution,
    FitGroup,
    FitRule,
    FitTiers,
    ScoringModel,
    Tier,
    score,
)
from leadstage.mapping.temperature import TemperatureModel, Window
from tests.mapping.scoring_support import NOW, did, person

MANAGER = FieldTest("job_title", Regex.compile(r"(?i)\bmanager\b"))
SENIOR_WORDS = Regex.compile(r"(?i)\b(chief|vp|director)\b")
SENIOR = FieldTest("job_title", SENIOR_WORDS)
SOFTWARE = FieldTest("industry", Equals("Software"))
STUDENT_DOMAIN = FieldTest("email_domain", Regex.compile(r"\.edu$"))
SENIORITY = FitTiers(
    "Seniority",
    (
        Tier("C-level", FieldTest("job_title", Regex.compile(r"(?i)\b(chief|ceo|founder)\b")), 25),
        Tier("VP", FieldTest("job_title", Regex.compile(r"(?i)\b(vp|vice president)\b")), 20),
        Tier("Director", FieldTest("job_title", Regex.compile(r"(?i)\b(director|head of)\b")), 15),
        Tier("Manager", MANAGER, 10),
    ),
)
DEMO = EngagementRule("Demo request", frozenset({"form_submission"}), 35, where=(("form", Contains("demo")),))


def fit_of(rules: tuple[FitRule | FitGroup | FitTiers, ...]) -> ScoringModel:
    return ScoringModel(fit_rules=rules, engagement_rules=(DEMO,), fit_weight=1, engagement_weight=0)


def fired(rules, activities=(), **fields: str) -> dict[str, FitContribution]:
    result = score(person(**fields), list(activities), fit_of(rules), NOW)
    return {contribution.rule: contribution for contribution in result.fit_rules}


# -- groups --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("clause", "fields", "holds"),
    [
        pytest.param(
            AllOf((MANAGER, SOFTWARE)), {"job_title": "Sales Manager", "industry": "software"}, True, id="all"
        ),
        pytest.param(
            AllOf((MANAGER, SOFTWARE)), {"job_title": "Sales Manager", "industry": "Retail"}, False, id="all, one fails"
        ),
        pytest.param(AllOf((MANAGER, SOFTWARE)), {"job_title": "Sales Manager"}, False, id="all, a field missing"),
        pytest.param(AnyOf((MANAGER, SOFTWARE)), {"industry": "Software"}, True, id="any, the second"),
        pytest.param(
            AnyOf((MANAGER, SOFTWARE)), {"job_title": "Engineer", "industry": "Retail"}, False, id="any, none"
        ),
        pytest.param(Not(SOFTWARE), {"industry": "Retail"}, True, id="not"),
        pytest.param(Not(SOFTWARE), {}, True, id="not, the field missing"),
        pytest.param(Not(SOFTWARE), {"industry": "Software"}, False, id="not, it holds"),
        pytest.param(AllOf((MANAGER, Not(SENIOR))), {"job_title": "Account Manager"}, True, id="manager, not senior"),
        pytest.param(AllOf((MANAGER, Not(SENIOR))), {"job_title": "VP, Product Manager"}, False, id="senior manager"),
        pytest.param(
            AnyOf((FieldTest("job_title", Contains("student")), AllOf((STUDENT_DOMAIN, Not(SENIOR))))),
            {"job_title": "IT Specialist", "email": "ann@lakeside.edu"},
            True,
            id="nested: any of all of not",
        ),
        pytest.param(
            AnyOf((FieldTest("job_title", Contains("student")), AllOf((STUDENT_DOMAIN, Not(SENIOR))))),
            {"job_title": "Director of IT", "email": "ann@lakeside.edu"},
            False,
            id="nested: the not fails",
        ),
        pytest.param(Not(Not(SOFTWARE)), {"industry": "Software"}, True, id="not not"),
    ],
)
def test_a_group_holds_as_its_parts_say(clause: Clause, fields: dict[str, str], holds: bool) -> None:
    assert ("Group" in fired((FitGroup("Group", clause, 10),), **fields)) is holds


def test_a_group_rule_explains_which_parts_held_with_the_values_seen() -> None:
    rule = FitGroup("Manager, not senior", AllOf((MANAGER, Not(SENIOR))), 10)

    contribution = fired((rule,), job_title="Account Manager")["Manager, not senior"]

    assert contribution == FitContribution(
        "Manager, not senior",
        "job_title",
        "Account Manager",
        10,
        None,
        "all of [job_title 'Account Manager' matches regex '(?i)\\\\bmanager\\\\b': yes; "
        "not [job_title 'Account Manager' matches regex '(?i)\\\\b(chief|vp|director)\\\\b': no]: yes]: yes",
    )


def test_a_group_reading_several_fields_names_them_and_shows_each_value_seen() -> None:
    contribution = fired(
        (FitGroup("Software manager", AllOf((MANAGER, SOFTWARE)), 5),), job_title="IT Manager", industry="Software"
    )

    assert (contribution["Software manager"].field, contribution["Software manager"].value) == (
        "job_title, industry",
        None,
    )
    assert "job_title 'IT Manager'" in contribution["Software manager"].detail
    assert "industry 'Software' equals 'Software': yes" in contribution["Software manager"].detail


def test_a_group_is_remembered_by_every_value_it_reads() -> None:
    rules = (FitGroup("Software manager", AllOf((MANAGER, SOFTWARE)), 5),)
    model = QualificationModel(scoring=fit_of(rules))

    first = evaluate(person(job_title="IT Manager", industry="Software"), [], None, model, NOW)
    second = evaluate(person(job_title="IT Manager", industry="Retail"), [], None, model, NOW)

    assert [c.rule for c in first.score.fit_rules] == ["Software manager"]
    assert second.score.fit_rules == ()


def test_a_band_value_in_a_group_says_how_it_was_read() -> None:
    rule = FitGroup("Mid-size software", AllOf((FieldTest("employees", Range(50, 5000)), SOFTWARE)), 5)

    contribution = fired((rule,), employees="100-500", industry="Software")["Mid-size software"]

    assert "employees '100-500' (band 100..500, midpoint 300) is between 50 and 5,000: yes" in contribution.detail


@pytest.mark.parametrize("group", [AllOf, AnyOf])
def test_an_empty_group_is_refused(group: type[AllOf] | type[AnyOf]) -> None:
    with pytest.raises(ValueError, match="needs at least one condition"):
        group(())


# -- tiers ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "tier", "points"),
    [
        ("Chief Revenue Officer", "C-level", 25),
        ("Founder & CEO", "C-level", 25),
        ("VP of Sales", "VP", 20),
        ("Head of Growth", "Director", 15),
        ("Director of IT", "Director", 15),
        ("Marketing Manager", "Manager", 10),
        ("VP, Marketing Manager", "VP", 20),  # the first tier that holds wins: never VP and Manager both
        ("Chief of Staff to the VP", "C-level", 25),
        ("Software Engineer", None, None),
    ],
)
def test_the_first_tier_that_holds_gives_its_points(title: str, tier: str | None, points: float | None) -> None:
    result = score(person(job_title=title), [], fit_of((SENIORITY,)), NOW)

    if tier is None:
        assert result.fit_rules == ()
    else:
        (contribution,) = result.fit_rules
        assert (contribution.rule, contribution.tier, contribution.points, result.fit) == (
            "Seniority",
            tier,
            points,
            points,
        )


def test_a_tiered_rule_reads_in_the_score_reason_as_rule_tier_points() -> None:
    model = QualificationModel(scoring=fit_of((SENIORITY,)))

    evaluation = evaluate(person(job_title="VP of Sales"), [], None, model, NOW)

    assert evaluation.values["score_reason"] == "fit: Seniority: VP +20; engagement: none"


def test_tiers_are_tried_in_order_so_order_decides() -> None:
    broad_first = FitTiers("Title", (Tier("Anyone", FieldTest("job_title", Present()), 1), SENIORITY.tiers[0]))

    assert fired((broad_first,), job_title="CEO")["Title"].tier == "Anyone"


def test_a_tier_may_be_a_group() -> None:
    tiers = FitTiers(
        "Buyer",
        (
            Tier("Senior in software", AllOf((SENIOR, SOFTWARE)), 20),
            Tier("Senior elsewhere", SENIOR, 10),
        ),
    )

    assert fired((tiers,), job_title="VP Sales", industry="Software")["Buyer"].tier == "Senior in software"
    assert fired((tiers,), job_title="VP Sales", industry="Retail")["Buyer"].tier == "Senior elsewhere"


def test_tiers_need_at_least_one_tier_and_names_apart() -> None:
    with pytest.raises(ValueError, match="at least one tier"):
        FitTiers("Empty", ())
    with pytest.raises(ValueError, match="two tiers are named 'VP'"):
        FitTiers("Twice", (Tier("VP", SENIOR, 1), Tier("VP", MANAGER, 1)))


# -- rules named by other rules ----------------------------------------------------------------------------------
MANAGER_NOT_SENIOR = FitGroup(
    "Manager, not senior", AllOf((MANAGER, Not(RuleRef("Seniority", ("C-level", "VP", "Director"))))), 5
)


@pytest.mark.parametrize(
    ("clause", "fields", "activities", "holds"),
    [
        pytest.param(RuleRef("Seniority"), {"job_title": "Marketing Manager"}, [], True, id="fit rule, any tier"),
        pytest.param(RuleRef("Seniority"), {"job_title": "Engineer"}, [], False, id="fit rule, no tier"),
        pytest.param(RuleRef("Seniority", ("C-level", "VP")), {"job_title": "VP Sales"}, [], True, id="tier chosen"),
        pytest.param(
            RuleRef("Seniority", ("C-level", "VP")), {"job_title": "Head of IT"}, [], False, id="tier not chosen"
        ),
        pytest.param(
            RuleRef("Seniority", ("Manager",)),
            {"job_title": "VP, Marketing Manager"},
            [],
            False,
            id="the tier that won counts",
        ),
        pytest.param(RuleRef("Free mail"), {"email": "a@gmail.com"}, [], True, id="plain fit rule"),
        pytest.param(
            RuleRef("Demo request"),
            {},
            [did("form_submission", 3, form="Book a demo")],
            True,
            id="engagement rule counts",
        ),
        pytest.param(
            RuleRef("Demo request"),
            {},
            [did("form_submission", 3, form="Newsletter")],
            False,
            id="engagement rule does not",
        ),
        pytest.param(
            RuleRef("Demo request"), {}, [did("form_submission", 400, form="demo")], False, id="older than max age"
        ),
        pytest.param(
            AllOf((RuleRef("Seniority", ("C-level", "VP", "Director")), RuleRef("Demo request"))),
            {"job_title": "CEO"},
            [did("form_submission", 1, form="demo")],
            True,
            id="senior hand-raiser",
        ),
    ],
)
def test_a_reference_holds_when_the_rule_named_does(
    clause: Clause, fields: dict[str, str], activities, holds: bool
) -> None:
    free_mail = FitRule("Free mail", "email_domain", Regex.compile(r"^gmail\."), -20)
    model = ScoringModel(
        fit_rules=(SENIORITY, free_mail, FitGroup("Probe", clause, 1)),
        engagement_rules=(DEMO,),
        max_age_days=365,
    )

    result = score(person(**fields), activities, model, NOW)

    assert ("Probe" in {c.rule for c in result.fit_rules}) is holds


def test_a_reference_to_a_later_rule_resolves_and_explains_the_tier_seen() -> None:
    contribution = fired((MANAGER_NOT_SENIOR, SENIORITY), job_title="Account Manager")["Manager, not senior"]

    assert contribution.detail == (
        "all of [job_title 'Account Manager' matches regex '(?i)\\\\bmanager\\\\b': yes; not [rule 'Seniority' in "
        "tiers C-level, VP, Director [tier Manager: job_title 'Account Manager' matches regex "
        "'(?i)\\\\bmanager\\\\b': yes]: no]: yes]: yes"
    )
    assert "Manager, not senior" not in fired((MANAGER_NOT_SENIOR, SENIORITY), job_title="Director, Manager")


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        pytest.param((FitGroup("A", RuleRef("A"), 1),), "rule 'A' refers to itself: 'A' -> 'A'", id="itself"),
        pytest.param(
            (FitGroup("A", Not(RuleRef("B")), 1), FitGroup("B", AnyOf((SOFTWARE, RuleRef("A"))), 1)),
            "rule 'A' refers to itself: 'A' -> 'B' -> 'A'",
            id="through another",
        ),
        pytest.param(
            (FitTiers("T", (Tier("x", SENIOR, 1), Tier("y", RuleRef("G"), 1))), FitGroup("G", RuleRef("T", ("x",)), 1)),
            "rule 'T' refers to itself: 'T' -> 'G' -> 'T'",
            id="through a tier",
        ),
        pytest.param(
            (FitGroup("A", RuleRef("Nobody"), 1),), "no fit or engagement rule is named 'Nobody'", id="unknown"
        ),
        pytest.param(
            (FitGroup("A", RuleRef("Seniority", ("CEO",)), 1), SENIORITY), "has no tier 'CEO'", id="unknown tier"
        ),
        pytest.param(
            (FitGroup("A", RuleRef("Demo request", ("x",)), 1),),
            "is an engagement rule: it has no tiers",
            id="tiers of engagement",
        ),
        pytest.param(
            (FitGroup("A", RuleRef("B", ("x",)), 1), FitRule("B", "x", Present(), 1)),
            "has no tiers",
            id="tiers of plain",
        ),
    ],
)
def test_references_that_cannot_resolve_are_refused_naming_the_rule(rules, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        QualificationModel(scoring=ScoringModel(fit_rules=rules, engagement_rules=(DEMO,)))


def test_a_name_both_a_fit_and_an_engagement_rule_have_cannot_be_referred_to() -> None:
    rules = (FitRule("Demo request", "lead_source", Equals("Demo"), 5), FitGroup("A", RuleRef("Demo request"), 1))

    with pytest.raises(ValueError, match="names both a fit and an engagement rule"):
        QualificationModel(scoring=ScoringModel(fit_rules=rules, engagement_rules=(DEMO,)))


# -- BANT and temperature naming scoring rules -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "fields", "activities", "holds", "reason"),
    [
        pytest.param(
            BantRef("Seniority", ("C-level", "VP", "Director")),
            {"job_title": "Head of Growth"},
            [],
            True,
            "rule 'Seniority' in tiers C-level, VP, Director [tier Director: job_title 'Head of Growth' matches regex "
            "'(?i)\\\\b(director|head of)\\\\b': yes]: yes",
            id="authority by tier",
        ),
        pytest.param(
            BantRef("Seniority", ("C-level", "VP", "Director")),
            {"job_title": "Sales Manager"},
            [],
            False,
            "none held: rule 'Seniority' in tiers C-level, VP, Director [tier Manager: job_title 'Sales Manager' "
            "matches regex '(?i)\\\\bmanager\\\\b': yes]: no",
            id="a tier not chosen",
        ),
        pytest.param(
            BantRef("Demo request", within_days=30),
            {},
            [did("form_submission", 12, form="demo")],
            True,
            "rule 'Demo request': 1 activity in the last 30 days",
            id="engagement rule within days",
        ),
        pytest.param(
            BantRef("Demo request", within_days=30, min_count=2),
            {},
            [did("form_submission", 12, form="demo")],
            False,
            "none held: rule 'Demo request': 1 activity in the last 30 days, needs 2",
            id="engagement rule, too few",
        ),
        pytest.param(
            BantRef("Demo request"),
            {},
            [did("form_submission", 300, form="demo")],
            True,
            "rule 'Demo request': 1 activity in the last 365 days",
            id="engagement rule, within the scoring max age by default",
        ),
        pytest.param(
            ClauseRule(AllOf((SENIOR, Not(FieldTest("email_domain", Regex.compile("gmail")))))),
            {"job_title": "VP Sales", "email": "ann@acme.com"},
            [],
            True,
            "all of [job_title 'VP Sales' matches regex '(?i)\\\\b(chief|vp|director)\\\\b': yes; not [email_domain "
            "'acme.com' matches regex 'gmail': no]: yes]: yes",
            id="a group",
        ),
    ],
)
def test_a_bant_rule_naming_a_scoring_rule_holds_when_it_does(
    rule, fields, activities, holds: bool, reason: str
) -> None:
    scoring = ScoringModel(fit_rules=(SENIORITY,), engagement_rules=(DEMO,), max_age_days=365)
    model = QualificationModel(scoring=scoring, bant=BantModel(authority=(rule,)))

    evaluation = evaluate(person(**fields), activities, None, model, NOW)
    authority = evaluation.bant.criteria[1]

    assert (authority.holds, authority.reason) == (holds, reason)
    assert grade(person(**fields), activities, model.bant, NOW, scoring=scoring).criteria[1] == authority


def test_a_bant_rule_naming_an_engagement_rule_shares_its_matcher() -> None:
    model = QualificationModel(
        scoring=ScoringModel(engagement_rules=(DEMO,)), bant=BantModel(need=(BantRef("Demo request", within_days=90),))
    )

    assert len(model.compiled.activities.matchers) == 1


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (BantRef("Nobody"), "no fit or engagement rule is named 'Nobody'"),
        (BantRef("Seniority", within_days=30), "is a fit rule: within_days and min_count apply to activities"),
        (BantRef("Demo request", ("VP",)), "is an engagement rule: it has no tiers"),
        (BantRef("Seniority", ("CTO",)), "has no tier 'CTO'"),
    ],
)
def test_a_bant_rule_naming_what_is_not_there_is_refused(rule: BantRef, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QualificationModel(
            scoring=ScoringModel(fit_rules=(SENIORITY,), engagement_rules=(DEMO,)), bant=BantModel(need=(rule,))
        )


def test_a_temperature_window_naming_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="no engagement rule is named 'Webinar'"):
        QualificationModel(
            scoring=ScoringModel(engagement_rules=(DEMO,)),
            temperature=TemperatureModel(hot=Window(7, 20, rules=("Webinar",))),
        )
