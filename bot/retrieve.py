"""Hybrid retrieval: dense (Chroma, multilingual e5) and sparse (BM25) over the same chunks, fused per answer card.

Both rankers return chunks; scores are folded to the card (or source pinpoint) they belong to, then combined with
reciprocal rank fusion. BM25 and RRF scores have no absolute meaning, and e5's cosines are compressed (unrelated text
often scores 0.80, a hard paraphrase 0.81), so confidence is not the raw cosine. It is the margin between the best
card's cosine and the best cosine to a set of off-topic anchor messages (bot/lang/offtopic.yaml: greetings,
chit-chat, other subjects, in several languages), mapped through a logistic fitted on the golden questions: a
question closer to chit-chat than to any card is "nothing relevant".
If the vector store is unreachable, BM25 alone still answers (with confidence capped), as DESIGN.md asks.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from bot.embeddings import Embedder
from bot.langmodel import translit_ru
from bot.store import VectorStore
from bot.types import Chunk

log = logging.getLogger(__name__)

RRF_K = 60
SPARSE_WEIGHT = 1.0  # BM25's share in the fusion, relative to dense
DENSE_CANDIDATES = 80
SPARSE_CANDIDATES = 40
# Card-minus-anchor margin at which confidence is 0.5. Fitted on evals/golden (2026-11-21): every answerable golden
# question had a margin >= 0.030 and 20 of 24 unanswerable ones < 0.025. Erring low sends a person to a referral,
# erring high sends them a wrong card, so the midpoint sits at the in-domain edge.
CALIBRATION_MIDPOINT = 0.025
CALIBRATION_SCALE = 0.006
BM25_ONLY_CONFIDENCE_CAP = 0.6
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lowercase, strip accents and spell Cyrillic in Latin letters, so 'expiró', 'expiro' and 'EXPIRO' match in
    BM25, and so do 'продлить' and 'prodlit' (Russian typed without a Cyrillic keyboard)."""
    decomposed = unicodedata.normalize("NFKD", translit_ru(text.lower()))
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


def calibrate(margin: float) -> float:
    return 1.0 / (1.0 + math.exp(-(margin - CALIBRATION_MIDPOINT) / CALIBRATION_SCALE))


@dataclass
class Ranked:
    """A card or source pinpoint with its fused score and the evidence behind it."""

    ref: str
    kind: str
    score: float
    dense: float
    confidence: float
    best_chunk: Chunk


class SparseBM25:
    """BM25Okapi scores (rank-bm25's formula and idf) precomputed into a sparse document-by-term matrix.

    rank-bm25 scores a query with a Python loop over every document for every query term; with thousands of chunks
    in ten languages that loop was a third of an answer's time. Here a query costs one sparse column sum.
    """

    def __init__(self, corpus: list[list[str]]) -> None:
        from scipy.sparse import csr_matrix

        base = BM25Okapi(corpus)
        self.vocab = {term: i for i, term in enumerate(base.idf)}
        rows, cols, vals = [], [], []
        for d, freqs in enumerate(base.doc_freqs):
            norm = base.k1 * (1 - base.b + base.b * base.doc_len[d] / base.avgdl)
            for term, tf in freqs.items():
                rows.append(d)
                cols.append(self.vocab[term])
                vals.append(base.idf[term] * tf * (base.k1 + 1) / (tf + norm))
        self.matrix = csr_matrix((vals, (rows, cols)), shape=(len(corpus), len(self.vocab))).tocsc()
        self.n = len(corpus)

    def get_scores(self, query: list[str]) -> np.ndarray:
        ids = [self.vocab[t] for t in query if t in self.vocab]
        if not ids:
            return np.zeros(self.n)
        return np.asarray(self.matrix[:, ids].sum(axis=1)).ravel()


