"""Server mode: Chroma's own server binary (`chroma run`, from the chromadb wheel) on loopback, ingest + ask."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.config import load_settings
from bot.pipeline import Pipeline
from bot.types import Question


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path):
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chromadb wheel ships the `chroma` command"
    port = free_port()
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(url + "/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("chroma server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_ingest_and_ask_through_a_chroma_server(chroma_server: str, settings, embedder) -> None:
    remote = load_settings(**{**settings.model_dump(), "chroma_url": chroma_server})
    pipeline = Pipeline.from_settings(remote, embedder=embedder)
    assert not (remote.data_dir / "chroma").exists(), "server mode must not create an embedded store"
    collection = pipeline.retriever.collection
    assert collection and collection.startswith("kb-e5-")
    answer = pipeline.answer(Question("¿Pueden darle mi dirección a inmigración?"))
    assert answer.lang == "es" and answer.citations and answer.citations[0].source_id == "law-a"
    again = Pipeline.from_settings(remote, embedder=embedder)
    assert again.retriever.collection == collection  # re-ingest through the server was a no-op
    pipeline.close()
    again.close()
