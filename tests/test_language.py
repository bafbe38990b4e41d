"""Language detection, Traditional Chinese replies and the note that sources are in English."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.knowledge import load_pack
from bot.lang.strings import text
from bot.langmodel import CharNgramModel, load_or_train, strip_marks, translit_ru
from bot.language import LanguageDetector, han_variants, to_traditional
from bot.pipeline import Pipeline
from bot.types import Question

HELD_OUT = sorted((ROOT / "evals" / "heldout").glob("detect-*.yaml"))


@pytest.fixture(scope="module")
def detector(project_pipeline: Pipeline) -> LanguageDetector:
    return project_pipeline.languages


def test_held_out_detection_meets_the_goals(detector: LanguageDetector) -> None:
    """Messages written apart from the detector's training text: ≥ 97% of questions and ≥ 90% of SMS-style
    messages in every language, with no `lang` given."""
    hits: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for path in HELD_OUT:
        for row in yaml.safe_load(path.read_text(encoding="utf-8")):
            hits[(row["lang"], row["kind"])].append(detector.detect(row["text"]).lang == row["lang"])
    assert {lang for lang, _ in hits} == set(detector.supported)
    floors = {"question": 0.97, "sms": 0.90}
    low = {k: round(sum(v) / len(v), 3) for k, v in hits.items() if sum(v) / len(v) < floors[k[1]]}
    assert not low, low


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("toi muon biet irs co dua dia chi cho ice khong", "vi"),
        ("a ice mozhet uznat moi adres cherez nalogi?", "ru"),
        ("eske irs ka bay imigrasyon adres mwen", "ht"),
        ("pwede po bang ibigay ng irs ang address ko sa ice", "tl"),
        ("o irs pode passar meu endereco pro ice", "pt"),
        ("mi itin expiro que hago", "es"),
    ],
)
def test_informal_latin_spelling(project_pipeline: Pipeline, message: str, lang: str) -> None:
    answer = project_pipeline.answer(Question(message))
    assert answer.lang == lang


def test_short_first_messages(detector: LanguageDetector) -> None:
    assert detector.detect("ok").lang == "en"
    assert detector.detect("hola").lang == "es"
    assert detector.detect("ok", remembered="vi").lang == "vi"
    assert detector.detect("ok", remembered="zh-Hant").code == "zh-Hant"


def test_unsupported_language_is_flagged(detector: LanguageDetector) -> None:
    choice = detector.detect("Guten Tag, darf das Finanzamt meine Adresse an die Einwanderungsbehörde weitergeben?")
    assert choice.unsupported and choice.lang == "en"


def test_traditional_question_gets_a_traditional_answer(project_pipeline: Pipeline) -> None:
    simplified = project_pipeline.answer(Question("国税局可以把我的地址给移民局吗？"))
    traditional = project_pipeline.answer(Question("國稅局可以把我的地址給移民局嗎？"))
    assert simplified.lang == "zh" and traditional.lang == "zh-Hant"
    trad, simp = han_variants(traditional.answer)
    assert trad > 0 and simp == 0, traditional.answer
    # same card, same citations, same numbers: only the characters differ
    assert [c.model_dump() for c in traditional.citations] == [c.model_dump() for c in simplified.citations]
    assert [r.url for r in traditional.referrals] == [r.url for r in simplified.referrals]
    digits = lambda s: [ch for ch in s if ch.isdigit()]  # noqa: E731
    assert digits(traditional.answer) == digits(simplified.answer)


def test_requested_region_and_session_keep_traditional(project_pipeline: Pipeline) -> None:
    tw = project_pipeline.answer(Question("国税局可以把我的地址给移民局吗？", lang="zh-TW", session="t-1"))
    assert tw.lang == "zh-Hant" and han_variants(tw.answer)[1] == 0
    follow_up = project_pipeline.answer(Question("好的", session="t-1"))  # the same characters in both scripts
    assert follow_up.lang == "zh-Hant"
    assert project_pipeline.answer(Question("國稅局可以把我的地址給移民局嗎？", lang="zh-CN")).lang == "zh"


@pytest.mark.parametrize("lang", ["es", "vi", "ar", "ru"])
def test_non_english_answers_say_the_sources_are_in_english(project_pipeline: Pipeline, lang: str) -> None:
    card = project_pipeline.pack.cards[lang]["mou-what-is-it"]
    answer = project_pipeline.answer(Question(card.questions[0], lang=lang))
    assert answer.citations and answer.answer.endswith(text(lang, "sources_in_english"))
    english = project_pipeline.answer(Question(project_pipeline.pack.cards["en"]["mou-what-is-it"].questions[0]))
    assert english.citations and text("es", "sources_in_english") not in english.answer


def test_phone_spellings() -> None:
    assert strip_marks("Tôi không được đi") == "Toi khong duoc di"
    assert translit_ru("можно ли подать налоги") == "mozhno li podat nalogi"


def test_model_is_cached_and_rebuilt_when_its_text_changes(tmp_path: Path) -> None:
    texts = {"en": ["can the tax agency share my address"], "es": ["puede la agencia de impuestos dar mi dirección"]}
    cache = tmp_path / "langmodel.npz"
    first = load_or_train(texts, cache)
    assert cache.exists() and first.log_posterior("mi dirección")["es"] > first.log_posterior("mi dirección")["en"]
    stamp = cache.stat().st_mtime_ns
    load_or_train(texts, cache)
    assert cache.stat().st_mtime_ns == stamp  # loaded, not rebuilt
    changed = {**texts, "en": [*texts["en"], "my address"]}
    load_or_train(changed, cache)
    assert cache.stat().st_mtime_ns != stamp
    assert CharNgramModel.load(cache, "not-the-key") is None


def test_fixture_pack_languages_only(settings) -> None:  # type: ignore[no-untyped-def]
    pack = load_pack(settings.knowledge_dir)
    detector = LanguageDetector.for_pack(pack, settings.data_dir)
    assert set(detector.supported) == set(pack.languages)
    assert detector.detect("¿El IRS puede compartir mi dirección con inmigración?").lang in pack.languages


def test_fixed_strings_follow_the_reply_code() -> None:
    assert text("zh-Hant", "sources") == to_traditional(text("zh", "sources")) != text("zh", "sources")
    assert text("es-US", "sources") == text("es", "sources")
