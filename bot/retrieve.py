"""Hybrid retrieval: dense (Chroma, multilingual e5) and sparse (BM25) over the same chunks, fused per answer card.

Both rankers return chunks; scores are folded to the card (or source pinpoint) they belong to, then combined with
reciprocal rank fusion. Confidence is calibrated on the dense cosine of the best chunk, because BM25 and RRF scores
have no absolute meaning: e5 puts unrelated text near cosine 0.75-0.80 and a paraphrase of a card's question above
0.88, and the logistic below maps that onto 0..1 so a single threshold detects "nothing relevant".
If the vector store is unreachable, BM25 alone still answers (with confidence capped), as DESIGN.md asks.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from rank_bm25 import BM25Okapi

from bot.embeddings import Embedder
from bot.store import VectorStore
from bot.types import Chunk

log = logging.getLogger(__name__)

RRF_K = 60
DENSE_CANDIDATES = 40
SPARSE_CANDIDATES = 40
CALIBRATION_MIDPOINT = 0.835  # dense cosine at which confidence is 0.5 (fitted on evals/, see evals/README.md)
CALIBRATION_SCALE = 0.02
BM25_ONLY_CONFIDENCE_CAP = 0.6
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lowercase and strip accents, so 'expiró', 'expiro' and 'EXPIRO' match in BM25."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Words for alphabetic scripts; character bigrams for Chinese, Japanese and Korean (no spaces to split on)."""
    out: list[str] = []
    for word in _WORD.findall(fold(text)):
        if _CJK.search(word):
            chars = [c for c in word if c.strip()]
            out.extend(a + b for a, b in zip(chars, chars[1:], strict=False))
            out.extend(chars)
        else:
            out.append(word)
    return out


def calibrate(cosine: float) -> float:
    return 1.0 / (1.0 + math.exp(-(cosine - CALIBRATION_MIDPOINT) / CALIBRATION_SCALE))


@dataclass
class Ranked:
    """A card or source pinpoint with its fused score and the evidence behind it."""

    ref: str
    kind: str
    score: float
    dense: float
    confidence: float
    best_chunk: Chunk


class HybridRetriever:
    def __init__(self, chunks: list[Chunk], store: VectorStore | None, collection: str | None, embedder: Embedder) -> None:
        self.chunks = {c.id: c for c in chunks}
        self.order = list(self.chunks.values())
        self.bm25 = BM25Okapi([tokens(c.text) for c in self.order])
        self.store = store
        self.collection = collection
        self.embedder = embedder

    def _dense(self, question: str) -> list[tuple[Chunk, float]]:
        if self.store is None or self.collection is None:
            return []
        vector = self.embedder.embed_query(question)
        try:
            hits = self.store.query(self.collection, vector, DENSE_CANDIDATES)
        except Exception:  # noqa: BLE001 - a concurrent ingest may have swapped collections: resolve once more
            self.collection = self.store.active()
            if self.collection is None:
                raise
            hits = self.store.query(self.collection, vector, DENSE_CANDIDATES)
        return [(self.chunks[i], s) for i, s in hits if i in self.chunks]

    def _sparse(self, question: str) -> list[tuple[Chunk, float]]:
        scores = self.bm25.get_scores(tokens(question))
        top = sorted(range(len(scores)), key=lambda i: -scores[i])[:SPARSE_CANDIDATES]
        return [(self.order[i], float(scores[i])) for i in top if scores[i] > 0]

    def search(self, question: str, kind: str = "card", k: int = 5) -> list[Ranked]:
        """Fused ranking of refs of `kind` ('card' or 'source')."""
        dense_ok = True
        try:
            dense = [(c, s) for c, s in self._dense(question) if c.kind == kind]
        except Exception as exc:  # noqa: BLE001 - fail safe: answer from BM25 over the local pack
            log.warning("dense retrieval unavailable, using BM25 only", extra={"error": type(exc).__name__})
            dense, dense_ok = [], False
        sparse = [(c, s) for c, s in self._sparse(question) if c.kind == kind]
        fused: dict[str, float] = defaultdict(float)
        best_dense: dict[str, tuple[float, Chunk]] = {}
        best_any: dict[str, Chunk] = {}
        for ranking in (_first_per_ref(dense), _first_per_ref(sparse)):
            for rank, (chunk, _score) in enumerate(ranking):
                fused[chunk.ref] += 1.0 / (RRF_K + rank + 1)
                best_any.setdefault(chunk.ref, chunk)
        for chunk, score in dense:
            if score > best_dense.get(chunk.ref, (-1.0, chunk))[0]:
                best_dense[chunk.ref] = (score, chunk)
        out = []
        for ref, score in fused.items():
            cos, chunk = best_dense.get(ref, (0.0, best_any[ref]))
            conf = calibrate(cos) if dense_ok else min(BM25_ONLY_CONFIDENCE_CAP, 0.2 + score * 10)
            out.append(Ranked(ref, kind, score, cos, conf, chunk))
        out.sort(key=lambda r: (-r.score, -r.dense))
        return out[:k]


def _first_per_ref(hits: list[tuple[Chunk, float]]) -> list[tuple[Chunk, float]]:
    """Keep each ref's best chunk only, so a card with many matching variants does not crowd out the rest."""
    seen: set[str] = set()
    out = []
    for chunk, score in sorted(hits, key=lambda h: -h[1]):
        if chunk.ref not in seen:
            seen.add(chunk.ref)
            out.append((chunk, score))
    return out
