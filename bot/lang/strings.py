"""Fixed strings the bot says (disclaimer, 'I don't know', greeting, emergency lead, labels, SMS keywords).

One YAML file per language beside this module (en.yaml, es.yaml, ...), so translators edit data, not code. Every file
carries every key of en.yaml (tests/test_strings.py enforces it). Written at a plain reading level; agency names carry
the English acronym people see on their documents.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.language import primary_subtag, to_traditional

HERE = Path(__file__).parent


@cache
def table(lang: str) -> dict[str, Any]:
    path = HERE / f"{lang}.yaml"
    if not path.exists():
        return {}
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def text(lang: str, key: str, **fmt: str) -> str:
    """The string `key` in `lang` (a BCP-47 code: "es", "zh", "zh-Hant"), falling back to English where a language
    lacks it. Chinese strings are written in Simplified characters and converted for zh-Hant."""
    primary = primary_subtag(lang)
    value = str(table(primary).get(key) or table("en")[key]).format(**fmt)
    return to_traditional(value) if primary == "zh" and lang.endswith("-Hant") else value


def supported() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in HERE.glob("*.yaml") if len(p.stem) == 2))  # language files only
