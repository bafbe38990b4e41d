"""The command line, run as a person would: a real subprocess, real model, embedded Chroma."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.config import ROOT


def run(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        BOT_KNOWLEDGE_DIR=str(settings.knowledge_dir),
        BOT_DATA_DIR=str(settings.data_dir),
        BOT_MODEL_DIR=str(settings.resolved_model_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_ask_json(settings) -> None:
    out = run(settings, "ask", "¿Necesitan orden de un juez para mi dirección?", "--json")
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["lang"] == "es" and answer["citations"][0]["source_id"] == "ruling-b"


def test_ask_text_and_ingest_noop(settings) -> None:
    out = run(settings, "ask", "can they share my address", "--lang", "en", "--state", "TX")
    assert out.returncode == 0 and "Sources:" in out.stdout and "as of 2026-06-08" in out.stdout
    again = run(settings, "ingest")
    assert again.returncode == 0 and "index up to date" in again.stdout


def test_broken_pack_fails_with_reason(settings) -> None:
    (settings.knowledge_dir / "cards/es/court-order.yaml").unlink()
    out = run(settings, "ingest")
    assert out.returncode == 1 and "card 'court-order' has no 'es' version" in out.stderr
