"""Flesch–Kincaid grade of English text, for checking that short answers read at or below grade 8.

Syllables come from pyphen's bundled hyphenation dictionary (no download), which slightly undercounts compared with
a pronouncing dictionary; grades here can therefore read up to about half a grade low.
"""

from __future__ import annotations

import re
from functools import cache

_SENTENCE = re.compile(r"[.!?]+(?:\s|$)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


@cache
def _dic():  # type: ignore[no-untyped-def]
    import pyphen

    return pyphen.Pyphen(lang="en_US")


def syllables(word: str) -> int:
    return max(1, len(_dic().positions(word.lower())) + 1)


def fk_grade(text: str) -> float:
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len(_SENTENCE.findall(text.strip() + " ")))
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syl / len(words) - 15.59
