"""Settings: every knob in one validated object, built by `load_settings()` and passed in (never made at import).

Values come from the environment (prefix `BOT_`; `CHROMA_URL` also works unprefixed, as the public contract says)
and from keyword arguments in tests. Invalid values are refused at start-up with a message naming the setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOT_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    knowledge_dir: Path = ROOT / "knowledge"
    data_dir: Path = ROOT / "data"
    model_dir: Path | None = None  # default: <data_dir>/models/e5-small
    embedder: Literal["e5", "minilm"] = "e5"
    chroma_url: str | None = Field(default=None, validation_alias=AliasChoices("CHROMA_URL", "BOT_CHROMA_URL"))
    collection_prefix: str = "kb"

    # Retrieval and answering.
    top_k: int = Field(default=8, ge=1, le=50)
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)

    # Input limits: a question is a few sentences; anything far larger is a mistake or an attack.
    max_question_chars: int = Field(default=1000, ge=10, le=20000)
    max_body_bytes: int = Field(default=16384, ge=1024, le=1_048_576)

    # Per client (API key, else address): sustained answers per minute, and the burst allowed above that.
    rate_per_minute: int = Field(default=60, ge=1, le=100_000)
    rate_burst: int = Field(default=20, ge=1, le=100_000)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    @field_validator("chroma_url")
    @classmethod
    def _url_is_http(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        parsed = urlparse(v)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("CHROMA_URL must look like http://host:port")
        return v

    @property
    def resolved_model_dir(self) -> Path:
        return self.model_dir or self.data_dir / "models" / "e5-small"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment plus `overrides`; raise ConfigError with a readable reason."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid settings: {reasons}") from exc
