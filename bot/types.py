"""The few objects that travel through the flow: knowledge records, index chunks, and the public Answer.

Knowledge records are frozen dataclasses (read once, shared). The public contract (Answer, Citation, Referral) is
pydantic, so the HTTP layer, the CLI's --json and the OpenAPI page all describe the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

Intent = Literal["information", "personal_situation", "emergency", "out_of_scope", "greeting", "unsafe"]
INTENTS: tuple[str, ...] = ("information", "personal_situation", "emergency", "out_of_scope", "greeting", "unsafe")


@dataclass(frozen=True)
class Section:
    """One pinpoint of a source: the passage a citation points at."""

    locator: str
    text: str
    line: int


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    type: str
    date: str
    url: str
    status: str
    verified_on: str
    sections: dict[str, Section]
    path: str
    docket: str | None = None
    caveat: str | None = None


@dataclass(frozen=True)
class Sentence:
    text: str
    cites: tuple[str, ...]  # "source-id#pinpoint"
    kind: str = "fact"  # fact | guidance
    line: int = 0


@dataclass(frozen=True)
class Card:
    """An answer card in one language. Translations share the English card's citations sentence by sentence."""

    id: str
    lang: str
    topic: str
    intent: str
    referral: str
    questions: tuple[str, ...]
    short: tuple[Sentence, ...]
    answer: tuple[Sentence, ...]
    path: str


@dataclass(frozen=True)
class ReferralEntry:
    id: str
    name: str
    kind: str
    url: str
    phone: str | None
    languages: tuple[str, ...]
    states: tuple[str, ...]
    for_: tuple[str, ...]
    can: str
    cannot: str
    reason: dict[str, str]
    organization: str
    source: str | None = None
    verify_note: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A unit of the index. kind 'card' chunks point at a card in one language; 'source' chunks at a pinpoint."""

    id: str
    kind: str  # card | source
    ref: str  # card id, or "source-id#pinpoint"
    lang: str
    text: str


@dataclass
class Hit:
    chunk: Chunk
    score: float
    dense: float = 0.0
    sparse: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    text: str
    lang: str | None = None
    channel: str = "api"
    state: str | None = None
    session: str | None = None


class Citation(BaseModel):
    n: int = Field(description="Number used in the answer text, e.g. [1]")
    source_id: str
    title: str
    publisher: str
    date: str = Field(description="Date of the source document, YYYY-MM-DD")
    url: str
    locator: str = Field(description="Pinpoint inside the source, e.g. §6103(i)(2)(B)")
    snippet: str = Field(description="The project's digest of the cited passage")


class Referral(BaseModel):
    name: str
    kind: str
    url: str
    phone: str | None
    languages: list[str]
    reason: str


class Answer(BaseModel):
    answer: str
    lang: str = Field(description="BCP-47 code of the reply, e.g. es")
    intent: Intent
    citations: list[Citation]
    referrals: list[Referral]
    disclaimer: str
    as_of: str = Field(description="The knowledge pack's as-of date, YYYY-MM-DD")
    confidence: float = Field(ge=0.0, le=1.0)
