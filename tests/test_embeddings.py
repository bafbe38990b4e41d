"""Query micro-batching returns exactly what one-at-a-time encoding returns, under real concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bot.embeddings import QueryBatcher

QUESTIONS = [f"question number {i}: can the IRS share my address?" for i in range(24)] + ["¿Qué es un ITIN?"] * 4


def test_batched_queries_equal_direct_queries(embedder) -> None:
    batcher = QueryBatcher(embedder, max_batch=8)
    with ThreadPoolExecutor(8) as pool:
        batched = list(pool.map(batcher.embed_query, QUESTIONS))
    for text, vec in zip(QUESTIONS, batched, strict=True):
        assert float(np.dot(vec, embedder.embed_query(text))) > 0.9999


def test_a_failure_reaches_every_waiting_caller(embedder) -> None:
    class Broken:
        name, dim = "broken", 384

        def embed_queries(self, texts):  # type: ignore[no-untyped-def]
            raise RuntimeError("model gone")

    batcher = QueryBatcher(Broken(), max_batch=4)  # type: ignore[arg-type]
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(batcher.embed_query, q) for q in QUESTIONS[:8]]
    assert all(isinstance(f.exception(), RuntimeError) for f in futures)


def test_single_query_fast_path_matches_batched_vectors(embedder) -> None:
    from bot.embeddings import e5_engine_query

    batcher = QueryBatcher(embedder, single=e5_engine_query())
    for text in [
        "¿Puede el IRS darle mi dirección a ICE?",
        "国税局会把我的地址给移民局吗？",
        "my itin expired what now",
    ]:
        assert float(np.dot(batcher.embed_query(text), embedder.embed_query(text))) > 0.999
