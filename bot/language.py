"""Which language to answer in, and in which Chinese script.

Order: the explicit `lang` wins; then the script (Hangul, Han, Arabic, Cyrillic); then, for Latin letters, the pack's
own character n-gram model (langmodel.py), which knows Vietnamese without tone marks, Russian typed in Latin letters
and SMS spelling. A short or ambiguous message keeps the session's remembered language rather than flipping; a
message clearly in a language the bot does not carry gets the English notice listing the supported languages.

Chinese is answered in Traditional characters when the person writes Traditional (or asks for zh-Hant, zh-TW,
zh-HK or zh-MO); the cards are written in Simplified and converted with OpenCC.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.langmodel import CharNgramModel, everyday_words, load_or_train, normalize, training_texts

if TYPE_CHECKING:
    from bot.knowledge import Pack

SCRIPTS: list[tuple[str, re.Pattern[str]]] = [
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),  # syllables, jamo, compatibility jamo (ㅎㅇ)
    ("ja", re.compile(r"[\u3040-\u30ff]")),  # kana: Japanese, not a supported language
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("other", re.compile(r"[\u0900-\u0dff\u0e00-\u0eff\u1200-\u137f\u0590-\u05ff\u0370-\u03ff\u0530-\u058f]")),
]
SHORT_MESSAGE_CHARS = 15  # "ok", "gracias", "mesi": too short to switch a person's language on
AMBIGUOUS_MESSAGE_CHARS = 30  # below this, the remembered language wins a disagreement
UNSUPPORTED_MIN_LETTERS = 25
SHORT_MESSAGE_CONFIDENCE = 0.8  # a short message not made of everyday words needs this share of the model's belief
# Languages langid tells apart reliably from every supported one. Close relatives of supported languages (Italian,
# Galician, Catalan next to Spanish and Portuguese) are left out on purpose: a misspelled Spanish message must
# never be told its language is unsupported.
_DISTINCT_UNSUPPORTED = {"fr", "de", "nl", "pl", "tr", "id", "ms", "sw", "hu", "cs", "ro", "sv", "da", "no", "fi"}
HANT = "Hant"
_TRADITIONAL_REGIONS = {"tw": "s2twp", "hk": "s2hk", "mo": "s2hk", "hant": "s2t"}
_SIMPLIFIED_TAGS = {"hans", "cn", "sg", "my"}
# Written Cantonese (Hong Kong, Guangdong diaspora) is nearly always Traditional: its particles settle a message whose
# characters are the same in both scripts.
_CANTONESE = re.compile(r"[唔嘅咗冇佢啲嘢㗎喺攞噉咁乜嚟哋]")


@dataclass(frozen=True)
class LanguageChoice:
    lang: str  # the language to answer in (always supported)
    unsupported: bool = False  # the person wrote in a language the bot does not carry
    script: str | None = None  # "Hant" when a Chinese reply goes out in Traditional characters
    conversion: str = "s2t"  # the OpenCC configuration for that reply (regional vocabulary for zh-TW, zh-HK)

    @property
    def code(self) -> str:
        """BCP-47 code of the reply: "es", "zh", or "zh-Hant"."""
        return f"{self.lang}-{self.script}" if self.script else self.lang


class LanguageDetector:
    def __init__(
        self,
        supported: tuple[str, ...],
        model: CharNgramModel | None,
        everyday: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.supported = supported
        self.model = model
        self.everyday = everyday or {}

    @classmethod
    def for_pack(cls, pack: Pack, cache_dir: Path | None = None) -> LanguageDetector:
        if len(pack.languages) == 1:
            return cls(pack.languages, None)
        lang_dir = Path(__file__).parent / "lang"
        texts = training_texts({lang: pack.cards.get(lang, {}) for lang in pack.languages}, lang_dir)
        cache = cache_dir / "langmodel.npz" if cache_dir is not None else None
        return cls(pack.languages, load_or_train(texts, cache), everyday_words(lang_dir, pack.languages))

    def detect(self, text: str, requested: str | None = None, remembered: str | None = None) -> LanguageChoice:
        if requested:
            return self._requested(requested, text)
        memory = primary_subtag(remembered) if remembered else None
        memory = memory if memory in self.supported else None
        for lang, pattern in SCRIPTS:
            if pattern.search(text):
                if lang == "zh" and lang in self.supported:
                    return self._chinese(text, remembered)
                if lang in self.supported:
                    return LanguageChoice(lang)
                if lang in ("ja", "other"):
                    return self._keep(remembered, unsupported=memory is None)
        letters = sum(ch.isalpha() for ch in text)
        if memory and letters < SHORT_MESSAGE_CHARS:
            return self._keep(remembered)
        if self.model is None:
            return LanguageChoice(self.supported[0])
        if letters >= UNSUPPORTED_MIN_LETTERS and _clearly_unsupported(text):
            return self._keep(remembered, unsupported=memory is None)
        posterior = self.model.log_posterior(text)
        candidates = [lg for lg in posterior if lg in self.supported]
        if letters < SHORT_MESSAGE_CHARS:
            return LanguageChoice(self._short(text, posterior, candidates))
        lang = max(candidates, key=posterior.__getitem__)
        if memory and letters < AMBIGUOUS_MESSAGE_CHARS and lang != memory:
            return self._keep(remembered)
        return LanguageChoice(lang)

    def _short(self, text: str, posterior: dict[str, float], candidates: list[str]) -> str:
        """A first message of a word or two ("hola", "mesi", "ok"): everyday words decide when they can; English,
        the language of the notice, when the message could be several languages and the model is unsure."""
        words = set(normalize(text).split())
        known = [lg for lg in candidates if words and words <= self.everyday.get(lg, frozenset())]
        if len(known) == 1:
            return known[0]
        if "en" in known:
            return "en"
        pool = known or candidates
        lang = max(pool, key=posterior.__getitem__)
        share = math.exp(posterior[lang] - float(np.logaddexp.reduce([posterior[lg] for lg in pool])))
        return lang if known or share >= SHORT_MESSAGE_CONFIDENCE else "en"

    def _requested(self, requested: str, text: str) -> LanguageChoice:
        tags = requested.replace("_", "-").lower().split("-")
        primary = tags[0]
        if primary not in self.supported:
            return LanguageChoice("en", unsupported=True)
        if primary != "zh":
            return LanguageChoice(primary)
        for tag in tags[1:]:
            if tag in _TRADITIONAL_REGIONS:
                return LanguageChoice("zh", script=HANT, conversion=_TRADITIONAL_REGIONS[tag])
            if tag in _SIMPLIFIED_TAGS:
                return LanguageChoice("zh")
        return self._chinese(text, None)

    def _chinese(self, text: str, remembered: str | None) -> LanguageChoice:
        trad, simp = han_variants(text)
        tie_to_traditional = remembered == f"zh-{HANT}" or bool(_CANTONESE.search(text))
        if trad > simp or (trad == simp and tie_to_traditional):
            return LanguageChoice("zh", script=HANT)
        return LanguageChoice("zh")

    def _keep(self, remembered: str | None, unsupported: bool = False) -> LanguageChoice:
        if unsupported or not remembered:
            return LanguageChoice("en", unsupported=unsupported)
        primary = primary_subtag(remembered)
        if primary not in self.supported:
            return LanguageChoice("en")
        return LanguageChoice(primary, script=HANT if remembered.endswith(HANT) and primary == "zh" else None)


def primary_subtag(code: str) -> str:
    """The primary language subtag: zh-Hant -> zh, es_US -> es."""
    return code.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=1)
def _langid() -> Any:
    from langid.langid import LanguageIdentifier, model

    return LanguageIdentifier.from_modelstring(model, norm_probs=True)


def _clearly_unsupported(text: str) -> bool:
    lang, prob = _langid().classify(text)
    return lang in _DISTINCT_UNSUPPORTED and prob >= 0.99


@lru_cache(maxsize=8)
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def han_variants(text: str) -> tuple[int, int]:
    """(characters only Traditional writing uses, characters only Simplified writing uses)."""
    to_simp, to_trad = _opencc("t2s").convert(text), _opencc("s2t").convert(text)
    if len(to_simp) != len(text) or len(to_trad) != len(text):  # a phrase conversion changed the length
        return (int(to_simp != text), int(to_trad != text))
    trad = sum(a != b for a, b in zip(text, to_simp, strict=True))
    simp = sum(a != b for a, b in zip(text, to_trad, strict=True))
    return trad, simp


def to_simplified(text: str) -> str:
    return str(_opencc("t2s").convert(text))


def to_traditional(text: str, conversion: str = "s2t") -> str:
    return str(_opencc(conversion).convert(text))
