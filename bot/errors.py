"""One exception tree for the whole bot, so callers (CLI, API) can map failures to clear messages.

BotError
├── ConfigError        a setting is missing or invalid (refused at start-up)
├── ModelError         the embedding model cannot be built or loaded
├── KnowledgeError     the knowledge pack is invalid; carries a list of Problem(file, line, reason)
├── IndexBuildError        ingest or the vector store failed; the previous index keeps serving
└── InputError         a question is unusable (empty, too long, bad type); maps to HTTP 4xx
"""

from __future__ import annotations

from dataclasses import dataclass


class BotError(Exception):
    """Base of every error the bot raises on purpose."""


class ConfigError(BotError):
    pass


class ModelError(BotError):
    pass


@dataclass(frozen=True)
class Problem:
    """One finding of the knowledge check: where it is and what is wrong."""

    file: str
    line: int
    reason: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.reason}"


class KnowledgeError(BotError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class IndexBuildError(BotError):
    pass


class InputError(BotError):
    """A question that cannot be answered as sent. `field` names the offending field for the API's error body."""

    def __init__(self, message: str, field: str = "question", status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status
