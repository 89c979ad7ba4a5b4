"""The model config.example.toml ships, on the people the issue and the example's comments talk about."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from leadstage.mapping.evaluate import QualificationModel, evaluate
from leadstage.mapping.model import Activity, Contact, Stage, StageState, Temperature
from leadstage.sync.config import load_settings
from tests.mapping.scoring_support import NOW, did

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


@pytest.fixture(scope="module")
def model() -> QualificationModel:
    return next(iter(load_settings(EXAMPLE).portals.values())).model


def demo_form(days_ago: float = 1) -> list[Activity]:
    return [
        did("form_submission", days_ago, form="Request a demo"),
        did("page_view", days_ago, url="https://x.io/demo"),
    ]


def contact(**fields: str) -> Contact:
    return Contact("7", NOW, {"lifecycle_stage": "lead", **fields})


STUDENT = {"email": "kim@gmail.com", "job_title": "Student", "phone": "+1 555 0100", "country": "US"}
VP = {"email": "ann@acme.com", "job_title": "VP of Sales", "industry": "Software", "employees": "100-500"}
IC = {"email": "bo@acme.com", "job_title": "Software Engineer", "industry": "Retail", "employees": "25-50"}
COMPETITOR = {
    "email": "spy@competitor.io",
    "job_title": "VP of Marketing",
    "industry": "Software",
    "employees": "1000+",
}


@pytest.mark.parametrize(
    ("fields", "activities", "score", "stage", "reason"),
    [
        pytest.param(
            STUDENT,
            demo_form(),
            0,
            Stage.RAW,
            "stays raw: score 0 < threshold 55; hand-raiser rule 'Demo request' holds, but fit -40 below the "
            "hand-raiser minimum 0",
            id="the free-mail student who fills the demo form: the negative fit cancels it",
        ),
        pytest.param(
            VP,
            demo_form(),
            50,
            Stage.MQL,
            "hand-raiser: rule 'Demo request' holds (score 50, threshold 55) and grade A meets minimum C",
            id="a VP who fills the demo form: a hand-raiser, whatever the score",
        ),
        pytest.param(
            IC,
            demo_form(),
            20,
            Stage.MQL,
            "hand-raiser: rule 'Demo request' holds (score 20, threshold 55) and grade C meets minimum C",
            id="an engineer who fills the demo form: need and timeline make grade C",
        ),
        pytest.param(
            IC,
            [did("form_submission", 1, form="Contact sales")],
            12,
            Stage.RAW,
            "stays raw: score 12 < threshold 55; hand-raiser rule 'Contact form' holds, but grade D below minimum C",
            id="the contact form alone: need only, grade D",
        ),
        pytest.param(
            COMPETITOR,
            demo_form(),
            0,
            Stage.RAW,
            "stays raw: score 0 < threshold 55; hand-raiser rule 'Demo request' holds, but fit -40 below the "
            "hand-raiser minimum 0",
            id="a competitor's VP: never a hand-raiser",
        ),
        pytest.param(
            VP,
            [],
            30,
            Stage.RAW,
            "stays raw: score 30 < threshold 55; no hand-raiser rule holds (Demo request, Contact form)",
            id="a VP who did nothing",
        ),
    ],
)
def test_the_shipped_model_on_typical_people(
    model: QualificationModel, fields: dict[str, str], activities: list[Activity], score: int, stage: Stage, reason: str
) -> None:
    previous = StageState(Stage.RAW, {Stage.RAW: NOW - timedelta(days=90)}, observed=Stage.RAW)

    evaluation = evaluate(contact(**fields), activities, previous, model, NOW)

    assert (evaluation.score.score, evaluation.decision.stage, evaluation.decision.reason) == (score, stage, reason)


def test_the_shipped_model_shows_seniority_tiers_and_bant_authority_naming_them(model: QualificationModel) -> None:
    evaluation = evaluate(contact(**VP), demo_form(), None, model, NOW)

    assert evaluation.values["score_reason"].startswith(
        "fit: Target industry +20, Company size 50-5000 +20, Seniority: VP +20;"
    )
    assert evaluation.bant.criteria[1].reason.startswith("rule 'Seniority' in tiers C-level, VP, Director [tier VP:")
    assert evaluation.score.combine == "net"


@pytest.mark.parametrize(
    ("activities", "temperature"),
    [
        pytest.param(demo_form(2), Temperature.HOT, id="a demo request this week: hot"),
        pytest.param(
            [did("email_open", day) for day in range(5)],
            Temperature.COLD,
            id="five opens this week: 4.7 decayed points, not warm (opens are weak, and never hot)",
        ),
        pytest.param(
            [did("email_open", day) for day in range(5)] + [did("email_click", 1)], Temperature.WARM, id="and a click"
        ),
        pytest.param([did("email_click", 20)], Temperature.COLD, id="one click 20 days ago decays below warm"),
        pytest.param([did("email_click", 2), did("email_click", 3)], Temperature.WARM, id="two recent clicks: warm"),
        pytest.param([did("webinar", 25)], Temperature.WARM, id="a webinar 25 days ago is still warm"),
    ],
)
def test_the_shipped_temperature_counts_intent_for_hot_and_decays_warm(
    model: QualificationModel, activities: list[Activity], temperature: Temperature
) -> None:
    assert evaluate(contact(**IC), activities, None, model, NOW).temperature.temperature is temperature
