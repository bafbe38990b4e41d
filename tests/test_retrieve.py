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
        ("On what date did Treasury and Homeland Security sign the IRS deal?", "mou-who-signed-when"),
        ("how many peoples adresses did the irs give to ice", "numbers-addresses-shared"),
        ("Can ICE get my W-2 wages and what I earned from the IRS under this deal?", "mou-not-full-returns"),
        ("¿Es verdad que un juez en Boston le prohibió a ICE usar los datos del IRS?", "cedc-massachusetts-ruling"),
        ("mi itin ya no sirve porque no lo use en 3 años, como lo renuevo", "itin-expiry-renewal"),
        ("¿El número ITIN me da permiso para trabajar?", "itin-no-work-authorization"),
    ],
)
def test_paraphrases_find_the_card_in_the_project_pack(project_pipeline: Pipeline, question: str, card: str) -> None:
    top3 = project_pipeline.retriever.search(question, k=3)
    assert card in [r.ref for r in top3]
    assert top3[0].confidence >= project_pipeline.settings.min_confidence


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Peru?",
        "give me a recipe for enchiladas",
        "¿Quién ganó el partido del domingo?",
        "write a poem about the ocean",
        "¿Me recomiendas una película?",
    ],
)
def test_unrelated_questions_are_not_answered_from_a_card(project_pipeline: Pipeline, question: str) -> None:
    outcome = project_pipeline.run(Question(question))
    assert outcome.card_id is None and outcome.answer.citations == []
    assert outcome.answer.intent == "out_of_scope"
    assert outcome.answer.referrals, "an unanswered question still gets a referral"


def test_bm25_alone_still_answers_when_the_store_is_gone(pipeline: Pipeline) -> None:
    """Fixture pack: the fail-safe path when the vector store is unreachable."""
    pipeline.retriever.store = None
    best = pipeline.retriever.search("can the irs give my address to ice")[0]
    assert best.ref == "address-sharing" and best.confidence <= 0.6


def test_tokens_fold_accents_and_split_cjk() -> None:
    assert tokens("EXPIRÓ mi ITIN") == ["expiro", "mi", "itin"]
    assert "地址" in tokens("我的地址")


def test_calibration_is_monotonic() -> None:
    assert calibrate(-0.05) < calibrate(0.0) < 0.05 < 0.5 < calibrate(0.03) < calibrate(0.1)


def test_sparse_bm25_scores_equal_rank_bm25() -> None:
    import numpy as np
    from rank_bm25 import BM25Okapi

    from bot.retrieve import SparseBM25

    texts = ["the irs gives addresses to ice", "el irs comparte direcciones con ice", "itin expira en tres años",
             "我的地址 国税局 移民局", "a court order is needed for returns", "ice ice baby"] * 7  # fmt: skip
    corpus = [tokens(t) for t in texts]
    ours, reference = SparseBM25(corpus), BM25Okapi(corpus)
    for q in ["irs ice ice addresses", "direcciones del irs", "地址", "court order", "nothing matches"]:
        assert np.allclose(ours.get_scores(tokens(q)), reference.get_scores(tokens(q)))