class HybridRetriever:
    def __init__(
        self,
        chunks: list[Chunk],
        store: VectorStore | None,
        collection: str | None,
        embedder: Embedder,
        anchors: list[str] | None = None,
    ) -> None:
        self.chunks = {c.id: c for c in chunks}
        # BM25 runs over one document per (ref, language): all of a card's questions and its answer together give
        # the lexical ranker far more to match than a single short question variant.
        grouped: dict[tuple[str, str, str], list[Chunk]] = defaultdict(list)
        for c in chunks:
            grouped[(c.kind, c.ref, c.lang if c.kind == "card" else c.id)].append(c)
        self.docs = list(grouped.values())
        self.bm25 = SparseBM25([tokens(" ".join(c.text for c in group)) for group in self.docs])
        self.store = store
        self.collection = collection
        self.embedder = embedder
        self.sparse_weight = SPARSE_WEIGHT
        self.anchors = embedder.embed_passages(anchors) if anchors else None

    def _dense(self, vector: np.ndarray) -> list[tuple[Chunk, float]]:
        if self.store is None or self.collection is None:
            return []
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
        top = np.argsort(-scores)[:SPARSE_CANDIDATES]
        return [(self.docs[i][0], float(scores[i])) for i in top if scores[i] > 0]

    def search(self, question: str, kind: str = "card", k: int = 5, vector: np.ndarray | None = None) -> list[Ranked]:
        """Fused ranking of refs of `kind` ('card' or 'source')."""
        dense_ok = self.store is not None and self.collection is not None
        anchor = 0.0
        try:
            if vector is None:
                vector = self.embedder.embed_query(question)
            if self.anchors is not None:
                anchor = float((self.anchors @ vector).max())
            dense = [(c, s) for c, s in self._dense(vector) if c.kind == kind]
        except Exception as exc:  # noqa: BLE001 - fail safe: answer from BM25 over the local pack
            log.warning("dense retrieval unavailable, using BM25 only", extra={"error": type(exc).__name__})
            dense, dense_ok = [], False
        sparse = [(c, s) for c, s in self._sparse(question) if c.kind == kind]
        fused: dict[str, float] = defaultdict(float)
        best_dense: dict[str, tuple[float, Chunk]] = {}
        best_any: dict[str, Chunk] = {}
        for weight, ranking in ((1.0, _top2_per_ref(dense)), (self.sparse_weight, _first_per_ref(sparse))):
            for rank, (chunk, _score) in enumerate(ranking):
                fused[chunk.ref] += weight / (RRF_K + rank + 1)
                best_any.setdefault(chunk.ref, chunk)
        for chunk, score in dense:
            if score > best_dense.get(chunk.ref, (-1.0, chunk))[0]:
                best_dense[chunk.ref] = (score, chunk)
        out = []
        for ref, score in fused.items():
            cos, chunk = best_dense.get(ref, (0.0, best_any[ref]))
            conf = calibrate(cos - anchor) if dense_ok else min(BM25_ONLY_CONFIDENCE_CAP, 0.2 + score * 10)
            out.append(Ranked(ref, kind, score, cos, conf, chunk))
        out.sort(key=lambda r: (-r.score, -r.dense))
        return out[:k]


def _top2_per_ref(hits: list[tuple[Chunk, float]]) -> list[tuple[Chunk, float]]:
    """Rank refs by the mean of their two best chunks: a card that matches on two variants is stronger evidence
    than one lucky match. A ref with one candidate is paired with the weakest candidate returned (a lower bound)."""
    if not hits:
        return []
    floor = min(score for _, score in hits)
    per_ref: dict[str, list[tuple[Chunk, float]]] = defaultdict(list)
    for chunk, score in sorted(hits, key=lambda h: -h[1]):
        per_ref[chunk.ref].append((chunk, score))
    scored = [
        (group[0][0], (group[0][1] + (group[1][1] if len(group) > 1 else floor)) / 2) for group in per_ref.values()
    ]
    return sorted(scored, key=lambda h: -h[1])


def _first_per_ref(hits: list[tuple[Chunk, float]]) -> list[tuple[Chunk, float]]:
    """Keep each ref's best chunk only, so a card with many matching variants does not crowd out the rest."""
    seen: set[str] = set()
    out = []
    for chunk, score in sorted(hits, key=lambda h: -h[1]):
        if chunk.ref not in seen:
            seen.add(chunk.ref)
            out.append((chunk, score))
    return out
