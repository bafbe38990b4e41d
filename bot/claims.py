"""The last gate before an answer leaves: no "you are safe", no "do (not) file", no predictions, no guarantees.

Patterns are data (bot/lang/forbidden.yaml), one list per language; English patterns apply to every answer too,
because agency names and quoted phrases often stay in English. A violating answer is replaced by the safe fallback
with a referral and counted in /metrics.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

PATTERNS = Path(__file__).parent / "lang" / "forbidden.yaml"


@cache
def patterns() -> dict[str, list[re.Pattern[str]]]:
    raw = yaml.safe_load(PATTERNS.read_text(encoding="utf-8"))
    return {lang: [re.compile(p, re.IGNORECASE) for p in items] for lang, items in raw.items()}


def violations(text: str, lang: str) -> list[str]:
    """The forbidden patterns that `text` matches (empty when the answer may be sent)."""
    table = patterns()
    checks = table.get(lang, []) + (table["en"] if lang != "en" else [])
    return [p.pattern for p in checks if p.search(text)]
