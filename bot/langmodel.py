"""A small character n-gram language model trained on the pack's own words.

langid.py knows each language from well-spelled web text. People text differently: Vietnamese without its tone marks,
Russian in Latin letters, Portuguese without accents, Creole and Tagalog in SMS shorthand. This model is trained on
what the project already has in every language (card questions and answers, the fixed strings, and the everyday
words in bot/lang/detect.yaml), plus the same text as people type it on a phone: lower case, diacritics dropped,
Cyrillic transliterated to Latin letters. It is a multinomial naive Bayes over character 1–4-grams and whole words.

The model is rebuilt when its training text changes; a copy is cached next to the index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import yaml

ORDERS = (1, 2, 3, 4)
ALPHA = 0.1  # additive smoothing
_NOT_LETTER = re.compile(r"[^\w']+|[\d_]+")

# Informal Latin spelling of Russian, as typed on a phone without a Cyrillic keyboard.
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def normalize(text: str) -> str:
    """Lower case, NFKC, letters only, single spaces."""
    return " ".join(_NOT_LETTER.sub(" ", unicodedata.normalize("NFKC", text).lower()).split())


def strip_marks(text: str) -> str:
    """The text as typed without diacritics: "không được" -> "khong duoc", "é" -> "e", "đ" -> "d"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


def translit_ru(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


def variants(text: str, lang: str) -> list[str]:
    """The text and the ways people type it on a phone."""
    base = normalize(text)
    out = [base]
    if lang == "ru":
        out.append(translit_ru(base))
    elif (bare := strip_marks(base)) != base:
        out.append(bare)
    return out


def features(norm: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for word in norm.split():
        counts["w:" + word] += 1
        padded = f" {word} "
        for n in ORDERS:
            for i in range(len(padded) - n + 1):
                gram = padded[i : i + n]
                if gram != " ":
                    counts[gram] += 1
    return counts


class CharNgramModel:
    """log P(feature | language) for every feature seen in training (a row of `matrix` per feature); one shared
    penalty per language for features never seen."""

    def __init__(self, langs: tuple[str, ...], vocab: list[str], matrix: np.ndarray, unseen: np.ndarray) -> None:
        self.langs = langs
        self._index = {f: i for i, f in enumerate(vocab)}
        self._matrix = matrix.astype(np.float32)
        self._unseen = unseen.astype(np.float32)

    @classmethod
    def train(cls, texts: Mapping[str, Iterable[str]]) -> CharNgramModel:
        langs = tuple(sorted(texts))
        counts = {lang: Counter[str]() for lang in langs}
        for lang in langs:
            for text in texts[lang]:
                for v in variants(text, lang):
                    counts[lang].update(features(v))
        vocab = sorted(set().union(*counts.values()))
        raw = np.array([[counts[lang].get(f, 0) for lang in langs] for f in vocab], dtype=np.float64)
        denom = raw.sum(axis=0) + ALPHA * len(vocab)
        return cls(langs, vocab, np.log((raw + ALPHA) / denom), np.log(ALPHA / denom))

    def log_posterior(self, text: str) -> dict[str, float]:
        """Normalised log-probabilities per language. The evidence is divided by the square root of the number of
        features, so a long message does not become absurdly certain and a short one is not drowned by the prior."""
        feats = features(normalize(text))
        if not feats:
            return {lang: -math.log(len(self.langs)) for lang in self.langs}
        total = np.zeros(len(self.langs), dtype=np.float64)
        n = 0
        for f, c in feats.items():
            i = self._index.get(f)
            total += c * (self._matrix[i] if i is not None else self._unseen)
            n += c
        scores = total / math.sqrt(n)
        scores -= np.logaddexp.reduce(scores)
        return dict(zip(self.langs, scores.tolist(), strict=True))

    def save(self, path: Path, key: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez(
                fh, key=np.array(key), langs=np.array(self.langs), vocab=np.array(list(self._index)),
                matrix=self._matrix, unseen=self._unseen,
            )  # fmt: skip
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, key: str) -> CharNgramModel | None:
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["key"]) != key:
                    return None
                return cls(tuple(data["langs"].tolist()), data["vocab"].tolist(), data["matrix"], data["unseen"])
        except (OSError, ValueError, KeyError):
            return None


def _strings(node: object) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def everyday_words(lang_dir: Path, langs: Iterable[str]) -> dict[str, frozenset[str]]:
    """bot/lang/detect.yaml as sets of words per language, in every typed form (see `variants`)."""
    seeds = yaml.safe_load((lang_dir / "detect.yaml").read_text(encoding="utf-8"))
    return {
        lang: frozenset(w for line in seeds.get(lang, []) for v in variants(line, lang) for w in v.split())
        for lang in langs
    }


def training_texts(cards: Mapping[str, Mapping[str, object]], lang_dir: Path) -> dict[str, list[str]]:
    """Per language: every card's questions and sentences, the fixed strings and the everyday words."""
    seeds = yaml.safe_load((lang_dir / "detect.yaml").read_text(encoding="utf-8"))
    texts: dict[str, list[str]] = {}
    for lang, by_id in cards.items():
        out: list[str] = []
        for card in by_id.values():
            out.extend(card.questions)  # type: ignore[attr-defined]
            out.extend(s.text for s in (*card.short, *card.answer))  # type: ignore[attr-defined]
        fixed = lang_dir / f"{lang}.yaml"
        if fixed.exists():
            out.extend(_strings(yaml.safe_load(fixed.read_text(encoding="utf-8"))))
        out.extend(seeds.get(lang, []))
        texts[lang] = out
    return texts


def load_or_train(texts: Mapping[str, list[str]], cache: Path | None) -> CharNgramModel:
    digest = hashlib.sha256(json.dumps(texts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    key = f"v1:{digest}"
    if cache is not None and (model := CharNgramModel.load(cache, key)) is not None:
        return model
    model = CharNgramModel.train(texts)
    if cache is not None:
        with contextlib.suppress(OSError):  # a read-only data directory only costs the rebuild next time
            model.save(cache, key)
    return model
