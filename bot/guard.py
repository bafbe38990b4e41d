"""The guard runs first: size limits and identifier scrubbing (language detection is language.py's job).

Scrubbing happens before anything else sees the text: retrieval embeds the scrubbed question, logs never receive
message text at all, and the answer never repeats what the person wrote. Intent is intent.py's job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.errors import InputError

# Identifiers people may type. Order matters: specific shapes first, then any long run of digits.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("a_number", re.compile(r"(?i)\bA[-\s#.]?\d{3}[-\s.]?\d{3}[-\s.]?\d{2,3}\b")),
    ("ssn_or_itin", re.compile(r"(?<!\d)\d{3}[-\s.]?\d{2}[-\s.]?\d{4}(?!\d)")),
    ("phone", re.compile(r"(?<!\w)(?:\+?\d{1,3}[-\s.]?)?\(?\d{3}\)?[-\s.]?\d{3}[-\s.]?\d{4}(?!\d)")),
    (
        "document_number",
        re.compile(
            r"(?i)(passport|pasaporte|passaporte|visa|visto|i-?94|green\s*card|license|licencia|n[uú]mero de caso|"
            r"case number|receipt)\W{0,3}(?:no\.?|number|n[uú]mero|#)?\W{0,3}[A-Z]{0,3}\d[A-Z0-9-]{5,14}"
        ),
    ),
    (
        "date_of_birth",
        re.compile(r"(?<!\d)(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}[/.-]\d{1,2}[/.-]\d{1,2})(?!\d)"),
    ),
    (
        "street_address",
        re.compile(
            r"(?i)\b\d{1,6}\s+(?:[A-Za-zÀ-ÿ0-9.]+\s){0,4}(?:st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|"
            r"ln|lane|way|ct|court|pl|place|calle|avenida|rua|apt|apartment)\b\.?(?:\s*(?:apt|#|unit)\s*\w+)?"
        ),
    ),
    (
        "name",
        re.compile(
            r"(?i)(?:my name is|i am called|me llamo|mi nombre es|meu nome [eé]|me chamo|mwen rele|non mwen se|"
            r"ang pangalan ko ay|pangalan ko ay|tên tôi là|tôi tên là|меня зовут|اسمي)\s+[\w'-]+(?:\s+[\w'-]+)?"
            r"|(?:我叫|我的名字是|제 이름은|저는)\s*\S{1,8}"
        ),
    ),
    ("long_number", re.compile(r"(?<!\d)\d(?:[-\s.]?\d){6,}(?!\d)")),
]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Screened:
    """A question after the guard: safe to embed and match; `found` counts identifier kinds (never their values)."""

    text: str
    found: tuple[str, ...]


def screen(raw: object, max_chars: int) -> Screened:
    """Validate and scrub one question; raise InputError with a reason a person can act on."""
    if not isinstance(raw, str):
        raise InputError("question must be a string")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", raw)).strip()
    if not text:
        raise InputError("question is empty")
    if len(text) > max_chars:
        raise InputError(f"question is too long ({len(text)} characters; the limit is {max_chars})")
    return scrub(text)


def scrub(text: str) -> Screened:
    found = []
    for kind, pattern in _PATTERNS:
        text, n = pattern.subn(f"[{kind}]", text)
        if n:
            found.append(kind)
    return Screened(" ".join(text.split()), tuple(found))
