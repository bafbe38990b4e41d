"""Ingest: knowledge pack -> chunks -> embeddings -> a new Chroma collection -> atomic swap.

Idempotent by content hash. A chunk's id is a hash of its kind, reference, language, text and the embedder's name,
so unchanged content keeps its id. Re-running with nothing changed is a no-op (the active manifest already lists
the same ids). Otherwise a new collection is built: vectors of unchanged chunks are copied from the active one, only
new or edited chunks are embedded, then the pointer swaps and the old collection is dropped. An edited source thus
re-embeds only its own chunks, a deleted one disappears, and a failure at any point leaves the old index serving.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.embeddings import Embedder, make_embedder
from bot.errors import IndexBuildError
from bot.knowledge import Pack, load_valid_pack
from bot.store import VectorStore, make_store
from bot.types import Chunk

SECTION_CHARS = 900  # longer source sections are split (LangChain's recursive splitter) with overlap
SECTION_OVERLAP = 120


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def chunk_pack(pack: Pack, embedder_name: str) -> list[Chunk]:
    """Every indexable unit: each card question variant, each card's answer text, each source pinpoint."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=SECTION_CHARS, chunk_overlap=SECTION_OVERLAP)
    chunks: list[Chunk] = []

    def add(kind: str, ref: str, lang: str, text: str) -> None:
        chunks.append(Chunk(_hash(kind, ref, lang, text, embedder_name), kind, ref, lang, text))

    for lang, cards in sorted(pack.cards.items()):
        for card in cards.values():
            for q in card.questions:
                add("card", card.id, lang, q)
            add("card", card.id, lang, " ".join(s.text for s in card.short + card.answer))
    for src in pack.sources.values():
        for sec in src.sections.values():
            for piece in splitter.split_text(sec.text):
                add("source", f"{src.id}#{sec.locator}", "en", f"{src.title}. {sec.locator}: {piece}")
    unique = {c.id: c for c in chunks}  # identical question variants collapse into one chunk
    return list(unique.values())


@dataclass
class IngestReport:
    collection: str
    total: int
    embedded: int
    reused: int
    removed: int
    seconds: float
    noop: bool

    def summary(self) -> str:
        if self.noop:
            return f"index up to date: {self.total} chunks in {self.collection} ({self.seconds:.1f}s)"
        return (
            f"indexed {self.total} chunks into {self.collection}: {self.embedded} embedded, {self.reused} reused, "
            f"{self.removed} removed ({self.seconds:.1f}s)"
        )


def _embed(embedder: Embedder, texts: list[str], progress: bool) -> np.ndarray:
    """Embed in batches of similar length (less padding), with a progress bar on a terminal; keeps input order."""
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    batch = 32
    out: list[np.ndarray] = [np.zeros(0)] * len(texts)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(texts), desc="embedding", unit="chunk")
    for start in range(0, len(order), batch):
        idx = order[start : start + batch]
        for i, vec in zip(idx, embedder.embed_passages([texts[i] for i in idx]), strict=True):
            out[i] = vec
        if bar is not None:
            bar.update(len(idx))
    if bar is not None:
        bar.close()
    return np.vstack(out)


def ingest(pack: Pack, store: VectorStore, embedder: Embedder, progress: bool = False) -> IngestReport:
    """Bring the store's active collection in line with `pack`; see the module docstring for the guarantees."""
    t0 = time.perf_counter()
    chunks = chunk_pack(pack, embedder.name)
    wanted = {c.id for c in chunks}
    active = store.active()
    manifest = store.manifest() if active else {}
    old_ids = set(manifest.get("ids", [])) if manifest.get("embedder") == embedder.name else set()
    if active and old_ids == wanted and active in store.collections():
        return IngestReport(active, len(chunks), 0, len(chunks), 0, time.perf_counter() - t0, True)

    reused = store.get_vectors(active, sorted(wanted & old_ids)) if active and old_ids else {}
    todo = [c for c in chunks if c.id not in reused]
    fresh = dict(zip((c.id for c in todo), _embed(embedder, [c.text for c in todo], progress), strict=True))
    name = f"{store_prefix(store)}-{embedder.name}-{_hash(*sorted(wanted))[:12]}"
    try:
        store.create(name)
        vectors = np.vstack([reused[c.id] if c.id in reused else fresh[c.id] for c in chunks])
        metas = [{"kind": c.kind, "ref": c.ref, "lang": c.lang} for c in chunks]
        store.add(name, [c.id for c in chunks], vectors, [c.text for c in chunks], metas)
        if set(store.ids(name)) != wanted:
            raise IndexBuildError(f"collection {name} is incomplete after adding")
        store.set_active(name, {"embedder": embedder.name, "ids": sorted(wanted), "as_of": pack.as_of})
    except Exception as exc:
        if name != active:
            with contextlib.suppress(Exception):  # cleanup must not hide the original failure
                store.drop(name)
        raise IndexBuildError(f"ingest failed; the previous index keeps serving: {exc}") from exc
    _drop_stale(store, keep=name)
    return IngestReport(
        name, len(chunks), len(fresh), len(reused), len(old_ids - wanted), time.perf_counter() - t0, False
    )


def store_prefix(store: VectorStore) -> str:
    return str(getattr(store, "prefix", "kb"))


def _drop_stale(store: VectorStore, keep: str) -> None:
    """Remove this prefix's other data collections (old builds, or leftovers of a crashed ingest)."""
    prefix = store_prefix(store)
    for name in store.collections():
        if name.startswith(prefix + "-") and name not in (keep, f"{prefix}-meta"):
            store.drop(name)


def ingest_path(settings: Settings, path: Path | None = None, progress: bool = False) -> IngestReport:
    """CLI entry: validate the pack at `path` (default: settings.knowledge_dir) and ingest it."""
    pack = load_valid_pack(path or settings.knowledge_dir)
    return ingest(pack, make_store(settings), make_embedder(settings), progress=progress)
