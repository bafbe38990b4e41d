"""Ingest is idempotent, incremental and atomic, on a real embedded Chroma with the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import IndexBuildError
from bot.index import chunk_pack, ingest
from bot.knowledge import load_valid_pack
from bot.store import ChromaStore, make_store


def test_rerun_changes_nothing(settings, embedder) -> None:
    store = make_store(settings)
    pack = load_valid_pack(settings.knowledge_dir)
    first = ingest(pack, store, embedder)
    assert not first.noop and first.embedded == first.total > 0
    second = ingest(load_valid_pack(settings.knowledge_dir), store, embedder)
    assert second.noop and second.embedded == 0 and second.collection == first.collection
    assert set(store.ids(first.collection)) == {c.id for c in chunk_pack(pack, "e5")}


def test_edited_source_replaces_only_its_chunks(settings, embedder, pack_dir: Path) -> None:
    store = make_store(settings)
    first = ingest(load_valid_pack(pack_dir), store, embedder)
    src = pack_dir / "sources/ruling-b.md"
    src.write_text(src.read_text().replace("no court order is needed", "no court order is needed for addresses"))
    second = ingest(load_valid_pack(pack_dir), store, embedder)
    assert second.embedded == 1 and second.removed == 1 and second.reused == first.total - 1
    assert second.collection != first.collection and first.collection not in store.collections()


def test_deleted_source_disappears(settings, embedder, pack_dir: Path) -> None:
    store = make_store(settings)
    ingest(load_valid_pack(pack_dir), store, embedder)
    for card in ("en", "es"):
        (pack_dir / f"cards/{card}/court-order.yaml").unlink()
    (pack_dir / "sources/ruling-b.md").unlink()
    report = ingest(load_valid_pack(pack_dir), store, embedder)
    refs = [m for m in store.client.get_collection(report.collection).get(include=["metadatas"])["metadatas"]]
    assert report.embedded == 0 and report.removed > 0
    assert not any(m["ref"].startswith(("ruling-b", "court-order")) for m in refs)


class FailingStore(ChromaStore):
    """The real Chroma store, made to fail half-way through writing a new collection."""

    def add(self, name, ids, vectors, docs, metas):  # type: ignore[no-untyped-def]
        super().add(name, ids[:3], vectors[:3], docs[:3], metas[:3])
        raise RuntimeError("disk full")


def test_failed_ingest_leaves_previous_index_serving(settings, embedder, pack_dir: Path) -> None:
    store = make_store(settings)
    good = ingest(load_valid_pack(pack_dir), store, embedder)
    src = pack_dir / "sources/law-a.md"
    src.write_text(src.read_text().replace("Tax returns are confidential.", "Tax returns are private."))
    failing = FailingStore(store.client, store.prefix)
    with pytest.raises(IndexBuildError, match="previous index keeps serving"):
        ingest(load_valid_pack(pack_dir), failing, embedder)
    assert store.active() == good.collection
    assert store.collections().count(good.collection) == 1 and len(store.collections()) == 2  # data + meta
    hits = store.query(good.collection, embedder.embed_query("can they share my address"), 3)
    assert len(hits) == 3
