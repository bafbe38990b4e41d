"""The vector store: Chroma, embedded (PersistentClient under the data dir) or a server (CHROMA_URL).

Chroma has no collection aliases, so the store keeps its own pointer: a one-record collection `<prefix>-meta` whose
record "active" names the collection that serves. Ingest builds a complete new collection and then rewrites that one
record, which Chroma applies atomically; readers resolve the pointer once at load time. Chroma's default embedding
function is never used (it would try to download a model): every add and query passes precomputed vectors.
"""

from __future__ import annotations

import json
import time
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np

from bot.config import Settings
from bot.errors import IndexBuildError


class VectorStore(Protocol):
    def active(self) -> str | None: ...

    def set_active(self, name: str, manifest: dict[str, Any]) -> None: ...

    def manifest(self) -> dict[str, Any]: ...

    def create(self, name: str) -> None: ...

    def drop(self, name: str) -> None: ...

    def collections(self) -> list[str]: ...

    def add(
        self, name: str, ids: list[str], vectors: np.ndarray, docs: list[str], metas: list[dict[str, Any]]
    ) -> None: ...

    def get_vectors(self, name: str, ids: list[str]) -> dict[str, np.ndarray]: ...

    def ids(self, name: str) -> list[str]: ...

    def query(self, name: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]: ...


class ChromaStore:
    """A VectorStore on a chromadb client (embedded or HTTP)."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.meta_name = f"{prefix}-meta"

    def close(self) -> None:
        """Release the client's connections (an HTTP client holds sockets to the server)."""
        # chromadb 1.5.9's HTTP API never closes its httpx sessions (the client and its admin client each hold one),
        # so close them here after the client's own close().
        owners = [self.client, getattr(self.client, "_admin_client", None)]
        sessions = [getattr(getattr(o, "_server", None), "_session", None) for o in owners]
        close = getattr(self.client, "close", None)
        if close is not None:
            close()
        for session in sessions:
            if session is not None and hasattr(session, "close"):
                session.close()

    def _meta(self) -> Any:
        return self.client.get_or_create_collection(self.meta_name, embedding_function=None)

    def active(self) -> str | None:
        got = self._meta().get(ids=["active"], include=["metadatas"])
        metas = got.get("metadatas") or []
        return str(metas[0]["collection"]) if metas else None

    def manifest(self) -> dict[str, Any]:
        got = self._meta().get(ids=["active"], include=["documents"])
        docs = got.get("documents") or []
        return json.loads(docs[0]) if docs and docs[0] else {}

    def set_active(self, name: str, manifest: dict[str, Any]) -> None:
        self._meta().upsert(
            ids=["active"],
            embeddings=[[0.0]],
            documents=[json.dumps(manifest)],
            metadatas=[{"collection": name, "swapped_at": time.time()}],
        )

    def create(self, name: str) -> None:
        self.drop(name)
        self.client.create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})

    def drop(self, name: str) -> None:
        if name in self.collections():
            self.client.delete_collection(name)

    def collections(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def _coll(self, name: str) -> Any:
        return self.client.get_collection(name, embedding_function=None)

    def add(self, name: str, ids: list[str], vectors: np.ndarray, docs: list[str], metas: list[dict[str, Any]]) -> None:
        coll = self._coll(name)
        step = 1000  # well under Chroma's maximum batch size
        for i in range(0, len(ids), step):
            coll.add(
                ids=ids[i : i + step],
                embeddings=vectors[i : i + step].tolist(),
                documents=docs[i : i + step],
                metadatas=metas[i : i + step],
            )

    def get_vectors(self, name: str, ids: list[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        got = self._coll(name).get(ids=ids, include=["embeddings"])
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    def ids(self, name: str) -> list[str]:
        return list(self._coll(name).get(include=[])["ids"])

    def query(self, name: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        res = self._coll(name).query(query_embeddings=[vector.tolist()], n_results=k, include=["distances"])
        # cosine space: distance = 1 - cosine similarity
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]


def make_store(settings: Settings) -> ChromaStore:
    """Embedded Chroma under the data dir, or the server named by CHROMA_URL."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_url:
            u = urlparse(settings.chroma_url)
            client = chromadb.HttpClient(
                host=u.hostname or "127.0.0.1",
                port=u.port or (443 if u.scheme == "https" else 8000),
                ssl=u.scheme == "https",
                settings=chroma_settings,
            )
        else:
            settings.chroma_path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as exc:  # chromadb raises several unrelated types for an unreachable or broken store
        raise IndexBuildError(f"cannot open the Chroma store: {exc}") from exc
    return ChromaStore(client, settings.collection_prefix)
