"""The baselines the bot is measured against, built the plain way with LangChain.

- `PlainRAG`: RecursiveCharacterTextSplitter over the source digests, Chroma through `langchain_chroma`, the same e5
  model through `HuggingFaceEmbeddings`, and the top-k passages returned as the answer with their sources. No cards,
  no guards, no referrals, no translation: what a quick RAG prototype over the same knowledge would do.
- `minilm_retriever`: the bot's own hybrid retriever with the English-only all-MiniLM-L6-v2 model, to show what the
  multilingual model buys.
Both run in the same evaluation as the bot (bot/evaluate.py), on the same golden questions.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.knowledge import Pack

TOP_K = 3


@dataclass
class BaselineAnswer:
    answer: str
    citations: list[str]  # "source-id#pinpoint"
    seconds: float


class PlainRAG:
    def __init__(self, pack: Pack, settings: Settings, workdir: Path | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        embeddings = HuggingFaceEmbeddings(
            model_name=str(settings.resolved_model_dir),
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"prompt_name": "passage", "normalize_embeddings": True},
            query_encode_kwargs={"prompt_name": "query", "normalize_embeddings": True},
        )
        docs = [
            Document(
                page_content=f"{src.title}. {sec.locator}: {sec.text}", metadata={"ref": f"{src.id}#{sec.locator}"}
            )
            for src in pack.sources.values()
            for sec in src.sections.values()
        ]
        chunks = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=100).split_documents(docs)
        self._tmp = tempfile.TemporaryDirectory(prefix="baseline-") if workdir is None else None
        path = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(collection_name="baseline", embedding_function=embeddings, client=client)
        self.store.add_documents(chunks)
        self.chunks = len(chunks)

    def ask(self, question: str) -> BaselineAnswer:
        t0 = time.perf_counter()
        hits = self.store.similarity_search(question, k=TOP_K)
        refs = list(dict.fromkeys(h.metadata["ref"] for h in hits))
        text = "\n\n".join(h.page_content for h in hits)
        return BaselineAnswer(text, refs, time.perf_counter() - t0)


def minilm_retriever(pack: Pack, settings: Settings) -> Any:
    """The bot's hybrid retriever over the same chunks, with the English-only MiniLM model in its own store."""
    from bot.embeddings import make_embedder
    from bot.index import chunk_pack, ingest
    from bot.retrieve import HybridRetriever
    from bot.store import make_store

    local = settings.model_copy(update={"collection_prefix": "baseline-minilm", "embedder": "minilm"})
    embedder = make_embedder(local, "minilm")
    store = make_store(local)
    ingest(pack, store, embedder)
    return HybridRetriever(chunk_pack(pack, "minilm"), store, store.active(), embedder)
