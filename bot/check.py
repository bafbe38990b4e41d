"""Semantic checks of a loaded pack: citations resolve, numbers are supported, translations match, sources are fresh.

Grounding is enforced here rather than trusted: a factual sentence must cite at least one existing pinpoint, and every
number written in it must appear in the passages it cites. A translation must keep the English sentence count (it
inherits the English citations by position) and every number of two or more digits. `python -m bot knowledge check`
prints what this finds; the server refuses to start on errors.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.errors import Problem
from bot.knowledge import Pack
from bot.types import Card, Sentence

SHORT_MAX_CHARS = 300
MIN_QUESTIONS = 3
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f]\d{3})*(?:[.,]\d+)?")


def numbers(text: str) -> list[str]:
    """Digit strings of every number in `text`, separators removed ("47,289" and "47.289" both give "47289")."""
    return [re.sub(r"\D", "", m) for m in _NUMBER.findall(text)]


def check_pack(pack: Pack, today: dt.date | None = None) -> list[Problem]:
    """Append every problem found to pack.problems and return the new ones."""
    before = len(pack.problems)
    english = pack.cards.get("en", {})
    for card in english.values():
        _check_english(pack, card)
    for lang, cards in pack.cards.items():
        if lang == "en":
            continue
        if lang not in pack.languages:
            pack.problems.append(
                Problem(f"knowledge/cards/{lang}", 1, f"language '{lang}' is not in pack.yaml", "warning")
            )
        for card in cards.values():
            _check_translation(pack, card, english.get(card.id))
    for lang in pack.languages:
        missing = sorted(set(english) - set(pack.cards.get(lang, {})))
        for card_id in missing:
            pack.problems.append(
                Problem(f"knowledge/cards/{lang}/{card_id}.yaml", 1, f"card '{card_id}' has no '{lang}' version")
            )
    _check_claims(pack)
    _check_referrals(pack)
    _check_freshness(pack, today or dt.date.today())
    return pack.problems[before:]


def _check_english(pack: Pack, card: Card) -> None:
    if len(card.questions) < MIN_QUESTIONS:
        pack.problems.append(Problem(card.path, 1, f"needs at least {MIN_QUESTIONS} question variants"))
    _check_short_length(pack, card)
    for s in card.short + card.answer:
        _check_sentence(pack, card, s)


def _check_short_length(pack: Pack, card: Card) -> None:
    length = len(" ".join(s.text for s in card.short))
    if length > SHORT_MAX_CHARS:
        pack.problems.append(
            Problem(card.path, 1, f"short answer is {length} characters; the limit is {SHORT_MAX_CHARS}")
        )


def _check_sentence(pack: Pack, card: Card, s: Sentence) -> None:
    where = card.path
    if s.kind not in ("fact", "guidance"):
        pack.problems.append(Problem(where, s.line, f"kind '{s.kind}' must be 'fact' or 'guidance'"))
        return
    if s.kind == "fact" and not s.cites:
        pack.problems.append(Problem(where, s.line, f"factual sentence has no citation: {s.text[:60]!r}"))
        return
    passages = []
    for cite in s.cites:
        source_id, sep, locator = cite.partition("#")
        if not sep:
            pack.problems.append(Problem(where, s.line, f"citation '{cite}' must be 'source-id#pinpoint'"))
        elif source_id not in pack.sources:
            pack.problems.append(Problem(where, s.line, f"citation to unknown source '{source_id}'"))
        elif locator not in pack.sources[source_id].sections:
            pack.problems.append(Problem(where, s.line, f"source '{source_id}' has no pinpoint '{locator}'"))
        else:
            # the pinpoint heading is shown with the snippet, so its numbers (e.g. "§6651") count as support
            passages.append(f"{locator} {pack.sources[source_id].sections[locator].text}")
    if passages:
        supported = set(numbers(" ".join(passages)))
        unsupported = [n for n in numbers(s.text) if n not in supported]
        if unsupported:
            pack.problems.append(
                Problem(
                    where, s.line, f"number(s) {unsupported} in {s.text[:60]!r} appear in none of the cited passages"
                )
            )


def _check_translation(pack: Pack, card: Card, english: Card | None) -> None:
    if english is None:
        pack.problems.append(Problem(card.path, 1, f"translation of unknown card '{card.id}' (no English version)"))
        return
    if len(card.questions) < MIN_QUESTIONS:
        pack.problems.append(Problem(card.path, 1, f"needs at least {MIN_QUESTIONS} question variants"))
    _check_short_length(pack, card)
    for part in ("short", "answer"):
        mine, theirs = getattr(card, part), getattr(english, part)
        if len(mine) != len(theirs):
            pack.problems.append(
                Problem(card.path, 1, f"'{part}' has {len(mine)} sentences; the English card has {len(theirs)}")
            )
            continue
        for i, (t, e) in enumerate(zip(mine, theirs, strict=True)):
            have = set(numbers(t.text))
            lost = [n for n in numbers(e.text) if len(n) >= 2 and n not in have]
            if lost:
                pack.problems.append(
                    Problem(card.path, 1, f"'{part}' sentence {i + 1} drops number(s) {lost} of the English sentence")
                )


def _check_claims(pack: Pack) -> None:
    from bot.claims import violations

    for lang, cards in pack.cards.items():
        for card in cards.values():
            for i, s in enumerate(card.short + card.answer):
                found = violations(s.text, lang)
                if found:
                    pack.problems.append(
                        Problem(card.path, s.line or 1, f"sentence {i + 1} makes a forbidden claim ({found[0]})")
                    )


def _check_referrals(pack: Pack) -> None:
    for r in pack.referrals:
        where = f"knowledge/referrals ({r.organization}: {r.id})"
        missing = [lang for lang in pack.languages if not r.reason.get(lang)]
        if missing:
            pack.problems.append(Problem(where, 1, f"reason missing for language(s) {missing}"))
        if r.source and pack.passage(r.source) is None:
            pack.problems.append(Problem(where, 1, f"source '{r.source}' is not a known pinpoint"))
        if not r.url.startswith(("https://", "http://")):
            pack.problems.append(Problem(where, 1, f"url '{r.url}' is not an http(s) URL"))


def _check_freshness(pack: Pack, today: dt.date) -> None:
    limit = dt.timedelta(days=pack.stale_after_days)
    for src in pack.sources.values():
        age = today - dt.date.fromisoformat(src.verified_on)
        if age > limit:
            pack.problems.append(
                Problem(src.path, 1, f"not verified for {age.days} days (verified_on {src.verified_on})", "warning")
            )
