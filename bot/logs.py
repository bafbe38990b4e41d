"""Structured logs: one JSON object per line with counts, ids and timings, never message text.

Pipeline and API log only through `extra` fields named in SAFE_FIELDS; anything else passed by a library is dropped,
so a stray identifier cannot reach the log through a field nobody reviewed.
"""

from __future__ import annotations

import json
import logging
import sys

SAFE_FIELDS = (
    "intent", "lang", "card", "confidence", "citations", "seconds", "identifiers_scrubbed", "status", "path",
    "error", "collection", "chunks",
)  # fmt: skip


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": round(record.created, 3), "level": record.levelname.lower(), "event": record.getMessage()}
        for key in SAFE_FIELDS:
            if key in record.__dict__:
                out[key] = record.__dict__[key]
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("bot")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
