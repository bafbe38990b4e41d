"""Pipeline(...).answer(question) -> Answer: wires guard, retrieval, referrals and composer; nothing else.

Built once per process (the API's lifespan, or the CLI). On start it brings the index in line with the pack
(a no-op when nothing changed) so the server always serves what knowledge/ says; if the vector store cannot be
reached it keeps going on BM25 alone rather than refusing to answer.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.compose import CardComposer, Composer, Draft
from bot.config import Settings
from bot.embeddings import Embedder, QueryBatcher, SentenceTransformerEmbedder, make_embedder
from bot.errors import BotError
from bot.guard import detect_language, guess_intent, screen
from bot.index import chunk_pack, ingest
from bot.knowledge import Pack, load_valid_pack
from bot.referrals import PackReferrals, ReferralDirectory, needs_for
from bot.retrieve import HybridRetriever
from bot.store import VectorStore, make_store
from bot.types import Answer, Question

log = logging.getLogger("bot")
ANCHORS = Path(__file__).parent / "lang" / "offtopic.yaml"


def offtopic_anchors() -> list[str]:
    return [str(a) for a in yaml.safe_load(ANCHORS.read_text(encoding="utf-8"))]


@dataclass
class Outcome:
    """What the API records about an answer: no text, only what is safe to count."""

    answer: Answer
    seconds: float
    card_id: str | None
    identifiers: tuple[str, ...]


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        pack: Pack,
        retriever: HybridRetriever,
        composer: Composer,
        referrals: ReferralDirectory,
    ) -> None:
        self.settings = settings
        self.pack = pack
        self.retriever = retriever
        self.composer = composer
        self.referrals = referrals

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> Pipeline:
        pack = load_valid_pack(settings.knowledge_dir)
        base = embedder or make_embedder(settings)
        embedder = QueryBatcher(base) if isinstance(base, SentenceTransformerEmbedder) else base
        embedder.embed_query("warm up")  # load the model now, not on the first person's question
        store: VectorStore | None
        try:
            store = make_store(settings)
            ingest(pack, store, embedder)
            collection = store.active()
        except BotError as exc:
            log.error("vector store unavailable; answering with BM25 only", extra={"error": str(exc)[:200]})
            store, collection = None, None
        retriever = HybridRetriever(chunk_pack(pack, embedder.name), store, collection, embedder, offtopic_anchors())
        return cls(settings, pack, retriever, CardComposer(pack), PackReferrals(pack.referrals))

    def close(self) -> None:
        store = self.retriever.store
        if store is not None and hasattr(store, "close"):
            store.close()

    def answer(self, question: Question) -> Answer:
        return self.run(question).answer

    def run(self, question: Question) -> Outcome:
        t0 = time.perf_counter()
        screened = screen(question.text, self.settings.max_question_chars)
        lang = detect_language(screened.text, self.pack.languages, question.lang)
        intent = guess_intent(screened.text)
        ranked = self.retriever.search(screened.text, kind="card", k=3)
        best = ranked[0] if ranked else None
        trusted = best is not None and best.confidence >= self.settings.min_confidence
        card = None
        if trusted and best is not None:
            english = self.pack.cards["en"][best.ref]
            if english.intent == "personal_situation" and intent == "information":
                intent = "personal_situation"
            card = self.pack.cards.get(lang, {}).get(best.ref) or english
        if card is None and intent == "information":
            intent = "out_of_scope"  # nothing in the pack answers it: say so, and what the bot can help with
        referral_kind = self.pack.cards["en"][card.id].referral if card else None
        refs = self.referrals.pick(needs_for(referral_kind, intent), card.lang if card else lang, question.state)
        draft = Draft(
            lang=lang, intent=intent, card=card, confidence=best.confidence if best else 0.0, referrals=refs,
            short=question.channel == "sms",
        )  # fmt: skip
        answer = self.composer.compose(draft)
        seconds = time.perf_counter() - t0
        log.info(
            "answered",
            extra={
                "intent": answer.intent, "lang": answer.lang, "card": card.id if card else None,
                "confidence": answer.confidence, "citations": len(answer.citations), "seconds": round(seconds, 4),
                "identifiers_scrubbed": len(screened.found),
            },
        )  # fmt: skip
        return Outcome(answer, seconds, card.id if card else None, screened.found)
