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

from bot.claims import violations
from bot.compose import CardComposer, Composer, Draft, fixed_answer
from bot.config import Settings
from bot.embeddings import Embedder, QueryBatcher, SentenceTransformerEmbedder, e5_engine_query, make_embedder
from bot.errors import BotError
from bot.guard import screen
from bot.index import chunk_pack, ingest
from bot.intent import IntentClassifier, in_domain, personal_without_card
from bot.knowledge import Pack, load_valid_pack
from bot.lang.strings import text
from bot.language import LanguageChoice, LanguageDetector, to_simplified, to_traditional
from bot.referrals import PackReferrals, ReferralDirectory, needs_for
from bot.retrieve import HybridRetriever
from bot.session import SessionStore
from bot.store import VectorStore, make_store
from bot.types import Answer, Card, Intent, Question, Referral

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
    blocked: bool = False  # the claims gate replaced the answer


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
        self.intents = IntentClassifier(retriever.embedder)
        self.sessions = SessionStore()
        self.languages = LanguageDetector.for_pack(pack, settings.data_dir)

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> Pipeline:
        pack = load_valid_pack(settings.knowledge_dir)
        base = embedder or make_embedder(settings)
        active: Embedder = base
        if isinstance(base, SentenceTransformerEmbedder):
            single = e5_engine_query() if base.name == "e5" else None
            active = QueryBatcher(base, single=single)
        active.embed_query("warm up")  # load the model now, not on the first person's question
        store: VectorStore | None
        try:
            store = make_store(settings)
            ingest(pack, store, active)
            collection = store.active()
        except BotError as exc:
            log.error("vector store unavailable; answering with BM25 only", extra={"error": str(exc)[:200]})
            store, collection = None, None
        retriever = HybridRetriever(chunk_pack(pack, active.name), store, collection, active, offtopic_anchors())
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
        session = self.sessions.get(question.session)
        choice = self.languages.detect(screened.text, question.lang, session.lang)
        lang = choice.lang
        work = to_simplified(screened.text) if choice.script else screened.text  # the cards are Simplified
        vector = self.retriever.embedder.embed_query(work)
        intent, sims = self.intents.classify(work, vector)
        card, confidence = None, 0.0
        if intent not in ("greeting", "unsafe") and in_domain(sims):
            ranked = self.retriever.search(work, kind="card", k=3, vector=vector)
            if ranked:
                confidence = ranked[0].confidence
                if confidence >= self.settings.min_confidence:
                    card = self.pack.card(ranked[0].ref, lang)
        intent = self._refine(intent, card, sims)
        answer = self._compose(intent, card, lang, confidence, question)
        answer, blocked = self._finish(answer, bool(screened.found) and not session.warned, choice.unsupported)
        if choice.script and answer.lang == choice.lang:
            answer = _in_script(answer, choice)
        session.lang = answer.lang if not choice.unsupported else session.lang
        session.warned = session.warned or bool(screened.found)
        self.sessions.put(question.session, session)
        seconds = time.perf_counter() - t0
        log.info(
            "answered",
            extra={
                "intent": answer.intent, "lang": answer.lang, "card": card.id if card else None,
                "confidence": answer.confidence, "citations": len(answer.citations), "seconds": round(seconds, 4),
                "identifiers_scrubbed": len(screened.found),
            },
        )  # fmt: skip
        return Outcome(answer, seconds, card.id if card else None, screened.found, blocked)

    def _refine(self, intent: Intent, card: Card | None, sims: dict[str, float]) -> Intent:
        """Retrieval has the last word between information and out_of_scope; a card for people's own situations
        marks the question as personal."""
        if card is not None:
            english = self.pack.cards["en"][card.id]
            if intent == "out_of_scope":
                intent = "information"
            if intent == "information" and english.intent == "personal_situation":
                intent = "personal_situation"
        elif intent == "information" or (intent == "personal_situation" and not personal_without_card(sims)):
            intent = "out_of_scope"
        return intent

    def _compose(self, intent: Intent, card: Card | None, lang: str, confidence: float, q: Question) -> Answer:
        if intent in ("greeting", "unsafe"):
            key = "greeting" if intent == "greeting" else "no_answer"
            refs = [] if intent == "greeting" else self.referrals.pick({"immigration", "tax"}, lang, q.state)
            return self._fixed(key, lang, intent, refs)
        referral_kind = self.pack.cards["en"][card.id].referral if card else None
        refs = self.referrals.pick(needs_for(referral_kind, intent), card.lang if card else lang, q.state)
        if intent == "emergency":
            lead = self._fixed("emergency", lang, intent, refs)
            if card is None:
                return lead
            # who to contact comes first; then only what the pack sources, in its short form
            sourced = self.composer.compose(Draft(lang, intent, card, confidence, refs, short=True))
            return sourced.model_copy(update={"answer": f"{lead.answer} {sourced.answer}"})
        draft = Draft(
            lang=lang, intent=intent, card=card, confidence=confidence, referrals=refs, short=q.channel == "sms"
        )
        return self.composer.compose(draft)

    def _fixed(self, key: str, lang: str, intent: Intent, refs: list[Referral]) -> Answer:
        return fixed_answer(key, lang, intent, refs, self.pack.as_of)

    def _finish(self, answer: Answer, warn: bool, unsupported: bool) -> tuple[Answer, bool]:
        """The claims gate, then the one-time identifier warning and the unsupported-language notice."""
        blocked = bool(violations(answer.answer, answer.lang))
        if blocked:
            log.warning("forbidden claim blocked", extra={"lang": answer.lang, "intent": answer.intent})
            refs = self.referrals.pick({"immigration", "tax"}, answer.lang, None)
            answer = self._fixed("no_answer", answer.lang, answer.intent, refs)
        prefix = []
        if unsupported:
            names = ", ".join(text(code, "language_name") for code in self.pack.languages)
            prefix.append(f"I can answer in these languages: {names}.")
        if warn:
            prefix.append(text(answer.lang, "identifier_warning"))
        if prefix:
            answer = answer.model_copy(update={"answer": " ".join([*prefix, answer.answer])})
        return answer, blocked


def _in_script(answer: Answer, choice: LanguageChoice) -> Answer:
    """A Chinese answer in the Traditional characters the person writes; sources and names stay as they are."""

    def convert(s: str) -> str:
        return to_traditional(s, choice.conversion)

    return answer.model_copy(
        update={
            "answer": convert(answer.answer), "disclaimer": convert(answer.disclaimer), "lang": choice.code,
            "referrals": [r.model_copy(update={"reason": convert(r.reason)}) for r in answer.referrals],
        }
    )  # fmt: skip
