"""Retrieval finds the right card for paraphrases in English and Spanish, and detects 'nothing relevant'."""

from __future__ import annotations

import pytest

from bot.pipeline import Pipeline
from bot.retrieve import calibrate, tokens
from bot.types import Question


@pytest.fixture
def pipeline(settings, embedder) -> Pipeline:
    return Pipeline.from_settings(settings, embedder=embedder)


@pytest.mark.parametrize(
    ("question", "card"),
    [
        ("Is the tax office allowed to pass my home address to deportation officers?", "address-sharing"),
        ("do they need a warrant from a judge first", "court-order"),
        ("¿Hacienda le puede pasar a la migra dónde vivo?", "address-sharing"),
        ("hace falta que un juez lo autorice", "court-order"),
    ],
)
def test_paraphrases_find_the_card(pipeline: Pipeline, question: str, card: str) -> None:
    best = pipeline.retriever.search(question)[0]
    assert best.ref == card and best.confidence >= pipeline.settings.min_confidence


@pytest.mark.parametrize("question", ["What is the capital of France?", "recipe for tamales", "¿Quién ganó el partido?"])
def test_unrelated_questions_are_not_trusted(pipeline: Pipeline, question: str) -> None:
    outcome = pipeline.run(Question(question))
    assert outcome.card_id is None and outcome.answer.citations == []
    assert outcome.answer.referrals, "an unanswered question still gets a referral"


def test_bm25_alone_still_answers_when_the_store_is_gone(pipeline: Pipeline) -> None:
    pipeline.retriever.store = None
    best = pipeline.retriever.search("can the irs give my address to ice")[0]
    assert best.ref == "address-sharing" and best.confidence <= 0.6


def test_tokens_fold_accents_and_split_cjk() -> None:
    assert tokens("EXPIRÓ mi ITIN") == ["expiro", "mi", "itin"]
    assert "地址" in tokens("我的地址")


def test_calibration_is_monotonic() -> None:
    assert calibrate(-0.05) < 0.05 < calibrate(0.0) < 0.5 < calibrate(0.02) < calibrate(0.1)
