"""Compose the answer: the best answer card, in the asker's language, with numbered citations to source pinpoints.

The default composer needs no generative model. Cards are written by the project with every factual sentence tied
to pinpoints (and checked by check.py), so an answer is grounded by construction: the composer can only emit
citations that exist in the pack, because it builds them from the card's own references. When retrieval finds no
card it trusts, the composer says so plainly and refers the person to counsel instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.knowledge import Pack
from bot.lang.strings import text
from bot.types import Answer, Card, Citation, Intent, Referral, Sentence

SNIPPET_CHARS = 320


@dataclass
class Draft:
    """What the pipeline knows when it asks for an answer."""

    lang: str
    intent: Intent
    card: Card | None  # None: nothing relevant enough
    confidence: float
    referrals: list[Referral]
    short: bool = False  # SMS wants the short answer


class Composer(Protocol):
    def compose(self, draft: Draft) -> Answer: ...


class CardComposer:
    def __init__(self, pack: Pack) -> None:
        self.pack = pack

    def compose(self, draft: Draft) -> Answer:
        if draft.card is None:
            return fixed_answer(
                "no_answer", draft.lang, draft.intent, draft.referrals, self.pack.as_of, round(draft.confidence, 3)
            )
        english = self.pack.cards["en"][draft.card.id]
        part = "short" if draft.short else "answer"
        body, citations = self.cite(getattr(draft.card, part), getattr(english, part))
        if citations and draft.card.lang != "en":
            body = f"{body} {text(draft.card.lang, 'sources_in_english')}"  # the [n] point at English originals
        return Answer(
            answer=body, lang=draft.card.lang, intent=draft.intent, citations=citations, referrals=draft.referrals,
            disclaimer=text(draft.card.lang, "disclaimer"), as_of=self.pack.as_of,
            confidence=round(draft.confidence, 3),
        )  # fmt: skip

    def cite(self, sentences: tuple[Sentence, ...], english: tuple[Sentence, ...]) -> tuple[str, list[Citation]]:
        """Join sentences with [n] markers; citations come from the English sentence at the same position."""
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        parts = []
        for mine, theirs in zip(sentences, english, strict=True):
            marks = []
            for ref in theirs.cites:
                if ref not in numbers:
                    citation = self._citation(ref, len(numbers) + 1)
                    if citation is None:
                        continue  # unreachable for a checked pack; never emit a citation outside it
                    numbers[ref] = citation.n
                    citations.append(citation)
                marks.append(f"[{numbers[ref]}]")
            parts.append(mine.text + ("".join(marks) and " " + "".join(marks)))
        return " ".join(parts), citations

    def _citation(self, ref: str, n: int) -> Citation | None:
        source_id, _, locator = ref.partition("#")
        src = self.pack.sources.get(source_id)
        section = src.sections.get(locator) if src else None
        if src is None or section is None:
            return None
        return Citation(
            n=n, source_id=src.id, title=src.title, publisher=src.publisher, date=src.date, url=src.url,
            locator=locator, snippet=_clip(section.text, SNIPPET_CHARS),
        )  # fmt: skip


def fixed_answer(
    key: str, lang: str, intent: Intent, referrals: list[Referral], as_of: str, confidence: float = 0.0
) -> Answer:
    """A reply from the fixed strings (no answer, greeting, emergency lead): no citations, the usual disclaimer."""
    return Answer(
        answer=text(lang, key), lang=lang, intent=intent, citations=[], referrals=referrals,
        disclaimer=text(lang, "disclaimer"), as_of=as_of, confidence=confidence,
    )  # fmt: skip


def _clip(s: str, limit: int) -> str:
    if len(s) <= limit:
        return s
    cut = s[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def render_text(answer: Answer) -> str:
    """A plain-text rendering for the terminal (the CLI's default output)."""
    lines = [answer.answer, ""]
    if answer.citations:
        lines.append(text(answer.lang, "sources") + ":")
        for c in answer.citations:
            lines.append(f"  [{c.n}] {c.title} — {c.locator} ({c.publisher}, {c.date}) {c.url}")
        lines.append("")
    if answer.referrals:
        lines.append(text(answer.lang, "referrals") + ":")
        for r in answer.referrals:
            phone = f", {r.phone}" if r.phone else ""
            lines.append(f"  - {r.name}{phone}: {r.url} — {r.reason}")
        lines.append("")
    lines.append(answer.disclaimer)
    lines.append(text(answer.lang, "as_of", date=answer.as_of))
    return "\n".join(lines)
